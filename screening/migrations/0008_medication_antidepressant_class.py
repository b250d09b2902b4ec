"""The antidepressant class column of the medication knowledge, filled for
the seeded rows from the engine's data file."""

import json

from django.db import migrations, models

from screening.engine.knowledge import DATA_FILE


def fill(apps, schema_editor):
    Medication = apps.get_model("screening", "Medication")
    with open(DATA_FILE, encoding="utf-8") as fh:
        classes = {
            r["generic"]: r["antidepressant_class"]
            for r in json.load(fh)
            if r.get("antidepressant_class")
        }
    for row in Medication.objects.filter(generic__in=list(classes), antidepressant_class=""):
        row.antidepressant_class = classes[row.generic]
        row.save(update_fields=["antidepressant_class"])


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0007_installation"),
    ]

    operations = [
        migrations.AddField(
            model_name="medication",
            name="antidepressant_class",
            field=models.CharField(
                blank=True,
                choices=[
                    ("ssri", "SSRI"),
                    ("snri", "SNRI"),
                    ("tca", "tricyclic (TCA)"),
                    ("maoi", "MAOI"),
                    ("serotonin_modulator", "serotonin modulator"),
                    ("atypical", "atypical antidepressant"),
                ],
                default="",
                help_text="Antidepressant class, for payer criteria (empty: not an antidepressant).",
                max_length=30,
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
