"""No input gives a server error: odd query strings, NUL characters, dates
at the ends of the calendar (year 1, year 9999), unknown ids and tokens each
get a clear message or a 404."""

from __future__ import annotations

import pytest

from clinic.scheduling.models import Appointment, ChangeRequest
from tests.factories.accounts import PatientFactory
from tests.factories.scheduling import (
    AppointmentFactory,
    CheckInFactory,
    appointment_type,
    local_dt,
)

pytestmark = pytest.mark.django_db

NOT_A_DATE = "That is not a date (use YYYY-MM-DD); showing today."
OUT_OF_RANGE_DAY = "The schedule shows 1900 to 2199 only; showing today."
DATE_RANGE = "Give a date between 1900 and 2199."
NUL = "Null characters are not allowed."
UNKNOWN_CHOICE = "Select a valid choice."
CHOOSE_A_PATIENT = "Choose a patient: search by name, email or date of birth, then pick one."
PATIENT_NOT_FOUND = "That patient was not found. Search again and pick one."


@pytest.fixture
def staff_client(client, scheduler):
    client.force_login(scheduler)
    client.raise_request_exception = False
    return client


@pytest.fixture
def lee(db):
    return PatientFactory(with_login=True, given_name="Lee", family_name="Park")


@pytest.fixture
def patient_client(client, lee):
    client.force_login(lee.user)
    client.raise_request_exception = False
    return client


GETS = [
    ("/schedule/?date=garbage", 200, NOT_A_DATE),
    ("/schedule/?date=%00", 200, NOT_A_DATE),
    ("/schedule/?date=0001-01-01", 200, OUT_OF_RANGE_DAY),
    ("/schedule/?date=9999-12-31", 200, OUT_OF_RANGE_DAY),
    ("/schedule/?date=0001-01-01&view=week", 200, OUT_OF_RANGE_DAY),
    ("/schedule/?date=9999-12-31&view=week&by=room", 200, OUT_OF_RANGE_DAY),
    ("/schedule/?date=2199-12-31&view=week", 200, "2199"),
    ("/schedule/?view=xyz&by=nope&id=abc", 200, "Schedule"),
    ("/schedule/?id=%00&view=%00&by=%00", 200, "Schedule"),
    ("/schedule/book/?patient=abc&type=nope", 404, None),
    ("/schedule/book/?patient=%00", 404, None),
    ("/schedule/book/?patient=999999", 404, None),
    ("/schedule/book/?type=%00&clinician=%00&room=abc&start=%00", 200, "Book an appointment"),
    ("/schedule/book/?start=9999-12-31T23:30", 200, "Book an appointment"),
    ("/schedule/book/?start=0001-01-01T00:00", 200, "Book an appointment"),
    ("/schedule/slots/?appointment_type=nope&clinician=abc&after=garbage", 200, UNKNOWN_CHOICE),
    ("/schedule/slots/?appointment_type=%00&clinician=%00&after=%00", 200, NUL),
    ("/schedule/slots/?appointment_type=consult&after=9999-12-31", 200, DATE_RANGE),
    ("/schedule/course/?patient=abc", 404, None),
    ("/schedule/course/?plan=%00&first_day=9999-12-31&preferred_time=x", 200, DATE_RANGE),
    ("/schedule/appointment/999999/", 404, None),
    ("/schedule/appointment/99999999999999999999999/", 404, None),
    ("/schedule/book/?patient=99999999999999999999999", 404, None),
    ("/schedule/course/?patient=-1", 404, None),
    ("/schedule/?view=week&id=99999999999999999999999", 200, "Schedule"),
    ("/admin/scheduling/appointment/?q=%00", 200, "Select appointment to change"),
    ("/admin/accounts/patient/?q=%00", 200, None),
    ("/admin/scheduling/course/?q=%00", 200, None),
    ("/admin/scheduling/appointment/?start__gte=garbage&status=%00", 200, None),
    ("/admin/scheduling/appointment/99999999999999999999999/change/", 200, "doesn’t exist"),
    (
        "/admin/autocomplete/?term=%00&app_label=scheduling&model_name=appointment"
        "&field_name=patient",
        200,
        None,
    ),
    ("/calendar/%00.ics", 404, None),
    ("/calendar/nope.ics", 404, None),
]


