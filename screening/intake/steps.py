"""The intake's steps: which forms and lists each page shows, how they are
checked (Django's field checks, then the engine's `validate_section`), and
how the engine's errors are put next to the right field in plain words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinic.accounts.models import Patient
from screening.engine import validate_section
from screening.engine.document import UNANSWERED
from screening.engine.vocabulary import REVIEW_STEP, STEP_KEYS, STEP_SECTIONS, STEP_TITLES
from screening.intake import forms as f


@dataclass(frozen=True)
class ListSpec:
    """A repeatable list of rows (a formset) filling one document section."""

    prefix: str
    section: str
    form_class: type[f.RowForm]
    legend: Promise
    help: Promise
    add_label: Promise

    @property
    def formset_class(self) -> type[f.RowFormSet]:
        return f.row_formset(self.form_class)


@dataclass(frozen=True)
class Step:
    key: str
    intro: Promise
    form_class: type[f.SectionForm] | None = None
    lists: tuple[ListSpec, ...] = ()

    @property
    def title(self) -> Promise:
        """The vocabulary's title of the step, translated."""
        return _(STEP_TITLES[self.key])

    @property
    def sections(self) -> tuple[str, ...]:
        return STEP_SECTIONS.get(self.key, ())

    @property
    def template(self) -> str:
        return f"intake/steps/{self.key}.html"


TRIAL_LIST_HELP = _(
    "One row for each medicine you have taken. If you took one medicine at different "
    "times, add a row for each time."
)

STEPS: tuple[Step, ...] = (
    Step(
        "about",
        _("Please check the details we have and fill in what is missing."),
        f.AboutForm,
    ),
    Step(
        "feeling",
        _("These questions are about your mood and worry over the last two weeks."),
        f.FeelingForm,
    ),
    Step(
        "safety",
        _(
            "These questions ask about thoughts of death and suicide. Many people with "
            "depression have such thoughts; your answers help your clinician keep you safe."
        ),
        f.SafetyForm,
    ),
    Step(
        "treatments",
        _(
            "Tell us about the treatments you have had for depression. Your best estimate "
            "is fine. Leave a list empty if it does not apply to you."
        ),
        None,
        (
            ListSpec(
                "ad",
                "antidepressant_trials",
                f.TrialForm,
                _("Antidepressants"),
                TRIAL_LIST_HELP,
                _("Add another antidepressant"),
            ),
            ListSpec(
                "aug",
                "augmentation_trials",
                f.TrialForm,
                _("Add-on medicines"),
                _(
                    "Medicines added to an antidepressant to help it work, such as lithium, "
                    "aripiprazole, quetiapine, brexpiprazole, thyroid hormone or a second "
                    "antidepressant."
                ),
                _("Add another add-on medicine"),
            ),
            ListSpec(
                "pt",
                "psychotherapy",
                f.PsychotherapyForm,
                _("Talking therapies"),
                _("Therapies with a therapist, psychologist or counsellor."),
                _("Add another therapy"),
            ),
            ListSpec(
                "proc",
                "procedures",
                f.ProcedureForm,
                _("ECT, TMS, ketamine, esketamine and other treatments"),
                _("Treatments given in a clinic or hospital."),
                _("Add another treatment"),
            ),
        ),
    ),
    Step(
        "history",
        _("A few questions about your mental health in the past."),
        f.HistoryForm,
    ),
    Step(
        "physical",
        _("Some treatments are not safe with some conditions, so we ask about them."),
        f.PhysicalForm,
    ),
    Step(
        "substances",
        _("Your answers are confidential and help your clinician choose a safe treatment."),
        f.SubstancesForm,
    ),
    Step(
        "medicines",
        _("The medicines you take now, including ones not for your mental health."),
        f.MedicinesForm,
        (
            ListSpec(
                "med",
                "current_medications",
                f.CurrentMedicationForm,
                _("Medicines you take now"),
                _("One row for each medicine."),
                _("Add another medicine"),
            ),
        ),
    ),
    Step(
        "consent",
        _("Please read this and sign by typing your name."),
        f.ConsentForm,
    ),
    Step(REVIEW_STEP, _("Check your answers, then send them to us.")),
)
STEP_BY_KEY: dict[str, Step] = {step.key: step for step in STEPS}
# The pages follow the vocabulary's one list of steps (the count "x of N" comes from it).
if tuple(STEP_BY_KEY) != STEP_KEYS:
    raise RuntimeError("screening.intake.steps.STEPS must list STEP_KEYS, in order")


