"""The checklist of every treatment view that changes state (as healthchecks
does per view): a GET is refused (the chart's GET shows it and changes
nothing), a role that may not use it is refused (a scheduler never charts, a
patient never reaches a chart, not even their own), a bad id is a 404, a
reading of another session is a 404, and the effect on the database is what
the view says."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from clinic.scheduling.models import Appointment
from clinic.treatment import services as svc
from clinic.treatment.models import Addendum, RemsSubmission, TreatmentSession, VitalSign
from tests.factories.accounts import PatientFactory
from tests.factories.treatment import (
    RemsCertificationFactory,
    RemsEnrollmentFactory,
    complete_session,
    started_session,
    treatment_appointment,
    vitals,
)

pytestmark = pytest.mark.django_db


def appointment_ready() -> Appointment:
    """An esketamine appointment today whose patient may start a session."""
    appointment = treatment_appointment("esketamine", patient=PatientFactory(with_login=True))
    RemsCertificationFactory()
    RemsEnrollmentFactory(patient=appointment.patient)
    return appointment


def out_of_limits_reading() -> VitalSign:
    session = started_session("iv_ketamine", patient=PatientFactory(with_login=True))
    return vitals(session, "09:20", "check", systolic=190, diastolic=100)


def signed(modality: str) -> TreatmentSession:
    session = complete_session(modality, patient=PatientFactory(with_login=True))
    return svc.session_sign(session=session, by=session.started_by)


@dataclass
class ChartView:
    name: str
    url: str  # with {pk}: the appointment's for "start", else the session's; {vital}
    data: dict[str, Any]
    make: Callable[[], Any]  # the object the view acts on

    def at(self, target: Any, *, pk: int | None = None, vital: int | None = None) -> str:
        if isinstance(target, VitalSign):
            session_pk, vital_pk = target.session_id, target.pk
        else:
            session_pk, vital_pk = target.pk, 0
        return self.url.format(
            pk=session_pk if pk is None else pk, vital=vital_pk if vital is None else vital
        )


CHART_VIEWS = [
    ChartView("start", "/sessions/start/{pk}/", {}, appointment_ready),
    ChartView(
        "chart",
        "/sessions/{pk}/",
        {"coil": "H1"},
        lambda: started_session("tms", patient=PatientFactory(with_login=True)),
    ),
    ChartView(
        "vitals_add",
        "/sessions/{pk}/vitals/",
        {
            "taken_at": "09:00",
            "phase": "pre_dose",
            "systolic": "122",
            "diastolic": "78",
            "heart_rate": "70",
            "spo2": "98",
            "respiratory_rate": "14",
        },
        lambda: started_session("iv_ketamine", patient=PatientFactory(with_login=True)),
    ),
    ChartView(
        "vital_respond",
        "/sessions/{pk}/vitals/{vital}/respond/",
        {"response": "Rechecked after five minutes"},
        out_of_limits_reading,
    ),
    ChartView(
        "sign",
        "/sessions/{pk}/sign/",
        {},
        lambda: complete_session("tms", patient=PatientFactory(with_login=True)),
    ),
    ChartView(
        "addendum_add",
        "/sessions/{pk}/addenda/",
        {"reason": "Coil", "body": "The coil was H7."},
        lambda: signed("tms"),
    ),
    ChartView(
        "rems_submit",
        "/sessions/{pk}/rems-form/submit/",
        {"method": "online", "confirmation": "A12"},
        lambda: signed("esketamine"),
    ),
]


def state() -> tuple:
    """Everything these views may change."""
    return (
        list(
            TreatmentSession.objects.order_by("pk").values_list(
                "pk", "state", "document", "signed_by"
            )
        ),
        list(VitalSign.objects.order_by("pk").values_list("pk", "response", "responded_by")),
        list(Appointment.objects.order_by("pk").values_list("pk", "status")),
        Addendum.objects.count(),
        RemsSubmission.objects.count(),
    )


def effect(view: ChartView, target: Any, user) -> None:
    if view.name == "start":
        session = TreatmentSession.objects.get(appointment=target)
        assert session.started_by == user and session.patient == target.patient
        return
    if view.name == "vital_respond":
        target.refresh_from_db()
        assert (target.response, target.responded_by) == ("Rechecked after five minutes", user)
        return
    target.refresh_from_db()
    if view.name == "chart":
        assert target.document["coil"] == "H1"
    elif view.name == "vitals_add":
        vital = target.vitals.get()
        assert (vital.phase, vital.systolic, vital.diastolic, vital.recorded_by) == (
            "pre_dose",
            122,
            78,
            user,
        )
    elif view.name == "sign":
        assert target.signed_by == user and target.state == "signed"
        assert target.appointment.status == "completed"
    elif view.name == "addendum_add":
        addendum = target.addenda.get()
        assert (addendum.reason, addendum.body, addendum.author) == (
            "Coil",
            "The coil was H7.",
            user,
        )
        assert target.document["coil"] == "Figure-8"  # the signed chart is untouched
    else:
        submission = RemsSubmission.objects.get(session=target)
        assert (submission.method, submission.confirmation, submission.submitted_by) == (
            "online",
            "A12",
            user,
        )


views = pytest.mark.parametrize("view", CHART_VIEWS, ids=lambda v: v.name)
post_only = pytest.mark.parametrize(
    "view", [v for v in CHART_VIEWS if v.name != "chart"], ids=lambda v: v.name
)


@post_only
def test_a_get_is_refused_and_changes_nothing(client, clinician, view):
    target = view.make()
    before = state()
    client.force_login(clinician)
    assert client.get(view.at(target)).status_code == 405
    assert state() == before


def test_the_charts_get_shows_it_and_changes_nothing(client, clinician):
    session = CHART_VIEWS[1].make()
    before = state()
    client.force_login(clinician)
    assert client.get(CHART_VIEWS[1].at(session)).status_code == 200
    assert state() == before


@views
def test_a_scheduler_is_refused(client, scheduler, view):
    target = view.make()
    before = state()
    client.force_login(scheduler)
    # The chart answers a scheduler's GET with times only; a POST names nothing.
    expected = 404 if view.name == "chart" else 403
    assert client.post(view.at(target), view.data).status_code == expected
    assert state() == before


@views
def test_the_patient_is_refused_even_on_their_own_session(client, view):
    target = view.make()
    owner = (target.session if isinstance(target, VitalSign) else target).patient
    before = state()
    client.force_login(owner.user)
    assert client.post(view.at(target), view.data).status_code == 403
    assert state() == before


@views
def test_a_bad_id_is_a_404(client, clinician, view):
    target = view.make()
    before = state()
    client.force_login(clinician)
    assert client.post(view.at(target, pk=999999), view.data).status_code == 404
    assert state() == before


def test_a_bad_reading_id_is_a_404(client, clinician):
    view = CHART_VIEWS[3]
    reading = view.make()
    before = state()
    client.force_login(clinician)
    assert client.post(view.at(reading, vital=999999), view.data).status_code == 404
    assert state() == before


def test_a_reading_of_another_session_is_a_404(client, clinician):
    view = CHART_VIEWS[3]
    reading, other = view.make(), view.make()
    before = state()
    client.force_login(clinician)
    url = view.url.format(pk=other.session_id, vital=reading.pk)
    assert client.post(url, view.data).status_code == 404
    assert state() == before


@views
def test_the_change_is_made(client, clinician, view):
    target = view.make()
    client.force_login(clinician)
    assert client.post(view.at(target), view.data).status_code == 302
    effect(view, target, clinician)


@views
def test_an_admin_may_make_the_change(client, clinic_admin, view):
    target = view.make()
    client.force_login(clinic_admin)
    assert client.post(view.at(target), view.data).status_code == 302
    effect(view, target, clinic_admin)