@pytest.mark.parametrize(("url", "status", "message"), GETS)
def test_odd_query_strings_never_give_a_server_error(staff_client, url, status, message):
    appointment_type("consult")  # the seeded types
    response = staff_client.get(url, follow=True)
    assert response.status_code == status, response.content.decode()[:2000]
    if message:
        assert message in response.content.decode()


def _book_post(who, doctor, **changes):
    data = {
        "patient": who.pk,
        "appointment_type": "consult",
        "clinician": doctor.pk,
        "room": "",
        "date": "2026-03-04",
        "time": "10:00",
        "minutes": "",
        "notes": "",
        "override_reason": "",
    }
    data.update(changes)
    return data


BOOK_POSTS = [
    ({"notes": "call\x00me"}, NUL),
    ({"override_reason": "x\x00"}, NUL),
    ({"date": "0001-01-01", "time": "00:00"}, DATE_RANGE),
    ({"date": "9999-12-31", "time": "23:30"}, DATE_RANGE),
    ({"date": "9999-12-31", "time": "23:30", "minutes": "600"}, DATE_RANGE),
    ({"date": "\x00", "time": "\x00"}, "Enter a valid date."),
    ({"patient": "abc", "appointment_type": "nope", "clinician": "x"}, PATIENT_NOT_FOUND),
    ({"patient": "\x00", "appointment_type": "\x00", "room": "\x00"}, PATIENT_NOT_FOUND),
    ({"patient": "999999"}, PATIENT_NOT_FOUND),
    ({"patient": ""}, CHOOSE_A_PATIENT),
    ({"minutes": "1e9"}, "Enter a whole number."),
]


