"""Forms of the review pages: the queue's filters and the case actions.
Forms validate only; the services change state."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from clinic.accounts.roles import CLINICIAN
from screening.labels import flag_code_choices, modality_choices, step_choices
from screening.models import Intake, Severity
from screening.review.models import CaseDecision
from screening.review.selectors import QueueFilters

NO_NUL = [ProhibitNullCharactersValidator(message=_("Remove the null character from the text."))]


def clinicians() -> QuerySet:
    """Who a case can be assigned to: active clinicians and admins."""
    return (
        get_user_model()
        .objects.filter(Q(groups__name=CLINICIAN) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("Open (awaiting or in review)")), ("all", _("All statuses"))]
        + list(Intake.ReviewStatus.choices),
    )
    flag = forms.ChoiceField(label=_("Flag"), required=False)
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", _("Any severity"))] + Severity.choices
    )
    modality = forms.ChoiceField(label=_("Treatment"), required=False)
    assigned = forms.ChoiceField(
        label=_("Assigned to"),
        required=False,
        choices=[("", _("Anyone")), ("me", _("Me")), ("nobody", _("Nobody"))],
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        validators=NO_NUL,
        help_text=_("Name, email or date of birth (YYYY-MM-DD)"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["flag"].choices = [("", _("Any flag"))] + flag_code_choices()
        self.fields["modality"].choices = [("", _("Any treatment"))] + modality_choices()

    def filters(self) -> QueueFilters:
        """The valid filters; an invalid value is dropped (its error shows)."""
        data = self.cleaned_data if self.is_bound else {}
        values = {name: data.get(name) or "" for name in self.fields}
        values["status"] = values["status"] or "open"
        values["q"] = values["q"].strip()
        return QueueFilters(**values)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = clinicians()
        self.fields["assignee"].label_from_instance = lambda u: u.get_full_name() or u.email


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=2000,
        validators=NO_NUL,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"),
        max_length=10000,
        validators=NO_NUL,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the note before saving it.")},
    )


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Decision"),
        choices=CaseDecision.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a decision.")},
    )
    steps = forms.MultipleChoiceField(
        label=_("Parts of the intake to update"),
        choices=step_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    message = forms.CharField(
        label=_("Message to the patient"),
        required=False,
        max_length=4000,
        validators=NO_NUL,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Emailed to the patient. Do not mention flags."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=4000,
        validators=NO_NUL,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    referred_to = forms.CharField(
        label=_("Referred to"), required=False, max_length=300, validators=NO_NUL
    )

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
        if kind == CaseDecision.Kind.MORE_INFO and not data.get("steps"):
            self.add_error("steps", _("Choose at least one part for the patient to update."))
        if kind == CaseDecision.Kind.NOT_SUITABLE and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason the patient is not suitable at present."))
        if kind == CaseDecision.Kind.REFERRED and not (data.get("referred_to") or "").strip():
            self.add_error("referred_to", _("Say to whom the patient is referred."))
        return data
