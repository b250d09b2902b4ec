"""Questions that depend on an earlier answer, served without JavaScript
(issue 9): the C-SSRS numbered as shown, each question under its own time
frame; AUDIT-C questions 2 and 3 not asked (and scored 0) after "Never"."""

from __future__ import annotations

import re

import pytest

from screening.intake.forms import SafetyForm, SubstancesForm
from screening.models import Intake
from screening.services.intake import ATTENTION, COMPLETE
from tests.factories.accounts import PatientFactory
from tests.factories.intake import LIKELY_TRD, document_for, step_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(client):
    patient = PatientFactory(with_login=True, given_name="Dana", family_name="Reyes")
    client.force_login(patient.user)
    client.get("/intake/")
    return patient


@pytest.fixture
def document(patient):
    return document_for(patient, LIKELY_TRD)


def draft(patient) -> Intake:
    return patient.intakes.get(status=Intake.Status.DRAFT)


def legends(page: str) -> list[str]:
    return [" ".join(t.split()) for t in re.findall(r"<legend[^>]*>\s*(.*?)<", page, re.S)]


def block_hidden(page: str, block_id: str) -> bool:
    tag = re.search(rf'<div [^>]*id="{block_id}"[^>]*>', page).group(0)
    return bool(re.search(r"\shidden(\s|>|=)", tag))


# -- C-SSRS -------------------------------------------------------------------------


def test_a_fresh_safety_page_numbers_every_question(client, patient):
    page = client.get("/intake/step/safety/").content.decode()
    numbered = [t for t in legends(page) if re.match(r"\d+\. ", t)]
    assert [t.split(".")[0] for t in numbered] == ["1", "2", "3", "4", "5", "6"]
    assert not block_hidden(page, "cssrs-q2-followup")


def test_with_questions_3_to_5_not_asked_question_6_is_numbered_3(client, patient, document):
    client.post("/intake/step/safety/", step_post("safety", document, patient))
    assert draft(patient).step_state["safety"] == COMPLETE
    page = client.get("/intake/step/safety/").content.decode()
    assert block_hidden(page, "cssrs-q2-followup")
    shown = [t for t in legends(page) if re.match(r"\d+\. ", t)]
    assert shown[0].startswith("1. Have you wished you were dead")
    assert shown[1].startswith("2. Have you actually had any thoughts")
    assert shown[2].startswith("3. Have you ever done anything, started to do anything")
    assert len(shown) == 3  # questions 3-5, hidden, carry no number
    assert "Have you been thinking about how you might do this?" in page
    assert 'question <span data-number-of="behavior_lifetime">3</span>.' in page


def test_each_question_sits_under_its_own_time_frame(client, patient):
    page = client.get("/intake/step/safety/").content.decode()
    past_month = page.index(">In the past month:<")
    lifetime = page.index(">Ever in your life:<")
    assert past_month < page.index("Have you wished you were dead") < lifetime
    assert page.index("details of how to kill yourself") < lifetime
    assert (
        lifetime
        < page.index("Have you ever done anything")
        < page.index("Was this within the past 3 months?")
    )


def test_a_yes_to_question_2_posted_shows_and_numbers_3_to_5(client, patient, document):
    data = step_post("safety", document, patient)
    data["suicidal_thoughts"] = "yes"
    page = client.post("/intake/step/safety/", data).content.decode()
    assert not block_hidden(page, "cssrs-q2-followup")
    shown = [t.split(".")[0] for t in legends(page) if re.match(r"\d+\. ", t)]
    assert shown == ["1", "2", "3", "4", "5", "6"]
    assert "6. Have you ever done anything" in page
    assert draft(patient).step_state["safety"] == ATTENTION


def test_numbers_follow_the_stored_answers_too():
    form = SafetyForm(initial={"suicidal_thoughts": "no"})
    assert form.numbers == {"wish_to_be_dead": 1, "suicidal_thoughts": 2, "behavior_lifetime": 3}
    assert form.fields["behavior_lifetime"].label.startswith("3. Have you ever done")
    assert form.fields["method"].label == "Have you been thinking about how you might do this?"
    form = SafetyForm(data={"suicidal_thoughts": "yes"})
    assert form.numbers["behavior_lifetime"] == 6 and form.numbers["plan"] == 5


# -- AUDIT-C ------------------------------------------------------------------------


def substances(document, patient, **answers):
    data = step_post("substances", document, patient)
    for key in ("audit_1", "audit_2", "audit_3"):
        data.pop(key, None)
    data.update({k: v for k, v in answers.items() if v is not None})
    return data


def test_never_drinking_skips_questions_2_and_3_and_scores_them_0(client, patient, document):
    response = client.post("/intake/step/substances/", substances(document, patient, audit_1="0"))
    assert response.status_code == 302
    intake = draft(patient)
    assert intake.step_state["substances"] == COMPLETE
    assert intake.document["substance_use"]["audit_c"] == [0, 0, 0]


def test_a_hidden_answer_left_behind_is_not_kept(client, patient, document):
    data = substances(document, patient, audit_1="0", audit_2="3", audit_3="4")
    assert client.post("/intake/step/substances/", data).status_code == 302
    assert draft(patient).document["substance_use"]["audit_c"] == [0, 0, 0]


def test_a_drinker_must_answer_questions_2_and_3(client, patient, document):
    data = substances(document, patient, audit_1="2", audit_3="1")
    page = client.post("/intake/step/substances/", data).content.decode()
    assert "Please choose an answer." in page
    assert not block_hidden(page, "audit-followup")
    assert draft(patient).step_state["substances"] == ATTENTION
    data["audit_2"] = "1"
    assert client.post("/intake/step/substances/", data).status_code == 302
    assert draft(patient).document["substance_use"]["audit_c"] == [2, 1, 1]


def test_the_page_hides_questions_2_and_3_once_never_is_stored(client, patient, document):
    page = client.get("/intake/step/substances/").content.decode()
    assert not block_hidden(page, "audit-followup")
    client.post("/intake/step/substances/", substances(document, patient, audit_1="0"))
    page = client.get("/intake/step/substances/").content.decode()
    assert block_hidden(page, "audit-followup")
    # Nothing is ticked for the questions not asked ("1 or 2" was never answered).
    assert not re.search(r'name="audit_2" value="\d"\s+id="[^"]+"\s+checked', page)
    assert not re.search(r'name="audit_2"[^>]*checked', page)


def test_the_stored_document_stays_valid_for_the_engine(client, patient, document):
    from screening.engine import validate_section

    client.post("/intake/step/substances/", substances(document, patient, audit_1="0"))
    section = draft(patient).document["substance_use"]
    assert validate_section("substance_use", section) == []
    form = SubstancesForm(initial=SubstancesForm.initial_from({"substance_use": section}, None))
    assert form.audit_never