@pytest.mark.parametrize(("changes", "message"), BOOK_POSTS)
def test_odd_booking_posts_give_a_form_error(
    staff_client, frozen_now, okafor, dana, changes, message
):
    appointment_type("consult")
    response = staff_client.post("/schedule/book/", _book_post(dana, okafor, **changes))
    assert response.status_code == 200, response.content.decode()[:2000]
    assert message in response.content.decode()
    assert Appointment.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"date": "9999-12-31", "time": "23:30"}, DATE_RANGE),
        ({"date": "0001-01-01", "time": "00:00"}, DATE_RANGE),
        ({"override_reason": "\x00", "clinician": "\x00"}, NUL),
        ({"scope": "\x00", "room": "abc"}, UNKNOWN_CHOICE),
    ],
)
def test_odd_moves_give_a_form_error(staff_client, frozen_now, okafor, dana, changes, message):
    appointment = AppointmentFactory(patient=dana, clinician=okafor, start=local_dt(2026, 3, 4, 10))
    data = {"date": "2026-03-05", "time": "10:00", "clinician": okafor.pk, "scope": "one"}
    data.update(changes)
    response = staff_client.post(f"/schedule/appointment/{appointment.pk}/move/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == local_dt(2026, 3, 4, 10)


@pytest.mark.parametrize(
    "data",
    [
        {"reason": "\x00"},
        {"reason": "x" * 5000},
        {"scope": "\x00"},
    ],
)
def test_odd_cancels_and_statuses_give_a_message(staff_client, frozen_now, okafor, dana, data):
    appointment = AppointmentFactory(patient=dana, clinician=okafor, start=local_dt(2026, 3, 4, 10))
    response = staff_client.post(
        f"/schedule/appointment/{appointment.pk}/cancel/",
        {f"cancel-{k}": v for k, v in data.items()},
        follow=True,
    )
    assert response.status_code == 200
    assert "Cancelling needs" in response.content.decode()
    response = staff_client.post(
        f"/schedule/appointment/{appointment.pk}/status/", {"status": "\x00"}, follow=True
    )
    assert response.status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_odd_course_posts_give_a_form_error(staff_client, frozen_now, okafor, dana):
    appointment_type("consult")
    response = staff_client.post(
        "/schedule/course/",
        {
            "patient": dana.pk,
            "plan": "tms-course",
            "clinician": okafor.pk,
            "room": "",
            "first_day": "9999-12-31",
            "preferred_time": "09:00",
            "book": "1",
            "slot_1": "\x00",
            "override_reason": "\x00",
        },
    )
    assert response.status_code == 200
    assert DATE_RANGE in response.content.decode()
    assert Appointment.objects.count() == 0


def test_an_unknown_or_odd_check_in_token_is_a_404(patient_client):
    for token in ("not-a-token", "%00", "x" * 500):
        assert patient_client.get(f"/check-in/{token}/").status_code == 404


def test_a_check_in_with_odd_answers_shows_the_form_again(patient_client, frozen_now, lee):
    checkin = CheckInFactory(appointment__patient=lee)
    response = patient_client.post(
        f"/check-in/{checkin.token}/", {"phq9_1": "\x00", "phq9_2": "99", "cssrs_wish": "maybe"}
    )
    assert response.status_code == 200
    assert UNKNOWN_CHOICE in response.content.decode()
    checkin.refresh_from_db()
    assert checkin.completed_at is None


def test_a_change_request_with_nul_characters_is_refused_in_words(patient_client, frozen_now, lee):
    appointment = AppointmentFactory(patient=lee, start=local_dt(2026, 3, 4, 10))
    response = patient_client.post(
        f"/appointments/{appointment.pk}/request/", {"kind": "cancel", "message": "x\x00"}
    )
    assert response.status_code == 400
    assert NUL in response.content.decode()
    assert not ChangeRequest.objects.exists()


ADMIN_CHANGES = [
    ({"start_0": "9999-12-31", "start_1": "23:30"}, DATE_RANGE),
    ({"start_0": "0001-01-01", "start_1": "00:00"}, DATE_RANGE),
    ({"end_0": "9999-12-31", "end_1": "23:30"}, DATE_RANGE),
    ({"notes": "a\x00b"}, NUL),
    ({"patient": "abc", "clinician": "\x00"}, UNKNOWN_CHOICE),
]


@pytest.mark.parametrize(("changes", "message"), ADMIN_CHANGES)
def test_odd_admin_posts_give_a_form_error(
    staff_client, frozen_now, okafor, dana, changes, message
):
    data = {
        "patient": dana.pk,
        "appointment_type": appointment_type("consult").pk,
        "clinician": okafor.pk,
        "start_0": "2026-03-04",
        "start_1": "10:00",
        "end_0": "",
        "end_1": "",
        "status": "booked",
        "notes": "",
        "override_reason": "",
        "reminders-TOTAL_FORMS": "0",
        "reminders-INITIAL_FORMS": "0",
    }
    data.update(changes)
    response = staff_client.post("/admin/scheduling/appointment/add/", data)
    assert response.status_code == 200, response.content.decode()[:2000]
    assert message in response.content.decode()
    assert Appointment.objects.count() == 0


def test_patient_search_with_odd_input_gives_no_error(staff_client):
    PatientFactory(family_name="Reyes")
    for query in ("\x00", "%", "_", "'; drop table", "9999-12-31", "0001-01-01", "x" * 500):
        response = staff_client.get("/schedule/patients/", {"q": query})
        assert response.status_code == 200
        assert "No patient matches" in response.content.decode()
    for query in ("\x00", "13/45/2000", "x" * 500):
        response = staff_client.get("/schedule/book/", {"q": query})
        assert response.status_code == 200
        assert "No patient matches" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/scheduling/appointment/?start__year=9999&start__month=12&start__day=31",
        "/admin/scheduling/appointment/?start__year=9999&start__month=12",
        "/admin/scheduling/appointment/?start__year=1",
        "/admin/scheduling/appointment/?start__year=abc",
        "/admin/scheduling/timeoff/?start__year=9999&start__month=12&start__day=31",
    ],
)
def test_the_admin_date_drill_down_at_the_calendars_end_is_not_an_error_page(
    client, clinic_admin, url
):
    client.force_login(clinic_admin)
    client.raise_request_exception = False
    response = client.get(url, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain in ([], [(url.split("?")[0] + "?e=1", 302)])


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_admin_time_off_at_the_calendars_end_is_a_form_error(client, clinic_admin, okafor, day):
    from clinic.scheduling.models import TimeOff

    client.force_login(clinic_admin)
    client.raise_request_exception = False
    response = client.post(
        "/admin/scheduling/timeoff/add/",
        {
            "clinician": okafor.pk,
            "start_0": day,
            "start_1": "23:30",
            "end_0": day,
            "end_1": "23:45",
            "reason": "x",
        },
    )
    assert response.status_code == 200
    assert DATE_RANGE in response.content.decode()
    assert not TimeOff.objects.exists()
