"""Prior authorization in the app: the case page's checklists, the clinician's
record, the packet PDF, authorizations and sessions left, booking past an
approval, needs attention, and who may see what."""

from __future__ import annotations

import datetime
import hashlib
import io
import json

import pypdf
import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.scheduling.models import AppointmentStatus
from clinic.scheduling.services.booking import (
    appointment_book,
    appointment_cancel,
    appointment_set_status,
)
from clinic.scheduling.services.rules import OutsideWorkingHours
from screening.coverage.models import (
    Authorization,
    AuthorizationStatus,
    Packet,
    PayerPolicy,
    PriorAuthRecord,
)
from screening.coverage.selectors import (
    authorizations_needing_attention,
    patient_authorizations,
)
from screening.models import Medication, PolicyChange
from tests.factories.accounts import PatientFactory
from tests.factories.review import case
from tests.factories.scheduling import (
    CheckInFactory,
    RoomFactory,
    appointment_type,
    working_week,
)
from tests.factories.screening import valid_document

pytestmark = pytest.mark.django_db

NPI = "1234567893"
TRIALS = [
    {
        "medication": "sertraline",
        "max_daily_dose_mg": 150,
        "duration_weeks": 10,
        "current_episode": True,
        "response": "none",
    },
    {
        "medication": "fluoxetine",
        "max_daily_dose_mg": 40,
        "duration_weeks": 8,
        "current_episode": True,
        "response": "partial",
    },
    {
        "medication": "duloxetine",
        "max_daily_dose_mg": 90,
        "duration_weeks": 5.9,
        "current_episode": True,
        "response": "partial",
    },
]


def demo_case(**overrides):
    document = valid_document(antidepressant_trials=TRIALS, **overrides)
    patient = PatientFactory(given_name="Elena", family_name="Park")
    return case(document=document, patient=patient)


def policy(identifier: str) -> PayerPolicy:
    return PayerPolicy.objects.get(identifier=identifier)


def base(intake, identifier="CP.BH.200") -> str:
    return f"/review/{intake.pk}/prior-auth/{policy(identifier).pk}/"


# -- the case page -------------------------------------------------------------------


def test_the_case_page_shows_each_seeded_policys_checklist(client, clinician):
    intake = demo_case()
    client.force_login(clinician)
    page = client.get(f"/review/{intake.pk}/").content.decode()
    assert 'data-testid="prior-auth"' in page
    for identifier in ("LCD L37086", "CPB 0469", "CP.BH.200", "Cigna Spravato policy"):
        p = policy(identifier)
        assert f'data-testid="checklist-{p.pk}-initial"' in page
    # Two SSRIs adequate (one class), the SNRI 5.9 weeks: not two classes.
    assert 'data-kind="trial_classes" data-status="partly_met"' in page
    assert "SSRI: sertraline, fluoxetine" in page
    assert "duloxetine 90 mg/day for 5.9 weeks, partial response: under 6 weeks" in page


def test_case_page_queries_do_not_grow_with_policies(client, clinician, django_assert_num_queries):
    intake = demo_case()
    client.force_login(clinician)
    client.get(f"/review/{intake.pk}/")
    with CaptureQueriesContext(connection) as four:
        client.get(f"/review/{intake.pk}/")
    extra = PayerPolicy.objects.create(
        payer="Example", treatment="tms", name="x", identifier="X-1", source_url="https://x.org"
    )
    for position in range(3):
        extra.criteria.create(position=position, kind="age", params={"min": 18}, text="adults")
    with django_assert_num_queries(len(four.captured_queries)):
        page = client.get(f"/review/{intake.pk}/").content.decode()
    assert f'data-testid="checklist-{extra.pk}-initial"' in page


def _authorizations(patient, n):
    for i in range(n):
        Authorization.objects.create(
            patient=patient,
            treatment="tms",
            payer=f"Payer {i}",
            units_approved=36,
            status=AuthorizationStatus.APPROVED,
        )


