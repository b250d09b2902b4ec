"""The case page and its printable summary: access, content, logging."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from screening.models import Intake
from screening.review.models import CaseEvent
from tests.factories.accounts import PatientFactory
from tests.factories.review import HIGH_ANSWERS, URGENT_ANSWERS, case
from tests.factories.screening import valid_document

pytestmark = pytest.mark.django_db


def url(intake: Intake) -> str:
    return f"/review/{intake.pk}/"


@pytest.fixture
def dana():
    return PatientFactory(
        given_name="Dana",
        family_name="Reyes",
        email="dana@example.org",
        phone="+1 555 0100",
        date_of_birth=datetime.date(1982, 3, 14),
        referring_clinician="Dr. A. Okafor",
    )


# -- access --------------------------------------------------------------------------


def test_clinician_sees_the_whole_case(client, clinician, dana):
    intake = case("urgent", patient=dana)
    client.force_login(clinician)
    response = client.get(url(intake))
    assert response.status_code == 200
    page = response.content.decode()
    # Header
    assert "Dana Reyes" in page
    assert f"{dana.age} (1982-03-14)" in page
    assert "Female" in page and "dana@example.org" in page and "+1 555 0100" in page
    assert "Dr. A. Okafor" in page
    assert "16 (moderately severe)" in page  # PHQ-9
    assert "8 (mild)" in page  # GAD-7
    assert 'data-testid="cssrs-triage">high' in page
    assert "124/78 (2026-10-20) · elevated" in page
    assert 'Adequate failed trials</dt><dd class="col-7">2' in page
    # Flags with summary, evidence, source
    assert 'data-code="suicide_risk"' in page and 'data-code="trd_likely"' in page
    flag = intake.flags.get(code="suicide_risk")
    assert flag.summary in page
    assert flag.evidence[0] in page
    assert flag.source in page
    assert page.index('data-code="suicide_risk"') < page.index('data-code="trd_likely"')


def test_admin_sees_the_case(client, clinic_admin):
    intake = case("high")
    client.force_login(clinic_admin)
    response = client.get(url(intake))
    assert response.status_code == 200
    assert 'data-code="uncontrolled_hypertension"' in response.content.decode()


def test_scheduler_sees_names_and_statuses_only(client, scheduler, dana):
    intake = case("urgent", patient=dana)
    client.force_login(scheduler)
    response = client.get(url(intake))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dana Reyes" in page and "Awaiting review" in page
    for secret in ("suicide", "trd", "data-code", "penicillin", "Sertraline", "PHQ-9", "phq9"):
        assert secret not in page, secret


def test_patient_is_refused_even_their_own_case(client):
    patient = PatientFactory(with_login=True)
    intake = case("info", patient=patient)
    client.force_login(patient.user)
    response = client.get(url(intake))
    assert response.status_code == 403
    assert "data-code" not in response.content.decode()


def test_anonymous_is_sent_to_login(client):
    intake = case("info")
    response = client.get(url(intake))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_wrong_method_is_refused(client, clinician):
    intake = case("info")
    client.force_login(clinician)
    assert client.post(url(intake)).status_code == 405
    assert not CaseEvent.objects.exists()


def test_missing_case_and_drafts_are_not_found(client, clinician):
    draft = Intake.objects.create(patient=PatientFactory(), version=1)
    client.force_login(clinician)
    assert client.get(url(draft)).status_code == 404
    assert client.get("/review/999999/").status_code == 404


# -- logging ------------------------------------------------------------------------------


def test_every_view_is_recorded_in_the_case_history_and_the_audit_log(client, clinician):
    intake = case("info")
    client.force_login(clinician)
    client.get(url(intake))
    response = client.get(url(intake))
    events = CaseEvent.objects.filter(intake=intake)
    assert [(e.actor, e.action) for e in events] == [(clinician, "viewed")] * 2
    assert "Opened the case" in response.content.decode()
    assert (
        LogEntry.objects.filter(
            action=LogEntry.Action.ACCESS, object_pk=str(intake.patient.pk)
        ).count()
        == 2
    )


def test_scheduler_views_are_recorded_too(client, scheduler):
    intake = case("info")
    client.force_login(scheduler)
    client.get(url(intake))
    assert CaseEvent.objects.get(intake=intake).actor == scheduler


# -- content ------------------------------------------------------------------------------


def test_treatment_grid_shows_the_highest_severity_per_treatment(client, clinician):
    intake = case("high", document=valid_document(**HIGH_ANSWERS, **URGENT_ANSWERS))
    client.force_login(clinician)
    page = client.get(url(intake)).content.decode()
    grid = page[page.index('data-testid="treatment-grid"') :]
    grid = grid[: grid.index("</table>")]
    highest = grid[grid.index('data-testid="grid-highest"') :]
    # suicide_risk (urgent) bears on all four; hypertension (high) on three.
    assert highest.count("severity-urgent") == 4
    assert (
        "Uncontrolled blood pressure" in grid and "Suicidal thoughts or behaviour reported" in grid
    )


def test_trial_table_says_adequate_or_not_and_why(client, clinician):
    trials = [
        {"medication": "Sertraline", "max_daily_dose_mg": 150, "duration_weeks": 10,
         "current_episode": True, "response": "none"},
        {"medication": "citalopram", "max_daily_dose_mg": 10, "duration_weeks": 8,
         "current_episode": True, "response": "none"},
        {"medication": "fluoxetine", "max_daily_dose_mg": 20, "duration_weeks": 4,
         "current_episode": True, "response": "partial"},
        {"medication": "Zoloft", "duration_weeks": 12, "current_episode": False,
         "response": "response"},
        {"medication": "Herbalix", "max_daily_dose_mg": 5, "duration_weeks": 12,
         "current_episode": True, "response": "none"},
    ]  # fmt: skip
    intake = case("info", document=valid_document(antidepressant_trials=trials))
    client.force_login(clinician)
    page = client.get(url(intake)).content.decode()
    table = page[page.index('data-testid="trials"') :]
    table = table[: table.index("</table>")]
    assert table.count("<strong>yes</strong>") == 1
    assert "dose below minimum (20 mg/day for citalopram)" in table
    assert "under 6 weeks" in table
    assert "no dose reported: adequacy not rated" in table
    assert "drug not in the dose table: adequacy not rated" in table


def test_every_answer_is_shown_grouped_by_step(client, clinician):
    intake = case("info", document=valid_document(allergies=["penicillin", "latex"]))
    client.force_login(clinician)
    page = client.get(url(intake)).content.decode()
    for label in ("About you", "How you have been feeling", "Safety",
                  "Treatments you have tried", "Physical health", "Alcohol and drugs",
                  "Current medicines and allergies", "Consent"):  # fmt: skip
        assert label in page, label
    # One allergy a line, as typed (issue 9).
    assert "penicillin<br>latex" in page
    assert "Trintellix" in page
    assert page.index('id="step-about"') < page.index('id="step-medicines"')


def test_versions_and_what_changed_between_them(client, clinician, dana):
    first = case("info", patient=dana, version=1, document=valid_document(depression__phq9=[3] * 9))
    second = case("info", patient=dana, version=2, previous=first)
    client.force_login(clinician)
    page = client.get(url(second)).content.decode()
    assert "What changed from version 1 to 2" in page
    diff = page[page.index('data-testid="version-diff"') :]
    diff = diff[: diff.index("</table>")]
    assert "Depression › Phq9" in diff
    assert "3, 3, 3, 3, 3, 3, 3, 3, 3" in diff and "2, 2, 2, 2, 2, 2, 2, 2, 0" in diff
    assert f'href="/review/{first.pk}/"' in page
    assert 'data-testid="newer-version"' not in page
    older = client.get(url(first)).content.decode()
    assert "The patient has sent a newer version (2)." in older


def test_phq9_trend_chart_has_a_point_per_version(client, clinician, dana):
    first = case(
        "info",
        patient=dana,
        version=1,
        document=valid_document(depression__phq9=[3] * 9, completed_on="2026-10-01",
                                consent__signed_at="2026-10-01T10:00:00-05:00",
                                blood_pressure=None),
    )  # fmt: skip
    second = case("info", patient=dana, version=2, previous=first)
    client.force_login(clinician)
    page = client.get(url(second)).content.decode()
    chart = page[page.index('data-testid="phq9-chart"') :]
    chart = chart[: chart.index("</svg>")]
    assert "<svg" in chart and "<script" not in chart and "style=" not in chart
    assert chart.count("<circle") == 2
    assert "2026-10-01: PHQ-9 27 (intake)" in chart
    assert "2026-11-02: PHQ-9 16 (intake)" in chart


def test_case_page_sends_no_inline_style_or_script(client, clinician):
    intake = case("urgent")
    client.force_login(clinician)
    page = client.get(url(intake)).content.decode()
    assert "style=" not in page
    assert "<script>" not in page


# -- printable summary ------------------------------------------------------------------


def test_printable_summary(client, clinician, dana):
    intake = case("urgent", patient=dana)
    client.force_login(clinician)
    response = client.get(f"/review/{intake.pk}/summary/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="case-summary"' in page
    assert "Dana Reyes" in page and 'data-code="suicide_risk"' in page
    assert "<svg" in page
    assert "css/print.css" in page and "css/review.css" in page
    assert 'action="/review/' not in page  # no action forms on the printout
    assert CaseEvent.objects.get(intake=intake).action == CaseEvent.Action.PRINTED


@pytest.mark.parametrize("fixture", ["scheduler", "patient_user"])
def test_printable_summary_is_refused_to_other_roles(client, request, fixture):
    intake = case("info")
    client.force_login(request.getfixturevalue(fixture))
    assert client.get(f"/review/{intake.pk}/summary/").status_code == 403


def test_printable_summary_wrong_method(client, clinician):
    intake = case("info")
    client.force_login(clinician)
    assert client.post(f"/review/{intake.pk}/summary/").status_code == 405


def _case_page_queries(client, intake) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(intake))
    assert response.status_code == 200
    return len(queries)


def test_case_page_query_count_does_not_grow_with_the_records(client, clinician, dana):
    from tests.factories.review import CaseNoteFactory, FlagAcknowledgementFactory

    first = case("high", patient=dana, version=1)
    second = case("urgent", patient=dana, version=2, previous=first)
    client.force_login(clinician)
    few = _case_page_queries(client, second)
    third = case("urgent", patient=dana, version=3, previous=second)
    for flag in third.flags.all():
        FlagAcknowledgementFactory(flag=flag, by=clinician)
    for _ in range(3):
        CaseNoteFactory(intake=third, author=clinician)
    client.get(url(third))
    client.get(url(third))
    many = _case_page_queries(client, third)
    assert many == few


def test_phq9_chart_includes_follow_up_checkins(client, clinician, dana):
    from tests.factories.scheduling import CheckInFactory

    intake = case("info", patient=dana)
    done = datetime.datetime(2026, 12, 1, 15, 0, tzinfo=datetime.UTC)
    CheckInFactory(appointment__patient=dana, completed_at=done, phq9_total=9)
    client.force_login(clinician)
    page = client.get(url(intake)).content.decode()
    chart = page[page.index('data-testid="phq9-chart"') :]
    chart = chart[: chart.index("</svg>")]
    assert chart.count("<circle") == 1 and chart.count("<rect") == 1
    assert "2026-12-01: PHQ-9 9 (check-in)" in chart


def test_summary_view_is_recorded_as_printed_and_audited(client, clinician):
    intake = case("info")
    client.force_login(clinician)
    client.get(f"/review/{intake.pk}/summary/")
    assert CaseEvent.objects.get(intake=intake).action == CaseEvent.Action.PRINTED
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == 1
