"""A dose above the medicine's labelled maximum daily dose (issue 9): the
patient is asked whether it is per day and in mg, what they confirm is kept,
the confirmation is kept beside the document, and the clinician's case page
shows it as confirmed by the patient."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from screening.engine import DEFAULT_KNOWLEDGE, MedicationKnowledge, parse_document
from screening.models import Intake, Medication
from screening.services.intake import COMPLETE, intake_start_update
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.intake import LIKELY_TRD, document_for, step_post
from tests.factories.review import case
from tests.factories.screening import valid_document

pytestmark = pytest.mark.django_db

TRIAL = {
    "ad-TOTAL_FORMS": "1",
    "ad-INITIAL_FORMS": "0",
    "ad-0-medication": "Lexapro",
    "ad-0-max_daily_dose_mg": "2000",
    "ad-0-duration_weeks": "8",
    "ad-0-current_episode": "yes",
    "ad-0-response": "none",
    "aug-TOTAL_FORMS": "0",
    "aug-INITIAL_FORMS": "0",
    "pt-TOTAL_FORMS": "0",
    "pt-INITIAL_FORMS": "0",
    "proc-TOTAL_FORMS": "0",
    "proc-INITIAL_FORMS": "0",
    "action": "next",
}
QUESTION = (
    "2000 mg a day is more than the highest dose on the label of Lexapro (escitalopram) "
    "(20 mg a day)"
)


@pytest.fixture
def patient(client):
    patient = PatientFactory(with_login=True, given_name="Dana", family_name="Reyes")
    client.force_login(patient.user)
    client.get("/intake/")
    return patient


def draft(patient) -> Intake:
    return patient.intakes.get(status=Intake.Status.DRAFT)


def post(client, step, data):
    return client.post(f"/intake/step/{step}/", data)


# -- the knowledge -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("generic", "maximum"),
    [
        ("escitalopram", 20),
        ("sertraline", 200),
        ("fluoxetine", 80),
        ("bupropion", 450),
        ("venlafaxine", 375),
        ("citalopram", 40),
        ("vortioxetine", 20),
        ("nortriptyline", 150),
    ],
)
def test_labelled_maximums(generic, maximum):
    record = DEFAULT_KNOWLEDGE.get(generic)
    assert record.max_dose_mg == maximum
    assert "prescribing information" in record.max_dose_source


def test_every_maximum_names_its_label_and_is_above_the_minimum():
    with_maximum = [r for r in DEFAULT_KNOWLEDGE.records if r.max_dose_mg is not None]
    antidepressants = [r for r in DEFAULT_KNOWLEDGE.records if r.in_dose_table]
    assert {r.generic for r in antidepressants} <= {r.generic for r in with_maximum}
    for record in with_maximum:
        assert record.max_dose_source, record.generic
        assert record.min_dose_mg is None or record.max_dose_mg >= record.min_dose_mg


def test_above_label_maximum_matches_brands_and_leaves_unknowns_alone():
    assert DEFAULT_KNOWLEDGE.above_label_maximum("Lexapro", 2000).generic == "escitalopram"
    assert DEFAULT_KNOWLEDGE.above_label_maximum("escitalopram", 20) is None
    assert DEFAULT_KNOWLEDGE.above_label_maximum("escitalopram", None) is None
    assert DEFAULT_KNOWLEDGE.above_label_maximum("St John's wort", 90000) is None
    assert DEFAULT_KNOWLEDGE.above_label_maximum("lithium", 5000) is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"max_dose_mg": 200}, "max_dose_source: name the label"),
        ({"max_dose_mg": 10, "max_dose_source": "x"}, "must not be below min_dose_mg"),
        ({"max_dose_mg": -1, "max_dose_source": "x"}, "must be a positive number"),
        ({"max_dose_source": 5}, "must be text or null"),
    ],
)
def test_a_bad_maximum_is_refused(extra, message):
    row = {"generic": "x", "min_dose_mg": 50, **extra}
    with pytest.raises(ValueError, match=message):
        MedicationKnowledge.from_records([row])


def test_the_table_holds_the_maximums_with_their_sources():
    row = Medication.objects.get(generic="escitalopram")
    assert row.max_dose_mg == 20 and "Lexapro" in row.max_dose_source
    assert row.to_record()["max_dose_mg"] == 20


# -- the form ------------------------------------------------------------------------


def test_escitalopram_2000_mg_does_not_pass_silently(client, patient):
    response = post(client, "treatments", TRIAL)
    page = response.content.decode()
    assert response.status_code == 200
    assert QUESTION in page
    assert 'type="checkbox" name="ad-0-dose_confirmed"' in page
    assert "Yes, this is the dose per day, in mg" in page
    intake = draft(patient)
    assert intake.step_state["treatments"] != COMPLETE
    assert "antidepressant_trials" not in intake.document
    # What was typed is kept.
    assert intake.step_state["_typed"]["treatments"]["ad-0-max_daily_dose_mg"] == ["2000"]


def test_a_confirmed_dose_is_kept_and_the_confirmation_beside_the_document(client, patient):
    post(client, "treatments", TRIAL)
    response = post(client, "treatments", {**TRIAL, "ad-0-dose_confirmed": "on"})
    assert response.status_code == 302
    intake = draft(patient)
    assert intake.step_state["treatments"] == COMPLETE
    assert intake.document["antidepressant_trials"][0]["max_daily_dose_mg"] == 2000
    assert "dose_confirmed" not in intake.document["antidepressant_trials"][0]
    assert intake.dose_confirmations == [
        {"section": "antidepressant_trials", "name": "Lexapro", "dose_mg": 2000.0}
    ]
    # Reopened, the box is there, ticked: saving again keeps the dose.
    page = client.get("/intake/step/treatments/").content.decode()
    box = re.search(r'<input type="checkbox" name="ad-0-dose_confirmed"[^>]*>', page).group(0)
    assert box.endswith(" checked>")
    assert QUESTION not in page


def test_a_dose_corrected_instead_drops_the_question(client, patient):
    post(client, "treatments", {**TRIAL, "ad-0-dose_confirmed": "on"})
    response = post(client, "treatments", {**TRIAL, "ad-0-max_daily_dose_mg": "20"})
    assert response.status_code == 302
    intake = draft(patient)
    assert intake.document["antidepressant_trials"][0]["max_daily_dose_mg"] == 20
    assert intake.dose_confirmations == []


def test_a_usual_dose_is_not_asked_about(client, patient):
    response = post(client, "treatments", {**TRIAL, "ad-0-max_daily_dose_mg": "20"})
    assert response.status_code == 302
    page = client.get("/intake/step/treatments/").content.decode()
    assert 'type="checkbox" name="ad-0-dose_confirmed"' not in page
    assert 'type="hidden" name="ad-0-dose_confirmed"' in page


def test_current_medicines_are_checked_too(client, patient):
    document = document_for(patient, LIKELY_TRD)
    data = step_post("medicines", document, patient)
    data.update({"med-TOTAL_FORMS": "1", "med-0-name": "Zoloft", "med-0-daily_dose_mg": "5000"})
    page = post(client, "medicines", data).content.decode()
    assert "5000 mg a day is more than the highest dose on the label of Zoloft (sertraline)" in page
    data["med-0-dose_confirmed"] = "on"
    assert post(client, "medicines", data).status_code == 302
    intake = draft(patient)
    assert intake.document["current_medications"] == [{"name": "Zoloft", "daily_dose_mg": 5000}]
    assert intake.dose_confirmations == [
        {"section": "current_medications", "name": "Zoloft", "dose_mg": 5000.0}
    ]


def test_the_medication_knowledge_is_read_once_for_all_the_rows(client, patient):
    data = {**TRIAL, "ad-TOTAL_FORMS": "3"}
    for i in (1, 2):
        data.update(
            {
                f"ad-{i}-medication": "Zoloft",
                f"ad-{i}-max_daily_dose_mg": "100",
                f"ad-{i}-duration_weeks": "8",
                f"ad-{i}-current_episode": "yes",
                f"ad-{i}-response": "none",
            }
        )
    with CaptureQueriesContext(connection) as queries:
        post(client, "treatments", data)
    reads = [q for q in queries.captured_queries if 'FROM "screening_medication"' in q["sql"]]
    # One for the rows' dose checks, one for the page's list of names.
    assert len(reads) == 2


def test_an_update_keeps_the_confirmations_of_the_version_it_copies(patient):
    document = valid_document(
        antidepressant_trials=[
            {
                "medication": "Lexapro",
                "max_daily_dose_mg": 2000,
                "duration_weeks": 8,
                "current_episode": True,
                "response": "none",
                "stopped_for_side_effects": False,
            }
        ]
    )
    parse_document(document)
    draft(patient).delete()
    sent = case(
        "info",
        patient=patient,
        document=document,
        dose_confirmations=[
            {"section": "antidepressant_trials", "name": "Lexapro", "dose_mg": 2000.0}
        ],
    )
    update = intake_start_update(patient=patient)
    assert update.pk != sent.pk
    assert update.dose_confirmations == sent.dose_confirmations


# -- the case page ---------------------------------------------------------------------


def test_the_case_page_shows_the_dose_as_confirmed_by_the_patient(client):
    document = valid_document(
        antidepressant_trials=[
            {
                "medication": "Lexapro",
                "max_daily_dose_mg": 2000,
                "duration_weeks": 8,
                "current_episode": True,
                "response": "none",
                "stopped_for_side_effects": False,
            },
            {
                "medication": "Zoloft",
                "max_daily_dose_mg": 150,
                "duration_weeks": 8,
                "current_episode": True,
                "response": "none",
                "stopped_for_side_effects": False,
            },
        ],
        current_medications=[{"name": "Zoloft", "daily_dose_mg": 5000}],
    )
    intake = case(
        "info",
        document=document,
        dose_confirmations=[
            {"section": "antidepressant_trials", "name": "Lexapro", "dose_mg": 2000.0},
            {"section": "current_medications", "name": "Zoloft", "dose_mg": 5000.0},
        ],
    )
    client.force_login(StaffFactory(role="clinician"))
    page = client.get(f"/review/{intake.pk}/").content.decode()
    trials = page[page.index('data-testid="trials"') :]
    trials = trials[: trials.index("</table>")]
    assert trials.count("confirmed by the patient") == 1
    row = trials[trials.index("Lexapro") :]
    row = row[: row.index("</tr>")]
    assert "2000" in row and "confirmed by the patient" in row
    answers = page[page.index('id="answers-heading"') :]
    assert answers.count('data-testid="dose-confirmed"') == 2
