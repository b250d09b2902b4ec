"""Forms of the session pages: vitals, responses, addenda, REMS submission.
The session document's own fields are rendered from `documents.SECTIONS`."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from clinic.treatment.models import RemsSubmission, VitalSign


class NoNulForm(forms.Form):
    def clean(self):
        data = super().clean()
        for name, value in list(data.items()):
            if isinstance(value, str) and "\x00" in value:
                self.add_error(name, _("Remove the NUL character."))
        return data


class VitalForm(NoNulForm):
    taken_at = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}))
    phase = forms.ChoiceField(label=_("When"), choices=VitalSign.Phase.choices)
    systolic = forms.IntegerField(
        label=_("Systolic (mmHg)"), min_value=40, max_value=300, required=False
    )
    diastolic = forms.IntegerField(
        label=_("Diastolic (mmHg)"), min_value=20, max_value=200, required=False
    )
    heart_rate = forms.IntegerField(
        label=_("Heart rate (/min)"), min_value=20, max_value=250, required=False
    )
    spo2 = forms.IntegerField(label=_("SpO2 (%)"), min_value=50, max_value=100, required=False)
    respiratory_rate = forms.IntegerField(
        label=_("Respiratory rate (/min)"), min_value=2, max_value=80, required=False
    )

    def clean(self):
        data = super().clean()
        systolic, diastolic = data.get("systolic"), data.get("diastolic")
        if (systolic is None) != (diastolic is None) and not self.errors:
            self.add_error(
                "diastolic" if diastolic is None else "systolic",
                _("Give both the systolic and the diastolic."),
            )
        if systolic is not None and diastolic is not None and diastolic >= systolic:
            self.add_error("diastolic", _("The diastolic must be below the systolic."))
        values = [data.get(n) for n in ("systolic", "heart_rate", "spo2", "respiratory_rate")]
        if not self.errors and all(v is None for v in values):
            raise forms.ValidationError(_("Record at least one value."))
        return data


class ResponseForm(NoNulForm):
    response = forms.CharField(
        label=_("Response"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What was done: rechecked, clinician informed, treatment paused ..."),
    )


class AddendumForm(NoNulForm):
    reason = forms.CharField(label=_("Reason"), max_length=300)
    body = forms.CharField(
        label=_("Addendum"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RemsSubmitForm(NoNulForm):
    method = forms.ChoiceField(label=_("Submitted"), choices=RemsSubmission.Method.choices)
    confirmation = forms.CharField(label=_("Confirmation number"), max_length=100, required=False)


def now_time() -> datetime.time:
    from django.utils import timezone

    return timezone.localtime().time().replace(second=0, microsecond=0)