# -- the engine's errors in plain words ----------------------------------------------

_PATH = re.compile(
    r"^(?P<section>\w+)(?:\[(?P<row>\d+)\])?(?:\.(?P<key>\w+))?(?:\[(?P<item>\d+)\])?"
    r"(?:\.(?P<sub>\w+))?$"
)


def plain_message(message: str) -> str:
    """One engine message, said to a patient."""
    if message == UNANSWERED:
        return gettext(
            "Please answer this question: it is asked because you answered yes to question 2."
        )
    if message.startswith("required (true or false) when behavior_lifetime"):
        return gettext("Please say whether this was within the past 3 months.")
    if message == "required":
        return gettext("Please answer this question.")
    if message == "diastolic must be below systolic":
        return gettext("The lower number (diastolic) must be below the upper number (systolic).")
    if message in ("date must not be after completed_on", "date must not be in the future"):
        return gettext("This date cannot be in the future.")
    if message.startswith("must not be after completed_on's year"):
        return gettext("The year cannot be in the future.")
    if message.startswith("age at completed_on must be between 12 and 120"):
        return gettext("Please check your date of birth: the age must be between 12 and 120.")
    if message == "signed name must match the patient's name":
        return gettext(
            "Please type your given and family names as you gave them in “About you”. "
            "Capital letters and accents do not matter."
        )
    if message.startswith("must be true: the patient must agree"):
        return gettext("Please tick the box to agree before you go on.")
    if message.startswith("must not contain control characters"):
        return gettext("Please remove the special characters from this answer.")
    if message.startswith("must be a valid email address"):
        return gettext("Please enter a valid email address, for example name@example.org.")
    if message == "must not be empty":
        return gettext("Please fill this in.")
    return gettext("Please check this answer (%(detail)s).") % {"detail": message}


# -- a step's forms, filled ---------------------------------------------------------


class FilledStep:
    """The forms of one step, bound to what was typed or filled from the draft."""

    def __init__(
        self,
        step: Step,
        *,
        document: dict[str, Any],
        patient: Patient,
        patient_name: tuple[str, str],
        data: QueryDict | None = None,
    ) -> None:
        self.step = step
        self.patient_name = patient_name
        self.form: f.SectionForm | None = None
        if step.form_class is not None:
            self.form = step.form_class(
                data=data, initial=step.form_class.initial_from(document, patient)
            )
        self.lists: list[tuple[ListSpec, f.RowFormSet]] = []
        for spec in step.lists:
            rows = document.get(spec.section) or []
            if data is None:
                formset = spec.formset_class(
                    prefix=spec.prefix,
                    initial=[spec.form_class.initial_from_row(row) for row in rows],
                )
            else:
                # Rows are what was posted, never what the page held when it
                # loaded: no `initial`, so an autosaved row is not "unchanged".
                formset = spec.formset_class(data=data, prefix=spec.prefix)
            self.lists.append((spec, formset))
        self.sections: dict[str, Any] = {}
        self.engine_errors: list[tuple[str, str]] = []

    @property
    def is_bound(self) -> bool:
        if self.form is not None:
            return self.form.is_bound
        return any(formset.is_bound for _, formset in self.lists)

    def is_valid(self) -> bool:
        """Django's checks, then the engine's, with errors put on the fields."""
        valid = self.form.is_valid() if self.form is not None else True
        for _spec, formset in self.lists:
            valid = formset.is_valid() and valid
        if not valid:
            return False
        sections: dict[str, Any] = {}
        row_forms: dict[str, tuple[f.RowFormSet, list[int]]] = {}
        if self.form is not None:
            sections.update(self.form.to_sections())
        for spec, formset in self.lists:
            rows, indexes = formset.rows()
            sections[spec.section] = rows
            row_forms[spec.section] = (formset, indexes)
        errors: list[tuple[str, str]] = []
        today = timezone.localdate()
        for key, value in sections.items():
            errors.extend(
                validate_section(key, value, completed_on=today, patient_name=self.patient_name)
            )
        for path, message in errors:
            self._attach(path, message, row_forms)
        self.engine_errors = errors
        self.sections = sections
        return not errors

    def _attach(self, path: str, message: str, row_forms) -> None:
        text = plain_message(message)
        match = _PATH.match(path)
        if match is None:
            self.add_general_error(text)
            return
        section, key = match["section"], match["key"]
        row = int(match["row"]) if match["row"] is not None else None
        item = int(match["item"]) if match["item"] is not None else None
        if section in row_forms:
            formset, indexes = row_forms[section]
            if row is not None and row < len(indexes):
                form = formset.forms[indexes[row]]
                form.add_error(key if key in form.fields else None, text)
            else:
                self.add_general_error(text)
            return
        if self.form is None:
            self.add_general_error(text)
            return
        name = self.form.field_for(section, key, item, match["sub"])
        try:
            self.form.add_error(name if name in self.form.fields else None, text)
        except ValueError:
            self.form.add_error(None, text)

    def add_general_error(self, text: str) -> None:
        if self.form is not None:
            self.form.add_error(None, text)
        elif self.lists:
            formset = self.lists[0][1]
            formset._non_form_errors = formset.non_form_errors() + [text]

    def error_list(self) -> list[tuple[str, str]]:
        """(field id, message) for the error summary at the top of the page."""
        found: list[tuple[str, str]] = []
        forms_: list[forms.Form] = [self.form] if self.form is not None else []
        for _spec, formset in self.lists:
            forms_.extend(formset.forms)
            found.extend(("", str(e)) for e in formset.non_form_errors())
        for form in forms_:
            if not form.is_bound:
                continue
            for name, errs in form.errors.items():
                target = form[name].auto_id if name in form.fields else ""
                label = form.fields[name].label if name in form.fields else ""
                for err in errs:
                    found.append((target, f"{label}: {err}" if label else str(err)))
        return found


