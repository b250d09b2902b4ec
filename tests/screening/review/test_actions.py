"""Case actions: assign, acknowledge a flag, add a note, decide. Each one's
effect on the database, the emails sent, the history, and who is refused."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse

from screening.models import Intake
from screening.review.models import CaseDecision, CaseEvent, CaseNote, FlagAcknowledgement
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.review import case

pytestmark = pytest.mark.django_db

Status = Intake.ReviewStatus


def events(intake: Intake) -> list[tuple[str, str]]:
    return [(e.action, e.detail) for e in CaseEvent.objects.filter(intake=intake).order_by("pk")]


def refused_roles():
    return pytest.mark.parametrize("fixture", ["scheduler", "patient_user"])


# -- assign ----------------------------------------------------------------------------


def test_assign_to_me(client, clinician):
    intake = case("info")
    client.force_login(clinician)
    response = client.post(f"/review/{intake.pk}/assign/", {"to": "me"})
    assert response.status_code == 302 and response["Location"] == f"/review/{intake.pk}/"
    intake.refresh_from_db()
    assert intake.assigned_to == clinician
    assert intake.review_status == Status.IN_REVIEW
    assert events(intake) == [("assigned", f"Assigned to themself ({clinician.email})")]


def test_assign_to_another_clinician_and_to_nobody(client, clinician):
    other = StaffFactory(role="clinician", first_name="Erik", last_name="Lindqvist")
    intake = case("info")
    client.force_login(clinician)
    client.post(f"/review/{intake.pk}/assign/", {"assignee": other.pk})
    intake.refresh_from_db()
    assert intake.assigned_to == other
    client.post(f"/review/{intake.pk}/assign/", {"assignee": ""})
    intake.refresh_from_db()
    assert intake.assigned_to is None
    assert [a for a, _d in events(intake)] == ["assigned", "assigned"]
    assert "Erik Lindqvist" in events(intake)[0][1]


def test_assign_to_a_scheduler_is_refused_with_a_message(client, clinician, scheduler):
    intake = case("info")
    client.force_login(clinician)
    response = client.post(f"/review/{intake.pk}/assign/", {"assignee": scheduler.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    intake.refresh_from_db()
    assert intake.assigned_to is None
    assert not CaseEvent.objects.filter(action="assigned").exists()


@refused_roles()
def test_assign_refused_to_other_roles(client, request, fixture):
    intake = case("info")
    client.force_login(request.getfixturevalue(fixture))
    assert client.post(f"/review/{intake.pk}/assign/", {"to": "me"}).status_code == 403
    intake.refresh_from_db()
    assert intake.assigned_to is None


def test_assign_wrong_method(client, clinician):
    intake = case("info")
    client.force_login(clinician)
    assert client.get(f"/review/{intake.pk}/assign/").status_code == 405


# -- acknowledge -----------------------------------------------------------------------


def test_acknowledge_a_flag_with_a_note(client, clinician):
    intake = case("urgent")
    flag = intake.flags.get(code="suicide_risk")
    client.force_login(clinician)
    response = client.post(
        f"/review/{intake.pk}/flags/{flag.pk}/acknowledge/", {"note": "Called her today."}
    )
    assert response.status_code == 302
    ack = FlagAcknowledgement.objects.get(flag=flag)
    assert (ack.by, ack.note, ack.intake) == (clinician, "Called her today.", intake)
    assert events(intake) == [
        ("flag_acknowledged", "Acknowledged suicide_risk (urgent): Called her today.")
    ]
    page = client.get(f"/review/{intake.pk}/").content.decode()
    assert "Acknowledged by" in page and "Called her today." in page


def test_acknowledging_twice_keeps_the_first(client, clinician):
    intake = case("info")
    flag = intake.flags.first()
    client.force_login(clinician)
    client.post(f"/review/{intake.pk}/flags/{flag.pk}/acknowledge/", {"note": "first"})
    client.post(f"/review/{intake.pk}/flags/{flag.pk}/acknowledge/", {"note": "second"})
    assert FlagAcknowledgement.objects.get(flag=flag).note == "first"
    assert len(events(intake)) == 1


def test_acknowledge_a_flag_of_another_case_is_not_found(client, clinician):
    intake = case("info")
    other_flag = case("high").flags.first()
    client.force_login(clinician)
    response = client.post(f"/review/{intake.pk}/flags/{other_flag.pk}/acknowledge/")
    assert response.status_code == 404
    assert not FlagAcknowledgement.objects.exists()


def test_acknowledge_note_with_nul_is_a_validation_error(client, clinician):
    intake = case("info")
    flag = intake.flags.first()
    client.force_login(clinician)
    response = client.post(
        f"/review/{intake.pk}/flags/{flag.pk}/acknowledge/", {"note": "bad\x00note"}
    )
    assert response.status_code == 400
    assert "null character" in response.content.decode()
    assert not FlagAcknowledgement.objects.exists()


@refused_roles()
def test_acknowledge_refused_to_other_roles(client, request, fixture):
    intake = case("info")
    flag = intake.flags.first()
    client.force_login(request.getfixturevalue(fixture))
    assert client.post(f"/review/{intake.pk}/flags/{flag.pk}/acknowledge/").status_code == 403
    assert not FlagAcknowledgement.objects.exists()


# -- notes ----------------------------------------------------------------------------------


def test_add_a_note(client, clinician):
    intake = case("info")
    client.force_login(clinician)
    response = client.post(f"/review/{intake.pk}/notes/", {"body": "  Ask about sleep.  "})
    assert response.status_code == 302
    note = CaseNote.objects.get(intake=intake)
    assert (note.author, note.body) == (clinician, "Ask about sleep.")
    assert events(intake) == [("note_added", "Ask about sleep.")]
    assert "Ask about sleep." in client.get(f"/review/{intake.pk}/").content.decode()


def test_empty_note_is_refused_and_nul_keeps_the_text(client, clinician):
    intake = case("info")
    client.force_login(clinician)
    response = client.post(f"/review/{intake.pk}/notes/", {"body": ""})
    assert response.status_code == 400
    assert "Write the note before saving it." in response.content.decode()
    response = client.post(f"/review/{intake.pk}/notes/", {"body": "keep this\x00"})
    assert response.status_code == 400
    assert "keep this" in response.content.decode()
    assert not CaseNote.objects.exists()


@refused_roles()
def test_notes_refused_to_other_roles(client, request, fixture):
    intake = case("info")
    client.force_login(request.getfixturevalue(fixture))
    assert client.post(f"/review/{intake.pk}/notes/", {"body": "x"}).status_code == 403
    assert not CaseNote.objects.exists()


# -- decide ------------------------------------------------------------------------------------


def booking_target(patient) -> str:
    try:
        return reverse("scheduling:book") + f"?patient={patient.pk}&type=consult"
    except NoReverseMatch:
        return reverse("scheduling:schedule")


def test_book_a_consult_goes_to_booking(client, clinician):
    intake = case("info")
    client.force_login(clinician)
    response = client.post(f"/review/{intake.pk}/decide/", {"kind": "book_consult"})
    assert response.status_code == 302
    assert response["Location"] == booking_target(intake.patient)
    intake.refresh_from_db()
    assert intake.review_status == Status.CONSULT_TO_BOOK
    decision = CaseDecision.objects.get(intake=intake)
    assert (decision.kind, decision.by) == ("book_consult", clinician)
    assert events(intake) == [("decided", "Book a consult")]
    assert mail.outbox == []


def test_request_more_information_emails_the_patient_and_reopens_the_intake(
    client, clinician, django_capture_on_commit_callbacks
):
    patient = PatientFactory(given_name="Dana", email="dana@example.org")
    intake = case("urgent", patient=patient)
    client.force_login(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/review/{intake.pk}/decide/",
            {
                "kind": "more_info",
                "steps": ["treatments", "physical"],
                "message": "Please add the doses of your medicines.",
            },
        )
    assert response.status_code == 302 and response["Location"] == f"/review/{intake.pk}/"
    intake.refresh_from_db()
    assert intake.review_status == Status.MORE_INFO
    decision = CaseDecision.objects.get(intake=intake)
    assert decision.steps == ["treatments", "physical"]
    # A new draft version, pre-filled, reopened for those steps.
    draft = Intake.objects.get(patient=patient, status=Intake.Status.DRAFT)
    assert draft.version == 2 and draft.previous == intake
    assert draft.reopened_steps == ["treatments", "physical"]
    assert draft.document["depression"] == intake.document["depression"]
    # The email names what to update and never the flags.
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["dana@example.org"]
    assert "Dear Dana" in email.body
    assert "Treatments you have tried" in email.body and "Physical health" in email.body
    assert "Please add the doses of your medicines." in email.body
    for word in ("flag", "suicide risk", "suicide_risk", "urgent", "topics to discuss"):
        assert word not in email.body.lower(), word
    assert events(intake) == [
        ("decided", "Request more information: Treatments you have tried, Physical health")
    ]


def test_request_more_information_needs_steps(client, clinician):
    intake = case("info")
    client.force_login(clinician)
    response = client.post(
        f"/review/{intake.pk}/decide/", {"kind": "more_info", "message": "typed text kept"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose at least one part for the patient to update." in page
    assert "typed text kept" in page
    assert not CaseDecision.objects.exists()
    assert mail.outbox == []


def test_not_suitable_needs_a_reason_and_closes_the_case(client, clinician):
    intake = case("high")
    client.force_login(clinician)
    response = client.post(f"/review/{intake.pk}/decide/", {"kind": "not_suitable"})
    assert response.status_code == 400
    assert "Give the reason" in response.content.decode()
    response = client.post(
        f"/review/{intake.pk}/decide/",
        {"kind": "not_suitable", "reason": "Blood pressure to be controlled first."},
    )
    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.review_status == Status.CLOSED
    assert (
        CaseDecision.objects.get(intake=intake).reason == "Blood pressure to be controlled first."
    )
    assert mail.outbox == []


def test_referred_elsewhere_needs_to_whom(client, clinician):
    intake = case("info")
    client.force_login(clinician)
    response = client.post(f"/review/{intake.pk}/decide/", {"kind": "referred"})
    assert response.status_code == 400
    assert "Say to whom the patient is referred." in response.content.decode()
    client.post(
        f"/review/{intake.pk}/decide/",
        {"kind": "referred", "referred_to": "Eating disorders service, St Mary's"},
    )
    intake.refresh_from_db()
    assert intake.review_status == Status.CLOSED
    assert events(intake)[-1] == (
        "decided",
        "Referred elsewhere: Eating disorders service, St Mary's",
    )


def test_decision_without_a_kind_is_refused(client, clinician):
    intake = case("info")
    client.force_login(clinician)
    response = client.post(f"/review/{intake.pk}/decide/", {})
    assert response.status_code == 400
    assert "Choose a decision." in response.content.decode()


@refused_roles()
def test_decide_refused_to_other_roles(client, request, fixture):
    intake = case("info")
    client.force_login(request.getfixturevalue(fixture))
    response = client.post(f"/review/{intake.pk}/decide/", {"kind": "book_consult"})
    assert response.status_code == 403
    intake.refresh_from_db()
    assert intake.review_status == Status.AWAITING


def test_decide_wrong_method(client, clinician):
    intake = case("info")
    client.force_login(clinician)
    assert client.get(f"/review/{intake.pk}/decide/").status_code == 405


def test_database_refuses_a_not_suitable_decision_without_reason(clinician):
    intake = case("info")
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseDecision.objects.create(intake=intake, kind="not_suitable", by=clinician)


# -- the patient's page --------------------------------------------------------------------


def test_patient_page_shows_the_decision_in_plain_words_never_flags(
    client, clinician, django_capture_on_commit_callbacks
):
    patient = PatientFactory(with_login=True)
    intake = case("urgent", patient=patient)
    client.force_login(patient.user)
    page = client.get("/me/").content.decode()
    assert "A clinician will review it" in page
    client.force_login(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/review/{intake.pk}/decide/",
            {"kind": "more_info", "steps": ["medicines"], "message": "Which dose?"},
        )
    client.force_login(patient.user)
    page = client.get("/me/").content.decode()
    assert "asked you to update some parts of your intake" in page
    assert "Current medicines and allergies" in page and "Which dose?" in page
    for word in ("suicide risk", "suicide_risk", "flag", "urgent"):
        assert word not in page.lower(), word


def test_patient_page_after_booking_and_referral(client, clinician):
    patient = PatientFactory(with_login=True)
    intake = case("info", patient=patient)
    CaseDecision.objects.create(intake=intake, kind="book_consult", by=clinician)
    client.force_login(patient.user)
    assert "would like to meet you for a consultation" in client.get("/me/").content.decode()
    CaseDecision.objects.create(
        intake=intake, kind="referred", by=clinician, referred_to="City TMS Centre"
    )
    assert "another service for you: City TMS Centre" in client.get("/me/").content.decode()
    CaseDecision.objects.create(intake=intake, kind="not_suitable", by=clinician, reason="x")
    page = client.get("/me/").content.decode()
    assert "will contact you to talk about the next steps" in page
    assert "not suitable" not in page.lower()


def test_request_more_information_without_an_email_address_warns_the_clinician(
    client, clinician, django_capture_on_commit_callbacks
):
    intake = case("info", patient=PatientFactory(email=""))
    client.force_login(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/review/{intake.pk}/decide/",
            {"kind": "more_info", "steps": ["about"]},
            follow=True,
        )
    assert "no email address on file" in response.content.decode()
    assert mail.outbox == []
    intake.refresh_from_db()
    assert intake.review_status == Status.MORE_INFO


def test_request_more_information_adds_steps_to_a_draft_already_open(client, clinician):
    intake = case("info")
    # A later version is already a draft the patient is filling in: the intake
    # service reuses it, so the request still works and adds the steps.
    Intake.objects.create(patient=intake.patient, version=2, previous=intake)
    client.force_login(clinician)
    response = client.post(
        f"/review/{intake.pk}/decide/", {"kind": "more_info", "steps": ["substances"]}
    )
    assert response.status_code == 302
    draft = Intake.objects.get(patient=intake.patient, status="draft")
    assert draft.reopened_steps == ["substances"]


def test_when_the_intake_service_refuses_nothing_is_changed(clinician):
    from screening.review.services import CaseActionError, case_decide

    intake = case("info")
    with pytest.raises(CaseActionError, match="could not be reopened"):
        case_decide(intake=intake, kind="more_info", by=clinician, steps=["no_such_step"])
    intake.refresh_from_db()
    assert intake.review_status == Status.AWAITING
    assert not CaseDecision.objects.exists()
    assert not CaseEvent.objects.exists()
    assert not Intake.objects.filter(status="draft").exists()
