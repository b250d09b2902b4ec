"""Seed the four payer policies of data/policies.json (from their published
criteria; a clinic checks them against the current versions)."""

import datetime
import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "policies.json"


def seed(apps, schema_editor):
    PayerPolicy = apps.get_model("coverage", "PayerPolicy")
    PayerCriterion = apps.get_model("coverage", "PayerCriterion")
    for row in json.loads(DATA.read_text(encoding="utf-8")):
        policy, created = PayerPolicy.objects.get_or_create(
            payer=row["payer"],
            identifier=row["identifier"],
            treatment=row["treatment"],
            defaults={
                "name": row["name"],
                "source_url": row["source_url"],
                "effective_on": datetime.date.fromisoformat(row["effective_on"])
                if row["effective_on"]
                else None,
                "sessions_requested": row["sessions_requested"],
                "notes": row["notes"],
            },
        )
        if created:
            PayerCriterion.objects.bulk_create(
                PayerCriterion(
                    policy=policy,
                    position=position,
                    stage=c.get("stage", "initial"),
                    kind=c["kind"],
                    params=c["params"],
                    text=c["text"],
                )
                for position, c in enumerate(row["criteria"], start=1)
            )


class Migration(migrations.Migration):
    dependencies = [("coverage", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
