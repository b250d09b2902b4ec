"""The admin: the same booking rules and messages, list page, actions."""

from __future__ import annotations

import pytest
from django.core import mail

from clinic.scheduling.models import Appointment
from clinic.scheduling.services.booking import appointment_book
from tests.factories.accounts import PatientFactory
from tests.factories.scheduling import appointment_type, local_dt

pytestmark = pytest.mark.django_db


def book(patient, start, clinician, kind="consult"):
    return appointment_book(
        patient=patient,
        appointment_type=appointment_type(kind),
        start=start,
        clinician=clinician,
        booked_by=None,
    )


def _add(client, patient, clinician, time, **extra):
    return client.post(
        "/admin/scheduling/appointment/add/",
        {
            "patient": patient.pk,
            "appointment_type": appointment_type("consult").pk,
            "clinician": clinician.pk,
            "start_0": "2026-03-04",
            "start_1": time,
            "end_0": "",
            "end_1": "",
            "status": "booked",
            "notes": "",
            "override_reason": "",
            "reminders-TOTAL_FORMS": "0",
            "reminders-INITIAL_FORMS": "0",
            **extra,
        },
    )


def test_the_scheduler_adds_an_appointment_through_the_booking_rules(
    client, scheduler, frozen_now, okafor, dana
):
    client.force_login(scheduler)
    response = _add(client, dana, okafor, "10:00")
    assert response.status_code == 302, response.content.decode()[:3000]
    appointment = Appointment.objects.get()
    assert appointment.booked_by == scheduler
    assert appointment.end == local_dt(2026, 3, 4, 11)
    assert appointment.reminders.count() == 2


def test_the_admin_shows_the_same_conflict_message(client, scheduler, frozen_now, okafor, dana):
    book(dana, local_dt(2026, 3, 4, 10), okafor)
    client.force_login(scheduler)
    response = _add(client, PatientFactory(), okafor, "10:30")
    assert response.status_code == 200
    assert (
        "Dr Okafor already has an appointment 10:00-11:00 on Wed 4 Mar 2026 with D. R. (Consult)."
        in response.content.decode()
    )
    assert Appointment.objects.count() == 1


def test_the_admin_asks_for_an_override_outside_hours(client, scheduler, frozen_now, okafor, dana):
    client.force_login(scheduler)
    response = _add(client, dana, okafor, "19:00")
    assert "Dr Okafor does not work 19:00-20:00" in response.content.decode()
    response = _add(client, dana, okafor, "19:00", override_reason="Late clinic")
    assert response.status_code == 302
    assert Appointment.objects.get().override_reason == "Late clinic"


