"""A flag a clinician acknowledged stays acknowledged when its intake is
screened again (a rescreen after a policy change makes new flag rows): the
case does not come back to the queue, and a flag whose severity changed is a
new topic, left unacknowledged."""

from __future__ import annotations

import pytest

from screening.models import Flag, Intake
from screening.review.models import FlagAcknowledgement
from screening.review.selectors import QueueFilters, queue_intakes, urgent_unacknowledged_ids
from screening.review.services import case_decide, flag_acknowledge
from screening.services.policy import policy_update
from screening.services.rescreen import intakes_rescreen
from screening.services.screen import intake_screen
from tests.factories.review import URGENT_ANSWERS, case
from tests.factories.screening import valid_document

pytestmark = pytest.mark.django_db

RAISED_BP = {"systolic": 136, "diastolic": 80, "measured_on": "2026-10-30"}


def closed_urgent_case(clinician) -> Intake:
    intake = case(
        document=valid_document(**URGENT_ANSWERS, blood_pressure=RAISED_BP),
        review_status=Intake.ReviewStatus.IN_REVIEW,
    )
    for flag in intake.flags.filter(is_current=True):
        flag_acknowledge(flag=flag, by=clinician, note="Discussed by phone")
    case_decide(intake=intake, kind="not_suitable", by=clinician, reason="Elsewhere")
    return intake


def test_a_rescreen_keeps_the_acknowledgements_and_the_closed_case_off_the_queue(clinician):
    intake = closed_urgent_case(clinician)
    acknowledged = dict(
        intake.flags.filter(is_current=True).values_list("code", "acknowledgement__at")
    )
    assert "suicide_risk" in acknowledged and intake.pk not in urgent_unacknowledged_ids()

    policy_update(changes={"bp_high_systolic": 135}, by=None)
    report = intakes_rescreen(batch_size=10, workers=1)

    assert report.stored == 1 and report.appeared == {"uncontrolled_hypertension": 1}
    current = {f.code: f for f in Flag.objects.filter(intake=intake, is_current=True)}
    for code, at in acknowledged.items():
        ack = FlagAcknowledgement.objects.get(flag=current[code])
        assert (ack.by_id, ack.at, ack.note) == (clinician.pk, at, "Discussed by phone")
    # The topic the new policy raised has not been read yet.
    assert not FlagAcknowledgement.objects.filter(flag=current["uncontrolled_hypertension"])
    assert intake.pk not in urgent_unacknowledged_ids()
    queue = queue_intakes(filters=QueueFilters(), user=clinician)
    assert intake.pk not in set(queue.values_list("pk", flat=True))


def test_screening_one_intake_again_keeps_its_acknowledgements(clinician):
    intake = closed_urgent_case(clinician)
    before = FlagAcknowledgement.objects.filter(intake=intake).count()
    intake_screen(intake=intake)
    current = Flag.objects.filter(intake=intake, is_current=True)
    assert current.filter(acknowledgement__isnull=True).count() == 0
    assert FlagAcknowledgement.objects.filter(intake=intake).count() == 2 * before


def test_a_flag_whose_severity_changed_is_not_acknowledged(clinician):
    intake = closed_urgent_case(clinician)
    flag = intake.flags.get(is_current=True, code="suicide_risk")
    FlagAcknowledgement.objects.filter(flag=flag).delete()
    # The earlier acknowledged flag was another severity: a different topic.
    Flag.objects.filter(pk=flag.pk).update(severity="moderate")
    flag_acknowledge(flag=Flag.objects.get(pk=flag.pk), by=clinician)
    intake_screen(intake=intake)
    new = intake.flags.get(is_current=True, code="suicide_risk")
    assert new.severity == "urgent"
    assert not FlagAcknowledgement.objects.filter(flag=new).exists()
    assert intake.pk in urgent_unacknowledged_ids()


def _marks_match_records() -> None:
    """Every flag's `acknowledged` mark says whether it has an acknowledgement."""
    marks = dict(Flag.objects.values_list("pk", "acknowledged"))
    recorded = set(FlagAcknowledgement.objects.values_list("flag_id", flat=True))
    assert marks and {pk for pk, mark in marks.items() if mark} == recorded


def test_the_acknowledged_mark_follows_the_record_through_a_rescreen(client, clinician):
    """The queue reads the flags' mark (its index holds the unacknowledged
    urgent flags only): set with each acknowledgement, carried with it."""
    intake = case(
        document=valid_document(**URGENT_ANSWERS, blood_pressure=RAISED_BP),
        review_status=Intake.ReviewStatus.IN_REVIEW,
    )
    case_decide(intake=intake, kind="not_suitable", by=clinician, reason="Elsewhere")
    assert intake.pk in urgent_unacknowledged_ids()  # closed, urgent flag unread
    _marks_match_records()  # none yet
    client.force_login(clinician)
    for flag in intake.flags.filter(is_current=True, severity="urgent"):
        response = client.post(f"/review/{intake.pk}/flags/{flag.pk}/acknowledge/", {"note": ""})
        assert response.status_code == 302
    assert intake.pk not in urgent_unacknowledged_ids()
    _marks_match_records()
    policy_update(changes={"bp_high_systolic": 135}, by=None)
    intakes_rescreen(batch_size=10, workers=1)
    _marks_match_records()
    assert Flag.objects.filter(intake=intake, is_current=True, acknowledged=True).exists()
    assert intake.pk not in urgent_unacknowledged_ids()
