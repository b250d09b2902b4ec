"""What a clinic notices on its first day (issue 12), scheduling side: the
free-slot finder keeps the patient and type, the week view's "All", past
appointments to close, reminder offsets in words, a refused move's errors at
the top, Consults to book with phone and language."""

from __future__ import annotations

import pytest

from clinic.scheduling.services.booking import appointment_book
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.review import consult_decided
from tests.factories.scheduling import (
    AppointmentFactory,
    appointment_type,
    local_dt,
    working_week,
)
from tests.factories.screening import valid_document

pytestmark = pytest.mark.django_db


def book(patient, start, clinician, kind="consult"):
    return appointment_book(
        patient=patient,
        appointment_type=appointment_type(kind),
        start=start,
        clinician=clinician,
        booked_by=None,
    )


def test_the_slot_finder_keeps_the_patient_and_type_into_booking(
    client, scheduler, frozen_now, okafor, dana
):
    client.force_login(scheduler)
    page = client.get("/schedule/book/", {"patient": dana.pk, "type": "follow-up"}).content.decode()
    assert f'href="/schedule/slots/?patient={dana.pk}&amp;type=follow-up"' in page
    response = client.get("/schedule/slots/", {"patient": dana.pk, "type": "follow-up"})
    form = response.context["form"]
    assert not form.is_bound
    assert form.initial == {"patient": str(dana.pk), "appointment_type": "follow-up"}
    assert "For Dana Reyes" in response.content.decode()
    # The patient's own appointment is not offered as free.
    AppointmentFactory(patient=dana, start=local_dt(2026, 3, 2, 9))
    response = client.get(
        "/schedule/slots/",
        {"patient": dana.pk, "appointment_type": "follow-up", "clinician": okafor.pk},
    )
    links = [query for _start, query in response.context["found"]]
    assert links and all(q.startswith(f"patient={dana.pk}&type=follow-up") for q in links)
    assert not any("start=2026-03-02T09" in q for q in links)
    booking = client.get(f"/schedule/book/?{links[0]}")
    assert booking.context["form"].initial["patient"] == dana
    assert booking.context["form"].initial["appointment_type"].slug == "follow-up"


def test_the_week_view_all_shows_every_clinician(client, scheduler, frozen_now, okafor, dana):
    lindqvist = StaffFactory(role="clinician", last_name="Lindqvist")
    working_week(lindqvist, days=range(5))
    book(dana, local_dt(2026, 3, 3, 10), okafor)
    book(PatientFactory(family_name="Other"), local_dt(2026, 3, 4, 11), lindqvist)
    client.force_login(scheduler)
    response = client.get("/schedule/", {"view": "week", "date": "2026-03-02", "id": ""})
    columns = response.context["columns"]
    assert {c.resource for c in columns} == {okafor, lindqvist}
    assert len(columns) == 14
    assert '<option value="">All</option>' in response.content.decode()
    shown = {
        a.patient.family_name
        for _t, cells in response.context["rows"]
        for c in cells
        for a in c.appointments
    }
    assert shown == {"Reyes", "Other"}


def test_past_open_appointments_are_listed_to_close(client, scheduler, frozen_now, okafor):
    client.force_login(scheduler)
    page = client.get("/schedule/attention/").content.decode()
    assert "None: every past appointment is closed." in page
    assert "Nobody: every patient has something booked." in page
    old = AppointmentFactory(
        patient=PatientFactory(given_name="Ola", family_name="Past"),
        clinician=okafor,
        start=local_dt(2026, 2, 25, 10),
    )
    page = client.get("/schedule/attention/").content.decode()
    assert "1 appointment is over but still open" in page
    assert "Ola Past" in page
    assert "Nobody: every patient has something booked." not in page
    response = client.post(
        f"/schedule/appointment/{old.pk}/status/", {"status": "completed", "next": "attention"}
    )
    assert response["Location"] == "/schedule/attention/"
    old.refresh_from_db()
    assert old.status == "completed"
    assert (
        "None: every past appointment is closed."
        in client.get("/schedule/attention/").content.decode()
    )


def test_the_attention_page_has_constant_queries(client, scheduler, frozen_now, okafor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(scheduler)
    AppointmentFactory(clinician=okafor, start=local_dt(2026, 2, 25, 10))
    with CaptureQueriesContext(connection) as one:
        client.get("/schedule/attention/")
    for day in (23, 24, 26):
        AppointmentFactory(clinician=okafor, start=local_dt(2026, 2, day, 10))
    with CaptureQueriesContext(connection) as four:
        client.get("/schedule/attention/")
    assert len(four) == len(one)


def test_reminder_offsets_read_as_hours(client, scheduler, frozen_now, okafor, dana):
    consult = book(dana, local_dt(2026, 3, 4, 10), okafor)
    client.force_login(scheduler)
    page = client.get(consult.get_absolute_url()).content.decode()
    assert "24 hours before" in page and "2 hours before" in page
    assert "min before" not in page


def test_a_refused_move_puts_its_errors_at_the_top(client, scheduler, frozen_now, okafor, dana):
    consult = book(dana, local_dt(2026, 3, 4, 10), okafor)
    book(PatientFactory(), local_dt(2026, 3, 5, 10), okafor)
    client.force_login(scheduler)
    response = client.post(
        f"/schedule/appointment/{consult.pk}/move/",
        {"date": "2026-03-05", "time": "10:00", "clinician": okafor.pk, "scope": "one"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    summary = page[page.index('data-testid="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert "data-error-summary" in page[: page.index('data-testid="error-summary"') + 40]
    assert "The appointment was not moved:" in summary
    assert "Dr Okafor already has an appointment" in summary
    assert page.index('data-testid="error-summary"') < page.index('id="move-heading"')
    consult.refresh_from_db()
    assert consult.start == local_dt(2026, 3, 4, 10)


def test_consults_to_book_show_phone_and_language(client, scheduler):
    doctor = StaffFactory(role="clinician")
    consult_decided(
        by=doctor,
        document=valid_document(patient__phone="+1 555 0142", patient__preferred_language="es"),
    )
    client.force_login(scheduler)
    page = client.get("/review/to-book/").content.decode()
    assert 'href="tel:+15550142"' in page and "+1 555 0142" in page
    language = page[page.index('data-testid="to-book-language"') :]
    assert language[: language.index("</td>")].endswith("Spanish")
