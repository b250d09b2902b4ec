"""axe-core scans of the scheduling pages (no serious or critical issues)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from clinic.scheduling.services.booking import appointment_book
from tests.browser.axe import assert_accessible
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.scheduling import (
    CheckInFactory,
    RoomFactory,
    appointment_type,
    seed_types_and_plans,
    working_week,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_scheduling_pages_are_accessible(live_server, page, login_page):
    seed_types_and_plans()
    doctor = StaffFactory(role="clinician", last_name="Okafor")
    working_week(doctor)
    RoomFactory(name="TMS room")
    patient = PatientFactory(with_login=True)
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    start += datetime.timedelta(days=2)
    appointment = appointment_book(
        patient=patient,
        appointment_type=appointment_type("consult"),
        start=start,
        clinician=doctor,
        booked_by=None,
    )
    login_page(StaffFactory(role="scheduler"))
    for path in (
        f"/schedule/?date={start:%Y-%m-%d}",
        f"/schedule/?view=week&id={doctor.pk}&date={start:%Y-%m-%d}",
        f"/schedule/appointment/{appointment.pk}/",
        f"/schedule/book/?patient={patient.pk}&type=consult",
        f"/schedule/book/?q={patient.family_name}&type=consult",
        "/schedule/book/?q=nobody-by-that-name",
        "/schedule/slots/",
        "/schedule/course/",
        "/schedule/attention/",
    ):
        page.goto(live_server.url + path)
        assert_accessible(page)
    checkin = CheckInFactory(
        appointment__patient=patient, appointment__clinician=doctor, patient=patient
    )
    login_page(patient.user)
    for path in ("/appointments/", f"/check-in/{checkin.token}/"):
        page.goto(live_server.url + path)
        assert_accessible(page)