def test_prior_auth_page_queries_do_not_grow(client, clinician, django_assert_num_queries):
    intake = demo_case()
    client.force_login(clinician)
    _authorizations(intake.patient, 1)
    client.post(base(intake) + "packet/", {"cover_letter": "x", "sessions_requested": "36"})
    with CaptureQueriesContext(connection) as one:
        client.get(base(intake))
    one_packet = len(one.captured_queries)  # read now: the next request resets the log
    _authorizations(intake.patient, 2)
    client.post(base(intake) + "packet/", {"cover_letter": "y", "sessions_requested": "36"})
    client.post(base(intake) + "packet/", {"cover_letter": "z", "sessions_requested": "36"})
    with django_assert_num_queries(one_packet):
        page = client.get(base(intake)).content.decode()
    assert page.count("?packet=") == 3 and page.count('data-testid="sessions-left"') == 3


def test_attention_and_schedule_queries_do_not_grow(client, scheduler, django_assert_num_queries):
    client.force_login(scheduler)
    _authorizations(PatientFactory(), 1)
    client.get("/schedule/attention/")
    with CaptureQueriesContext(connection) as one:
        client.get("/schedule/attention/")
    _authorizations(PatientFactory(), 2)
    _authorizations(PatientFactory(), 1)
    with django_assert_num_queries(len(one.captured_queries)):
        client.get("/schedule/attention/")


def test_scheduler_sees_authorization_status_but_no_checklist(client, scheduler):
    intake = demo_case()
    Authorization.objects.create(
        patient=intake.patient,
        treatment="tms",
        payer="Aetna",
        units_approved=36,
        status=AuthorizationStatus.APPROVED,
    )
    client.force_login(scheduler)
    page = client.get(f"/review/{intake.pk}/").content.decode()
    assert 'data-testid="authorizations"' in page and "Approved" in page
    assert 'data-testid="sessions-left">36<' in page
    assert "data-kind=" not in page and "sertraline" not in page
    assert client.get(base(intake)).status_code == 403


def test_patient_sees_none_of_it(client, patient_user):
    intake = demo_case()
    client.force_login(patient_user)
    assert client.get(base(intake)).status_code == 403
    assert client.get(base(intake) + "packet.pdf").status_code == 403


def test_unknown_policy_and_case_are_404(client, clinician):
    intake = demo_case()
    client.force_login(clinician)
    assert client.get(f"/review/{intake.pk}/prior-auth/999999/").status_code == 404
    assert client.get(f"/review/999999/prior-auth/{policy('CPB 0469').pk}/").status_code == 404
    assert client.get(base(intake) + "packet.pdf").status_code == 404  # none generated yet
    assert client.get(base(intake) + "record/").status_code == 405


# -- the clinician's record -------------------------------------------------------------


