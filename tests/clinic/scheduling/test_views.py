"""The schedule pages, the patient's page, feeds, check-ins."""

from __future__ import annotations

import datetime

import pytest
from django_tasks_db.models import DBTaskResult
from icalendar import Calendar

from clinic.scheduling.models import Appointment, CalendarFeed, ChangeRequest, CheckIn
from clinic.scheduling.selectors import patients_needing_attention, phq9_checkins
from clinic.scheduling.services.booking import appointment_book
from tests.factories.accounts import PatientFactory
from tests.factories.scheduling import (
    AppointmentFactory,
    CalendarFeedFactory,
    CheckInFactory,
    CourseFactory,
    CoursePlanFactory,
    CoursePlanStepFactory,
    appointment_type,
    local_dt,
)

pytestmark = pytest.mark.django_db


def book(patient, start, clinician, kind="consult", room=None):
    return appointment_book(
        patient=patient,
        appointment_type=appointment_type(kind),
        start=start,
        clinician=clinician,
        room=room,
        booked_by=None,
    )


@pytest.mark.parametrize("view", ["day", "week"])
def test_schedule_shows_appointments_with_constant_queries(
    client, scheduler, frozen_now, okafor, django_assert_num_queries, view
):
    client.force_login(scheduler)
    url = f"/schedule/?view={view}&date=2026-03-04&id={okafor.pk}"
    book(PatientFactory(given_name="Dana", family_name="Reyes"), local_dt(2026, 3, 4, 9), okafor)
    client.get(url)  # warm the session and role caches
    with django_assert_num_queries(8) as one:
        page = client.get(url).content.decode()
    assert "Consult · Dana Reyes" in page
    for hour in (11, 13):
        book(PatientFactory(), local_dt(2026, 3, 4, hour), okafor)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count('data-testid="appointment"') == 3


def test_free_half_hours_link_to_the_booking_form(client, scheduler, frozen_now, okafor):
    client.force_login(scheduler)
    page = client.get(f"/schedule/?date=2026-03-04&id={okafor.pk}").content.decode()
    assert f"/schedule/book/?clinician={okafor.pk}&amp;start=2026-03-04T08:00" in page
    # 07:00 is outside Dr Okafor's hours: no link.
    assert f"clinician={okafor.pk}&amp;start=2026-03-04T07:00" not in page


def test_book_from_the_case_page_link_prefills_patient_and_type(client, scheduler, dana):
    client.force_login(scheduler)
    form = client.get(f"/schedule/book/?patient={dana.pk}&type=consult").context["form"]
    assert form.initial["patient"] == dana
    assert form.initial["appointment_type"].slug == "consult"


def _post_booking(client, patient, clinician, *, time="10:00", **extra):
    data = {
        "patient": patient.pk,
        "appointment_type": "consult",
        "clinician": clinician.pk,
        "date": "2026-03-04",
        "time": time,
        "notes": "First consult",
        **extra,
    }
    return client.post("/schedule/book/", data)


def test_booking_through_the_form(client, scheduler, frozen_now, okafor, dana):
    client.force_login(scheduler)
    response = _post_booking(client, dana, okafor)
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/schedule/appointment/{appointment.pk}/"
    assert appointment.booked_by == scheduler
    assert appointment.notes == "First consult"
    page = client.get(response["Location"]).content.decode()
    assert "Booked: Consult for Dana Reyes on Wed 04 Mar 2026 at 10:00 with Dr Okafor" in page


def test_a_conflict_is_shown_and_what_was_typed_is_kept(
    client, scheduler, frozen_now, okafor, dana
):
    book(dana, local_dt(2026, 3, 4, 10), okafor)
    client.force_login(scheduler)
    other = PatientFactory()
    response = _post_booking(client, other, okafor, time="10:30", notes="Keep me")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Dr Okafor already has an appointment 10:00-11:00 on Wed 4 Mar 2026 with D. R." in page
    assert "Keep me" in page
    assert Appointment.objects.count() == 1


