"""The forms of the intake steps.

Each form turns what the patient typed into one or more sections of the
`clinic-intake/1` document (`to_sections`) and back (`initial_from`). The
engine's `validate_section` then checks the sections again, and its errors
(paths such as `antidepressant_trials[1].duration_weeks`) are put next to
the field they concern, in plain words (see `screening.intake.steps`).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from clinic.accounts.models import Patient, SexAtBirth
from clinic.safety import is_crisis_answer
from screening.engine import MedicationKnowledge
from screening.engine.document import (
    MAX_EMAIL_LENGTH,
    MAX_LIST_ITEMS,
    MAX_MEMBER_ID_LENGTH,
    MAX_PAYER_LENGTH,
    MAX_PHONE_LENGTH,
    MAX_REFERRER_LENGTH,
)
from screening.engine.scores import number_text
from screening.intake import instruments as inst
from screening.models import dose_confirmation
from screening.services.policy import current_knowledge

RESPONSE_CHOICES = [
    ("", _("Choose…")),
    ("none", _("It did not help")),
    ("partial", _("It helped a little (partly)")),
    ("response", _("It helped a lot")),
    ("remission", _("I felt well again")),
    ("unknown", _("I don't know")),
]
PSYCHOTHERAPY_CHOICES = [
    ("", _("Choose…")),
    ("cbt", _("Cognitive behavioural therapy (CBT)")),
    ("ipt", _("Interpersonal therapy (IPT)")),
    ("behavioral_activation", _("Behavioural activation")),
    ("dbt", _("Dialectical behaviour therapy (DBT)")),
    ("psychodynamic", _("Psychodynamic therapy")),
    ("mbct", _("Mindfulness-based cognitive therapy (MBCT)")),
    ("other", _("Another talking therapy")),
]
TREATMENT_CHOICES = [
    ("", _("Choose…")),
    ("ect", _("Electroconvulsive therapy (ECT)")),
    ("tms", _("Transcranial magnetic stimulation (TMS)")),
    ("iv_ketamine", _("Ketamine by infusion (IV)")),
    ("esketamine", _("Esketamine nasal spray (Spravato)")),
    ("oral_ketamine", _("Ketamine by mouth")),
    ("vns", _("Vagus nerve stimulation (VNS)")),
    ("other", _("Another treatment")),
]
DEVICE_CHOICES = [
    ("cochlear_implant", _("Cochlear implant")),
    ("deep_brain_stimulator", _("Deep brain stimulator")),
    ("vagus_nerve_stimulator", _("Vagus nerve stimulator")),
    ("other_neurostimulator", _("Another nerve stimulator")),
    ("cerebral_shunt", _("Shunt in the brain")),
    ("aneurysm_clip_or_coil", _("Aneurysm clip or coil")),
    ("pacemaker_or_icd", _("Pacemaker or implanted defibrillator (ICD)")),
    ("medication_pump", _("Implanted medication pump")),
    ("other", _("Another implant or device")),
]
LANGUAGE_CHOICES = [("en", "English"), ("es", "Español")]


def yes_no(label: Any, *, required: bool = True, help_text: Any = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=inst.YES_NO_CHOICES,
        widget=forms.RadioSelect,
        required=required,
        help_text=help_text,
        error_messages={"required": _("Please answer yes or no.")},
    )


def choose(label: Any, choices: list, *, radio: bool = False, **kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect if radio else forms.Select,
        error_messages={"required": _("Please choose an answer.")},
        **kwargs,
    )


def to_bool(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def from_bool(value: Any) -> str | None:
    return {True: "yes", False: "no"}.get(value)


def number(value: Decimal | int | None) -> int | float | None:
    """A form number as JSON: whole numbers as int."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() else float(value)


def typed_value(data: Any, name: str) -> str | None:
    """One posted value, from a QueryDict or from typed values kept as lists."""
    if data is None:
        return None
    value = data.get(name)
    if isinstance(value, list):
        value = value[-1] if value else None
    return value if isinstance(value, str) else None


def typed_is_urgent(step: str, data: Any) -> bool:
    """Whether what was posted on a step holds a crisis answer, whether
    or not the step is valid or complete (the one definition is
    `clinic.safety.is_crisis_answer`)."""
    if step == "safety":
        return is_crisis_answer(suicide_screen=SafetyForm.typed_screen(data), phq9=[])
    if step == "feeling":
        return is_crisis_answer(suicide_screen={}, phq9=FeelingForm.typed_phq9(data))
    return False


def blank_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


