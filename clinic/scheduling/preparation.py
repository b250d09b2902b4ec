"""What a patient must do before an appointment of each treatment type.

Seeded into `AppointmentType.preparation` by migration 0006 and editable in
the admin. The seeded wording is also a translation message, so a patient
reading Spanish sees it in Spanish until the clinic rewrites it (text the
clinic typed itself is shown as typed)."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

KETAMINE = gettext_noop(
    "No food for 2 hours before, and no drinks for 30 minutes before.\n"
    "Someone must drive you home.\n"
    "No driving until the next day."
)
TMS = gettext_noop(
    "Remove metal items (jewellery, hair clips, cards with a magnetic strip).\nBring earplugs."
)
ECT = gettext_noop("Nothing to eat or drink after midnight.\nSomeone must drive you home.")

# appointment type slug -> seeded preparation
SEEDED = {
    "iv-ketamine-infusion": KETAMINE,
    "esketamine-session": KETAMINE,
    "tms-session": TMS,
    "ect-session": ECT,
}


def preparation_lines(text: str) -> list[str]:
    """The instructions of one type, one per line, translated when they are
    the seeded wording."""
    shown = gettext(text) if text in SEEDED.values() else text
    return [line.strip() for line in shown.splitlines() if line.strip()]
