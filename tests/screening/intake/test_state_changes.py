"""The checklist of every intake view that changes state (as healthchecks
does per view): a GET is refused (a step's and the review's GET show their
form and change nothing), staff are refused (the intake is the patient's own),
a bad step or id is a 404, a patient only ever reaches their own intake (the
URLs name no intake: the login does), and the effect on the database is what
the view says."""

from __future__ import annotations

import pytest

from screening.models import Intake
from screening.services.intake import COMPLETE, FORM_STEPS, intake_submit
from tests.factories.intake import IntakeFactory, document_for, sections_of, step_post

pytestmark = pytest.mark.django_db


def complete_draft(**fields) -> Intake:
    """A draft with every step answered, ready to submit."""
    intake = IntakeFactory(**fields)
    intake.document = sections_of(document_for(intake.patient))
    intake.step_state = dict.fromkeys(FORM_STEPS, COMPLETE)
    intake.save()
    return intake


def submitted(**fields) -> Intake:
    return intake_submit(intake=complete_draft(**fields))


def state() -> list[tuple]:
    return list(
        Intake.objects.order_by("pk").values_list(
            "pk", "patient", "status", "version", "document", "step_state"
        )
    )


def about_post(intake: Intake) -> dict:
    return step_post("about", document_for(intake.patient), intake.patient)


# -- a step ---------------------------------------------------------------------------------


def test_a_steps_get_shows_its_form_and_changes_nothing(client):
    draft = IntakeFactory()
    before = state()
    client.force_login(draft.patient.user)
    response = client.get("/intake/step/about/")
    assert response.status_code == 200 and "<form" in response.content.decode()
    assert state() == before


@pytest.mark.parametrize("role", ["clinician", "scheduler", "clinic_admin"])
def test_staff_cannot_post_a_step(client, request, role):
    draft = IntakeFactory()
    before = state()
    client.force_login(request.getfixturevalue(role))
    assert client.post("/intake/step/about/", about_post(draft)).status_code == 403
    assert state() == before


def test_a_bad_step_is_a_404(client):
    draft = IntakeFactory()
    before = state()
    client.force_login(draft.patient.user)
    assert client.post("/intake/step/no-such-step/", about_post(draft)).status_code == 404
    assert client.post("/intake/step/review/", about_post(draft)).status_code == 404
    assert state() == before


def test_a_step_saves_to_the_patients_own_draft_only(client):
    mine, theirs = IntakeFactory(), IntakeFactory()
    their_before = Intake.objects.filter(pk=theirs.pk).values_list("document", "step_state").get()
    client.force_login(mine.patient.user)
    response = client.post("/intake/step/about/", about_post(mine))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.step_state["about"] == COMPLETE
    assert mine.document["patient"]["given_name"] == mine.patient.given_name
    assert (
        Intake.objects.filter(pk=theirs.pk).values_list("document", "step_state").get()
        == their_before
    )


# -- submit (the review page) -----------------------------------------------------------------


def test_the_reviews_get_shows_it_and_changes_nothing(client):
    draft = complete_draft()
    before = state()
    client.force_login(draft.patient.user)
    response = client.get("/intake/review/")
    assert response.status_code == 200 and "Send my answers" in response.content.decode()
    assert state() == before


@pytest.mark.parametrize("role", ["clinician", "scheduler", "clinic_admin"])
def test_staff_cannot_submit(client, request, role):
    complete_draft()
    before = state()
    client.force_login(request.getfixturevalue(role))
    assert client.post("/intake/review/").status_code == 403
    assert state() == before


def test_submit_sends_the_patients_own_draft_only(client, mailoutbox):
    mine, theirs = complete_draft(), complete_draft()
    client.force_login(mine.patient.user)
    response = client.post("/intake/review/")
    assert response.status_code == 302
    assert response["Location"] == f"/intake/{mine.pk}/submitted/"
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == Intake.Status.SUBMITTED and mine.submitted_at is not None
    assert mine.current_result is not None  # screened on submit
    assert theirs.status == Intake.Status.DRAFT and theirs.submitted_at is None


def test_submit_with_steps_missing_changes_nothing(client):
    draft = IntakeFactory()
    before = state()
    client.force_login(draft.patient.user)
    response = client.post("/intake/review/")
    assert response.status_code == 200 and "still need your answers" in response.content.decode()
    assert state() == before


# -- an update (a new version) -------------------------------------------------------------


def test_an_update_refuses_a_get_and_changes_nothing(client):
    v1 = submitted()
    before = state()
    client.force_login(v1.patient.user)
    assert client.get("/intake/update/").status_code == 405
    assert state() == before


@pytest.mark.parametrize("role", ["clinician", "scheduler", "clinic_admin"])
def test_staff_cannot_start_an_update(client, request, role):
    submitted()
    before = state()
    client.force_login(request.getfixturevalue(role))
    assert client.post("/intake/update/").status_code == 403
    assert state() == before


def test_an_update_is_of_the_patients_own_intake_only(client):
    mine, theirs = submitted(), submitted()
    client.force_login(mine.patient.user)
    assert client.post("/intake/update/").status_code == 302
    draft = Intake.objects.get(status=Intake.Status.DRAFT)
    assert (draft.patient, draft.version, draft.previous) == (mine.patient, 2, mine)
    assert not Intake.objects.filter(patient=theirs.patient, status=Intake.Status.DRAFT).exists()


def test_an_update_with_nothing_submitted_creates_nothing(client):
    """With only a draft, the update is that draft, resumed."""
    draft = IntakeFactory()
    before = state()
    client.force_login(draft.patient.user)
    response = client.post("/intake/update/")
    assert response.status_code == 302 and response["Location"] == "/intake/step/about/"
    assert state() == before


# -- what was submitted: bad ids and other patients' ids ----------------------------------


@pytest.mark.parametrize("tail", ["", "submitted/"])
def test_a_bad_or_another_patients_intake_id_is_a_404(client, tail):
    mine, theirs = submitted(), submitted()
    client.force_login(mine.patient.user)
    assert client.get(f"/intake/{mine.pk}/{tail}").status_code == 200
    assert client.get(f"/intake/999999/{tail}").status_code == 404
    assert client.get(f"/intake/{theirs.pk}/{tail}").status_code == 404


def test_the_start_page_makes_one_draft_however_often_it_is_opened(client):
    """The one GET here that writes: opening the intake the first time
    creates the patient's draft (idempotent: one draft, however many GETs)."""
    from tests.factories.accounts import PatientFactory

    patient = PatientFactory(with_login=True)
    client.force_login(patient.user)
    for _ in range(3):
        assert client.get("/intake/")["Location"] == "/intake/step/about/"
    assert list(patient.intakes.values_list("status", "version")) == [("draft", 1)]