def test_record_validates_npi_and_keeps_what_was_typed(client, clinician):
    intake = demo_case()
    client.force_login(clinician)
    response = client.post(
        base(intake) + "record/",
        {
            "diagnosis_icd10": "F33.2",
            "psychiatrist_name": "Dr. Okafor",
            "psychiatrist_npi": "1234567890",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "This is not a valid NPI" in page and 'value="Dr. Okafor"' in page
    assert not PriorAuthRecord.objects.filter(patient=intake.patient).exists()


def test_record_saves_audited_and_changes_the_verdicts(client, clinician):
    intake = demo_case()
    client.force_login(clinician)
    response = client.post(
        base(intake) + "record/",
        {
            "diagnosis_icd10": "f33.2",
            "psychiatrist_name": "Dr. Okafor",
            "psychiatrist_npi": NPI,
            "pdmp_checked_on": "2026-11-04",
            "height_cm": "170",
            "weight_kg": "65.5",
            "trial_1_improvement_pct": "20",
            "trial_1_started_on": "2026-03-01",
            "trial_1_ended_on": "2026-04-26",
        },
    )
    assert response.status_code == 302
    record = PriorAuthRecord.objects.get(patient=intake.patient)
    assert record.diagnosis_icd10 == "F33.2" and record.psychiatrist_npi == NPI
    assert record.trial_details["fluoxetine"]["improvement_pct"] == 20
    assert LogEntry.objects.get_for_object(record).exists()
    page = client.get(base(intake)).content.decode()
    assert 'data-kind="diagnosis" data-status="met"' in page
    assert 'data-kind="psychiatrist_orders" data-status="met"' in page
    assert "20%" in page and "2026-03-01 – 2026-04-26" in page


def test_therapy_and_scores_are_added_and_removed(client, clinician):
    intake = demo_case()
    client.force_login(clinician)
    assert (
        client.post(
            base(intake) + "therapy/",
            {
                "modality": "ipt",
                "sessions": "16",
                "started_on": "2026-01-05",
                "ended_on": "2026-05-01",
            },
        ).status_code
        == 302
    )
    bad = client.post(
        base(intake) + "score/", {"scale": "hamd17", "total": "60", "on": "2026-11-01"}
    )
    assert bad.status_code == 400 and "at most 52" in bad.content.decode()
    assert (
        client.post(
            base(intake) + "score/", {"scale": "hamd17", "total": "24", "on": "2026-11-01"}
        ).status_code
        == 302
    )
    record = PriorAuthRecord.objects.get(patient=intake.patient)
    assert record.psychotherapy[0]["modality"] == "ipt" and record.scores[0]["total"] == 24
    page = client.get(base(intake)).content.decode()
    assert "HAM-D 17 24 on 2026-11-01 (clinician)" in page
    assert (
        client.post(base(intake) + "remove/", {"list": "scores", "index": "0"}).status_code == 302
    )
    assert (
        client.post(base(intake) + "remove/", {"list": "scores", "index": "0"}).status_code == 404
    )
    record.refresh_from_db()
    assert record.scores == []


# -- the packet ---------------------------------------------------------------------


def test_packet_pdf_has_the_trials_scores_and_verdicts_as_text(client, clinician):
    intake = demo_case()
    client.force_login(clinician)
    client.post(
        base(intake) + "record/",
        {"diagnosis_icd10": "F33.2", "psychiatrist_name": "Dr. Okafor", "psychiatrist_npi": NPI},
    )
    preview = client.get(base(intake)).content.decode()
    assert "I am writing to request authorization of TMS" in preview  # the draft letter
    response = client.post(
        base(intake) + "packet/",
        {
            "cover_letter": "Dear reviewer,\nElena needs TMS: an edited letter.",
            "sessions_requested": "36",
            "stage": "initial",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("packet.pdf")
    pdf = client.get(response["Location"])
    assert pdf["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    flat = " ".join(text.split())
    assert "an edited letter" in flat
    assert "sertraline" in flat and "150 mg/day" in flat and "SSRI" in flat and "SNRI" in flat
    assert "under 6 weeks" in flat
    assert "PHQ-9" in flat
    for label in (
        "Age at least 18",
        "Adequate failed trials from at least 2 antidepressant classes",
    ):
        assert label in flat
    assert "met" in flat and "partly met" in flat and "missing" in flat
    assert "Dr. Okafor" in flat and NPI in flat
    packet = Packet.objects.get()
    assert packet.created_by == clinician and packet.policy_version == policy("CP.BH.200").version
    assert packet.sha256 == hashlib.sha256(bytes(packet.pdf)).hexdigest()
    assert len(packet.criteria) == policy("CP.BH.200").criteria.count()


def test_packet_form_errors_keep_the_letter(client, clinician):
    intake = demo_case()
    client.force_login(clinician)
    response = client.post(
        base(intake) + "packet/", {"cover_letter": "Keep me", "sessions_requested": "0"}
    )
    assert response.status_code == 400 and "Keep me" in response.content.decode()
    assert not Packet.objects.exists()


# -- authorizations and sessions ---------------------------------------------------------


@pytest.fixture
def tms_setting(clinician):
    working_week(clinician)
    return clinician, RoomFactory(name="TMS room")


def _book(patient, clinician, room, day, override=""):
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    return appointment_book(
        patient=patient,
        appointment_type=appointment_type("tms-session"),
        start=start,
        clinician=clinician,
        room=room,
        booked_by=None,
        override_reason=override,
    )


def test_sessions_count_down_as_they_complete_and_not_when_cancelled(tms_setting):
    clinician, room = tms_setting
    patient = PatientFactory()
    today = timezone.localdate()
    auth = Authorization.objects.create(
        patient=patient,
        treatment="tms",
        payer="Centene",
        units_approved=36,
        start_on=today - datetime.timedelta(days=10),
        end_on=today + datetime.timedelta(days=80),
        status=AuthorizationStatus.APPROVED,
    )
    first = _book(patient, clinician, room, today - datetime.timedelta(days=2))
    second = _book(patient, clinician, room, today - datetime.timedelta(days=1))
    (summary,) = patient_authorizations(patient)
    assert (summary.used, summary.booked, summary.left) == (0, 2, 36)
    appointment_set_status(appointment=first, status=AppointmentStatus.COMPLETED, changed_by=None)
    appointment_set_status(appointment=second, status=AppointmentStatus.COMPLETED, changed_by=None)
    (summary,) = patient_authorizations(patient)
    assert (summary.used, summary.left) == (2, 34)
    third = _book(patient, clinician, room, today + datetime.timedelta(days=1))
    appointment_cancel(appointment=third, cancelled_by=None, reason="ill")
    (summary,) = patient_authorizations(patient)
    assert (summary.used, summary.booked, summary.left) == (2, 0, 34)
    assert auth.pk == summary.authorization.pk


def test_booking_past_the_approved_sessions_or_end_needs_an_override(tms_setting):
    clinician, room = tms_setting
    patient = PatientFactory()
    today = timezone.localdate()
    Authorization.objects.create(
        patient=patient,
        treatment="tms",
        payer="Aetna",
        units_approved=2,
        start_on=today,
        end_on=today + datetime.timedelta(days=10),
        status=AuthorizationStatus.APPROVED,
    )
    _book(patient, clinician, room, today + datetime.timedelta(days=1))
    _book(patient, clinician, room, today + datetime.timedelta(days=2))
    with pytest.raises(OutsideWorkingHours) as refused:
        _book(patient, clinician, room, today + datetime.timedelta(days=3))
    assert "All 2 sessions approved by Aetna are completed or booked" in " ".join(
        refused.value.messages
    )
    third = _book(
        patient, clinician, room, today + datetime.timedelta(days=3), override="appeal sent"
    )
    assert third.override_reason == "appeal sent"
    with pytest.raises(OutsideWorkingHours) as late:
        _book(patient, clinician, room, today + datetime.timedelta(days=12))
    assert "authorization ended on" in " ".join(late.value.messages)
    # Other appointment types are not affected.
    start = timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=4), datetime.time(15))
    )
    appointment_book(
        patient=patient,
        appointment_type=appointment_type("consult"),
        start=start,
        clinician=clinician,
        booked_by=None,
    )


def test_the_booking_page_shows_the_warning_on_the_override_field(client, tms_setting):
    clinician, room = tms_setting
    patient = PatientFactory()
    today = timezone.localdate()
    Authorization.objects.create(
        patient=patient,
        treatment="tms",
        payer="Aetna",
        units_approved=1,
        start_on=today,
        status=AuthorizationStatus.APPROVED,
    )
    _book(patient, clinician, room, today + datetime.timedelta(days=1))
    client.force_login(clinician)
    day = today + datetime.timedelta(days=2)
    response = client.post(
        "/schedule/book/",
        {
            "patient": patient.pk,
            "appointment_type": "tms-session",
            "clinician": clinician.pk,
            "room": room.pk,
            "date": day.isoformat(),
            "time": "10:00",
        },
    )
    page = response.content.decode()
    assert "All 1 sessions approved by Aetna" in page


def test_needs_attention_lists_low_ending_and_unanswered(client, scheduler):
    today = timezone.localdate()
    low = PatientFactory(family_name="Low")
    Authorization.objects.create(
        patient=low,
        treatment="tms",
        payer="Aetna",
        units_approved=3,
        start_on=today,
        status=AuthorizationStatus.APPROVED,
    )
    ending = PatientFactory(family_name="Ending")
    Authorization.objects.create(
        patient=ending,
        treatment="esketamine",
        payer="Cigna",
        units_approved=23,
        start_on=today - datetime.timedelta(days=60),
        end_on=today + datetime.timedelta(days=14),
        status=AuthorizationStatus.APPROVED,
    )
    waiting = PatientFactory(family_name="Waiting")
    Authorization.objects.create(
        patient=waiting,
        treatment="tms",
        payer="Medicare",
        requested_on=today - datetime.timedelta(days=10),
    )
    fine = PatientFactory(family_name="Fine")
    Authorization.objects.create(
        patient=fine,
        treatment="tms",
        payer="Medicare",
        requested_on=today - datetime.timedelta(days=9),
    )
    Authorization.objects.create(
        patient=fine,
        treatment="tms",
        payer="Aetna",
        units_approved=4,
        start_on=today,
        end_on=today + datetime.timedelta(days=15),
        status=AuthorizationStatus.APPROVED,
    )
    ended = PatientFactory(family_name="Ended")
    Authorization.objects.create(
        patient=ended,
        treatment="tms",
        payer="Aetna",
        units_approved=36,
        start_on=today - datetime.timedelta(days=90),
        end_on=today - datetime.timedelta(days=1),
        status=AuthorizationStatus.APPROVED,
    )
    items = authorizations_needing_attention()
    assert {i.patient.family_name for i in items} == {"Low", "Ending", "Waiting", "Ended"}
    assert any("renew it or mark it expired" in i.reason for i in items)
    client.force_login(scheduler)
    page = client.get("/schedule/attention/").content.decode()
    assert "3 of 3 sessions left" in page and "no answer yet" in page


def test_authorization_is_recorded_from_the_prior_auth_page(client, clinician):
    intake = demo_case()
    client.force_login(clinician)
    response = client.post(
        base(intake) + "authorization/",
        {
            "payer": "Centene",
            "reference": "AMB-1",
            "status": "approved",
            "requested_on": "2026-11-01",
        },
    )
    assert (
        response.status_code == 400 and "needs the number of sessions" in response.content.decode()
    )
    response = client.post(
        base(intake) + "authorization/",
        {
            "payer": "Centene",
            "reference": "AMB-1",
            "status": "approved",
            "units_approved": "36",
            "start_on": "2026-11-10",
            "end_on": "2027-02-10",
            "requested_on": "2026-11-01",
        },
    )
    assert response.status_code == 302
    auth = Authorization.objects.get(patient=intake.patient)
    assert (auth.treatment, auth.units_approved, auth.created_by) == ("tms", 36, clinician)


# -- the admin and the schedule ------------------------------------------------------


def _policy_post(p: PayerPolicy, criteria: list[dict]) -> dict:
    data = {
        "payer": p.payer,
        "treatment": p.treatment,
        "name": p.name,
        "identifier": p.identifier,
        "source_url": p.source_url,
        "effective_on": "",
        "sessions_requested": p.sessions_requested,
        "notes": p.notes,
        "is_active": "on",
        "criteria-TOTAL_FORMS": str(len(criteria)),
        "criteria-INITIAL_FORMS": str(len(criteria)),
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
    }
    for i, c in enumerate(criteria):
        for key, value in c.items():
            data[f"criteria-{i}-{key}"] = value
    return data


def _rows(p: PayerPolicy) -> list[dict]:
    return [
        {
            "id": c.pk,
            "policy": p.pk,
            "position": c.position,
            "stage": c.stage,
            "kind": c.kind,
            "params": json.dumps(c.params),
            "text": c.text,
        }
        for c in p.criteria.all()
    ]


def test_policy_criteria_are_edited_in_the_admin_with_a_version_and_history(client, clinic_admin):
    p = policy("CP.BH.200")
    client.force_login(clinic_admin)
    rows = _rows(p)
    score = next(r for r in rows if r["kind"] == "symptom_score")
    score["params"] = '{"minimums": {"phq9": 20}}'
    url = f"/admin/coverage/payerpolicy/{p.pk}/change/"
    response = client.post(url, _policy_post(p, rows))
    assert response.status_code == 302, response.content.decode()[:2000]
    p.refresh_from_db()
    assert p.version == 2
    assert p.criteria.get(kind="symptom_score").params == {"minimums": {"phq9": 20}}
    assert LogEntry.objects.get_for_model(type(p.criteria.first())).exists()
    # A bad parameter is a form error naming it, and changes nothing.
    score["params"] = '{"minimums": {"beck": 20}}'
    response = client.post(url, _policy_post(p, rows))
    assert response.status_code == 200 and "unknown scale" in response.content.decode()
    score["params"] = "{not json"
    response = client.post(url, _policy_post(p, rows))
    assert response.status_code == 200 and "Enter valid JSON" in response.content.decode()
    p.refresh_from_db()
    assert p.version == 2
    assert client.get("/admin/coverage/packet/").status_code == 200
    assert client.get("/admin/coverage/authorization/").status_code == 200


def test_the_schedule_shows_sessions_left(client, scheduler, tms_setting):
    clinician, room = tms_setting
    patient = PatientFactory(given_name="Elena", family_name="Park")
    today = timezone.localdate()
    Authorization.objects.create(
        patient=patient,
        treatment="tms",
        payer="Centene",
        units_approved=36,
        start_on=today - datetime.timedelta(days=5),
        status=AuthorizationStatus.APPROVED,
    )
    done = _book(patient, clinician, room, today - datetime.timedelta(days=1))
    appointment_set_status(appointment=done, status=AppointmentStatus.COMPLETED, changed_by=None)
    _book(patient, clinician, room, today + datetime.timedelta(days=1))
    client.force_login(scheduler)
    day = (today + datetime.timedelta(days=1)).isoformat()
    page = client.get(f"/schedule/?date={day}").content.decode()
    assert "35 sessions left" in page


def test_reauthorization_checklist_counts_sessions_and_improvement(client, clinician, tms_setting):
    doctor, room = tms_setting
    intake = demo_case(depression__phq9=[2, 2, 2, 2, 2, 2, 2, 2, 2])  # 18, the baseline
    today = timezone.localdate()
    for days in range(30, 0, -1):  # 30 completed sessions in the past month
        done = _book(intake.patient, doctor, room, today - datetime.timedelta(days=days))
        appointment_set_status(
            appointment=done, status=AppointmentStatus.COMPLETED, changed_by=None
        )
    CheckInFactory(
        patient=intake.patient,
        appointment__patient=intake.patient,
        completed_at=timezone.now() + datetime.timedelta(days=1),
        phq9_total=8,
    )
    client.force_login(clinician)
    page = client.get(base(intake)).content.decode()
    assert 'data-testid="checklist-' + str(policy("CP.BH.200").pk) + '-continuation"' in page
    assert 'data-kind="sessions_completed" data-status="met"' in page
    assert "sessions completed: 30" in page
    assert "baseline: PHQ-9 18" in page and "(check-in)" in page
    assert "improvement: 55.6%" in page
    assert 'data-kind="score_improvement" data-status="met"' in page


def test_reauthorization_uses_the_scale_measured_twice(client, clinician):
    intake = demo_case(depression__phq9=[2, 2, 2, 2, 2, 2, 2, 2, 2])
    client.force_login(clinician)
    for total, day in ((30, "2026-09-01"), (12, "2026-12-01")):
        client.post(base(intake) + "score/", {"scale": "madrs", "total": total, "on": day})
    page = client.get(base(intake)).content.decode()
    assert "baseline: MADRS 30 on 2026-09-01 (clinician)" in page
    assert "latest: MADRS 12 on 2026-12-01 (clinician)" in page
    assert "improvement: 60%" in page


@pytest.mark.parametrize(
    ("suffix", "data"),
    [
        (
            "record/",
            {"diagnosis_icd10": "F33\x00", "psychiatrist_name": "A\x00", "height_cm": "9e9"},
        ),
        ("record/", {"pdmp_checked_on": "1800-01-01", "weight_kg": "-3", "trial_0_ended_on": "x"}),
        ("record/", {"trial_0_started_on": "2026-05-01", "trial_0_ended_on": "2026-01-01"}),
        ("therapy/", {"modality": "astrology", "sessions": "99999999999999999999"}),
        ("score/", {"scale": "madrs", "total": "-1", "on": "99999-01-01"}),
        ("remove/", {"list": "scores", "index": "99999999999999999999999"}),
        ("remove/", {"list": "nothing", "index": "x"}),
        ("packet/", {"cover_letter": "\x00", "sessions_requested": "1e99"}),
        ("authorization/", {"authorization": "99999999999999999999999", "payer": "x"}),
        ("authorization/", {"payer": "A\x00", "status": "lost", "requested_on": "2026-13-40"}),
    ],
)
def test_odd_input_is_a_form_error_or_404_never_a_500(client, clinician, suffix, data):
    intake = demo_case()
    client.force_login(clinician)
    response = client.post(base(intake) + suffix, data)
    assert response.status_code in (400, 404), response.status_code
    assert not Packet.objects.exists()
    assert not Authorization.objects.exists()


def test_odd_packet_ids_are_404(client, clinician):
    intake = demo_case()
    client.force_login(clinician)
    client.post(base(intake) + "packet/", {"cover_letter": "x", "sessions_requested": "36"})
    for wanted in ("99999999999999999999999", "x", "١٢", "-1"):
        assert client.get(base(intake) + f"packet.pdf?packet={wanted}").status_code == 404
    assert client.get(base(intake) + "packet.pdf").status_code == 200


def test_antidepressant_class_is_edited_in_the_medication_admin(client, clinic_admin, clinician):
    intake = demo_case()
    med = Medication.objects.get(generic="fluoxetine")
    assert med.antidepressant_class == "ssri"
    client.force_login(clinic_admin)
    response = client.post(
        f"/admin/screening/medication/{med.pk}/change/",
        {
            "generic": "fluoxetine",
            "brand_names": "Prozac",
            "classes": ["antidepressant"],
            "min_dose_mg": "20",
            "min_dose_older_mg": "10",
            "antidepressant_class": "snri",  # wrong on purpose: the checklist follows the table
        },
    )
    assert response.status_code == 302
    assert PolicyChange.objects.filter(field="medication:fluoxetine.antidepressant_class").exists()
    client.force_login(clinician)
    page = client.get(base(intake)).content.decode()
    assert "SNRI: fluoxetine" in page
    assert 'data-kind="trial_classes" data-status="met"' in page


def test_schedule_queries_do_not_grow_with_approvals(
    client, scheduler, tms_setting, django_assert_num_queries
):
    clinician, room = tms_setting
    today = timezone.localdate()
    day = today + datetime.timedelta(days=1)

    def patient_with_session(hour_offset):
        patient = PatientFactory()
        _authorizations(patient, 1)
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9 + hour_offset)))
        appointment_book(
            patient=patient,
            appointment_type=appointment_type("tms-session"),
            start=start,
            clinician=clinician,
            room=room,
            booked_by=None,
        )

    patient_with_session(0)
    client.force_login(scheduler)
    url = f"/schedule/?date={day.isoformat()}"
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    patient_with_session(1)
    patient_with_session(2)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count("36 sessions left") == 3
