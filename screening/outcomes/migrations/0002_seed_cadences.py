"""Seed each treatment's measuring cadence (editable in the admin; this only
adds what is missing): TMS weekly; esketamine and IV ketamine before each
session, induction and maintenance; ECT before each session; all at the end
of the course and 1, 3 and 6 months after it."""

from django.db import migrations

CADENCES = [
    # treatment, session type slug, before each session, every N days, chart by week
    ("iv_ketamine", "iv-ketamine-infusion", True, None, False),
    ("esketamine", "esketamine-session", True, None, False),
    ("tms", "tms-session", False, 7, True),
    ("ect", "ect-session", True, None, False),
]


def seed(apps, schema_editor):
    AppointmentType = apps.get_model("scheduling", "AppointmentType")
    MeasurementCadence = apps.get_model("outcomes", "MeasurementCadence")
    for treatment, slug, before_each, every_days, by_week in CADENCES:
        kind = AppointmentType.objects.filter(slug=slug).first()
        if kind is None or MeasurementCadence.objects.filter(treatment=treatment).exists():
            continue
        MeasurementCadence.objects.create(
            treatment=treatment,
            session_type=kind,
            before_each_session=before_each,
            every_days=every_days,
            at_end=True,
            months_after=[1, 3, 6],
            chart_by_week=by_week,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("outcomes", "0001_measurements_and_results"),
        ("scheduling", "0003_seed_types_and_plans"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
