"""The case page's header (who the patient is and how to reach them, the
C-SSRS triage beside the flag's reason, a missing blood pressure), the
treatment history (trials said once, procedures and therapies), every
answer in the questions' and options' own words with the questionnaires as
scored item tables, and the history with repeated views folded."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from screening.models import Intake
from screening.review.models import CaseEvent
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.review import FlagAcknowledgementFactory, case
from tests.factories.screening import valid_document

pytestmark = pytest.mark.django_db


def url(intake) -> str:
    return f"/review/{intake.pk}/"


def part(page: str, testid: str, end: str = "</dd>") -> str:
    chunk = page[page.index(f'data-testid="{testid}"') :]
    return chunk[: chunk.index(end)]


def test_header_shows_what_the_patient_answered_with_links(client, clinician):
    # The patient record has no sex, phone or language: the intake's answers count.
    patient = PatientFactory(sex_at_birth="", phone="", preferred_language="en")
    intake = case(
        "info",
        patient=patient,
        document=valid_document(
            patient__sex_at_birth="female",
            patient__phone="+1 (555) 0100",
            patient__preferred_language="es",
            patient__email="dana.reyes@example.org",
        ),
    )
    client.force_login(clinician)
    page = client.get(url(intake)).content.decode()
    assert "Female" in part(page, "sex-at-birth")
    assert 'href="tel:+15550100"' in part(page, "contact-phone")
    assert "+1 (555) 0100" in part(page, "contact-phone")
    email = intake.document["patient"]["email"]
    assert f'href="mailto:{email}"' in part(page, "contact-email")
    assert "Spanish" in part(page, "contact-language")


def test_the_cssrs_triage_and_the_flags_reason_are_named_apart(client, clinician):
    # PHQ-9 item 9 alone: the suicide-risk flag is raised while the C-SSRS
    # screener's own triage is "none".
    intake = case("info", document=valid_document(depression__phq9=[2, 2, 2, 2, 2, 2, 2, 2, 1]))
    client.force_login(clinician)
    page = client.get(url(intake)).content.decode()
    assert "own triage" in page
    assert "none" in part(page, "cssrs-triage")
    reason = part(page, "suicide-flag-reason")
    assert "Moderate" in reason and "PHQ-9 item 9" in reason


def test_no_blood_pressure_reading_is_said(client, clinician):
    intake = case("info", document=valid_document(blood_pressure=None))
    client.force_login(clinician)
    page = client.get(url(intake)).content.decode()
    assert "no reading given" in part(page, "bp-missing", "</span>")
    assert "A reading is needed before IV ketamine or esketamine." in page


def test_the_submitted_time_is_in_the_staff_members_language(client, clinician):
    intake = case("info", submitted_at=timezone.now() - datetime.timedelta(minutes=13))
    client.force_login(clinician)
    english = client.get(url(intake)).content.decode()
    assert "13\xa0minutes ago" in part(english, "submitted-ago", "</span>")
    spanish = client.get(url(intake), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "hace 13 minutos" in part(spanish, "submitted-ago", "</span>")


def test_the_treatment_history_shows_trials_once_and_prior_procedures(client, clinician):
    trials = [
        {"medication": "Sertraline", "max_daily_dose_mg": 150, "duration_weeks": 10,
         "current_episode": True, "response": "none", "stopped_for_side_effects": False},
        {"medication": "Bupropion", "max_daily_dose_mg": None, "duration_weeks": 10,
         "current_episode": True, "response": "partial", "stopped_for_side_effects": False},
    ]  # fmt: skip
    procedures = [{"treatment": "tms", "sessions": 30, "year": 2024, "response": "none"}]
    intake = case(
        "info", document=valid_document(antidepressant_trials=trials, procedures=procedures)
    )
    client.force_login(clinician)
    page = client.get(url(intake)).content.decode()
    table = part(page, "trials", "</table>")
    assert ">Why<" not in table and "Adequate trial?" in table
    assert "<strong>yes</strong>" in table  # sertraline: said once
    assert ">adequate<" not in table
    assert "no dose reported" in table and "dose not given" not in table
    assert "no response" in table and "partial response" in table
    procedures_table = part(page, "procedures", "</table>")
    assert "Transcranial magnetic stimulation (TMS)" in procedures_table
    for text in ("30", "2024", "no response"):
        assert text in procedures_table
    therapies = part(page, "therapies", "</table>")
    assert "Cognitive behavioural therapy (CBT)" in therapies and "16" in therapies


def test_every_answer_uses_the_questions_labels_and_the_options_words(client, clinician):
    intake = case("info")
    client.force_login(clinician)
    page = client.get(url(intake)).content.decode()
    answers = part(page, "every-answer", "</section>")
    assert "Phq9" not in answers and "Audit c" not in answers and "Language es" not in answers
    assert "Sex assigned at birth" in answers and "Female" in answers
    assert "Preferred language" in answers and "English" in answers
    assert "Cognitive behavioural therapy (CBT)" in answers
    phq9 = part(page, "instrument-phq9", "</table>")
    assert phq9.count("<tr>") == 1 + 9 + 1  # head, nine items, total
    assert "Little interest or pleasure in doing things" in phq9
    assert "More than half the days" in phq9
    assert "PHQ-9 total" in phq9 and ">16<" in phq9
    audit = part(page, "instrument-audit_c", "</table>")
    assert "How often do you have a drink containing alcohol?" in audit
    assert "AUDIT-C total" in audit and ">1<" in audit
    dast = part(page, "instrument-dast10", "</table>")
    # Item 3 ("able to stop") answered yes scores 0; the total is 0.
    assert "DAST-10 total" in dast and ">0<" in dast


def test_repeated_views_within_30_minutes_are_one_history_line(client, clinician):
    intake = case("info")
    client.force_login(clinician)
    for _ in range(4):
        client.get(url(intake))
    other = StaffFactory(role="clinician", first_name="Ben", last_name="Adler")
    client.force_login(other)
    page = client.get(url(intake)).content.decode()
    history = part(page, "case-history", "</ol>")
    assert CaseEvent.objects.filter(intake=intake, action="viewed").count() == 5  # all kept
    assert history.count('data-testid="history-line"') == 2
    assert "(4 times since" in history
    # An hour later the same person's view is a new line.
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1)):
        client.force_login(clinician)
        history = part(client.get(url(intake)).content.decode(), "case-history", "</ol>")
    assert history.count('data-testid="history-line"') == 3


def test_the_case_page_queries_do_not_grow_with_views(
    client, clinician, django_assert_num_queries, django_assert_max_num_queries
):
    intake = case("info")
    client.force_login(clinician)
    client.get(url(intake))
    with django_assert_max_num_queries(1000) as first:
        client.get(url(intake))
    count = len(first.captured_queries)  # read now: each request resets the log
    for _ in range(5):
        client.get(url(intake))
    with django_assert_num_queries(count):
        client.get(url(intake))


def test_consult_to_book_until_the_consult_exists(client, clinician, scheduler):
    from clinic.scheduling.services.booking import appointment_book
    from tests.factories.review import consult_decided
    from tests.factories.scheduling import appointment_type

    intake = consult_decided(by=clinician)
    assert intake.review_status == Intake.ReviewStatus.CONSULT_TO_BOOK
    client.force_login(clinician)
    assert "Consult to book" in part(
        client.get(url(intake)).content.decode(), "review-status", "</span>"
    )
    assert [
        r.pk for r in client.get("/review/", {"status": "consult_to_book"}).context["page"]
    ] == [intake.pk]
    appointment_book(
        patient=intake.patient,
        appointment_type=appointment_type("consult"),
        start=timezone.now() + datetime.timedelta(days=3),
        clinician=clinician,
        booked_by=scheduler,
        override_reason="test",
    )
    assert "Consult booked" in part(
        client.get(url(intake)).content.decode(), "review-status", "</span>"
    )
    assert list(client.get("/review/", {"status": "consult_to_book"}).context["page"]) == []
    assert [r.pk for r in client.get("/review/", {"status": "consult_booked"}).context["page"]] == [
        intake.pk
    ]


def test_an_urgent_case_stays_on_the_queue_until_its_urgent_flags_are_acknowledged(
    client, clinician
):
    urgent = case("urgent", review_status=Intake.ReviewStatus.MORE_INFO)
    client.force_login(clinician)
    assert urgent.pk in [i.pk for i in client.get("/review/").context["page"]]
    for flag in urgent.flags.filter(is_current=True, severity="urgent"):
        FlagAcknowledgementFactory(flag=flag, intake=urgent, by=clinician)
    assert urgent.pk not in [i.pk for i in client.get("/review/").context["page"]]


def test_the_history_names_an_acknowledged_flag_by_its_title(client, clinician):
    intake = case("urgent")
    flag = intake.flags.get(is_current=True, code="suicide_risk")
    client.force_login(clinician)
    client.post(f"/review/{intake.pk}/flags/{flag.pk}/acknowledge/", {"note": "Called her"})
    history = part(client.get(url(intake)).content.decode(), "case-history", "</ol>")
    assert "Suicidal thoughts or behaviour reported (Urgent): Called her" in history
    assert "suicide_risk" not in history
    assert CaseEvent.objects.get(intake=intake, action="flag_acknowledged").detail.startswith(
        "Acknowledged suicide_risk (urgent)"
    )  # the record itself is unchanged
