"""The checklist of every review view that changes state (as healthchecks
does per view): a GET is refused, a role that may not use it is refused (a
scheduler never acts on clinical content, a patient never on a case), a bad
id is a 404, another case's flag or a case not yet submitted is a 404, and the
effect on the database (and the patient's email) is what the view says."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from screening.models import Intake
from screening.review.models import CaseDecision, CaseEvent, CaseNote, FlagAcknowledgement
from tests.factories.accounts import PatientFactory
from tests.factories.review import case
from tests.factories.screening import IntakeFactory

pytestmark = pytest.mark.django_db


@dataclass
class CaseView:
    name: str
    url: str  # with {pk} (the case) and, for acknowledge, {flag}
    data: dict[str, Any]

    def at(self, intake: Intake, *, pk: int | None = None, flag: int | None = None) -> str:
        if flag is None:
            current = intake.flags.filter(is_current=True).first()
            flag = current.pk if current else 0
        return self.url.format(pk=intake.pk if pk is None else pk, flag=flag)


CASE_VIEWS = [
    CaseView("assign", "/review/{pk}/assign/", {"to": "me"}),
    CaseView("acknowledge", "/review/{pk}/flags/{flag}/acknowledge/", {"note": "Called today."}),
    CaseView("add_note", "/review/{pk}/notes/", {"body": "Ask about sleep."}),
    CaseView(
        "decide",
        "/review/{pk}/decide/",
        {"kind": "more_info", "steps": ["treatments"], "message": "Please add your doses."},
    ),
]


def a_case() -> Intake:
    return case("urgent", patient=PatientFactory(given_name="Dana", email="dana@example.org"))


def state(intake: Intake) -> tuple:
    intake.refresh_from_db()
    return (
        intake.assigned_to_id,
        intake.review_status,
        CaseNote.objects.filter(intake=intake).count(),
        FlagAcknowledgement.objects.filter(intake=intake).count(),
        CaseDecision.objects.filter(intake=intake).count(),
        CaseEvent.objects.filter(intake=intake).count(),
        Intake.objects.filter(patient=intake.patient).count(),
    )


def effect(view: CaseView, intake: Intake, user, mailoutbox) -> None:
    intake.refresh_from_db()
    events = list(CaseEvent.objects.filter(intake=intake).values_list("action", flat=True))
    if view.name == "assign":
        assert intake.assigned_to == user and intake.review_status == Intake.ReviewStatus.IN_REVIEW
        assert events == ["assigned"]
    elif view.name == "acknowledge":
        ack = FlagAcknowledgement.objects.get(intake=intake)
        assert (ack.by, ack.note) == (user, "Called today.")
        assert events == ["flag_acknowledged"]
    elif view.name == "add_note":
        note = CaseNote.objects.get(intake=intake)
        assert (note.author, note.body) == (user, "Ask about sleep.")
        assert events == ["note_added"]
    else:
        decision = CaseDecision.objects.get(intake=intake)
        assert (decision.kind, decision.by, decision.steps) == ("more_info", user, ["treatments"])
        assert intake.review_status == Intake.ReviewStatus.MORE_INFO
        draft = Intake.objects.get(patient=intake.patient, status=Intake.Status.DRAFT)
        assert draft.previous == intake and draft.reopened_steps == ["treatments"]
        assert [m.to for m in mailoutbox] == [["dana@example.org"]]
        assert "Please add your doses." in mailoutbox[0].body
        assert events == ["decided"]
    if view.name != "decide":
        assert mailoutbox == []


views = pytest.mark.parametrize("view", CASE_VIEWS, ids=lambda v: v.name)


@views
def test_a_get_is_refused_and_changes_nothing(client, clinician, mailoutbox, view):
    intake = a_case()
    before = state(intake)
    client.force_login(clinician)
    assert client.get(view.at(intake)).status_code == 405
    assert state(intake) == before and mailoutbox == []


@views
@pytest.mark.parametrize("role", ["scheduler", "patient_user"])
def test_a_role_that_may_not_act_on_a_case_is_refused(client, request, mailoutbox, view, role):
    intake = a_case()
    before = state(intake)
    client.force_login(request.getfixturevalue(role))
    assert client.post(view.at(intake), view.data).status_code == 403
    assert state(intake) == before and mailoutbox == []


def test_the_cases_own_patient_is_refused(client, mailoutbox):
    patient = PatientFactory(with_login=True)
    intake = case("urgent", patient=patient)
    before = state(intake)
    client.force_login(patient.user)
    for view in CASE_VIEWS:
        assert client.post(view.at(intake), view.data).status_code == 403, view.name
    assert state(intake) == before and mailoutbox == []


@views
def test_a_bad_id_is_a_404(client, clinician, view):
    intake = a_case()
    client.force_login(clinician)
    assert client.post(view.at(intake, pk=999999), view.data).status_code == 404


def test_a_bad_flag_id_is_a_404(client, clinician):
    intake = a_case()
    before = state(intake)
    client.force_login(clinician)
    url = CASE_VIEWS[1].at(intake, flag=999999)
    assert client.post(url, CASE_VIEWS[1].data).status_code == 404
    assert state(intake) == before


def test_another_cases_flag_is_a_404_and_changes_neither_case(client, clinician):
    intake, other = a_case(), case("high")
    other_flag = other.flags.filter(is_current=True).first()
    before, other_before = state(intake), state(other)
    client.force_login(clinician)
    url = CASE_VIEWS[1].at(intake, flag=other_flag.pk)
    assert client.post(url, CASE_VIEWS[1].data).status_code == 404
    assert state(intake) == before and state(other) == other_before


@views
def test_an_intake_not_yet_submitted_is_not_a_case(client, clinician, mailoutbox, view):
    draft = IntakeFactory(patient=PatientFactory(), status=Intake.Status.DRAFT, submitted_at=None)
    client.force_login(clinician)
    assert client.post(view.at(draft, flag=0), view.data).status_code == 404
    assert not CaseEvent.objects.exists() and not CaseNote.objects.exists()
    assert not CaseDecision.objects.exists() and mailoutbox == []


@views
def test_the_change_is_made(
    client, clinician, mailoutbox, django_capture_on_commit_callbacks, view
):
    intake = a_case()
    client.force_login(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(view.at(intake), view.data)
    assert response.status_code == 302
    effect(view, intake, clinician, mailoutbox)


@views
def test_an_admin_may_make_the_change(
    client, clinic_admin, mailoutbox, django_capture_on_commit_callbacks, view
):
    intake = a_case()
    client.force_login(clinic_admin)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(view.at(intake), view.data).status_code == 302
    effect(view, intake, clinic_admin, mailoutbox)