def dose_confirmations(filled: FilledStep) -> list[dict]:
    """The doses above the label's maximum the patient confirmed, in the rows
    of a valid step (kept beside the document: `Intake.dose_confirmations`)."""
    found = []
    for spec, formset in filled.lists:
        _rows, indexes = formset.rows()
        for index in indexes:
            confirmation = getattr(formset.forms[index], "dose_confirmation", None)
            kept = confirmation(spec.section) if confirmation else None
            if kept is not None:
                found.append(kept)
    return found


def filled_step(
    step: Step,
    *,
    document: dict[str, Any],
    patient: Patient,
    patient_name: tuple[str, str],
    data: QueryDict | None = None,
) -> FilledStep:
    return FilledStep(
        step, document=document, patient=patient, patient_name=patient_name, data=data
    )


# -- summaries for the review and print pages ------------------------------------------


def answer_display(field: forms.Field, value: Any) -> str:
    """An answer in the words the patient chose (the option's label)."""
    return _display(field, value)


def _display(field: forms.Field, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(field, forms.BooleanField):
        return gettext("Yes") if value else gettext("No")
    if isinstance(field, forms.MultipleChoiceField):
        labels = dict(field.choices)
        return ", ".join(str(labels.get(v, v)) for v in value)
    if isinstance(field, forms.ChoiceField):
        return str(dict(field.choices).get(str(value), value))
    return str(value)


def _form_rows(form: forms.Form, initial: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (str(field.label), _display(field, initial.get(name)))
        for name, field in form.fields.items()
        if name not in ("DELETE", "dose_confirmed")
    ]


def step_summary(step: Step, document: dict[str, Any], patient: Patient) -> dict[str, Any]:
    """The answers of one step as (question, answer) rows, and its lists."""
    rows: list[tuple[str, str]] = []
    if step.form_class is not None:
        has_any = any(section in document for section in step.sections)
        if has_any:
            initial = step.form_class.initial_from(document, patient)
            rows = _form_rows(step.form_class(), initial)
    lists = []
    for spec in step.lists:
        items = [
            _form_rows(spec.form_class(), spec.form_class.initial_from_row(row))
            for row in document.get(spec.section) or []
        ]
        lists.append({"legend": spec.legend, "items": items})
    answered = any(section in document for section in step.sections)
    return {"step": step, "rows": rows, "lists": lists, "answered": answered}
