"""Services of treatment sessions: start gates, saving as typed, vitals and
their responses, the pre-dose decision, the 2-hour rule, signing, addenda,
the REMS submission, the vitals limits with history, the seizure alert."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.scheduling.models import AppointmentStatus
from clinic.treatment import services as svc
from clinic.treatment.models import (
    Addendum,
    RemsSubmission,
    TreatmentSession,
    VitalsLimits,
    VitalsLimitsChange,
)
from tests.factories.screening import IntakeFactory, valid_document
from tests.factories.treatment import (
    COMPLETE,
    RemsCertificationFactory,
    RemsEnrollmentFactory,
    complete_session,
    started_session,
    treatment_appointment,
    vitals,
)
from tests.worker import run_worker

pytestmark = pytest.mark.django_db


# -- gates -----------------------------------------------------------------------


def test_esketamine_needs_the_site_certification(clinician):
    appointment = treatment_appointment("esketamine")
    RemsEnrollmentFactory(patient=appointment.patient)
    with pytest.raises(svc.SessionError, match="no SPRAVATO REMS certification"):
        svc.session_start(appointment=appointment, by=clinician)
    assert not TreatmentSession.objects.exists()


def test_esketamine_needs_the_patients_enrolment(clinician):
    appointment = treatment_appointment("esketamine")
    RemsCertificationFactory()
    with pytest.raises(svc.SessionError, match="not enrolled in the SPRAVATO REMS"):
        svc.session_start(appointment=appointment, by=clinician)
    RemsEnrollmentFactory(patient=appointment.patient)
    session = svc.session_start(appointment=appointment, by=clinician)
    assert session.modality == "esketamine"
    assert session.document_format == "clinic-session-esketamine/1"


def test_starting_checks_the_patient_in_and_is_idempotent(clinician):
    appointment = treatment_appointment("tms")
    session = svc.session_start(appointment=appointment, by=clinician)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN
    assert svc.session_start(appointment=appointment, by=clinician) == session
    assert TreatmentSession.objects.count() == 1
    assert session.document["session_number"] == 1


def test_a_cancelled_or_non_treatment_appointment_has_no_session(clinician):
    from tests.factories.scheduling import AppointmentFactory

    consult = AppointmentFactory()
    with pytest.raises(svc.SessionError, match="not a treatment session"):
        svc.session_start(appointment=consult, by=clinician)
    cancelled = treatment_appointment("ect")
    cancelled.status = AppointmentStatus.CANCELLED
    cancelled.save()
    with pytest.raises(svc.SessionError, match="cancelled"):
        svc.session_start(appointment=cancelled, by=clinician)


def test_concomitant_medicines_prefilled_from_the_intake(clinician):
    appointment = treatment_appointment("esketamine")
    IntakeFactory(
        patient=appointment.patient,
        document=valid_document(
            current_medications=[
                {"name": "Xanax", "daily_dose_mg": 1},
                {"name": "zolpidem", "daily_dose_mg": 10},
                {"name": "sertraline", "daily_dose_mg": 100},
            ]
        ),
    )
    RemsCertificationFactory()
    RemsEnrollmentFactory(patient=appointment.patient)
    session = svc.session_start(appointment=appointment, by=clinician)
    doc = session.document
    assert doc["med_benzodiazepine"] is True
    assert doc["med_sedative_hypnotic"] is True
    assert doc["med_psychostimulant"] is False
    assert doc["med_maoi"] is False
    assert doc["med_opioid"] is False
    assert doc["first_treatment"] is True


# -- saving as typed ----------------------------------------------------------------


def test_valid_values_are_saved_and_invalid_ones_kept_as_typed():
    session = started_session("iv_ketamine")
    errors = svc.session_save(
        session=session, raw={"weight_kg": "70", "dose_mg_per_kg": "half"}, by=session.started_by
    )
    assert errors == [("dose_mg_per_kg", "must be a number")]
    session.refresh_from_db()
    assert session.document["weight_kg"] == 70.0
    assert session.typed == {"dose_mg_per_kg": "half"}
    svc.session_save(session=session, raw={"dose_mg_per_kg": "0.5"}, by=session.started_by)
    session.refresh_from_db()
    assert session.typed == {}
    assert session.document["dose_mg_per_kg"] == 0.5


def test_state_follows_the_chart():
    session = started_session("esketamine")
    assert session.state == "in_progress"
    svc.session_save(session=session, raw={"first_device_time": "09:10"}, by=session.started_by)
    session.refresh_from_db()
    assert session.state == "monitoring"
    local = timezone.localtime(session.dosed_at)
    assert (local.hour, local.minute) == (9, 10)
    svc.session_save(session=session, raw={"discharge_time": "11:15"}, by=session.started_by)
    session.refresh_from_db()
    assert session.state == "ready_to_sign"


# -- vitals ----------------------------------------------------------------------------


def test_readings_outside_the_limits_are_marked_and_block_signing():
    session = complete_session("esketamine")
    marked = vitals(session, "10:00", "as_needed", 186, 100, 130, 90)
    assert marked.out_of_limits == ["systolic_high", "heart_rate_high", "spo2_low"]
    with pytest.raises(svc.SignRefused) as exc:
        svc.session_sign(session=session, by=session.started_by)
    assert (
        "vitals",
        "1 reading(s) outside the limits have no recorded response.",
    ) in exc.value.errors
    with pytest.raises(ValidationError):
        svc.vital_respond(vital=marked, response="  ", by=session.started_by)
    svc.vital_respond(vital=marked, response="Rechecked after 5 min: 150/90", by=session.started_by)
    svc.session_sign(session=session, by=session.started_by)


def test_predose_bp_above_the_screening_threshold_asks_for_a_decision():
    from screening.services.policy import policy_update

    session = complete_session("esketamine")
    high = vitals(session, "09:05", "pre_dose", 142, 84)
    assert high.predose_high and not high.out_of_limits
    with pytest.raises(svc.SignRefused) as exc:
        svc.session_sign(session=session, by=session.started_by)
    assert "predose_bp_decision" in dict(exc.value.errors)
    svc.session_save(session=session, raw={"predose_bp_decision": "proceed"}, by=session.started_by)
    with pytest.raises(svc.SignRefused) as exc:
        svc.session_sign(session=session, by=session.started_by)
    assert dict(exc.value.errors)["predose_bp_reason"] == "Give the reason for proceeding."
    # The threshold is the screening policy's: raised, the same reading is no longer high.
    policy_update(changes={"bp_high_systolic": 150}, by=None)
    assert not vitals(session, "09:07", "pre_dose", 142, 84).predose_high


def test_a_held_session_is_signed_without_dosing():
    session = started_session("esketamine")
    vitals(session, "09:00", "pre_dose", 168, 102)
    svc.session_save(session=session, raw={"predose_bp_decision": "hold"}, by=session.started_by)
    session.refresh_from_db()
    assert session.held and session.state == "ready_to_sign"
    svc.session_sign(session=session, by=session.started_by)


def test_the_two_hour_rule_at_signing():
    session = complete_session("esketamine")
    svc.session_save(session=session, raw={"discharge_time": "10:55"}, by=session.started_by)
    with pytest.raises(svc.SignRefused) as exc:
        svc.session_sign(session=session, by=session.started_by)
    assert "early_discharge_reason" in dict(exc.value.errors)
    svc.session_save(
        session=session, raw={"early_discharge_reason": "Transferred to ED"}, by=session.started_by
    )
    svc.session_sign(session=session, by=session.started_by)


def test_ketamine_dose_checked_against_the_clinic_maximum():
    session = complete_session("iv_ketamine")
    svc.session_save(session=session, raw={"dose_mg_per_kg": "1.5"}, by=session.started_by)
    with pytest.raises(svc.SignRefused) as exc:
        svc.session_sign(session=session, by=session.started_by)
    assert "above the clinic maximum of 1 mg/kg" in dict(exc.value.errors)["dose_mg_per_kg"]


# -- signing and after -------------------------------------------------------------------


@pytest.mark.parametrize("modality", ["esketamine", "iv_ketamine", "tms", "ect"])
def test_each_modality_signs_and_then_never_changes(modality):
    session = complete_session(modality)
    signed = svc.session_sign(session=session, by=session.started_by)
    assert signed.state == "signed" and signed.signed_by == session.started_by
    assert signed.appointment.status == AppointmentStatus.COMPLETED
    before = dict(signed.document)
    with pytest.raises(svc.SessionError, match="signed"):
        svc.session_save(session=signed, raw={"lot_number": "CHANGED"}, by=session.started_by)
    with pytest.raises(svc.SessionError, match="signed"):
        vitals(signed, "12:00", "as_needed")
    with pytest.raises(svc.SessionError, match="signed"):
        svc.session_sign(session=signed, by=session.started_by)
    signed.refresh_from_db()
    assert signed.document == before


def test_addenda_only_on_signed_sessions_with_reason_author_time(clinician):
    session = complete_session("tms")
    with pytest.raises(svc.SessionError, match="not signed"):
        svc.addendum_add(session=session, reason="r", body="b", by=clinician)
    svc.session_sign(session=session, by=session.started_by)
    with pytest.raises(ValidationError) as exc:
        svc.addendum_add(session=session, reason="", body="", by=clinician)
    assert set(exc.value.message_dict) == {"reason", "body"}
    addendum = svc.addendum_add(
        session=session, reason="Coil recorded wrongly", body="Coil was H1", by=clinician
    )
    assert addendum.author == clinician and addendum.created_at
    assert Addendum.objects.filter(session=session).count() == 1


def test_tms_billing_codes_over_a_course():
    first = complete_session("tms")
    assert first.billing_code == "90867"
    svc.session_sign(session=first, by=first.started_by)
    second_appointment = treatment_appointment(
        "tms",
        patient=first.patient,
        day=first.appointment.start.date() + datetime.timedelta(days=1),
    )
    second = svc.session_start(appointment=second_appointment, by=first.started_by)
    assert second.document["session_number"] == 2
    assert second.document["motor_threshold_pct"] == 55  # carried from the last session
    svc.session_save(
        session=second,
        raw={**COMPLETE["tms"], "session_number": "2", "mt_determined_today": "no"},
        by=second.started_by,
    )
    second.refresh_from_db()
    assert second.billing_code == "90868"
    svc.session_save(session=second, raw={"mt_determined_today": "yes"}, by=second.started_by)
    second.refresh_from_db()
    assert second.billing_code == "90869"


# The worker closes and reopens database connections, so this test commits for real.
@pytest.mark.django_db(transaction=True)
def test_a_seizure_alerts_on_call_once(mailoutbox, settings):
    settings.CLINIC_ONCALL_EMAILS = ["oncall@example.org"]
    session = complete_session("tms")
    svc.session_save(session=session, raw={"seizure": "yes"}, by=session.started_by)
    svc.session_save(session=session, raw={"side_effects": "seizure"}, by=session.started_by)
    run_worker()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["oncall@example.org"]
    assert f"/sessions/{session.pk}/" in mailoutbox[0].body
    session.refresh_from_db()
    assert session.alerted_at is not None


# -- REMS submission -------------------------------------------------------------------------


def test_rems_form_submitted_once_after_signing(clinician):
    session = complete_session("esketamine")
    with pytest.raises(svc.SessionError, match="Sign the session"):
        svc.rems_submit(session=session, method="online", confirmation="", by=clinician)
    svc.session_sign(session=session, by=session.started_by)
    with pytest.raises(ValidationError):
        svc.rems_submit(session=session, method="pigeon", confirmation="", by=clinician)
    submission = svc.rems_submit(session=session, method="fax", confirmation="C-1", by=clinician)
    assert submission.submitted_by == clinician and submission.submitted_at
    with pytest.raises(svc.SessionError, match="already"):
        svc.rems_submit(session=session, method="fax", confirmation="", by=clinician)
    assert RemsSubmission.objects.count() == 1


# -- the vitals limits --------------------------------------------------------------------------


def test_limits_changes_are_recorded_and_apply_to_new_readings(clinic_admin):
    assert svc.current_limits()[0].systolic_high == 180
    version = svc.vitals_limits_update(
        changes={"systolic_high": 170, "spo2_low": 92}, by=clinic_admin
    )
    assert version == 2
    change = VitalsLimitsChange.objects.get()
    assert (change.field, change.old_value, change.new_value, change.version) == (
        "systolic_high",
        180,
        170,
        2,
    )
    with pytest.raises(ValidationError) as exc:
        svc.vitals_limits_update(changes={"heart_rate_low": 130}, by=clinic_admin)
    assert "heart_rate_low" in exc.value.message_dict
    session = started_session("iv_ketamine")
    assert vitals(session, "09:00", "pre_dose", 172, 80).out_of_limits == ["systolic_high"]
    assert VitalsLimits.objects.get().version == 2


def test_the_dose_waits_for_the_predose_decision():
    session = started_session("esketamine")
    vitals(session, "09:00", "pre_dose", 150, 92)
    errors = svc.session_save(session=session, raw={"first_device_time": "09:10"}, by=None)
    assert [name for name, _m in errors] == ["first_device_time"]
    session.refresh_from_db()
    assert "first_device_time" not in session.document
    assert session.typed["first_device_time"] == "09:10"  # kept as typed
    assert session.state == "in_progress"
    errors = svc.session_save(
        session=session,
        raw={
            "predose_bp_decision": "proceed",
            "predose_bp_reason": "Recheck 138/86 after rest",
            "first_device_time": "09:10",
        },
        by=None,
    )
    assert errors == []
    session.refresh_from_db()
    assert session.document["first_device_time"] == "09:10" and session.state == "monitoring"
