"""The labelled maximum daily dose beside each medicine (filled from the
engine's data file for the rows it knows, where no maximum is set yet), and the
doses above it that a patient confirmed, beside the intake document."""

import json
from pathlib import Path

from django.db import migrations, models

DATA_FILE = Path(__file__).resolve().parent.parent / "engine" / "data" / "medications.json"


def fill_maximums(apps, schema_editor):
    Medication = apps.get_model("screening", "Medication")
    with open(DATA_FILE, encoding="utf-8") as fh:
        records = {r["generic"].strip().lower(): r for r in json.load(fh)}
    for row in Medication.objects.filter(max_dose_mg__isnull=True):
        record = records.get(row.generic)
        if record and record.get("max_dose_mg") is not None:
            row.max_dose_mg = record["max_dose_mg"]
            row.max_dose_source = record.get("max_dose_source") or ""
            row.save(update_fields=["max_dose_mg", "max_dose_source"])


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0008_medication_antidepressant_class"),
    ]

    operations = [
        migrations.AddField(
            model_name="intake",
            name="dose_confirmations",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="medication",
            name="max_dose_mg",
            field=models.FloatField(
                blank=True,
                help_text=(
                    "Highest daily dose on the product label, mg, adults (empty: none "
                    "recorded). A patient typing a higher dose is asked to confirm it is per "
                    "day and in mg."
                ),
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="medication",
            name="max_dose_source",
            field=models.CharField(
                blank=True,
                help_text=(
                    "The label the maximum comes from, e.g. 'Zoloft US prescribing "
                    "information, 2.1'."
                ),
                max_length=300,
            ),
        ),
        migrations.AddConstraint(
            model_name="medication",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("max_dose_mg__isnull", True), ("max_dose_mg__gt", 0), _connector="OR"
                ),
                name="medication_max_dose_positive",
            ),
        ),
        migrations.RunPython(fill_maximums, migrations.RunPython.noop),
    ]
