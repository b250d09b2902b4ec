"""The session pages: who sees what, the chart saved as typed (and after a
timed-out login), vitals and responses, signing, addenda, the REMS form
(page and PDF, each field from the session), the forms due, the patient's
page, the booking warning, the audit log and the query counts."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.utils import timezone

from clinic.treatment import services as svc
from clinic.treatment.models import TreatmentSession, VitalSign
from clinic.treatment.views import resume_token
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.treatment import (
    RemsCertificationFactory,
    RemsEnrollmentFactory,
    complete_session,
    started_session,
    treatment_appointment,
    vitals,
)

pytestmark = pytest.mark.django_db

AUTOSAVE = {"HTTP_X_SESSION_AUTOSAVE": "1"}


def url(session, tail=""):
    return f"/sessions/{session.pk}/{tail}"


# -- who sees what -------------------------------------------------------------------


def test_anonymous_visitors_go_to_login(client):
    session = started_session("tms")
    for path in ("/sessions/", "/sessions/rems-due/", url(session), url(session, "rems-form/")):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_patient_sees_only_that_their_sessions_took_place(client):
    session = complete_session("tms", patient=PatientFactory(with_login=True))
    svc.session_sign(session=session, by=session.started_by)
    client.force_login(session.patient.user)
    page = client.get("/sessions/mine/").content.decode()
    assert "TMS session" in page and "took place" in page
    assert "NeuroStar" not in page and "Figure-8" not in page
    assert client.get(url(session)).status_code == 403
    assert client.get("/sessions/").status_code == 403
    other = PatientFactory(with_login=True).user
    client.force_login(other)
    assert "TMS session" not in client.get("/sessions/mine/").content.decode()


def test_schedulers_see_state_and_times_never_the_chart(client, scheduler):
    session = complete_session("esketamine")
    client.force_login(scheduler)
    board = client.get("/sessions/").content.decode()
    assert session.patient.full_name in board and "Ready to sign" in board
    assert "Due next" not in board
    page = client.get(url(session)).content.decode()
    assert "Ready to sign" in page
    for clinical in ("LOT-9911", "Lot number", "Dissociation", "128/82"):
        assert clinical not in page
    assert client.post(url(session), {"lot_number": "X"}).status_code == 404
    assert client.get(url(session, "rems-form/")).status_code == 403
    assert client.post(url(session, "sign/")).status_code == 403
    due = client.get("/sessions/rems-due/").content.decode()
    assert session.patient.full_name in due and "LOT-9911" not in due


def test_a_bad_session_id_is_a_404(client, clinician):
    client.force_login(clinician)
    assert client.get("/sessions/999999/").status_code == 404
    assert client.get("/sessions/999999/rems-form/").status_code == 404
    assert client.post("/sessions/999999/sign/").status_code == 404


def test_state_changing_views_refuse_get(client, clinician):
    session = started_session("tms")
    client.force_login(clinician)
    for tail in ("sign/", "vitals/", "addenda/", "rems-form/submit/"):
        assert client.get(url(session, tail)).status_code == 405


def test_every_view_and_change_is_in_the_access_log(client, clinician):
    session = started_session("tms")
    client.force_login(clinician)
    client.get(url(session))
    client.post(url(session), {"coil": "H1"}, **AUTOSAVE)
    accesses = LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
    assert accesses.filter(
        object_pk=str(session.pk), content_type__model="treatmentsession"
    ).exists()
    assert accesses.filter(
        object_pk=str(session.patient.pk), content_type__model="patient"
    ).exists()
    change = LogEntry.objects.filter(
        action=LogEntry.Action.UPDATE,
        object_pk=str(session.pk),
        content_type__model="treatmentsession",
    ).latest("timestamp")
    assert change.actor == clinician
    assert "document" in change.changes_dict


# -- starting from today's list ---------------------------------------------------------------


def test_start_from_the_list_and_the_gates(client, clinician):
    appointment = treatment_appointment("esketamine")
    client.force_login(clinician)
    board = client.get("/sessions/").content.decode()
    assert "Not enrolled in the SPRAVATO REMS" in board
    assert f"/sessions/start/{appointment.pk}/" in board
    response = client.post(f"/sessions/start/{appointment.pk}/", follow=True)
    assert "no SPRAVATO REMS certification" in response.content.decode()
    RemsCertificationFactory()
    response = client.post(f"/sessions/start/{appointment.pk}/", follow=True)
    assert "not enrolled in the SPRAVATO REMS" in response.content.decode()
    RemsEnrollmentFactory(patient=appointment.patient)
    response = client.post(f"/sessions/start/{appointment.pk}/")
    session = TreatmentSession.objects.get()
    assert response["Location"] == url(session)


def test_the_booking_page_warns_of_a_patient_not_enrolled(client, scheduler):
    from tests.factories.scheduling import RoomFactory, appointment_type, working_week

    doctor = StaffFactory(role="clinician")
    working_week(doctor, start=datetime.time(0), end=datetime.time(23, 59))
    patient = PatientFactory()
    kind = appointment_type("esketamine-session")
    day = timezone.localdate() + datetime.timedelta(days=2)
    client.force_login(scheduler)
    response = client.post(
        "/schedule/book/",
        {
            "patient": patient.pk,
            "appointment_type": kind.slug,
            "date": day.isoformat(),
            "time": "10:00",
            "clinician": doctor.pk,
            "room": RoomFactory().pk,
            "notes": "",
            "override_reason": "",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Booked" in page, page[:2000]
    assert f"{patient.full_name} is not enrolled in the SPRAVATO REMS" in page


# -- the chart ---------------------------------------------------------------------------------


def test_autosave_keeps_valid_and_invalid_values_and_names_the_field(client, clinician):
    session = started_session("esketamine")
    client.force_login(clinician)
    response = client.post(url(session), {"lot_number": "L-77", "devices": "lots"}, **AUTOSAVE)
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["saved"] is True and body["errors"] == {"devices": "must be a whole number"}
    session.refresh_from_db()
    assert session.document["lot_number"] == "L-77" and session.typed == {"devices": "lots"}
    page = client.get(url(session)).content.decode()
    assert 'value="lots"' in page and "must be a whole number" in page


def test_a_post_after_the_login_timed_out_is_kept(clinician):
    session = started_session("ect")
    token = resume_token(session, clinician)
    anonymous = Client()
    response = anonymous.post(
        url(session), {"resume": token, "anaesthetic": "propofol"}, **AUTOSAVE
    )
    assert json.loads(response.content) == {"saved": True, "session": "ended"}
    session.refresh_from_db()
    assert session.typed["anaesthetic"] == "propofol"
    bad = anonymous.post(url(session), {"resume": "forged", "anaesthetic": "x"})
    assert bad.status_code == 302
    session.refresh_from_db()
    assert session.typed["anaesthetic"] == "propofol"


def test_vitals_marked_at_once_and_the_response_recorded(client, clinician):
    session = started_session("iv_ketamine")
    client.force_login(clinician)
    response = client.post(
        url(session, "vitals/"),
        {
            "taken_at": "09:20",
            "phase": "check",
            "systolic": "190",
            "diastolic": "100",
            "heart_rate": "80",
            "spo2": "97",
            "respiratory_rate": "14",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "outside the limits: record a response" in page
    assert 'data-marked="1"' in page
    vital = VitalSign.objects.get()
    assert vital.out_of_limits == ["systolic_high"]
    client.post(url(session, f"vitals/{vital.pk}/respond/"), {"response": "Paused infusion"})
    vital.refresh_from_db()
    assert vital.response == "Paused infusion" and vital.responded_by == clinician


@pytest.mark.parametrize(
    ("post", "message"),
    [
        (
            {"taken_at": "9", "phase": "check", "systolic": "120", "diastolic": "80"},
            "Enter a valid time",
        ),
        ({"taken_at": "09:00", "phase": "check", "systolic": "120"}, "Give both the systolic"),
        (
            {"taken_at": "09:00", "phase": "check", "systolic": "80", "diastolic": "90"},
            "must be below",
        ),
        ({"taken_at": "09:00", "phase": "check"}, "Record at least one value"),
        ({"taken_at": "09:00", "phase": "check", "spo2": "x\x00"}, "Enter a whole number"),
    ],
)
def test_bad_vitals_say_what_is_wrong_and_keep_what_was_typed(client, clinician, post, message):
    session = started_session("iv_ketamine")
    client.force_login(clinician)
    response = client.post(url(session, "vitals/"), post)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not VitalSign.objects.exists()


def test_sign_lists_what_is_missing_then_signs(client, clinician):
    session = started_session("tms")
    client.force_login(clinician)
    page = client.post(url(session, "sign/"), follow=True).content.decode()
    assert "cannot be signed yet" in page and "Coil" in page
    session = complete_session("tms")
    client.post(url(session, "sign/"))
    session.refresh_from_db()
    assert session.signed_by == clinician
    page = client.get(url(session)).content.decode()
    assert "session-form" not in page and "Add addendum" in page
    assert client.post(url(session), {"coil": "H7"}, follow=True).status_code == 200
    session.refresh_from_db()
    assert session.document["coil"] == "Figure-8"
    client.post(url(session, "addenda/"), {"reason": "Coil", "body": "The coil was H7."})
    page = client.get(url(session)).content.decode()
    assert "The coil was H7." in page and "Figure-8" in page


def test_motor_threshold_and_moca_prompts(client, clinician):
    tms = started_session("tms")
    svc.session_save(
        session=tms,
        raw={
            "motor_threshold_date": (timezone.localdate() - datetime.timedelta(days=8)).isoformat()
        },
        by=clinician,
    )
    client.force_login(clinician)
    assert "Determine the resting motor threshold today: last determined 8 days ago" in (
        client.get(url(tms)).content.decode()
    )
    ect = started_session("ect")
    assert "Cognition: a baseline MoCA is due." in client.get(url(ect)).content.decode()
    svc.session_save(
        session=ect, raw={"moca_timepoint": "baseline", "moca_total": "25"}, by=clinician
    )
    assert "MoCA is due" not in client.get(url(ect)).content.decode()


def test_ketamine_total_is_shown(client, clinician):
    session = started_session("iv_ketamine")
    client.force_login(clinician)
    response = client.post(url(session), {"weight_kg": "82", "dose_mg_per_kg": "0.5"}, **AUTOSAVE)
    assert json.loads(response.content)["computed"] == {"total_mg": 41.0}
    assert "41.0 mg" in client.get(url(session)).content.decode()


# -- the REMS form -------------------------------------------------------------------------


def _signed_esketamine():
    session = complete_session("esketamine")
    patient = session.patient
    patient.given_name, patient.family_name = "Marta", "Quintero"
    patient.date_of_birth, patient.sex_at_birth = datetime.date(1980, 4, 2), "female"
    patient.save()
    svc.session_sign(session=session, by=session.started_by)
    return session


def test_rems_form_is_filled_from_the_session(client, clinician):
    session = _signed_esketamine()
    client.force_login(clinician)
    page = client.get(url(session, "rems-form/")).content.decode()
    expected = [
        "Marta",
        "Quintero",
        "04/02/1980",
        "Female",
        session.patient.rems_enrollment.patient_identifier,
        "Benzodiazepines",
        "Non-benzodiazepine sedative hypnotics",
        "Psychostimulants",
        "Monoamine oxidase inhibitors (MAOIs)",
        session.started_by.first_name,
        session.started_by.email,
        "HS-",
        "Riverside Interventional Psychiatry",
        "120 River Street",
        "Springfield",
        "01103",
        timezone.localtime(session.appointment.start).strftime("%m/%d/%Y"),
        "56 mg",
        "LOT-9911",
        "09:10",
        "125",  # minutes from the first device (09:10) to discharge (11:15)
        "80",  # ready to leave at 10:30: 80 minutes after administration
        "128/82 mmHg",
        "138/86 mmHg",
        "124/80 mmHg",
        "09:20 (10 min after administration)",
        "10:15 (65 min after administration)",
        "95%",
    ]
    for text in expected:
        assert text in page, text


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_rems_form_pdf_holds_the_same_fields(client, clinician):
    session = _signed_esketamine()
    client.force_login(clinician)
    response = client.get(url(session, "rems-form.pdf"))
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    for value in (
        "Quintero",
        "04/02/1980",
        "LOT-9911",
        "128/82 mmHg",
        "138/86 mmHg",
        "124/80 mmHg",
        "Treatment Duration",
        "REMS Evaluation",
    ):
        assert value in text, value


def test_rems_form_only_for_esketamine(client, clinician):
    session = started_session("tms")
    client.force_login(clinician)
    assert client.get(url(session, "rems-form/")).status_code == 404


def test_the_due_list_counts_days_oldest_first_and_records_the_submitter(client, clinician):
    today = timezone.localdate()
    sessions = {}
    for days_ago in (2, 5, 9):
        sessions[days_ago] = complete_session(
            "esketamine", day=today - datetime.timedelta(days=days_ago)
        )
    held = started_session("esketamine")
    svc.session_save(session=held, raw={"predose_bp_decision": "hold"}, by=held.started_by)
    started_session("esketamine")  # not dosed yet: no form
    client.force_login(clinician)
    page = client.get("/sessions/rems-due/").content.decode()
    rows = page.split('data-testid="due-row"')[1:]
    assert len(rows) == 3
    assert "late by 2 day(s)" in rows[0]
    assert 'data-testid="days-left">2<' in rows[1]
    assert 'data-testid="days-left">5<' in rows[2]
    session = sessions[5]
    svc.session_sign(session=session, by=session.started_by)
    client.post(url(session, "rems-form/submit/"), {"method": "online", "confirmation": "A12"})
    assert session.rems_submission.submitted_by == clinician
    page = client.get("/sessions/rems-due/").content.decode()
    assert page.count('data-testid="due-row"') == 2
    form = client.get(url(session, "rems-form/")).content.decode()
    assert f"by {clinician.email}" in form and "A12" in form


# -- the case page --------------------------------------------------------------------------


def test_case_page_shows_the_sessions_and_the_trends(client, clinician):
    from tests.factories.screening import ScreenedIntakeFactory

    session = complete_session("iv_ketamine")
    intake = ScreenedIntakeFactory(patient=session.patient)
    client.force_login(clinician)
    page = client.get(f"/review/{intake.pk}/").content.decode()
    assert 'data-testid="case-sessions"' in page
    assert "IV ketamine infusion" in page
    assert "vitals-chart" in page and "course-phq9-chart-title" in page
    # The course's PHQ-9 chart is drawn as SVG, not shown as escaped text.
    assert '<title id="course-phq9-chart-title">' in page
    assert "pre-dose systolic 128" in page


# -- query counts ---------------------------------------------------------------------------

BOARD_QUERIES = 8
DUE_QUERIES = 5


@pytest.mark.parametrize("size", [1, 3])
def test_the_days_list_queries_do_not_grow(client, clinician, django_assert_num_queries, size):
    for hour in range(size):
        session = complete_session("esketamine", clock=datetime.time(8 + 2 * hour))
        vitals(session, "10:00", "as_needed")
    client.force_login(clinician)
    client.get("/sessions/")
    with django_assert_num_queries(BOARD_QUERIES):
        response = client.get("/sessions/")
    assert response.content.decode().count('data-testid="session-row"') == size


@pytest.mark.parametrize("size", [1, 3])
def test_the_due_list_queries_do_not_grow(client, clinician, django_assert_num_queries, size):
    for days_ago in range(size):
        complete_session("esketamine", day=timezone.localdate() - datetime.timedelta(days=days_ago))
    client.force_login(clinician)
    client.get("/sessions/rems-due/")
    with django_assert_num_queries(DUE_QUERIES):
        response = client.get("/sessions/rems-due/")
    assert response.content.decode().count('data-testid="due-row"') == size


def test_vitals_being_typed_are_kept_until_added(client, clinician):
    session = started_session("iv_ketamine")
    client.force_login(clinician)
    response = client.post(
        url(session, "vitals/"),
        {"taken_at": "09:40", "phase": "check", "systolic": "13"},
        **AUTOSAVE,
    )
    assert json.loads(response.content) == {"saved": True}
    assert not VitalSign.objects.exists()
    page = client.get(url(session)).content.decode()
    assert 'value="09:40"' in page and 'value="13"' in page
    client.post(
        url(session, "vitals/"),
        {"taken_at": "09:40", "phase": "check", "systolic": "134", "diastolic": "84"},
    )
    session.refresh_from_db()
    assert "_vitals" not in session.typed
    assert VitalSign.objects.get().systolic == 134
    assert svc.sign_problems(session) and all(
        name != "_vitals" for name, _message in svc.sign_problems(session)
    )


def test_ketamine_time_points_from_the_protocol(client, clinician):
    from clinic.treatment.models import TreatmentProtocol

    session = started_session("iv_ketamine")
    TreatmentProtocol.objects.filter(modality="iv_ketamine").update(vitals_minutes=[0, 20, 40])
    svc.session_save(session=session, raw={"infusion_start": "09:10"}, by=clinician)
    vitals(session, "09:05", "pre_dose")
    vitals(session, "09:30", "check")
    client.force_login(clinician)
    page = client.get(url(session)).content.decode()
    assert "20 min (09:30) ✓" in page and "40 min (09:50)" in page
    assert "Vitals check" in page and "at 09:50" in page


def test_a_beacon_from_a_closing_tab_is_saved(client, clinician):
    """navigator.sendBeacon cannot set headers: the query parameter marks it."""
    session = started_session("tms")
    client.force_login(clinician)
    response = client.post(url(session) + "?autosave=1", {"coil": "H7", "beacon": "1"})
    assert json.loads(response.content)["saved"] is True
    session.refresh_from_db()
    assert session.document["coil"] == "H7"


def test_autosave_on_a_signed_session_is_refused_and_says_so(client, clinician):
    session = complete_session("tms")
    svc.session_sign(session=session, by=session.started_by)
    client.force_login(clinician)
    response = client.post(url(session), {"coil": "H7"}, **AUTOSAVE)
    assert response.status_code == 409
    assert "signed and cannot be changed" in json.loads(response.content)["error"]
