"""iCalendar (RFC 5545) for appointments: one-off downloads, email
attachments and the clinicians' private feeds.

Feeds carry no clinical details: only the patient's initials and the type.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlparse

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from icalendar import Alarm, Calendar, Event, vText

from clinic.scheduling.models import INACTIVE_STATUSES, Appointment


def _host() -> str:
    return urlparse(settings.CLINIC_BASE_URL).hostname or "clinic.invalid"


def appointment_uid(appointment: Appointment) -> str:
    return f"appointment-{appointment.pk}@{_host()}"


def _event(appointment: Appointment, *, for_patient: bool, cancelled: bool = False) -> Event:
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    kind = appointment.appointment_type.name
    if for_patient:
        summary = gettext("%(kind)s at %(clinic)s") % {"kind": kind, "clinic": settings.CLINIC_NAME}
        event.add("summary", summary)
        place = [settings.CLINIC_NAME, settings.CLINIC_ADDRESS]
        if appointment.room_id:
            place.insert(1, str(appointment.room))
        event.add("location", ", ".join(p for p in place if p))
        event.add(
            "description",
            gettext("%(summary)s. To change it, call %(phone)s.")
            % {"summary": summary, "phone": settings.CLINIC_PHONE},
        )
        event.add(
            "organizer",
            f"mailto:{settings.DEFAULT_FROM_EMAIL}",
            parameters={"cn": settings.CLINIC_NAME},
        )
        if appointment.patient.email:
            event.add(
                "attendee",
                f"mailto:{appointment.patient.email}",
                parameters={"cn": appointment.patient.full_name, "role": "REQ-PARTICIPANT"},
            )
        if not cancelled and appointment.is_live:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", summary)
            alarm.add("trigger", timedelta(hours=-2))
            event.add_component(alarm)
    else:
        event.add("summary", f"{kind} - {appointment.patient_initials}")
        if appointment.room_id:
            event.add("location", str(appointment.room))
    # A stored counter bumped on every move and on cancelling: RFC 5545's
    # SEQUENCE, which only ever grows.
    event.add("sequence", appointment.revision)
    if cancelled or appointment.status in INACTIVE_STATUSES:
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
    return event


def calendar_bytes(
    appointments: Iterable[Appointment],
    *,
    for_patient: bool,
    name: str = "",
    method: str = "PUBLISH",
) -> bytes:
    """An iCalendar of the appointments. `method` is PUBLISH for downloads and
    feeds, REQUEST (new or changed) or CANCEL for the patient's emails."""
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.CLINIC_NAME}//Scheduling//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    if name:
        # An unknown property is written as is; as TEXT it must be escaped
        # (a comma in the clinic's name would end it for some readers).
        calendar.add("x-wr-calname", vText(name))
    for appointment in appointments:
        calendar.add_component(
            _event(appointment, for_patient=for_patient, cancelled=method == "CANCEL")
        )
    return calendar.to_ical()


ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"