def test_the_admin_change_form_moves_through_the_service(
    client, scheduler, frozen_now, okafor, dana
):
    appointment = book(dana, local_dt(2026, 3, 4, 10), okafor)
    client.force_login(scheduler)
    response = client.post(
        f"/admin/scheduling/appointment/{appointment.pk}/change/",
        {
            "patient": dana.pk,
            "appointment_type": appointment_type("consult").pk,
            "clinician": okafor.pk,
            "start_0": "2026-03-05",
            "start_1": "14:00",
            "end_0": "2026-03-05",
            "end_1": "15:00",
            "status": "booked",
            "notes": "moved by phone",
            "override_reason": "",
            "reminders-TOTAL_FORMS": "2",
            "reminders-INITIAL_FORMS": "2",
            "reminders-MIN_NUM_FORMS": "0",
            "reminders-MAX_NUM_FORMS": "0",
            **{
                f"reminders-{i}-id": r.pk
                for i, r in enumerate(appointment.reminders.order_by("pk"))
            },
            **{f"reminders-{i}-appointment": appointment.pk for i in range(2)},
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    appointment.refresh_from_db()
    assert appointment.start == local_dt(2026, 3, 5, 14)
    assert appointment.notes == "moved by phone"
    assert appointment.reminders.filter(superseded_at__isnull=True).count() == 2
    assert appointment.reminders.filter(superseded_at__isnull=False).count() == 2


def test_the_list_page_queries_do_not_grow(
    client, scheduler, frozen_now, okafor, django_assert_num_queries
):
    client.force_login(scheduler)
    book(PatientFactory(family_name="Listed0"), local_dt(2026, 3, 4, 9), okafor)
    client.get("/admin/scheduling/appointment/")
    # 14: the list (its date links from the table's first and last start, one
    # query), plus the access log of the patients shown (their ids, one insert).
    with django_assert_num_queries(14) as one:
        page = client.get("/admin/scheduling/appointment/").content.decode()
    assert "Listed0" in page
    for hour in (1, 2):
        book(PatientFactory(family_name=f"Listed{hour}"), local_dt(2026, 3, 4, 9 + hour), okafor)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get("/admin/scheduling/appointment/").content.decode()
    assert all(f"Listed{n}" in page for n in range(3))
    searched = client.get("/admin/scheduling/appointment/?q=Listed1").content.decode()
    assert "Listed1" in searched and "Listed2" not in searched


def test_actions_confirm_cancel_no_show_and_resend(
    client, scheduler, frozen_now, okafor, dana, django_capture_on_commit_callbacks
):
    first = book(dana, local_dt(2026, 3, 4, 10), okafor)
    second = book(PatientFactory(), local_dt(2026, 3, 4, 12), okafor)
    client.force_login(scheduler)
    url = "/admin/scheduling/appointment/"
    client.post(url, {"action": "confirm", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert first.status == "confirmed"
    client.post(
        url,
        {
            "action": "cancel",
            "_selected_action": [second.pk],
            "confirm_cancel": "1",
            "reason": "Clinician ill",
        },
    )
    second.refresh_from_db()
    assert second.status == "cancelled"
    client.post(url, {"action": "mark_no_show", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert first.status == "no_show"
    third = book(PatientFactory(), local_dt(2026, 3, 5, 12), okafor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "resend_reminder", "_selected_action": [third.pk]})
    assert third.reminders.filter(offset_minutes__isnull=True).count() == 1
    assert mail.outbox == []  # sent by the worker, not the request


def test_the_patient_page_in_the_admin_lists_appointments(
    client, scheduler, frozen_now, okafor, dana
):
    book(dana, local_dt(2026, 3, 4, 10), okafor)
    client.force_login(scheduler)
    page = client.get(f"/admin/accounts/patient/{dana.pk}/change/").content.decode()
    assert "Consult" in page and "Invitation" in page


def test_the_admin_refuses_to_revive_a_cancelled_appointment(
    client, scheduler, frozen_now, okafor, dana
):
    from clinic.scheduling.services.booking import appointment_cancel

    appointment = book(dana, local_dt(2026, 3, 4, 10), okafor)
    appointment_cancel(appointment=appointment, cancelled_by=None)
    client.force_login(scheduler)
    response = client.post(
        f"/admin/scheduling/appointment/{appointment.pk}/change/",
        {
            "patient": dana.pk,
            "appointment_type": appointment_type("consult").pk,
            "clinician": okafor.pk,
            "start_0": "2026-03-04",
            "start_1": "10:00",
            "end_0": "2026-03-04",
            "end_1": "11:00",
            "status": "booked",
            "notes": "",
            "override_reason": "",
            "reminders-TOTAL_FORMS": "0",
            "reminders-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "A cancelled appointment cannot become booked; book a new one instead." in (
        response.content.decode()
    )
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"


def test_a_refusal_at_save_time_is_a_form_error_not_an_error_page(
    client, scheduler, frozen_now, okafor, dana
):
    """The form skips the slot check for a cancelled appointment, the
    booking service does not: its refusal, raised while saving, comes back
    as the form's message with everything typed still there."""
    book(dana, local_dt(2026, 3, 4, 10), okafor)
    client.force_login(scheduler)
    client.raise_request_exception = False
    other = PatientFactory(family_name="Silva")
    response = _add(
        client, other, okafor, "10:30", status="cancelled", notes="Rang to say she cannot come"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "Dr Okafor already has an appointment 10:00-11:00 on Wed 4 Mar 2026 with D. R. (Consult)."
        in page
    )
    assert "Rang to say she cannot come" in page  # nothing typed is lost
    assert Appointment.objects.count() == 1


def test_the_admin_save_turns_a_raced_booking_into_the_conflict_message(
    rf, scheduler, frozen_now, okafor, dana
):
    """Someone books the slot between the admin form's check and its save:
    the save raises the services' conflict (with its message), which the
    admin view shows as a form error (see the test above)."""
    from django.contrib import admin as django_admin

    from clinic.scheduling.services.rules import BookingConflict

    model_admin = django_admin.site._registry[Appointment]
    request = rf.post("/admin/scheduling/appointment/add/")
    request.user = scheduler
    form_class = model_admin.get_form(request, None, change=False)
    form = form_class(
        {
            "patient": PatientFactory(family_name="Silva").pk,
            "appointment_type": appointment_type("consult").pk,
            "clinician": okafor.pk,
            "start_0": "2026-03-04",
            "start_1": "10:30",
            "status": "booked",
        }
    )
    assert form.is_valid(), form.errors
    book(dana, local_dt(2026, 3, 4, 10), okafor)  # the other booking wins
    with pytest.raises(BookingConflict) as refused:
        model_admin.save_model(request, model_admin.save_form(request, form, False), form, False)
    assert refused.value.messages == [
        "Dr Okafor already has an appointment 10:00-11:00 on Wed 4 Mar 2026 with D. R. (Consult)."
    ]
    assert Appointment.objects.count() == 1