def test_outside_hours_asks_for_an_override_next_to_its_field(
    client, scheduler, frozen_now, okafor, dana
):
    client.force_login(scheduler)
    response = _post_booking(client, dana, okafor, time="18:30")
    assert (
        response.context["form"]
        .errors["override_reason"][0]
        .startswith("Dr Okafor does not work 18:30-19:30")
    )
    response = _post_booking(client, dana, okafor, time="18:30", override_reason="Evening only")
    assert response.status_code == 302
    assert Appointment.objects.get().override_reason == "Evening only"


def test_a_nul_character_is_a_validation_error(client, scheduler, frozen_now, okafor, dana):
    client.force_login(scheduler)
    response = _post_booking(client, dana, okafor, notes="bad\x00note")
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()


def test_moving_and_cancelling_from_the_appointment_page(
    client, scheduler, frozen_now, okafor, dana
):
    appointment = book(dana, local_dt(2026, 3, 4, 10), okafor)
    client.force_login(scheduler)
    response = client.post(
        f"/schedule/appointment/{appointment.pk}/move/",
        {"date": "2026-03-05", "time": "14:00", "clinician": okafor.pk, "scope": "one"},
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.start == local_dt(2026, 3, 5, 14)
    client.post(
        f"/schedule/appointment/{appointment.pk}/cancel/",
        {"cancel-reason": "Ill", "cancel-scope": "one"},
    )
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"


def test_a_move_into_a_conflict_shows_the_message(client, scheduler, frozen_now, okafor, dana):
    book(PatientFactory(given_name="Marco", family_name="Silva"), local_dt(2026, 3, 5, 14), okafor)
    appointment = book(dana, local_dt(2026, 3, 4, 10), okafor)
    client.force_login(scheduler)
    response = client.post(
        f"/schedule/appointment/{appointment.pk}/move/",
        {"date": "2026-03-05", "time": "14:30", "clinician": okafor.pk, "scope": "one"},
    )
    assert response.status_code == 400
    assert "Dr Okafor already has an appointment 14:00-15:00" in response.content.decode()


def test_next_free_slots(client, scheduler, frozen_now, okafor, dana):
    book(dana, local_dt(2026, 3, 2, 9), okafor)
    client.force_login(scheduler)
    response = client.get(
        "/schedule/slots/",
        {"appointment_type": "consult", "clinician": okafor.pk, "after": "2026-03-02"},
    )
    page = response.content.decode()
    # Now is 08:00; 08:00 itself is taken up to 09:00 by nothing but 09:00-10:00 is busy.
    assert "Mon 2 Mar 2026 10:00" in page
    assert "Mon 2 Mar 2026 09:00" not in page


def test_applying_a_course_proposes_then_books_all(
    client, scheduler, frozen_now, okafor, dana, tms_room
):
    client.force_login(scheduler)
    query = {
        "patient": dana.pk,
        "plan": "tms-course",
        "clinician": okafor.pk,
        "room": tms_room.pk,
        "first_day": "2026-03-02",
        "preferred_time": "09:00",
    }
    response = client.get("/schedule/course/", query)
    proposal = response.context["proposal"]
    assert len(proposal) == 36
    data = {**query, "book": "1"}
    for slot in proposal:
        data[f"slot_{slot.position}"] = (
            f"{slot.start.astimezone(local_dt(2026, 1, 1).tzinfo):%Y-%m-%dT%H:%M}"
        )
    response = client.post("/schedule/course/", data)
    assert response.status_code == 302
    assert (
        Appointment.objects.filter(patient=dana, appointment_type__slug="tms-session").count() == 36
    )
    assert Appointment.objects.filter(patient=dana).first().course.plan.slug == "tms-course"


def test_the_patient_sees_their_appointments_and_downloads_an_ics(client, frozen_now, okafor):
    patient = PatientFactory(with_login=True)
    mine = book(patient, local_dt(2026, 3, 4, 10), okafor)
    book(PatientFactory(), local_dt(2026, 3, 4, 12), okafor)
    AppointmentFactory(
        patient=patient, clinician=okafor, start=local_dt(2026, 2, 2, 10), status="completed"
    )
    mine.reminders.filter(offset_minutes=1440).update(sent_at=local_dt(2026, 3, 3, 10))
    client.force_login(patient.user)
    page = client.get("/appointments/").content.decode()
    assert page.count('data-testid="upcoming-appointment"') == 1
    assert "Wednesday 4 March 2026, 10:00–11:00" in page
    assert "Reminder emailed Tue 3 Mar 10:00" in page
    assert "2 Feb 2026" in page
    response = client.get(f"/appointments/{mine.pk}/ics/")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == local_dt(2026, 3, 4, 10)


def test_patients_page_queries_do_not_grow(client, frozen_now, okafor, django_assert_num_queries):
    patient = PatientFactory(with_login=True)
    client.force_login(patient.user)
    book(patient, local_dt(2026, 3, 4, 10), okafor)
    client.get("/appointments/")
    with django_assert_num_queries(9) as one:  # 7 + the emails sent + the calendar link
        client.get("/appointments/")
    book(patient, local_dt(2026, 3, 5, 10), okafor)
    book(patient, local_dt(2026, 3, 6, 10), okafor)
    with django_assert_num_queries(len(one.captured_queries)):
        client.get("/appointments/")


def test_a_patient_cannot_reach_another_patients_appointment(client, frozen_now, okafor):
    patient = PatientFactory(with_login=True)
    theirs = book(PatientFactory(), local_dt(2026, 3, 4, 10), okafor)
    client.force_login(patient.user)
    assert client.get(f"/appointments/{theirs.pk}/ics/").status_code == 404
    assert client.post(f"/appointments/{theirs.pk}/request/", {"kind": "cancel"}).status_code == 404


def test_a_cancel_request_is_approved_by_staff(client, scheduler, frozen_now, okafor):
    patient = PatientFactory(with_login=True)
    mine = book(patient, local_dt(2026, 3, 4, 10), okafor)
    client.force_login(patient.user)
    client.post(f"/appointments/{mine.pk}/request/", {"kind": "cancel", "message": "Away"})
    request = ChangeRequest.objects.get()
    assert (
        "You asked to cancel this appointment; the clinic will reply."
        in client.get("/appointments/").content.decode()
    )
    client.force_login(scheduler)
    assert "Away" in client.get("/schedule/").content.decode()
    client.post(f"/schedule/requests/{request.pk}/", {"decision": "approve"})
    mine.refresh_from_db()
    assert mine.status == "cancelled"


def test_the_calendar_feed_shows_initials_and_type_only_and_can_be_revoked(
    client, frozen_now, okafor
):
    book(PatientFactory(given_name="Dana", family_name="Reyes"), local_dt(2026, 3, 4, 10), okafor)
    feed = CalendarFeedFactory(clinician=okafor)
    response = client.get(f"/calendar/{feed.token}.ics")
    body = response.content.decode()
    assert "SUMMARY:Consult - D. R." in body
    assert "Reyes" not in body and "Dana" not in body
    client.force_login(okafor)
    client.post("/schedule/feed/", {"action": "revoke"})
    assert CalendarFeed.objects.get().revoked_at is not None
    assert client.get(f"/calendar/{feed.token}.ics").status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404


def test_a_check_in_stores_phq9_and_a_high_risk_answer_alerts(
    client, frozen_now, okafor, django_capture_on_commit_callbacks
):
    patient = PatientFactory(with_login=True)
    checkin = CheckInFactory(
        appointment__patient=patient, appointment__clinician=okafor, patient=patient
    )
    client.force_login(patient.user)
    answers = {f"phq9_{n}": "2" for n in range(1, 10)}
    answers.update(
        {
            f"cssrs_{k}": "no"
            for k in ("wish_to_be_dead", "suicidal_thoughts", "method", "plan", "behavior_lifetime")
        }
    )
    answers["cssrs_intent"] = "yes"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/check-in/{checkin.token}/", answers)
    page = response.content.decode()
    assert 'data-testid="crisis-resources"' in page
    checkin.refresh_from_db()
    assert (checkin.phq9_total, checkin.high_risk) == (18, True)
    assert phq9_checkins(patient) == [(datetime.date(2026, 3, 2), 18)]
    assert DBTaskResult.objects.filter(task_path__endswith="send_safety_alert").exists()
    # Only the patient it was sent to may open it.
    client.force_login(PatientFactory(with_login=True).user)
    assert client.get(f"/check-in/{checkin.token}/").status_code == 404


def test_a_check_in_heads_each_question_with_its_own_time_frame(client, frozen_now, okafor):
    """Issue 9: C-SSRS question 6 ("Have you ever...") sat under the PHQ-9's
    "Over the last 2 weeks"; each question is now under its own time frame."""
    patient = PatientFactory(with_login=True)
    checkin = CheckInFactory(
        appointment__patient=patient, appointment__clinician=okafor, patient=patient
    )
    client.force_login(patient.user)
    page = client.get(f"/check-in/{checkin.token}/").content.decode()
    two_weeks = page.index("Over the last 2 weeks, how often have you been bothered")
    past_month = page.index(">In the past month:<")
    lifetime = page.index(">Ever in your life:<")
    assert two_weeks < page.index("Little interest or pleasure") < past_month
    assert past_month < page.index("Have you wished you were dead") < lifetime
    assert page.index("details of how to kill yourself") < lifetime
    assert (
        lifetime
        < page.index("Have you ever done anything")
        < page.index("Was this within the past 3 months?")
    )
    assert page.count('type="radio"') == 9 * 4 + 7 * 2


def test_a_check_in_with_phq9_item_9_above_zero_alerts_like_the_intake(
    client, frozen_now, okafor, django_capture_on_commit_callbacks
):
    patient = PatientFactory(with_login=True)
    checkin = CheckInFactory(
        appointment__patient=patient, appointment__clinician=okafor, patient=patient
    )
    client.force_login(patient.user)
    answers = {f"phq9_{n}": "1" for n in range(1, 10)}
    answers.update(
        {
            f"cssrs_{k}": "no"
            for k in (
                "wish_to_be_dead",
                "suicidal_thoughts",
                "method",
                "intent",
                "plan",
                "behavior_lifetime",
            )
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(f"/check-in/{checkin.token}/", answers).content.decode()
    assert 'data-testid="crisis-resources"' in page
    checkin.refresh_from_db()
    assert (checkin.phq9_total, checkin.high_risk) == (9, True)
    assert DBTaskResult.objects.filter(task_path__endswith="send_safety_alert").count() == 1


def test_a_low_risk_check_in_shows_no_crisis_box(client, frozen_now, okafor):
    patient = PatientFactory(with_login=True)
    checkin = CheckInFactory(
        appointment__patient=patient, appointment__clinician=okafor, patient=patient
    )
    client.force_login(patient.user)
    answers = {f"phq9_{n}": "0" for n in range(1, 10)}
    answers.update(
        {
            f"cssrs_{k}": "no"
            for k in (
                "wish_to_be_dead",
                "suicidal_thoughts",
                "method",
                "intent",
                "plan",
                "behavior_lifetime",
            )
        }
    )
    page = client.post(f"/check-in/{checkin.token}/", answers).content.decode()
    assert 'data-testid="crisis-resources"' not in page
    assert CheckIn.objects.get().phq9_total == 0


def test_patients_needing_attention(frozen_now, okafor):
    waiting = PatientFactory(given_name="Wanda", family_name="Wait")
    AppointmentFactory(
        patient=waiting, clinician=okafor, start=local_dt(2026, 2, 10, 10), status="completed"
    )
    booked = PatientFactory()
    AppointmentFactory(
        patient=booked, clinician=okafor, start=local_dt(2026, 2, 10, 12), status="completed"
    )
    AppointmentFactory(patient=booked, clinician=okafor, start=local_dt(2026, 3, 10, 12))
    missed = PatientFactory(given_name="Nora", family_name="Show")
    AppointmentFactory(
        patient=missed, clinician=okafor, start=local_dt(2026, 2, 27, 10), status="no_show"
    )
    plan = CoursePlanFactory(name="Weekly")
    for position, day in enumerate((0, 7, 14), start=1):
        CoursePlanStepFactory(plan=plan, position=position, day=day)
    gap = PatientFactory(given_name="Gary", family_name="Gap")
    course = CourseFactory(patient=gap, plan=plan, name="Weekly")
    for position, start in enumerate(
        (local_dt(2026, 3, 3), local_dt(2026, 3, 10), local_dt(2026, 4, 7)), start=1
    ):
        AppointmentFactory(
            patient=gap,
            clinician=okafor,
            start=start,
            course=course,
            course_position=position,
            appointment_type=appointment_type("follow-up"),
        )
    items = patients_needing_attention(days=7)
    reasons = {item.patient.family_name: item.reason for item in items}
    assert set(reasons) == {"Wait", "Show", "Gap"}
    assert reasons["Wait"] == "Consult on 10 Feb done; nothing booked since."
    assert reasons["Show"].startswith("No-show: Consult on 27 Feb")
    assert reasons["Gap"] == "Weekly: a gap of 28 days after 10 Mar (7 planned)."


def test_moving_this_and_the_following_from_the_appointment_page(
    client, scheduler, frozen_now, okafor, dana
):
    from clinic.scheduling.services.courses import course_book

    slots = [(appointment_type("follow-up"), local_dt(2026, 3, d, 10)) for d in (3, 10, 17)]
    course = course_book(
        plan=None, patient=dana, clinician=okafor, room=None, slots=slots, booked_by=None
    )
    second = course.appointments.order_by("start")[1]
    client.force_login(scheduler)
    page = client.get(f"/schedule/appointment/{second.pk}/").content.decode()
    assert "This and the following ones in the course" in page
    client.post(
        f"/schedule/appointment/{second.pk}/move/",
        {"date": "2026-03-11", "time": "15:00", "clinician": okafor.pk, "scope": "following"},
    )
    starts = [a.start for a in course.appointments.order_by("start")]
    assert starts == [
        local_dt(2026, 3, 3, 10),
        local_dt(2026, 3, 11, 15),
        local_dt(2026, 3, 18, 15),
    ]


def test_a_course_with_a_conflict_books_nothing_and_keeps_the_reviewed_times(
    client, scheduler, frozen_now, okafor, dana, chair
):
    client.force_login(scheduler)
    query = {
        "patient": dana.pk,
        "plan": "iv-ketamine-induction",
        "clinician": okafor.pk,
        "room": chair.pk,
        "first_day": "2026-03-02",
        "preferred_time": "09:00",
    }
    proposal = client.get("/schedule/course/", query).context["proposal"]
    data = {**query, "book": "1"}
    for slot in proposal:
        data[f"slot_{slot.position}"] = f"{timezone_local(slot.start):%Y-%m-%dT%H:%M}"
    data["slot_2"] = "2026-03-05T12:00"  # adjusted by the reviewer
    book(PatientFactory(given_name="Marco", family_name="Silva"), local_dt(2026, 3, 5, 12), okafor)
    response = client.post("/schedule/course/", data)
    page = response.content.decode()
    assert "#2 (Thu 05 Mar 12:00): Dr Okafor already has an appointment 12:00-13:00" in page
    assert 'value="2026-03-05T12:00"' in page
    assert not Appointment.objects.filter(patient=dana).exists()


def test_the_case_page_link_needs_a_patient_the_user_may_see(client, patient_user):
    client.force_login(patient_user)
    assert client.get("/schedule/book/?patient=1&type=consult").status_code == 403


def timezone_local(moment):
    from django.utils import timezone

    return timezone.localtime(moment)


def test_a_declined_request_is_shown_to_the_patient(client, scheduler, frozen_now, okafor):
    patient = PatientFactory(with_login=True)
    mine = book(patient, local_dt(2026, 3, 4, 10), okafor)
    client.force_login(patient.user)
    response = client.post(
        f"/appointments/{mine.pk}/request/", {"kind": "reschedule", "message": "Later?"}
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    client.force_login(scheduler)
    client.post(f"/schedule/requests/{ChangeRequest.objects.get().pk}/", {"decision": "decline"})
    client.force_login(patient.user)
    page = client.get("/appointments/").content.decode()
    assert "The clinic could not accept your request (reschedule)" in page
    mine.refresh_from_db()
    assert mine.status == "booked"


def test_attention_page_queries_do_not_grow(
    client, scheduler, frozen_now, okafor, django_assert_num_queries
):
    def waiting(hours):
        for hour in hours:
            AppointmentFactory(
                patient=PatientFactory(family_name="Waiting"),
                clinician=okafor,
                start=local_dt(2026, 2, 10, hour),
                status="completed",
            )

    client.force_login(scheduler)
    waiting([9])
    client.get("/schedule/attention/")
    with django_assert_num_queries(10) as one:  # 7, + 2 for authorizations, + 1 to close
        page = client.get("/schedule/attention/").content.decode()
    assert page.count("Waiting") == 1
    waiting([11, 13])
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get("/schedule/attention/").content.decode()
    assert page.count("Waiting") == 3


def test_the_patient_finds_an_open_check_in_on_their_page(client, frozen_now, okafor):
    patient = PatientFactory(with_login=True)
    checkin = CheckInFactory(
        appointment__patient=patient, appointment__clinician=okafor, patient=patient
    )
    client.force_login(patient.user)
    page = client.get("/appointments/").content.decode()
    assert f'href="/check-in/{checkin.token}/"' in page


def test_a_clinician_booking_from_the_case_page_is_the_default_clinician(client, okafor, dana):
    client.force_login(okafor)
    form = client.get(f"/schedule/book/?patient={dana.pk}&type=consult").context["form"]
    assert form.initial["clinician"] == okafor.pk


@pytest.mark.django_db(transaction=True)
def test_a_check_in_crisis_answer_alerts_before_the_check_in_is_complete(frozen_now, okafor):
    """PHQ-9 item 9 answered, everything else blank: the crisis resources
    show on the page sent back, the on-call email goes once, and submitting
    the whole check-in later sends no second one."""
    from django.core import mail
    from django.test import Client

    from tests.factories.accounts import StaffFactory
    from tests.worker import run_worker

    StaffFactory(role="clinician", is_on_call=True, email="dr.on.call@example.org")
    patient = PatientFactory(with_login=True)
    checkin = CheckInFactory(
        appointment__patient=patient, appointment__clinician=okafor, patient=patient
    )
    client = Client()
    client.force_login(patient.user)
    response = client.post(f"/check-in/{checkin.token}/", {"phq9_9": "2"})
    assert response.status_code == 200
    assert 'data-testid="crisis-resources"' in response.content.decode()
    run_worker()
    assert len(mail.outbox) == 1
    checkin.refresh_from_db()
    assert checkin.completed_at is None

    answers = {f"phq9_{n}": "1" for n in range(1, 10)}
    answers.update({f"cssrs_{k}": "no" for k in CSSRS_NO})
    client.post(f"/check-in/{checkin.token}/", answers)
    run_worker()
    checkin.refresh_from_db()
    assert checkin.high_risk and checkin.completed_at is not None
    assert len(mail.outbox) == 1


CSSRS_NO = ("wish_to_be_dead", "suicidal_thoughts", "method", "intent", "plan", "behavior_lifetime")
