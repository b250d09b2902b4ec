"""Forms of prior authorization: what the clinician adds, the cover letter,
authorizations, and the admin's criterion rows."""

from __future__ import annotations

import datetime
import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from screening.coverage.models import Authorization, PayerCriterion, PriorAuthRecord
from screening.engine.coverage import (
    CLINICIAN_SCALES,
    SCALES,
    THERAPY_LABELS,
    check_params,
    npi_is_valid,
)

EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2199, 12, 31)


def _no_nul(value: str, label: str) -> str:
    if "\x00" in value:
        raise ValidationError(_("%(label)s cannot contain NUL characters.") % {"label": label})
    return value.strip()


class DayField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"})

    def validate(self, value) -> None:
        super().validate(value)
        if value and not EARLIEST <= value <= LATEST:
            raise ValidationError(_("Enter a date between 1900 and 2199."))


class RecordForm(forms.ModelForm):
    """The record's single values, plus improvement and dates per trial."""

    pdmp_checked_on = DayField(label=_("PDMP checked on"), required=False)
    substance_use_treated = forms.TypedChoiceField(
        label=_("Substance use disorder"),
        required=False,
        choices=[
            ("", _("not assessed")),
            ("yes", _("treated, in remission, or not moderate/severe")),
            ("no", _("untreated, moderate or severe")),
        ],
        coerce=lambda v: v == "yes",
        empty_value=None,
    )

    class Meta:
        model = PriorAuthRecord
        fields = [
            "diagnosis_icd10",
            "pdmp_checked_on",
            "height_cm",
            "weight_kg",
            "psychiatrist_name",
            "psychiatrist_npi",
            "substance_use_treated",
        ]
        help_texts = {
            "diagnosis_icd10": _("For example F33.2."),
            "psychiatrist_npi": _("10 digits."),
        }

    def __init__(self, *args, trials=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.substance_use_treated is not None:
            self.initial["substance_use_treated"] = (
                "yes" if instance.substance_use_treated else "no"
            )
        self.trials = list(trials)  # (key, label)
        details = instance.trial_details or {}
        for i, (key, label) in enumerate(self.trials):
            found = details.get(key, {})
            self.fields[f"trial_{i}_improvement_pct"] = forms.DecimalField(
                label=_("%(medication)s: improvement (%%)") % {"medication": label},
                required=False,
                min_value=-100,
                max_value=100,
                decimal_places=1,
                initial=found.get("improvement_pct"),
            )
            self.fields[f"trial_{i}_started_on"] = DayField(
                label=_("%(medication)s: started") % {"medication": label},
                required=False,
                initial=found.get("started_on"),
            )
            self.fields[f"trial_{i}_ended_on"] = DayField(
                label=_("%(medication)s: ended") % {"medication": label},
                required=False,
                initial=found.get("ended_on"),
            )

    def clean_diagnosis_icd10(self) -> str:
        code = _no_nul(self.cleaned_data["diagnosis_icd10"], _("The diagnosis")).upper()
        if code and not (
            len(code) >= 3 and code[0].isalpha() and code[1:3].isdigit() and code.isascii()
        ):
            raise ValidationError(_("Enter an ICD-10 code such as F33.2."))
        return code

    def clean_psychiatrist_name(self) -> str:
        return _no_nul(self.cleaned_data["psychiatrist_name"], _("The name"))

    def clean_psychiatrist_npi(self) -> str:
        npi = _no_nul(self.cleaned_data["psychiatrist_npi"], _("The NPI"))
        if npi and not npi_is_valid(npi):
            raise ValidationError(
                _("This is not a valid NPI: 10 digits whose last digit is the check digit.")
            )
        return npi

    def clean(self):
        data = super().clean()
        for i in range(len(self.trials)):
            start, end = data.get(f"trial_{i}_started_on"), data.get(f"trial_{i}_ended_on")
            if start and end and end < start:
                self.add_error(f"trial_{i}_ended_on", _("The end is before the start."))
        return data

    def trial_details(self) -> dict[str, dict]:
        data = self.cleaned_data
        result = {}
        for i, (key, _label) in enumerate(self.trials):
            pct = data.get(f"trial_{i}_improvement_pct")
            result[key] = {
                "improvement_pct": float(pct) if pct is not None else None,
                "started_on": data.get(f"trial_{i}_started_on"),
                "ended_on": data.get(f"trial_{i}_ended_on"),
            }
        return result

    def trial_rows(self):
        return [
            (
                label,
                self[f"trial_{i}_improvement_pct"],
                self[f"trial_{i}_started_on"],
                self[f"trial_{i}_ended_on"],
            )
            for i, (_key, label) in enumerate(self.trials)
        ]


class TherapyForm(forms.Form):
    modality = forms.ChoiceField(label=_("Psychotherapy"), choices=list(THERAPY_LABELS.items()))
    sessions = forms.IntegerField(label=_("Sessions"), min_value=0, max_value=1000, required=False)
    started_on = DayField(label=_("Started"), required=False)
    ended_on = DayField(label=_("Ended"), required=False)

    def clean(self):
        data = super().clean()
        if (
            data.get("started_on")
            and data.get("ended_on")
            and data["ended_on"] < data["started_on"]
        ):
            self.add_error("ended_on", _("The end is before the start."))
        return data


class ScoreForm(forms.Form):
    scale = forms.ChoiceField(
        label=_("Scale"), choices=[(k, SCALES[k][0]) for k in CLINICIAN_SCALES]
    )
    total = forms.IntegerField(label=_("Total"), min_value=0)
    on = DayField(label=_("Date"))

    def clean(self):
        data = super().clean()
        scale, total = data.get("scale"), data.get("total")
        if scale in SCALES and total is not None and total > SCALES[scale][1]:
            self.add_error(
                "total",
                _("The %(scale)s total is at most %(max)s.")
                % {"scale": SCALES[scale][0], "max": SCALES[scale][1]},
            )
        return data


class PacketForm(forms.Form):
    cover_letter = forms.CharField(
        label=_("Letter of medical necessity"), widget=forms.Textarea(attrs={"rows": 14})
    )
    sessions_requested = forms.IntegerField(
        label=_("Sessions requested"), min_value=1, max_value=200
    )

    def clean_cover_letter(self) -> str:
        return _no_nul(self.cleaned_data["cover_letter"], _("The letter"))


class AuthorizationForm(forms.ModelForm):
    start_on = DayField(label=_("Start date"), required=False)
    end_on = DayField(label=_("End date"), required=False)
    requested_on = DayField(label=_("Requested on"))

    class Meta:
        model = Authorization
        fields = [
            "payer",
            "reference",
            "status",
            "units_approved",
            "start_on",
            "end_on",
            "requested_on",
            "notes",
        ]

    def clean(self):
        data = super().clean()
        for name in ("payer", "reference", "notes"):
            if "\x00" in (data.get(name) or ""):
                self.add_error(name, _("This cannot contain NUL characters."))
        if data.get("start_on") and data.get("end_on") and data["end_on"] < data["start_on"]:
            self.add_error("end_on", _("The end is before the start."))
        if data.get("status") == "approved" and not data.get("units_approved"):
            self.add_error("units_approved", _("An approval needs the number of sessions."))
        return data


class CriterionAdminForm(forms.ModelForm):
    """Parameters are checked by the engine, so a saved criterion always checks."""

    params = forms.CharField(
        label=_("parameters (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 50}),
        help_text=_('For example {"min": 2}; empty for the defaults.'),
    )

    class Meta:
        model = PayerCriterion
        fields = ["position", "stage", "kind", "params", "text"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["params"] = json.dumps(self.instance.params or {})

    def clean_params(self):
        text = self.cleaned_data["params"].strip() or "{}"
        try:
            value = json.loads(text)
        except ValueError:
            raise ValidationError(_('Enter valid JSON, e.g. {"min": 2}.')) from None
        if not isinstance(value, dict):
            raise ValidationError(_('Enter a JSON object, e.g. {"min": 2}.'))
        return value

    def clean(self):
        data = super().clean()
        kind, params = data.get("kind"), data.get("params")
        if kind and params is not None:
            try:
                data["params"] = check_params(kind, params)
            except ValueError as exc:
                self.add_error("params", str(exc))
        if "\x00" in (data.get("text") or ""):
            self.add_error("text", _("This cannot contain NUL characters."))
        return data
