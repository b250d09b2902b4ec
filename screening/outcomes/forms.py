"""Forms of the outcomes pages: the results' filters, a score recorded in
clinic, a correction. Forms validate only; the services change state."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic.scheduling.forms import clinician_choices
from screening.outcomes.models import (
    AGE_BAND_CHOICES,
    INSTRUMENT_CHOICES,
    SEVERITY_BAND_CHOICES,
    TRD_BAND_CHOICES,
    TREATMENT_CHOICES,
)
from screening.outcomes.selectors import Filters

NO_NUL = [ProhibitNullCharactersValidator(message=_("Remove the null character from the text."))]
EARLIEST = date(2000, 1, 1)
PERIODS = [
    ("12m", _("Last 12 months")),
    ("this_year", _("This year")),
    ("last_year", _("Last year")),
    ("all", _("All time")),
    ("custom", _("Between dates")),
]


class OutcomesFilterForm(forms.Form):
    treatment = forms.ChoiceField(
        label=_("Treatment"),
        required=False,
        choices=[("", _("All treatments"))] + TREATMENT_CHOICES,
    )
    clinician = forms.ModelChoiceField(
        label=_("Clinician"),
        required=False,
        queryset=clinician_choices(),
        empty_label=_("Any clinician"),
    )
    period = forms.ChoiceField(label=_("Courses started"), required=False, choices=PERIODS)
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    age_band = forms.ChoiceField(
        label=_("Age at start"), required=False, choices=[("", _("Any age"))] + AGE_BAND_CHOICES
    )
    baseline_band = forms.ChoiceField(
        label=_("Baseline severity (PHQ-9)"),
        required=False,
        choices=[("", _("Any severity"))] + SEVERITY_BAND_CHOICES,
    )
    trd_band = forms.ChoiceField(
        label=_("TRD staging (Maudsley)"),
        required=False,
        choices=[("", _("Any stage"))] + TRD_BAND_CHOICES,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinician_choices()

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        for name in ("start", "end"):
            value = data.get(name)
            if value and not EARLIEST <= value <= date(2199, 12, 31):
                self.add_error(name, _("Give a date from 2000 onwards."))
                data[name] = None
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date is before the start date."))
        return data

    def filters(self) -> Filters:
        """The valid filters; an invalid value is dropped (its error shows)."""
        data = self.cleaned_data if self.is_bound else {}
        today = timezone.localdate()
        period = data.get("period") or "12m"
        start = end = None
        if period == "12m":
            start = today - timedelta(days=365)
        elif period == "this_year":
            start = date(today.year, 1, 1)
        elif period == "last_year":
            start, end = date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
        elif period == "custom":
            start, end = data.get("start"), data.get("end")
            if start and end and end < start:
                start = end = None
        clinician = data.get("clinician")
        return Filters(
            treatment=data.get("treatment") or "",
            clinician=clinician.pk if clinician else None,
            start=start,
            end=end,
            age_band=data.get("age_band") or "",
            baseline_band=data.get("baseline_band") or "",
            trd_band=data.get("trd_band") or "",
        )


class ScoreForm(forms.Form):
    """A score taken in clinic."""

    instrument = forms.ChoiceField(label=_("Instrument"), choices=INSTRUMENT_CHOICES)
    score = forms.IntegerField(label=_("Total score"), min_value=0, max_value=60)
    item9 = forms.IntegerField(
        label=_("PHQ-9 item 9 (thoughts of death or self-harm)"),
        required=False,
        min_value=0,
        max_value=3,
        help_text=_("0 to 3. Needed for a PHQ-9; an answer above 0 alerts the on-call clinicians."),
    )
    taken_on = forms.DateField(
        label=_("Taken on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=timezone.localdate,
    )

    def clean_taken_on(self):
        value = self.cleaned_data["taken_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("A score cannot be taken in the future."))
        if value < EARLIEST:
            raise forms.ValidationError(_("Give a date from 2000 onwards."))
        return value


class CorrectionForm(forms.Form):
    score = forms.IntegerField(label=_("Corrected total"), min_value=0, max_value=60)
    item9 = forms.IntegerField(label=_("PHQ-9 item 9"), required=False, min_value=0, max_value=3)
    reason = forms.CharField(
        label=_("Reason for the correction"), max_length=300, validators=NO_NUL
    )
