"""Seed the four treatment protocols (from the seeded appointment types) and
the vitals limits row. Editable in the admin; this only adds what is missing."""

from django.db import migrations

# modality, appointment type slug, vitals minutes
PROTOCOLS = [
    ("iv_ketamine", "iv-ketamine-infusion", [0, 15, 30, 45, 60]),
    ("esketamine", "esketamine-session", [0, 40]),
    ("tms", "tms-session", []),
    ("ect", "ect-session", []),
]


def seed(apps, schema_editor):
    AppointmentType = apps.get_model("scheduling", "AppointmentType")
    TreatmentProtocol = apps.get_model("treatment", "TreatmentProtocol")
    VitalsLimits = apps.get_model("treatment", "VitalsLimits")
    for modality, slug, minutes in PROTOCOLS:
        kind = AppointmentType.objects.filter(slug=slug).first()
        if kind is None or TreatmentProtocol.objects.filter(modality=modality).exists():
            continue
        TreatmentProtocol.objects.create(
            modality=modality, appointment_type=kind, vitals_minutes=minutes
        )
    VitalsLimits.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [
        ("treatment", "0002_signed_sessions_immutable"),
        ("scheduling", "0004_treatment_course"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
