"""Patients at the scale of a clinic network: trigram indexes for the name,
email and external id searches (review queue, admin lists, booking form),
and the admin list's ordering and date hierarchy.

The trigram indexes are PostgreSQL only (see clinic.migration_trigram)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

from clinic.migration_trigram import trigram_index

TABLE = "accounts_patient"


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_cache_table")]

    operations = [
        # A no-op on SQLite.
        TrigramExtension(),
        trigram_index(TABLE, "given_name", "patient_given_name_trgm"),
        trigram_index(TABLE, "family_name", "patient_family_name_trgm"),
        trigram_index(TABLE, "email", "patient_email_trgm"),
        trigram_index(TABLE, "external_id", "patient_external_id_trgm"),
    ]
