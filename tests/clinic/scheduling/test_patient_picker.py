"""The staff booking and course forms' patient picker: a search (name, email
or date of birth) instead of a list of every patient."""

from __future__ import annotations

import datetime
import re

import pytest

from clinic.scheduling.models import Appointment
from tests.factories.accounts import PatientFactory
from tests.factories.scheduling import appointment_type

pytestmark = pytest.mark.django_db

CHOOSE_A_PATIENT = "Choose a patient: search by name, email or date of birth, then pick one."
PATIENT_NOT_FOUND = "That patient was not found. Search again and pick one."


def radios(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'type="radio" name="patient" id="patient-(\d+)"', page)]


def checked(page: str) -> list[int]:
    return [
        int(pk)
        for pk in re.findall(r'type="radio" name="patient" id="patient-(\d+)"[^>]*checked', page)
    ]


@pytest.fixture
def people(db):
    return {
        "dana": PatientFactory(
            given_name="Dana",
            family_name="Reyes",
            email="dana.r@example.org",
            date_of_birth=datetime.date(1982, 3, 14),
        ),
        "danny": PatientFactory(
            given_name="Danny",
            family_name="Reyes-Ortiz",
            email="dro@example.net",
            date_of_birth=datetime.date(1990, 7, 1),
        ),
        "marco": PatientFactory(
            given_name="Marco",
            family_name="Silva",
            email="marco@example.org",
            date_of_birth=datetime.date(1975, 1, 2),
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("reyes", ["dana", "danny"]),
        ("Reyes, Dana", ["dana"]),
        ("rey dan", ["dana", "danny"]),
        ("dana reyes", ["dana"]),
        ("ortiz", ["danny"]),
        ("marco@example", ["marco"]),
        ("example.org", ["dana", "marco"]),
        ("1982-03-14", ["dana"]),
        ("07/01/1990", ["danny"]),
        ("silva 1975", []),
        ("nobody", []),
    ],
)
def test_the_search_finds_by_name_email_or_date_of_birth(
    client, scheduler, people, query, expected
):
    client.force_login(scheduler)
    page = client.get("/schedule/patients/", {"q": query}).content.decode()
    assert radios(page) == [people[name].pk for name in expected]
    if not expected:
        assert f"No patient matches “{query}”" in page


def test_an_empty_search_asks_for_a_search(client, scheduler, people):
    client.force_login(scheduler)
    page = client.get("/schedule/patients/", {"q": "  "}).content.decode()
    assert radios(page) == []
    assert "Search for the patient to book." in page


def test_the_search_shows_at_most_20_and_says_there_are_more(client, scheduler):
    PatientFactory.create_batch(21, family_name="Nguyen")
    client.force_login(scheduler)
    page = client.get("/schedule/patients/", {"q": "nguyen"}).content.decode()
    assert len(radios(page)) == 20
    assert "Showing the first 20 matches; type more to narrow the list." in page


def test_the_search_query_count_does_not_grow_with_matches(
    client, scheduler, django_assert_num_queries
):
    client.force_login(scheduler)
    PatientFactory(family_name="Okoye0")
    client.get("/schedule/patients/", {"q": "okoye"})
    with django_assert_num_queries(4) as one:
        page = client.get("/schedule/patients/", {"q": "okoye"}).content.decode()
    assert len(radios(page)) == 1
    PatientFactory.create_batch(2, family_name="Okoye1")
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get("/schedule/patients/", {"q": "okoye"}).content.decode()
    assert len(radios(page)) == 3


def test_only_staff_who_book_may_search(client, patient_user, people):
    response = client.get("/schedule/patients/", {"q": "reyes"})
    assert response.status_code == 302  # to the login page
    client.force_login(patient_user)
    assert client.get("/schedule/patients/", {"q": "reyes"}).status_code == 403


def test_the_booking_page_lists_no_patient_until_one_is_searched(client, scheduler, people):
    PatientFactory.create_batch(30)
    client.force_login(scheduler)
    page = client.get("/schedule/book/").content.decode()
    assert radios(page) == []
    assert 'hx-get="/schedule/patients/"' in page
    assert "<script>" not in page and 'style="' not in page
    assert "Find a patient" in page


