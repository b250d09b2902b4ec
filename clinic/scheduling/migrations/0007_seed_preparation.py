"""Seed what the patient must do before ketamine, esketamine, TMS and ECT
sessions; only where the type has no preparation text yet."""

from django.db import migrations

from clinic.scheduling.preparation import SEEDED


def seed(apps, schema_editor):
    AppointmentType = apps.get_model("scheduling", "AppointmentType")
    for slug, text in SEEDED.items():
        AppointmentType.objects.filter(slug=slug, preparation="").update(preparation=text)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0006_closures_notifications_revision")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