# A date box (input type=date) shows its parts in the order of the browser's
# own language (mm/dd/yyyy, dd/mm/aaaa, ...), whatever the page's language, so
# the hint describes it in words instead of giving an example in one format.
DATE_HINT = _(
    "Fill in the day, month and year as the box shows them, or choose the date from the calendar."
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def positive_dose(label: Any, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=8,
        decimal_places=3,
        min_value=Decimal("0.001"),
        error_messages={"min_value": _("The dose must be more than 0 mg.")},
        **kwargs,
    )


class SectionForm(forms.Form):
    """A form that fills document sections. Subclasses define `sections`,
    `to_sections()` and `initial_from()`; `field_for()` maps an engine error
    path (section, key, item index, sub-key) to a field."""

    sections: tuple[str, ...] = ()

    def to_sections(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def initial_from(cls, document: dict[str, Any], patient: Patient) -> dict[str, Any]:
        raise NotImplementedError

    def field_for(self, section: str, key: str | None, item: int | None, sub: str | None):
        return key if key in self.fields else None


# -- About you ---------------------------------------------------------------------


class AboutForm(SectionForm):
    sections = ("patient",)

    given_name = forms.CharField(label=_("Given name"), max_length=100)
    family_name = forms.CharField(label=_("Family name"), max_length=100)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), widget=DateInput(), help_text=DATE_HINT
    )
    sex_at_birth = choose(
        _("Sex assigned at birth"),
        list(SexAtBirth.choices),
        radio=True,
        help_text=_("Some questionnaires are scored differently for women and men."),
    )
    email = forms.EmailField(label=_("Email"), max_length=MAX_EMAIL_LENGTH, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=MAX_PHONE_LENGTH, required=False)
    preferred_language = choose(_("Preferred language"), LANGUAGE_CHOICES)
    referring_clinician = forms.CharField(
        label=_("Who referred you to us?"),
        max_length=MAX_REFERRER_LENGTH,
        required=False,
        help_text=_("The name of your doctor or clinician, if you know it."),
    )
    insurance_payer = forms.CharField(
        label=_("Insurance company"), max_length=MAX_PAYER_LENGTH, required=False
    )
    insurance_member_id = forms.CharField(
        label=_("Insurance member ID"), max_length=MAX_MEMBER_ID_LENGTH, required=False
    )

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born > timezone.localdate():
            raise forms.ValidationError(_("Your date of birth cannot be in the future."))
        return born

    def clean(self):
        cleaned = super().clean()
        payer, member = cleaned.get("insurance_payer"), cleaned.get("insurance_member_id")
        if payer and not member:
            self.add_error("insurance_member_id", _("Please give your member ID as well."))
        if member and not payer:
            self.add_error("insurance_payer", _("Please give the insurance company as well."))
        return cleaned

    def to_sections(self) -> dict[str, Any]:
        c = self.cleaned_data
        section = {
            "given_name": c["given_name"].strip(),
            "family_name": c["family_name"].strip(),
            "date_of_birth": c["date_of_birth"].isoformat(),
            "sex_at_birth": c["sex_at_birth"],
            "email": blank_none(c.get("email")),
            "phone": blank_none(c.get("phone")),
            "preferred_language": c["preferred_language"],
            "referring_clinician": blank_none(c.get("referring_clinician")),
            "insurance": None,
        }
        if c.get("insurance_payer"):
            section["insurance"] = {
                "payer": c["insurance_payer"].strip(),
                "member_id": c["insurance_member_id"].strip(),
            }
        return {"patient": section}

    @classmethod
    def initial_from(cls, document, patient):
        p = document.get("patient")
        if p is None:
            return {
                "given_name": patient.given_name,
                "family_name": patient.family_name,
                "date_of_birth": patient.date_of_birth,
                "sex_at_birth": patient.sex_at_birth or None,
                "email": patient.email,
                "phone": patient.phone,
                "preferred_language": patient.preferred_language or "en",
                "referring_clinician": patient.referring_clinician,
            }
        insurance = p.get("insurance") or {}
        return {
            **{k: p.get(k) for k in ("given_name", "family_name", "date_of_birth", "sex_at_birth")},
            **{k: p.get(k) or "" for k in ("email", "phone", "referring_clinician")},
            "preferred_language": p.get("preferred_language") or "en",
            "insurance_payer": insurance.get("payer", ""),
            "insurance_member_id": insurance.get("member_id", ""),
        }

    def field_for(self, section, key, item, sub):
        if key == "insurance":
            return f"insurance_{sub}" if sub else "insurance_payer"
        return super().field_for(section, key, item, sub)


# -- How you have been feeling -------------------------------------------------------


