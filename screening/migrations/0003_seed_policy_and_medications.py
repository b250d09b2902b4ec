"""Seed the medication knowledge from the engine's data file and create the
screening policy row with the engine's default thresholds."""

import json
from pathlib import Path

from django.db import migrations

DATA_FILE = Path(__file__).resolve().parent.parent / "engine" / "data" / "medications.json"


def seed(apps, schema_editor):
    Medication = apps.get_model("screening", "Medication")
    ScreeningPolicy = apps.get_model("screening", "ScreeningPolicy")
    from screening.engine.policy import DEFAULT_POLICY

    with open(DATA_FILE, encoding="utf-8") as fh:
        records = json.load(fh)
    Medication.objects.bulk_create(
        [
            Medication(
                generic=record["generic"].strip().lower(),
                brand_names=list(record.get("brands") or []),
                classes=list(record.get("classes") or []),
                min_dose_mg=record.get("min_dose_mg"),
                min_dose_older_mg=record.get("min_dose_older_mg"),
            )
            for record in records
        ],
        ignore_conflicts=True,
    )
    field_names = {f.name for f in ScreeningPolicy._meta.get_fields()}
    defaults = {k: v for k, v in DEFAULT_POLICY.to_dict().items() if k in field_names}
    ScreeningPolicy.objects.get_or_create(id=1, defaults={"version": 1, **defaults})


def unseed(apps, schema_editor):
    apps.get_model("screening", "Medication").objects.all().delete()
    apps.get_model("screening", "ScreeningPolicy").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0002_policy_and_medications"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
