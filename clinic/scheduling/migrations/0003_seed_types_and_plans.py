"""Seed the appointment types and the common treatment courses.

Both stay editable in the admin; this runs once and only adds what is missing.
"""

from django.db import migrations

TYPES = [
    # slug, name, minutes, clinician, room, colour, sends check-in
    ("consult", "Consult", 60, True, False, "#0d6efd", False),
    ("follow-up", "Follow-up", 30, True, False, "#6f42c1", True),
    ("iv-ketamine-infusion", "IV ketamine infusion", 120, True, True, "#d63384", False),
    ("esketamine-session", "Esketamine session", 120, True, True, "#fd7e14", False),
    ("tms-session", "TMS session", 30, True, True, "#198754", False),
    ("ect-session", "ECT session", 60, True, True, "#6c757d", False),
]


def _weeks(days_per_week, weeks, first_week=0):
    return [(first_week + week) * 7 + day for week in range(weeks) for day in days_per_week]


KETAMINE_INFUSIONS = _weeks([0, 3], 3)  # 6 infusions over 3 weeks
ESKETAMINE = _weeks([0, 3], 4) + _weeks([0], 4, first_week=4)
TMS = _weeks([0, 1, 2, 3, 4], 6) + _weeks([0, 2, 4], 1, 6) + _weeks([0, 3], 1, 7) + [8 * 7]
ECT = _weeks([0, 2, 4], 4)

PLANS = [
    (
        "iv-ketamine-induction",
        "IV ketamine induction",
        "6 infusions over 3 weeks, then follow-ups 1 and 4 weeks after the last.",
        [("iv-ketamine-infusion", d) for d in KETAMINE_INFUSIONS]
        + [("follow-up", KETAMINE_INFUSIONS[-1] + 7), ("follow-up", KETAMINE_INFUSIONS[-1] + 28)],
    ),
    (
        "esketamine-induction",
        "Esketamine induction",
        "Twice weekly for 4 weeks, then weekly for 4 weeks.",
        [("esketamine-session", d) for d in ESKETAMINE],
    ),
    (
        "tms-course",
        "TMS course",
        "5 sessions a week for 6 weeks, then a 3-week taper of 3, 2 and 1.",
        [("tms-session", d) for d in TMS],
    ),
    (
        "ect-index-course",
        "ECT index course",
        "3 sessions a week, up to 12.",
        [("ect-session", d) for d in ECT],
    ),
]


def seed(apps, schema_editor):
    AppointmentType = apps.get_model("scheduling", "AppointmentType")
    FollowUpPlan = apps.get_model("scheduling", "FollowUpPlan")
    FollowUpPlanStep = apps.get_model("scheduling", "FollowUpPlanStep")
    types = {}
    for slug, name, minutes, clinician, room, colour, checkin in TYPES:
        types[slug], _ = AppointmentType.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "default_minutes": minutes,
                "needs_clinician": clinician,
                "needs_room": room,
                "colour": colour,
                "reminder_offsets": [1440, 120],
                "sends_checkin": checkin,
            },
        )
    for slug, name, description, steps in PLANS:
        plan, created = FollowUpPlan.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
        if created:
            FollowUpPlanStep.objects.bulk_create(
                FollowUpPlanStep(plan=plan, position=i, day=day, appointment_type=types[type_slug])
                for i, (type_slug, day) in enumerate(steps, start=1)
            )


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_no_double_booking")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