class FeelingForm(SectionForm):
    sections = ("depression",)
    PHQ9_STEM = inst.PHQ9_STEM
    GAD7_STEM = inst.GAD7_STEM

    current_episode_months = forms.IntegerField(
        label=_("How many months has your current episode of depression lasted so far?"),
        min_value=0,
        max_value=600,
        help_text=_("Your best estimate in whole months; less than a month is 0."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i, text in enumerate(inst.PHQ9_ITEMS, start=1):
            self.fields[f"phq9_{i}"] = choose(text, inst.FREQUENCY_CHOICES, radio=True)
        for i, text in enumerate(inst.GAD7_ITEMS, start=1):
            self.fields[f"gad7_{i}"] = choose(text, inst.FREQUENCY_CHOICES, radio=True)

    def phq9_fields(self):
        return [self[f"phq9_{i}"] for i in range(1, 10)]

    def gad7_fields(self):
        return [self[f"gad7_{i}"] for i in range(1, 8)]

    def to_sections(self):
        c = self.cleaned_data
        return {
            "depression": {
                "current_episode_months": c["current_episode_months"],
                "phq9": [int(c[f"phq9_{i}"]) for i in range(1, 10)],
                "gad7": [int(c[f"gad7_{i}"]) for i in range(1, 8)],
            }
        }

    @classmethod
    def initial_from(cls, document, patient):
        d = document.get("depression")
        if not d:
            return {}
        initial = {"current_episode_months": d.get("current_episode_months")}
        for i, value in enumerate(d.get("phq9") or [], start=1):
            initial[f"phq9_{i}"] = str(value)
        for i, value in enumerate(d.get("gad7") or [], start=1):
            initial[f"gad7_{i}"] = str(value)
        return initial

    @staticmethod
    def typed_phq9(data: Any) -> list[int | None]:
        """The PHQ-9 answers in what was posted, valid or not (None: no answer)."""
        answers: list[int | None] = []
        for i in range(1, 10):
            value = typed_value(data, f"phq9_{i}")
            answers.append(int(value) if value in ("0", "1", "2", "3") else None)
        return answers

    def field_for(self, section, key, item, sub):
        if key in ("phq9", "gad7"):
            return f"{key}_{item + 1}" if item is not None else f"{key}_1"
        return super().field_for(section, key, item, sub)


# -- Safety (C-SSRS screener) --------------------------------------------------------

FOLLOW_UP_Q2 = ("method", "intent", "plan")


class SafetyForm(SectionForm):
    sections = ("suicide_screen",)
    CSSRS_STEM = inst.CSSRS_STEM

    wish_to_be_dead = yes_no(inst.CSSRS_QUESTIONS["wish_to_be_dead"])
    suicidal_thoughts = yes_no(inst.CSSRS_QUESTIONS["suicidal_thoughts"])
    method = yes_no(
        inst.CSSRS_QUESTIONS["method"], required=False, help_text=inst.CSSRS_HELP["method"]
    )
    intent = yes_no(
        inst.CSSRS_QUESTIONS["intent"], required=False, help_text=inst.CSSRS_HELP["intent"]
    )
    plan = yes_no(inst.CSSRS_QUESTIONS["plan"], required=False)
    behavior_lifetime = yes_no(
        inst.CSSRS_QUESTIONS["behavior_lifetime"], help_text=inst.CSSRS_HELP["behavior_lifetime"]
    )
    behavior_past_3_months = yes_no(inst.CSSRS_QUESTIONS["behavior_past_3_months"], required=False)
    LIFETIME_STEM = inst.CSSRS_LIFETIME_STEM
    NUMBERED = (*inst.CSSRS_PAST_MONTH, *inst.CSSRS_LIFETIME)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.numbers = self.question_numbers()
        for name in self.NUMBERED:
            number = self.numbers.get(name)
            question = inst.CSSRS_QUESTIONS[name]
            # A question not shown has no number (the script numbers it if it shows).
            self.fields[name].label = (
                inst.numbered(question, number) if number else inst.unnumbered(question)
            )

    def answer(self, name: str) -> str | None:
        """The answer to a question as the page shows it: posted, else stored."""
        if self.is_bound:
            return self.data.get(name) or None
        return self.initial.get(name) or None

    @property
    def follow_ups_shown(self) -> bool:
        """Questions 3-5 are asked after a yes to question 2. Shown while
        question 2 is unanswered (without JavaScript nothing else can show
        them in time); hidden once it is answered no."""
        return self.answer("suicidal_thoughts") in (None, "yes")

    @property
    def past_3_months_shown(self) -> bool:
        return self.answer("behavior_lifetime") in (None, "yes")

    def question_numbers(self) -> dict[str, int]:
        """The number of each question shown, counting only what is shown."""
        numbers: dict[str, int] = {}
        for name in self.NUMBERED:
            if name in FOLLOW_UP_Q2 and not self.follow_ups_shown:
                continue
            numbers[name] = len(numbers) + 1
        return numbers

    @property
    def lifetime_number_html(self) -> str:
        """Question 6's number as shown, marked for the script to renumber."""
        return format_html(
            '<span data-number-of="behavior_lifetime">{}</span>', self.numbers["behavior_lifetime"]
        )

    def past_month_fields(self):
        return [self[name] for name in inst.CSSRS_PAST_MONTH if name not in FOLLOW_UP_Q2]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("suicidal_thoughts") == "yes":
            for key in FOLLOW_UP_Q2:
                if not cleaned.get(key) and key not in self.errors:
                    self.add_error(
                        key,
                        _(
                            "Please answer this question: it is asked because you answered "
                            "yes to question 2."
                        ),
                    )
        if cleaned.get("behavior_lifetime") == "yes" and not cleaned.get("behavior_past_3_months"):
            self.add_error(
                "behavior_past_3_months",
                _("Please say whether this was within the past 3 months."),
            )
        return cleaned

    def to_sections(self):
        c = self.cleaned_data
        section = {
            "wish_to_be_dead": to_bool(c["wish_to_be_dead"]),
            "suicidal_thoughts": to_bool(c["suicidal_thoughts"]),
            "behavior_lifetime": to_bool(c["behavior_lifetime"]),
        }
        asked = section["suicidal_thoughts"]
        for key in FOLLOW_UP_Q2:
            answer = to_bool(c.get(key))
            # Asked only after a yes to question 2; a yes is never dropped.
            section[key] = answer if asked or answer is True else None
        answer = to_bool(c.get("behavior_past_3_months"))
        section["behavior_past_3_months"] = (
            answer if section["behavior_lifetime"] or answer is True else None
        )
        return {"suicide_screen": section}

    @classmethod
    def typed_screen(cls, data: Any) -> dict[str, bool | None]:
        """The C-SSRS answers in what was posted, valid or not: a "yes" counts
        even when other questions are still blank."""
        return {name: to_bool(typed_value(data, name)) for name in cls.base_fields}

    @classmethod
    def initial_from(cls, document, patient):
        s = document.get("suicide_screen")
        if not s:
            return {}
        return {key: from_bool(value) for key, value in s.items()}


# -- Treatments you have tried -------------------------------------------------------


class RowForm(forms.Form):
    """One row of a repeatable list (a medication trial, a therapy, ...)."""

    def __init__(self, *args, knowledge: Callable[[], MedicationKnowledge] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._knowledge = knowledge

    def knowledge(self) -> MedicationKnowledge:
        """The clinic's medication knowledge (shared by the rows of a list)."""
        if self._knowledge is None:
            self._knowledge = _knowledge_once()
        return self._knowledge()

    def to_row(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def initial_from_row(cls, row: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError


def _knowledge_once() -> Callable[[], MedicationKnowledge]:
    """The clinic's medication knowledge, read from the database once, when
    first needed (a page with no dose typed reads nothing)."""
    cache: list[MedicationKnowledge] = []

    def get() -> MedicationKnowledge:
        if not cache:
            cache.append(current_knowledge())
        return cache[0]

    return get


def dose_confirm_field() -> forms.BooleanField:
    """The box a patient ticks to keep a dose above the label's maximum. Hidden
    until the dose is found above it (see `DoseCheck`)."""
    return forms.BooleanField(
        label=_("Yes, this is the dose per day, in mg"),
        required=False,
        widget=forms.HiddenInput,
    )


class DoseCheck:
    """A dose above the medicine's labelled maximum daily dose is asked about
    (per day? in mg, not micrograms?) and kept once the patient confirms it.
    `dose_field` and `name_field` name the row's fields; `dose_confirmed` is
    the box; after cleaning, `dose_above_maximum` is the medicine's record
    when the dose is above its maximum (confirmed or not)."""

    dose_field: str
    name_field: str
    dose_above_maximum = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self._show_stored_confirmation()

    def _show_stored_confirmation(self) -> None:
        """A stored row with a dose above the maximum was confirmed (it could
        not be saved otherwise): the box shows, ticked, so saving again keeps it."""
        dose, name = self.initial.get(self.dose_field), self.initial.get(self.name_field)
        if dose in (None, "") or not name:
            return
        try:
            value = float(dose)
        except (TypeError, ValueError):
            return
        if self.knowledge().above_label_maximum(str(name), value) is not None:
            self.initial["dose_confirmed"] = True
            self.fields["dose_confirmed"].widget = forms.CheckboxInput()

    def check_dose(self, cleaned: dict[str, Any]) -> None:
        dose, name = cleaned.get(self.dose_field), (cleaned.get(self.name_field) or "").strip()
        if dose is None or not name:
            cleaned["dose_confirmed"] = False
            return
        record = self.knowledge().above_label_maximum(name, float(dose))
        self.dose_above_maximum = record
        if record is None:
            cleaned["dose_confirmed"] = False
            return
        # The box shows, with the question, and stays while the dose is kept.
        self.fields["dose_confirmed"].widget = forms.CheckboxInput()
        if not cleaned.get("dose_confirmed"):
            self.add_error(
                self.dose_field,
                _(
                    "%(dose)s mg a day is more than the highest dose on the label of "
                    "%(medicine)s (%(maximum)s mg a day). Please check that it is the dose "
                    "for a whole day and in mg (not micrograms). If it is, tick the box to "
                    "confirm it."
                )
                % {
                    "dose": number_text(number(dose)),
                    "medicine": self.knowledge().match(name).label,
                    "maximum": number_text(record.max_dose_mg),
                },
            )

    def dose_confirmation(self, section: str) -> dict | None:
        """What `Intake.dose_confirmations` keeps for this row, when confirmed."""
        if self.dose_above_maximum is None or not self.cleaned_data.get("dose_confirmed"):
            return None
        return dose_confirmation(
            section, self.cleaned_data[self.name_field], number(self.cleaned_data[self.dose_field])
        )


class TrialForm(DoseCheck, RowForm):
    dose_field = "max_daily_dose_mg"
    name_field = "medication"
    field_order = ["medication", "max_daily_dose_mg", "dose_confirmed"]

    medication = forms.CharField(
        label=_("Medicine"),
        max_length=200,
        widget=forms.TextInput(
            attrs={"list": "medication-options", "autocomplete": "off", "data-med-search": ""}
        ),
        help_text=_("Start typing to pick from the list, or type the name yourself."),
        error_messages={"required": _("Please give the name of the medicine.")},
    )
    max_daily_dose_mg = positive_dose(
        _("Highest dose per day (mg)"), help_text=_("Leave empty if you don't know.")
    )
    duration_weeks = forms.DecimalField(
        label=_("For how many weeks?"),
        max_digits=6,
        decimal_places=1,
        min_value=0,
        max_value=520,
        error_messages={"required": _("Please give the number of weeks (your best estimate).")},
    )
    current_episode = yes_no(_("Was this during your current episode of depression?"))
    response = choose(_("How well did it work?"), RESPONSE_CHOICES)
    dose_confirmed = dose_confirm_field()
    stopped_for_side_effects = forms.BooleanField(
        label=_("I stopped it because of side effects"), required=False
    )

    def clean(self):
        cleaned = super().clean()
        self.check_dose(cleaned)
        return cleaned

    def to_row(self):
        c = self.cleaned_data
        return {
            "medication": c["medication"].strip(),
            "max_daily_dose_mg": number(c.get("max_daily_dose_mg")),
            "duration_weeks": number(c["duration_weeks"]),
            "current_episode": to_bool(c["current_episode"]),
            "response": c["response"],
            "stopped_for_side_effects": bool(c.get("stopped_for_side_effects")),
        }

    @classmethod
    def initial_from_row(cls, row):
        return {
            "medication": row.get("medication"),
            "max_daily_dose_mg": row.get("max_daily_dose_mg"),
            "duration_weeks": row.get("duration_weeks"),
            "current_episode": from_bool(row.get("current_episode")),
            "response": row.get("response"),
            "stopped_for_side_effects": bool(row.get("stopped_for_side_effects")),
        }


class PsychotherapyForm(RowForm):
    modality = choose(_("Kind of therapy"), PSYCHOTHERAPY_CHOICES)
    sessions = forms.IntegerField(
        label=_("About how many sessions?"),
        min_value=0,
        max_value=1000,
        error_messages={"required": _("Please give the number of sessions (your best estimate).")},
    )
    current_episode = yes_no(_("Was this during your current episode of depression?"))
    response = choose(_("How well did it work?"), RESPONSE_CHOICES)

    def to_row(self):
        c = self.cleaned_data
        return {
            "modality": c["modality"],
            "sessions": c["sessions"],
            "current_episode": to_bool(c["current_episode"]),
            "response": c["response"],
        }

    @classmethod
    def initial_from_row(cls, row):
        return {**row, "current_episode": from_bool(row.get("current_episode"))}


class ProcedureForm(RowForm):
    treatment = choose(_("Treatment"), TREATMENT_CHOICES)
    sessions = forms.IntegerField(
        label=_("About how many sessions?"),
        min_value=0,
        max_value=1000,
        required=False,
        help_text=_("Leave empty if you don't know."),
    )
    year = forms.IntegerField(
        label=_("Year of the last session"),
        min_value=1900,
        required=False,
        help_text=_("Leave empty if you don't know."),
    )
    response = choose(_("How well did it work?"), RESPONSE_CHOICES)

    def clean_year(self):
        year = self.cleaned_data.get("year")
        if year is not None and year > timezone.localdate().year:
            raise forms.ValidationError(_("The year cannot be in the future."))
        return year

    def to_row(self):
        c = self.cleaned_data
        return {
            "treatment": c["treatment"],
            "sessions": c.get("sessions"),
            "year": c.get("year"),
            "response": c["response"],
        }

    @classmethod
    def initial_from_row(cls, row):
        return dict(row)


class CurrentMedicationForm(DoseCheck, RowForm):
    dose_field = "daily_dose_mg"
    name_field = "name"

    name = forms.CharField(
        label=_("Medicine"),
        max_length=200,
        widget=forms.TextInput(
            attrs={"list": "medication-options", "autocomplete": "off", "data-med-search": ""}
        ),
        error_messages={"required": _("Please give the name of the medicine.")},
    )
    daily_dose_mg = positive_dose(
        _("Dose per day (mg)"), help_text=_("Leave empty if you don't know.")
    )
    dose_confirmed = dose_confirm_field()

    def clean(self):
        cleaned = super().clean()
        self.check_dose(cleaned)
        return cleaned

    def to_row(self):
        c = self.cleaned_data
        return {"name": c["name"].strip(), "daily_dose_mg": number(c.get("daily_dose_mg"))}

    @classmethod
    def initial_from_row(cls, row):
        return dict(row)


class RowFormSet(forms.BaseFormSet):
    """A repeatable list of rows, identified by what was posted.

    When bound, a formset is built without `initial` (see `FilledStep`), so
    whether a row counts never depends on what the page held when it loaded
    (its INITIAL_FORMS): a row with anything typed in it is a row; a row left
    or made blank, or ticked "remove", is not.
    """

    deletion_widget = forms.CheckboxInput

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        # One read of the medication knowledge for all the rows (dose checks).
        if not hasattr(self, "_knowledge"):
            self._knowledge = _knowledge_once()
        kwargs.setdefault("knowledge", self._knowledge)
        return kwargs

    def _construct_form(self, i, **kwargs):
        # Every row may be left blank: a blank row is simply not a row.
        kwargs.setdefault("empty_permitted", True)
        return super()._construct_form(i, **kwargs)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this row")

    def rows(self) -> tuple[list[dict[str, Any]], list[int]]:
        """The filled, not removed rows, and the index of the form of each."""
        rows, indexes = [], []
        for i, form in enumerate(self.forms):
            if self.can_delete and self._should_delete_form(form):
                continue
            if not form.has_changed() or not form.cleaned_data:
                continue
            rows.append(form.to_row())
            indexes.append(i)
        return rows, indexes


def row_formset(form_class: type[RowForm]) -> type[RowFormSet]:
    return forms.formset_factory(
        form_class,
        formset=RowFormSet,
        extra=1,
        can_delete=True,
        max_num=MAX_LIST_ITEMS,
        absolute_max=MAX_LIST_ITEMS + 10,
    )


# -- Mental health history ------------------------------------------------------------


class HistoryForm(SectionForm):
    sections = ("psychiatric_history",)

    bipolar_disorder = yes_no(
        _(
            "Have you ever been diagnosed with bipolar disorder, or had a time of being "
            "manic or hypomanic (a high or irritable mood with much more energy and less "
            "need for sleep than usual, lasting days)?"
        )
    )
    psychotic_disorder = yes_no(
        _(
            "Have you ever been diagnosed with schizophrenia, schizoaffective disorder or "
            "another psychotic disorder?"
        )
    )
    psychotic_symptoms_current = yes_no(
        _(
            "At the moment, do you hear or see things other people don't, or hold strong "
            "beliefs that others tell you are not true?"
        )
    )
    psychiatric_hospitalizations = forms.IntegerField(
        label=_("How many times have you stayed in hospital for your mental health?"),
        min_value=0,
        max_value=100,
        help_text=_("0 if never."),
    )

    def to_sections(self):
        c = self.cleaned_data
        return {
            "psychiatric_history": {
                "bipolar_disorder": to_bool(c["bipolar_disorder"]),
                "psychotic_disorder": to_bool(c["psychotic_disorder"]),
                "psychotic_symptoms_current": to_bool(c["psychotic_symptoms_current"]),
                "psychiatric_hospitalizations": c["psychiatric_hospitalizations"],
            }
        }

    @classmethod
    def initial_from(cls, document, patient):
        h = document.get("psychiatric_history")
        if not h:
            return {}
        return {
            key: (from_bool(value) if isinstance(value, bool) else value)
            for key, value in h.items()
        }


# -- Physical health ------------------------------------------------------------------

MEDICAL_CHECKBOXES = [
    ("hypertension", _("I have been told I have high blood pressure")),
    ("hypertension_medication", _("I take medicine for blood pressure")),
    (
        "aneurysmal_vascular_disease",
        _("An aneurysm (a bulging blood vessel) in the brain, the aorta or another artery"),
    ),
    ("arteriovenous_malformation", _("An arteriovenous malformation (AVM)")),
    ("intracerebral_hemorrhage", _("A bleed in the brain, ever")),
    ("unstable_heart_disease", _("Unstable angina, or heart failure that is not under control")),
    (
        "raised_intracranial_pressure",
        _("Raised pressure in the head, a brain tumour or another mass in the head"),
    ),
    ("seizure_disorder", _("Epilepsy, or any seizure other than one caused by ECT")),
    ("head_injury_with_loss_of_consciousness", _("A head injury where I lost consciousness")),
    ("metal_in_head", _("Metal in or near the head (not dental work)")),
    ("glaucoma", _("Glaucoma or raised pressure in the eye")),
    (
        "interstitial_cystitis",
        _("Interstitial or ulcerative cystitis, or other long-term bladder pain"),
    ),
    ("liver_disease", _("Cirrhosis or another serious liver disease")),
    ("pregnant", _("I am pregnant")),
    ("breastfeeding", _("I am breastfeeding")),
]


class PhysicalForm(SectionForm):
    sections = ("blood_pressure", "medical_history")

    bp_systolic = forms.IntegerField(
        label=_("Upper number (systolic), mmHg"), min_value=60, max_value=300, required=False
    )
    bp_diastolic = forms.IntegerField(
        label=_("Lower number (diastolic), mmHg"), min_value=30, max_value=200, required=False
    )
    bp_measured_on = forms.DateField(
        label=_("Date of the reading"), widget=DateInput(), required=False, help_text=DATE_HINT
    )
    myocardial_infarction_months_ago = forms.IntegerField(
        label=_("If you have ever had a heart attack: how many months ago was the last one?"),
        min_value=0,
        required=False,
        help_text=_("Leave empty if never."),
    )
    stroke_months_ago = forms.IntegerField(
        label=_("If you have ever had a stroke: how many months ago was the last one?"),
        min_value=0,
        required=False,
        help_text=_("Leave empty if never."),
    )
    implanted_devices = forms.MultipleChoiceField(
        label=_("Do you have any of these implants or devices? Tick all that apply."),
        choices=DEVICE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in MEDICAL_CHECKBOXES:
            self.fields[key] = forms.BooleanField(label=label, required=False)

    def bp_fields(self):
        return [self["bp_systolic"], self["bp_diastolic"], self["bp_measured_on"]]

    def condition_fields(self):
        return [self[key] for key, _label in MEDICAL_CHECKBOXES]

    def clean_bp_measured_on(self):
        day = self.cleaned_data.get("bp_measured_on")
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(_("The date of the reading cannot be in the future."))
        return day

    def clean(self):
        cleaned = super().clean()
        keys = ("bp_systolic", "bp_diastolic", "bp_measured_on")
        given = [k for k in keys if cleaned.get(k) is not None]
        if given and len(given) < 3:
            for key in keys:
                if cleaned.get(key) is None and key not in self.errors:
                    self.add_error(
                        key,
                        _(
                            "Please give both numbers and the date of the reading, or leave "
                            "all three empty."
                        ),
                    )
        return cleaned

    def to_sections(self):
        c = self.cleaned_data
        bp = None
        if c.get("bp_systolic") is not None:
            bp = {
                "systolic": c["bp_systolic"],
                "diastolic": c["bp_diastolic"],
                "measured_on": c["bp_measured_on"].isoformat(),
            }
        history = {key: bool(c.get(key)) for key, _label in MEDICAL_CHECKBOXES}
        history["myocardial_infarction_months_ago"] = c.get("myocardial_infarction_months_ago")
        history["stroke_months_ago"] = c.get("stroke_months_ago")
        history["implanted_devices"] = list(c.get("implanted_devices") or [])
        return {"blood_pressure": bp, "medical_history": history}

    @classmethod
    def initial_from(cls, document, patient):
        initial: dict[str, Any] = {}
        bp = document.get("blood_pressure")
        if bp:
            initial.update(
                bp_systolic=bp["systolic"],
                bp_diastolic=bp["diastolic"],
                bp_measured_on=bp["measured_on"],
            )
        initial.update(document.get("medical_history") or {})
        return initial

    def field_for(self, section, key, item, sub):
        if section == "blood_pressure":
            return f"bp_{key}" if key else "bp_systolic"
        return super().field_for(section, key, item, sub)


# -- Alcohol and drugs ---------------------------------------------------------------


class SubstancesForm(SectionForm):
    sections = ("substance_use",)
    DAST10_INTRO = inst.DAST10_INTRO
    DAST10_STEM = inst.DAST10_STEM

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i, (question, options) in enumerate(inst.AUDIT_C_QUESTIONS, start=1):
            self.fields[f"audit_{i}"] = choose(question, options, radio=True)
        if self.is_bound and self.data.get("audit_1") == inst.AUDIT_C_NEVER:
            # Questions 2 and 3 are not asked (and score 0) after "Never".
            for name in ("audit_2", "audit_3"):
                self.fields[name].required = False
        for i, question in enumerate(inst.DAST10_ITEMS, start=1):
            self.fields[f"dast_{i}"] = yes_no(question)
        self.fields["ketamine_or_pcp_nonmedical_use"] = yes_no(
            _(
                "Have you ever used ketamine, esketamine or PCP other than as prescribed "
                "by a doctor?"
            )
        )
        self.fields["substance_use_disorder_history"] = yes_no(
            _("Have you ever been diagnosed with, or treated for, a drug or alcohol problem?")
        )

    @property
    def audit_never(self) -> bool:
        """Question 1 answered "Never": questions 2 and 3 are not asked."""
        answer = self.data.get("audit_1") if self.is_bound else self.initial.get("audit_1")
        return answer == inst.AUDIT_C_NEVER

    def audit_fields(self):
        return [self[f"audit_{i}"] for i in range(1, 4)]

    def audit_first_field(self):
        return self["audit_1"]

    def audit_follow_up_fields(self):
        return [self["audit_2"], self["audit_3"]]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("audit_1") == inst.AUDIT_C_NEVER:
            # Not asked: nothing a hidden question still held is an error.
            for name in ("audit_2", "audit_3"):
                self.errors.pop(name, None)
                cleaned.pop(name, None)
        return cleaned

    def dast_fields(self):
        return [self[f"dast_{i}"] for i in range(1, 11)]

    def other_fields(self):
        return [self["ketamine_or_pcp_nonmedical_use"], self["substance_use_disorder_history"]]

    def to_sections(self):
        c = self.cleaned_data
        return {
            "substance_use": {
                "audit_c": self.audit_c(),
                "dast10": [to_bool(c[f"dast_{i}"]) for i in range(1, 11)],
                "ketamine_or_pcp_nonmedical_use": to_bool(c["ketamine_or_pcp_nonmedical_use"]),
                "substance_use_disorder_history": to_bool(c["substance_use_disorder_history"]),
            }
        }

    def audit_c(self) -> list[int]:
        """The three AUDIT-C scores; 2 and 3 score 0 after "Never" (whatever
        a hidden question still held)."""
        c = self.cleaned_data
        if c["audit_1"] == inst.AUDIT_C_NEVER:
            return [0, 0, 0]
        return [int(c[f"audit_{i}"]) for i in range(1, 4)]

    @classmethod
    def initial_from(cls, document, patient):
        s = document.get("substance_use")
        if not s:
            return {}
        initial: dict[str, Any] = {}
        audit = list(s.get("audit_c") or [])
        if audit[:1] == [int(inst.AUDIT_C_NEVER)]:
            # Not asked: "1 or 2" (score 0) was never the patient's answer.
            audit = audit[:1]
        for i, value in enumerate(audit, start=1):
            initial[f"audit_{i}"] = str(value)
        for i, value in enumerate(s.get("dast10") or [], start=1):
            initial[f"dast_{i}"] = from_bool(value)
        for key in ("ketamine_or_pcp_nonmedical_use", "substance_use_disorder_history"):
            initial[key] = from_bool(s.get(key))
        return initial

    def field_for(self, section, key, item, sub):
        if key == "audit_c":
            return f"audit_{(item or 0) + 1}"
        if key == "dast10":
            return f"dast_{(item or 0) + 1}"
        return super().field_for(section, key, item, sub)


# -- Current medicines and allergies --------------------------------------------------


class MedicinesForm(SectionForm):
    sections = ("allergies",)

    allergies = forms.CharField(
        label=_("Allergies"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line: medicines, foods or other substances you are allergic to. "
            "Leave empty if none."
        ),
    )

    def to_sections(self):
        lines = (self.cleaned_data.get("allergies") or "").splitlines()
        return {"allergies": [line.strip() for line in lines if line.strip()]}

    @classmethod
    def initial_from(cls, document, patient):
        return {"allergies": "\n".join(document.get("allergies") or [])}

    def field_for(self, section, key, item, sub):
        return "allergies"


# -- Consent ---------------------------------------------------------------------------


class ConsentForm(SectionForm):
    sections = ("consent",)

    agreed = forms.BooleanField(
        label=_("I have read the above and I agree."),
        error_messages={"required": _("Please tick the box to agree before you go on.")},
    )
    signed_name = forms.CharField(
        label=_("Type your full name as your signature"),
        max_length=250,
        error_messages={"required": _("Please type your full name.")},
    )

    def to_sections(self):
        c = self.cleaned_data
        return {
            "consent": {
                "agreed": bool(c["agreed"]),
                "signed_name": c["signed_name"].strip(),
                "signed_at": timezone.localtime().isoformat(timespec="seconds"),
            }
        }

    @classmethod
    def initial_from(cls, document, patient):
        c = document.get("consent")
        if not c:
            return {}
        return {"agreed": c.get("agreed"), "signed_name": c.get("signed_name")}