def test_the_search_without_javascript_keeps_the_other_choices(client, scheduler, people, okafor):
    appointment_type("consult")
    client.force_login(scheduler)
    page = client.get(
        "/schedule/book/",
        {"q": "reyes", "type": "consult", "clinician": okafor.pk, "start": "2026-03-04T10:00"},
    ).content.decode()
    assert radios(page) == [people["dana"].pk, people["danny"].pk]
    assert checked(page) == []
    assert f'<input type="hidden" name="clinician" value="{okafor.pk}">' in page
    assert '<input type="hidden" name="start" value="2026-03-04T10:00">' in page
    assert 'value="2026-03-04"' in page  # the date field is still filled
    assert "is-invalid" not in page  # a search is not a failed booking


def test_a_patient_link_preselects_the_patient(client, scheduler, people):
    client.force_login(scheduler)
    for url in ("/schedule/book/", "/schedule/course/"):
        page = client.get(url, {"patient": people["marco"].pk}).content.decode()
        assert radios(page) == [people["marco"].pk]
        assert checked(page) == [people["marco"].pk]
        page = client.get(url, {"patient": people["marco"].pk, "q": "reyes"}).content.decode()
        assert radios(page) == [people["marco"].pk, people["dana"].pk, people["danny"].pk]
        assert checked(page) == [people["marco"].pk]


def test_the_course_search_does_not_show_errors(client, scheduler, people):
    client.force_login(scheduler)
    page = client.get("/schedule/course/", {"q": "silva"}).content.decode()
    assert radios(page) == [people["marco"].pk]
    assert "is-invalid" not in page


def _post(client, okafor, **changes):
    data = {
        "appointment_type": "consult",
        "clinician": okafor.pk,
        "date": "2026-03-04",
        "time": "10:00",
        "notes": "Prefers mornings",
    }
    data.update(changes)
    return client.post("/schedule/book/", data)


def test_booking_without_a_patient_says_to_choose_one_and_keeps_the_rest(
    client, scheduler, frozen_now, okafor, people
):
    appointment_type("consult")
    client.force_login(scheduler)
    response = _post(client, okafor)
    page = response.content.decode()
    assert response.status_code == 200
    assert CHOOSE_A_PATIENT in page
    assert "Prefers mornings" in page
    response = _post(client, okafor, patient="424242")
    assert PATIENT_NOT_FOUND in response.content.decode()
    assert not Appointment.objects.exists()


def test_the_chosen_patient_stays_chosen_when_something_else_is_wrong(
    client, scheduler, frozen_now, okafor, people
):
    appointment_type("consult")
    client.force_login(scheduler)
    page = _post(client, okafor, patient=people["dana"].pk, time="").content.decode()
    assert checked(page) == [people["dana"].pk]
    assert not Appointment.objects.exists()


def test_the_picked_patient_is_the_one_booked(client, scheduler, frozen_now, okafor, people):
    appointment_type("consult")
    client.force_login(scheduler)
    response = _post(client, okafor, patient=people["danny"].pk)
    assert response.status_code == 302
    assert Appointment.objects.get().patient == people["danny"]


def test_htmx_is_loaded_only_by_the_pages_that_swap_partials(client, scheduler, clinician):
    client.force_login(scheduler)
    for url in ("/schedule/book/", "/schedule/course/"):
        assert "htmx.min.js" in client.get(url).content.decode(), url
    for url in ("/schedule/", "/schedule/attention/"):
        assert "htmx.min.js" not in client.get(url).content.decode(), url
    client.force_login(clinician)
    assert "htmx.min.js" not in client.get("/review/").content.decode()


def test_the_matches_fragment_is_the_pickers_choices_partial_alone(client, scheduler, people):
    client.force_login(scheduler)
    fragment = client.get("/schedule/patients/", {"q": "reyes"}).content.decode()
    assert people["dana"].pk in radios(fragment)
    assert "<fieldset" not in fragment and "<form" not in fragment and "<html" not in fragment
