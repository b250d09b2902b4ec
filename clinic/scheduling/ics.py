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
from icalendar import Alarm, Calendar, Event

from clinic.scheduling.models import INACTIVE_STATUSES, Appointment


def _host() -> str:
    return urlparse(settings.CLINIC_BASE_URL).hostname or "clinic.invalid"


def appointment_uid(appointment: Appointment) -> str:
    return f"appointment-{appointment.pk}@{_host()}"


def _event(appointment: Appointment, *, for_patient: bool) -> Event:
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    kind = appointment.appointment_type.name
    if for_patient:
        event.add("summary", f"{kind} at {settings.CLINIC_NAME}")
        event.add("location", settings.CLINIC_NAME)
        event.add(
            "description",
            f"{kind} at {settings.CLINIC_NAME}. To change it, call {settings.CLINIC_PHONE}.",
        )
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"{kind} at {settings.CLINIC_NAME}")
        alarm.add("trigger", timedelta(hours=-2))
        event.add_component(alarm)
    else:
        event.add("summary", f"{kind} - {appointment.patient_initials}")
        if appointment.room_id:
            event.add("location", str(appointment.room))
    # The appointment's modification count is not tracked; the start time
    # changes on every move, so it serves as a sequence for calendar clients.
    event.add("sequence", int(appointment.start.timestamp()) // 60 % 2_000_000_000)
    if appointment.status in INACTIVE_STATUSES:
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
    return event


def calendar_bytes(
    appointments: Iterable[Appointment], *, for_patient: bool, name: str = ""
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.CLINIC_NAME}//Scheduling//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    for appointment in appointments:
        calendar.add_component(_event(appointment, for_patient=for_patient))
    return calendar.to_ical()
