"""The checklist of every prior-authorization view that changes state (as
healthchecks does per view): a GET is refused, a role that may not use it is
refused (a scheduler never sees the clinical record, a patient never a case),
a bad case or policy id is a 404, another patient's authorization posted
under this case is a 404, and the effect on the database is what the view
says."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from screening.coverage import services
from screening.coverage.models import Authorization, Packet, PayerPolicy, PriorAuthRecord
from screening.models import Intake
from tests.factories.accounts import PatientFactory
from tests.factories.coverage import seeded_policy
from tests.factories.review import case
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
    }
]


def a_case() -> Intake:
    patient = PatientFactory(with_login=True, given_name="Elena", family_name="Park")
    return case(document=valid_document(antidepressant_trials=TRIALS), patient=patient)


def a_policy() -> PayerPolicy:
    return seeded_policy("CP.BH.200")


def with_a_score(intake: Intake, user) -> None:
    services.record_add_score(
        patient=intake.patient, by=user, scale="hamd17", total=24, on=datetime.date(2026, 11, 1)
    )


@dataclass
class PriorAuthView:
    name: str
    tail: str
    data: dict[str, Any]

    def at(self, intake: Intake, policy: PayerPolicy, *, pk=None, policy_pk=None) -> str:
        case_pk = intake.pk if pk is None else pk
        return f"/review/{case_pk}/prior-auth/{policy.pk if policy_pk is None else policy_pk}/" + (
            self.tail
        )

    def prepare(self, intake: Intake, user) -> None:
        """What must exist before the view can act (a score to remove)."""
        if self.name == "remove":
            with_a_score(intake, user)


PRIOR_AUTH_VIEWS = [
    PriorAuthView(
        "record",
        "record/",
        {"diagnosis_icd10": "f33.2", "psychiatrist_name": "Dr. Okafor", "psychiatrist_npi": NPI},
    ),
    PriorAuthView(
        "therapy",
        "therapy/",
        {"modality": "ipt", "sessions": "16", "started_on": "2026-01-05", "ended_on": "2026-05-01"},
    ),
    PriorAuthView("score", "score/", {"scale": "hamd17", "total": "24", "on": "2026-11-01"}),
    PriorAuthView("remove", "remove/", {"list": "scores", "index": "0"}),
    PriorAuthView(
        "packet", "packet/", {"cover_letter": "Dear reviewer,", "sessions_requested": "36"}
    ),
    PriorAuthView(
        "authorization",
        "authorization/",
        {
            "payer": "Centene",
            "reference": "AMB-1",
            "status": "approved",
            "units_approved": "36",
            "start_on": "2026-11-10",
            "end_on": "2027-02-10",
            "requested_on": "2026-11-01",
        },
    ),
]


def state() -> tuple:
    return (
        list(
            PriorAuthRecord.objects.order_by("pk").values_list(
                "patient", "diagnosis_icd10", "psychiatrist_npi", "psychotherapy", "scores"
            )
        ),
        list(
            Authorization.objects.order_by("pk").values_list(
                "pk", "patient", "payer", "status", "units_approved"
            )
        ),
        Packet.objects.count(),
    )


def effect(view: PriorAuthView, intake: Intake, policy: PayerPolicy, user) -> None:
    if view.name == "authorization":
        auth = Authorization.objects.get(patient=intake.patient)
        assert (auth.payer, auth.treatment, auth.policy, auth.units_approved, auth.created_by) == (
            "Centene",
            "tms",
            policy,
            36,
            user,
        )
        return
    if view.name == "packet":
        packet = Packet.objects.get()
        assert (packet.intake, packet.policy, packet.created_by) == (intake, policy, user)
        assert bytes(packet.pdf).startswith(b"%PDF")
        return
    record = PriorAuthRecord.objects.get(patient=intake.patient)
    if view.name == "record":
        assert (record.diagnosis_icd10, record.psychiatrist_npi) == ("F33.2", NPI)
    elif view.name == "therapy":
        assert [(t["modality"], t["sessions"]) for t in record.psychotherapy] == [("ipt", 16)]
    elif view.name == "score":
        assert [(s["scale"], s["total"]) for s in record.scores] == [("hamd17", 24)]
    else:
        assert record.scores == []


views = pytest.mark.parametrize("view", PRIOR_AUTH_VIEWS, ids=lambda v: v.name)


@views
def test_a_get_is_refused_and_changes_nothing(client, clinician, view):
    intake, policy = a_case(), a_policy()
    view.prepare(intake, clinician)
    before = state()
    client.force_login(clinician)
    assert client.get(view.at(intake, policy)).status_code == 405
    assert state() == before


@views
@pytest.mark.parametrize("role", ["scheduler", "patient_user"])
def test_a_role_that_may_not_use_it_is_refused(client, request, clinician, view, role):
    intake, policy = a_case(), a_policy()
    view.prepare(intake, clinician)
    before = state()
    client.force_login(request.getfixturevalue(role))
    assert client.post(view.at(intake, policy), view.data).status_code == 403
    assert state() == before


@views
def test_the_cases_own_patient_is_refused(client, clinician, view):
    intake, policy = a_case(), a_policy()
    view.prepare(intake, clinician)
    before = state()
    client.force_login(intake.patient.user)
    assert client.post(view.at(intake, policy), view.data).status_code == 403
    assert state() == before


@views
@pytest.mark.parametrize("bad", ["case", "policy"])
def test_a_bad_id_is_a_404(client, clinician, view, bad):
    intake, policy = a_case(), a_policy()
    view.prepare(intake, clinician)
    before = state()
    client.force_login(clinician)
    url = view.at(intake, policy, **({"pk": 999999} if bad == "case" else {"policy_pk": 999999}))
    assert client.post(url, view.data).status_code == 404
    assert state() == before


def test_another_patients_authorization_is_a_404_and_unchanged(client, clinician):
    view = PRIOR_AUTH_VIEWS[-1]
    intake, other, policy = a_case(), a_case(), a_policy()
    theirs = Authorization.objects.create(
        patient=other.patient, treatment="tms", payer="Aetna", status="requested"
    )
    before = state()
    client.force_login(clinician)
    data = {**view.data, "authorization": theirs.pk}
    assert client.post(view.at(intake, policy), data).status_code == 404
    assert state() == before


def test_removing_another_patients_entry_is_a_404(client, clinician):
    """The entry is named by its index in this case's patient's record: another
    patient's scores are never reached (this record has none)."""
    view = PRIOR_AUTH_VIEWS[3]
    intake, other, policy = a_case(), a_case(), a_policy()
    with_a_score(other, clinician)
    before = state()
    client.force_login(clinician)
    assert client.post(view.at(intake, policy), view.data).status_code == 404
    assert state() == before


@views
@pytest.mark.parametrize("role", ["clinician", "clinic_admin"])
def test_the_change_is_made(client, request, view, role):
    user = request.getfixturevalue(role)
    intake, policy = a_case(), a_policy()
    view.prepare(intake, user)
    client.force_login(user)
    assert client.post(view.at(intake, policy), view.data).status_code == 302
    effect(view, intake, policy, user)
