"""Each intake step: what it shows, what it stores, and what it says when an
answer is wrong (keeping everything typed)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.intake.steps import STEPS
from screening.models import Intake
from screening.services.intake import ATTENTION, COMPLETE, FORM_STEPS, TYPED_KEY
from tests.factories.accounts import PatientFactory
from tests.factories.intake import (
    HYPERTENSION,
    LIKELY_TRD,
    document_for,
    end_session_by_timeout,
    step_post,
)

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


def post(client, step, data):
    return client.post(f"/intake/step/{step}/", data)


@pytest.mark.parametrize("step", [s for s in STEPS if s.key != "review"], ids=lambda s: s.key)
def test_every_step_page_shows_its_title_progress_and_questions(client, patient, step):
    response = client.get(f"/intake/step/{step.key}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert f">{step.title}</h1>" in page
    assert 'aria-current="step"' in page
    assert page.count("intake-progress-item") == len(STEPS)
    assert "Save and continue" in page
    if step.form_class is not None:
        first = next(iter(step.form_class().fields))
        assert f'name="{first}"' in page


def test_about_is_prefilled_from_the_clinic_record(client, patient):
    page = client.get("/intake/step/about/").content.decode()
    assert 'value="Dana"' in page and 'value="Reyes"' in page
    assert 'value="1982-03-14"' in page


def test_feeling_shows_the_instruments_exact_wording(client, patient):
    page = client.get("/intake/step/feeling/").content.decode()
    assert (
        "Over the last 2 weeks, how often have you been bothered by any of the following "
        "problems?" in page
    )
    assert "Thoughts that you would be better off dead or of hurting yourself in some way" in page
    assert "Feeling afraid as if something awful might happen" in page
    for option in ("Not at all", "Several days", "More than half the days", "Nearly every day"):
        assert page.count(f"{option}\n") + page.count(f"{option}<") >= 16


def test_a_valid_step_is_stored_as_its_section_and_marked_complete(client, patient, document):
    response = post(client, "feeling", step_post("feeling", document, patient))
    assert response["Location"] == "/intake/step/safety/"
    intake = draft(patient)
    assert intake.document["depression"] == document["depression"]
    assert intake.step_state["feeling"] == COMPLETE


def test_a_validation_error_keeps_everything_typed_and_marks_attention(client, patient, document):
    data = step_post("about", document, patient)
    data.update(date_of_birth="2999-01-01", phone="+1 555 0123", referring_clinician="Dr. Who")
    response = post(client, "about", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Your date of birth cannot be in the future." in page
    assert 'value="2999-01-01"' in page and 'value="Dr. Who"' in page
    assert "Everything you typed has been kept" in page
    intake = draft(patient)
    assert intake.step_state["about"] == ATTENTION
    assert intake.step_state[TYPED_KEY]["about"]["referring_clinician"] == ["Dr. Who"]
    assert "patient" not in intake.document
    # Coming back later shows the typed values and the error again.
    again = client.get("/intake/step/about/").content.decode()
    assert 'value="Dr. Who"' in again and "cannot be in the future" in again
    assert "needs attention" in again


def test_nul_characters_are_a_validation_error_not_a_crash(client, patient, document):
    data = step_post("about", document, patient)
    data["given_name"] = "Da\x00na"
    response = post(client, "about", data)
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    typed = draft(patient).step_state[TYPED_KEY]["about"]["given_name"]
    assert "\x00" not in typed[0]


def test_missing_questionnaire_answers_are_named(client, patient, document):
    data = step_post("feeling", document, patient)
    del data["phq9_9"]
    data["current_episode_months"] = "601"
    page = post(client, "feeling", data).content.decode()
    assert "Please choose an answer." in page
    assert "less than or equal to 600" in page
    assert 'href="#id_phq9_9"' in page


class TestSafetyBranching:
    def base(self, **answers):
        data = {
            "wish_to_be_dead": "yes",
            "suicidal_thoughts": "no",
            "behavior_lifetime": "no",
            "action": "next",
        }
        data.update(answers)
        return data

    def test_questions_3_to_5_are_required_after_a_yes_to_2(self, client, patient):
        page = post(client, "safety", self.base(suicidal_thoughts="yes")).content.decode()
        assert page.count("it is asked because you answered yes to question 2") >= 3
        assert draft(patient).step_state["safety"] == ATTENTION

    def test_questions_3_to_5_are_dropped_after_a_no_to_2(self, client, patient):
        post(client, "safety", self.base(method="no", intent="no", plan="no"))
        screen = draft(patient).document["suicide_screen"]
        assert screen["method"] is None and screen["intent"] is None and screen["plan"] is None

    def test_a_yes_to_3_to_5_is_never_dropped(self, client, patient):
        post(client, "safety", self.base(intent="yes"))
        assert draft(patient).document["suicide_screen"]["intent"] is True

    def test_question_6_follow_up_only_after_a_yes(self, client, patient):
        page = post(client, "safety", self.base(behavior_lifetime="yes")).content.decode()
        assert "Please say whether this was within the past 3 months." in page
        post(client, "safety", self.base(behavior_past_3_months="no"))
        assert draft(patient).document["suicide_screen"]["behavior_past_3_months"] is None
        post(client, "safety", self.base(behavior_lifetime="yes", behavior_past_3_months="no"))
        screen = draft(patient).document["suicide_screen"]
        assert screen["behavior_lifetime"] is True and screen["behavior_past_3_months"] is False

    def test_the_page_shows_the_exact_questions(self, client, patient):
        page = client.get("/intake/step/safety/").content.decode()
        assert "Have you actually had any thoughts of killing yourself?" in page
        assert "Have you had these thoughts and had some intention of acting on them?" in page
        assert 'data-show-when="suicidal_thoughts=yes"' in page


class TestTreatmentRows:
    def test_two_medication_rows_are_stored_in_order(self, client, patient, document):
        response = post(client, "treatments", step_post("treatments", document, patient))
        assert response.status_code == 302
        trials = draft(patient).document["antidepressant_trials"]
        assert [t["medication"] for t in trials] == ["Sertraline", "Effexor XR"]
        assert trials[1]["max_daily_dose_mg"] == 225

    def test_add_row_without_javascript_keeps_what_was_typed(self, client, patient, document):
        data = step_post("treatments", document, patient, action="add:ad")
        response = post(client, "treatments", data)
        page = response.content.decode()
        assert response.status_code == 200
        assert 'name="ad-TOTAL_FORMS" value="3"' in page
        assert 'value="Effexor XR"' in page
        assert 'name="ad-2-medication"' in page

    def test_a_blank_extra_row_is_ignored_and_a_removed_row_is_dropped(
        self, client, patient, document
    ):
        data = step_post("treatments", document, patient)
        data["ad-TOTAL_FORMS"] = "3"
        data["ad-0-DELETE"] = "on"
        post(client, "treatments", data)
        trials = draft(patient).document["antidepressant_trials"]
        assert [t["medication"] for t in trials] == ["Effexor XR"]

    def test_row_errors_are_next_to_the_field(self, client, patient, document):
        data = step_post("treatments", document, patient)
        data["ad-1-duration_weeks"] = "600"
        data["ad-0-max_daily_dose_mg"] = "0"
        page = post(client, "treatments", data).content.decode()
        assert "less than or equal to 520" in page
        assert "The dose must be more than 0 mg." in page
        assert 'id="error_1_id_ad-1-duration_weeks"' in page
        assert 'value="600"' in page

    def test_the_searchable_list_has_generic_and_brand_names(self, client, patient):
        page = client.get("/intake/step/treatments/").content.decode()
        assert '<datalist id="medication-options">' in page
        assert '<option value="sertraline">' in page
        assert '<option value="Zoloft" label="Zoloft (sertraline)">' in page
        assert 'list="medication-options"' in page

    def test_procedure_year_not_in_the_future(self, client, patient, document):
        data = step_post("treatments", document, patient)
        data.update(
            {
                "proc-TOTAL_FORMS": "1",
                "proc-0-treatment": "ect",
                "proc-0-year": str(timezone.localdate().year + 1),
                "proc-0-response": "partial",
            }
        )
        page = post(client, "treatments", data).content.decode()
        assert "The year cannot be in the future." in page


class TestPhysicalHealth:
    def test_diastolic_must_be_below_systolic_in_plain_words(self, client, patient, document):
        data = step_post("physical", document, patient)
        data.update(bp_systolic="120", bp_diastolic="125")
        page = post(client, "physical", data).content.decode()
        assert "The lower number (diastolic) must be below the upper number (systolic)." in page
        assert 'value="125"' in page

    def test_a_partial_reading_is_named(self, client, patient, document):
        data = step_post("physical", document, patient)
        del data["bp_measured_on"]
        page = post(client, "physical", data).content.decode()
        assert "Please give both numbers and the date of the reading" in page

    def test_no_reading_is_fine(self, client, patient, document):
        data = step_post("physical", document, patient)
        for key in ("bp_systolic", "bp_diastolic", "bp_measured_on"):
            del data[key]
        data["implanted_devices"] = ["pacemaker_or_icd", "other"]
        assert post(client, "physical", data).status_code == 302
        intake = draft(patient)
        assert intake.document["blood_pressure"] is None
        assert intake.document["medical_history"]["implanted_devices"] == [
            "pacemaker_or_icd",
            "other",
        ]

    def test_reading_date_not_in_the_future(self, client, patient, document):
        data = step_post("physical", document, patient)
        data["bp_measured_on"] = "2999-01-01"
        page = post(client, "physical", data).content.decode()
        assert "cannot be in the future" in page


def test_allergies_one_per_line(client, patient, document):
    data = step_post("medicines", document, patient)
    data["allergies"] = "penicillin\n\n  ketamine \n"
    post(client, "medicines", data)
    assert draft(patient).document["allergies"] == ["penicillin", "ketamine"]


def test_allergies_keep_their_lines_on_the_review_and_print_pages(client, patient, document):
    """Issue 9: allergies typed on separate lines read "penicillin latex"."""
    data = step_post("medicines", document, patient)
    data["allergies"] = "penicillin\nlatex"
    post(client, "medicines", data)
    page = client.get("/intake/review/").content.decode()
    assert "penicillin<br>latex" in page
    intake = draft(patient)
    intake.status = Intake.Status.SUBMITTED
    intake.submitted_at = timezone.now()
    intake.save()
    page = client.get(f"/intake/{intake.pk}/").content.decode()
    assert "penicillin<br>latex" in page


class TestConsent:
    def test_the_signature_must_match_the_name(self, client, patient, document):
        post(client, "about", step_post("about", document, patient))
        data = step_post("consent", document, patient)
        data["signed_name"] = "Someone Else"
        page = post(client, "consent", data).content.decode()
        assert "Please type your given and family names as you gave them" in page
        assert draft(patient).step_state["consent"] == ATTENTION

    def test_a_signature_without_accents_is_accepted(self, client):
        lucia = PatientFactory(with_login=True, given_name="Lucía", family_name="Fernández")
        client.force_login(lucia.user)
        client.get("/intake/")
        document = document_for(lucia, LIKELY_TRD)
        assert post(client, "about", step_post("about", document, lucia)).status_code == 302
        data = step_post("consent", document, lucia)
        data["signed_name"] = "Lucia Fernandez"
        response = post(client, "consent", data)
        assert response.status_code == 302
        intake = draft(lucia)
        assert intake.step_state["consent"] == COMPLETE
        assert intake.document["consent"]["signed_name"] == "Lucia Fernandez"
        data["signed_name"] = "Lucia Hernandez"
        page = post(client, "consent", data).content.decode()
        assert "Please type your given and family names as you gave them" in page

    def test_case_and_spacing_do_not_matter_and_the_time_is_recorded(
        self, client, patient, document
    ):
        data = step_post("consent", document, patient)
        data["signed_name"] = "  dana   REYES "
        assert post(client, "consent", data).status_code == 302
        consent = draft(patient).document["consent"]
        assert consent["agreed"] is True
        assert consent["signed_at"].startswith(timezone.localdate().isoformat())

    def test_agreeing_is_required(self, client, patient, document):
        data = step_post("consent", document, patient)
        del data["agreed"]
        page = post(client, "consent", data).content.decode()
        assert "Please tick the box to agree" in page


class TestResumeAndNavigation:
    def test_resume_at_the_first_incomplete_step(self, client, patient, document):
        for key in ("about", "feeling", "treatments"):
            post(client, key, step_post(key, document, patient))
        assert client.get("/intake/")["Location"] == "/intake/step/safety/"

    def test_a_step_needing_attention_is_where_they_resume(self, client, patient, document):
        for key in FORM_STEPS:
            post(client, key, step_post(key, document, patient))
        data = step_post("history", document, patient)
        data["psychiatric_hospitalizations"] = "-1"
        post(client, "history", data)
        assert client.get("/intake/")["Location"] == "/intake/step/history/"

    def test_back_with_an_error_keeps_the_answers_and_goes_back(self, client, patient, document):
        data = step_post("feeling", document, patient, action="back")
        data["current_episode_months"] = "abc"
        response = post(client, "feeling", data)
        assert response["Location"] == "/intake/step/about/"
        intake = draft(patient)
        assert intake.step_state["feeling"] == ATTENTION
        assert intake.step_state[TYPED_KEY]["feeling"]["phq9_1"] == ["2"]

    def test_save_and_finish_later(self, client, patient, document):
        response = post(client, "about", step_post("about", document, patient, action="later"))
        assert response["Location"] == "/me/"

    def test_autosave_keeps_typing_without_marking_attention(self, client, patient):
        response = client.post(
            "/intake/step/history/",
            {"bipolar_disorder": "no", "action": "stay"},
            HTTP_X_INTAKE_AUTOSAVE="1",
        )
        assert response.json()["saved"] is True
        intake = draft(patient)
        assert intake.step_state[TYPED_KEY]["history"]["bipolar_disorder"] == ["no"]
        assert "history" not in intake.step_state

    def test_autosave_of_a_valid_step_stores_it(self, client, patient, document):
        response = client.post(
            "/intake/step/history/",
            step_post("history", document, patient, action="stay"),
            HTTP_X_INTAKE_AUTOSAVE="1",
        )
        assert response.json() == {"saved": True, "state": COMPLETE, "crisis": False}
        assert draft(patient).document["psychiatric_history"] == document["psychiatric_history"]


def test_submitting_with_incomplete_steps_is_refused(client, patient, document):
    post(client, "about", step_post("about", document, patient))
    page = client.get("/intake/review/").content.decode()
    assert "Please finish these steps first" in page
    response = client.post("/intake/review/", follow=True)
    assert "Some steps still need your answers." in response.content.decode()
    assert draft(patient).status == Intake.Status.DRAFT


def test_hypertension_answers_are_summarised_on_review(client, patient):
    document = document_for(patient, HYPERTENSION)
    for key in FORM_STEPS:
        post(client, key, step_post(key, document, patient))
    page = client.get("/intake/review/").content.decode()
    assert "152" in page and "94" in page
    assert "lorazepam" in page
    assert "uncontrolled_hypertension" not in page


class TestTimedOutSession:
    def token(self, client, step):
        page = client.get(f"/intake/step/{step}/").content.decode()
        return re.search(r'name="resume" value="([^"]+)"', page).group(1)

    def test_answers_posted_after_the_session_ended_are_kept(self, client, patient, document):
        token = self.token(client, "history")
        end_session_by_timeout(client)
        data = step_post("history", document, patient)
        data.update(resume=token, psychiatric_hospitalizations="2")
        response = client.post("/intake/step/history/", data)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=/intake/step/history/")
        intake = draft(patient)
        assert intake.step_state[TYPED_KEY]["history"]["psychiatric_hospitalizations"] == ["2"]
        assert "resume" not in intake.step_state[TYPED_KEY]["history"]
        assert "history" not in intake.step_state  # not complete until they log in and save
        client.force_login(patient.user)
        page = client.get("/intake/step/history/").content.decode()
        assert 'value="2"' in page

    def test_autosave_after_the_session_ended_says_so(self, client, patient):
        token = self.token(client, "history")
        end_session_by_timeout(client)
        response = client.post(
            "/intake/step/history/",
            {"bipolar_disorder": "yes", "resume": token},
            HTTP_X_INTAKE_AUTOSAVE="1",
        )
        assert response.json() == {"saved": True, "session": "ended", "crisis": False}

    @pytest.mark.parametrize("tamper", ["bad", "other-step"])
    def test_a_bad_or_misplaced_token_keeps_nothing(self, client, patient, tamper):
        token = self.token(client, "feeling") if tamper == "other-step" else "x:y:z"
        end_session_by_timeout(client)
        response = client.post(
            "/intake/step/history/", {"bipolar_disorder": "yes", "resume": token}
        )
        assert response["Location"].startswith("/accounts/login/")
        assert TYPED_KEY not in draft(patient).step_state

    def test_a_token_from_a_session_ended_by_logging_out_keeps_nothing(self, client, patient):
        token = self.token(client, "history")
        client.logout()
        response = client.post(
            "/intake/step/history/", {"bipolar_disorder": "yes", "resume": token}
        )
        assert response["Location"].startswith("/accounts/login/")
        assert TYPED_KEY not in draft(patient).step_state

    def test_a_kept_post_is_shown_to_check_and_never_stored_as_answers_unseen(
        self, client, patient, document
    ):
        client.post("/intake/step/history/", step_post("history", document, patient))
        stored = draft(patient).document["psychiatric_history"]
        token = self.token(client, "history")
        end_session_by_timeout(client)
        data = step_post("history", document, patient)
        data.update(resume=token, psychiatric_hospitalizations="7")
        client.post("/intake/step/history/", data)
        assert draft(patient).document["psychiatric_history"] == stored
        client.force_login(patient.user)
        page = client.get("/intake/step/history/").content.decode()
        assert "We kept what you typed" in page
        assert 'value="7"' in page
        client.post("/intake/step/history/", {**data, "resume": ""})
        assert draft(patient).document["psychiatric_history"]["psychiatric_hospitalizations"] == 7
        assert "We kept what you typed" not in client.get("/intake/step/history/").content.decode()

    def test_anonymous_get_goes_to_login(self, client):
        response = client.get("/intake/step/history/")
        assert response["Location"].startswith("/accounts/login/")


def test_finish_later_with_an_error_still_keeps_everything(client, patient, document):
    data = step_post("history", document, patient, action="later")
    data["psychiatric_hospitalizations"] = "many"
    response = post(client, "history", data)
    assert response["Location"] == "/me/"
    intake = draft(patient)
    assert intake.step_state["history"] == ATTENTION
    assert intake.step_state[TYPED_KEY]["history"]["psychiatric_hospitalizations"] == ["many"]


def test_choosing_spanish_in_about_you_changes_the_patients_language(client, patient, document):
    data = step_post("about", document, patient)
    data["preferred_language"] = "es"
    client.post("/intake/step/about/", data)
    patient.refresh_from_db()
    assert patient.preferred_language == "es"
    assert "Cómo se ha sentido" in client.get("/intake/step/feeling/").content.decode()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.text(max_size=120))
def test_any_text_is_kept_or_refused_never_a_crash(client, patient, document, text):
    data = step_post("about", document, patient)
    data["referring_clinician"] = text
    response = post(client, "about", data)
    assert response.status_code in (200, 302)
    intake = draft(patient)
    if response.status_code == 200:
        assert intake.step_state["about"] == ATTENTION
        assert "\x00" not in str(intake.step_state[TYPED_KEY])
    else:
        assert intake.document["patient"]["referring_clinician"] == (text.strip() or None)
