"""The session documents, one typed and versioned format per treatment
(``clinic-session-esketamine/1`` ...): field specs, pydantic validation with
errors that name the field, and the checks a document must pass to be signed.

Pure Python (pydantic, no Django). Each field is defined once here, in
:data:`SECTIONS`; the chart form, the server's validation, the REMS form and
the tests all read it. While a session is charted the document may be
partial: :func:`validate_fields` keeps every valid value and reports the rest;
:func:`sign_problems` lists what a complete, signable document still lacks.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BeforeValidator, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

from clinic.treatment import clinical as c
from clinic.treatment.clinical import Message, gettext_noop

M = Message


Errors = list[tuple[str, str]]


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str  # int, number, text, longtext, yesno, choice, time, date
    required: bool = False  # needed to sign (unless the session was held)
    choices: tuple[tuple[str, str], ...] = ()
    low: float | None = None
    high: float | None = None
    unit: str = ""
    help: str = ""
    # Needed to sign when another field has this value: (field, value).
    required_when: tuple[str, Any] | None = None


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    fields: tuple[Field, ...] = field(default_factory=tuple)


YES_NO = "yesno"
_ = gettext_noop


def _effect(name: str, label: str) -> tuple[Field, ...]:
    return (
        Field(name, label, YES_NO, required=True),
        Field(f"{name}_onset", gettext_noop("Onset"), "time", required_when=(name, True)),
        Field(f"{name}_resolved", gettext_noop("Resolved at"), "time", required_when=(name, True)),
    )


# The decision a pre-dose blood pressure above the treatment threshold asks for,
# one definition for every treatment that checks it before dosing.
PREDOSE_BP_FIELDS = (
    Field(
        "predose_bp_decision",
        _("Decision on the pre-dose blood pressure"),
        "choice",
        choices=(
            (c.RECHECK, _("Recheck")),
            (c.PROCEED, _("Proceed (give the reason)")),
            (c.HOLD, _("Hold the session")),
        ),
    ),
    Field("predose_bp_reason", _("Reason for proceeding"), "text"),
)


ESKETAMINE_SECTIONS: tuple[Section, ...] = (
    Section(
        "predose",
        _("Before dosing"),
        (
            Field("first_treatment", _("First esketamine treatment"), YES_NO, required=True),
            Field("no_food_2h", _("No food for 2 hours"), YES_NO, required=True),
            Field("no_liquids_30min", _("No liquids for 30 minutes"), YES_NO, required=True),
            Field(
                "nasal_medicine",
                _("Nasal corticosteroid or decongestant today"),
                "choice",
                required=True,
                choices=(
                    ("none", _("None")),
                    ("over_1h", _("Taken at least 1 hour before")),
                    ("under_1h", _("Taken less than 1 hour before")),
                ),
            ),
            Field("ride_home", _("Ride home arranged"), YES_NO, required=True),
            Field("med_benzodiazepine", _("Benzodiazepines"), YES_NO, required=True),
            Field(
                "med_sedative_hypnotic",
                _("Non-benzodiazepine sedative-hypnotics"),
                YES_NO,
                required=True,
            ),
            Field("med_psychostimulant", _("Psychostimulants"), YES_NO, required=True),
            Field("med_maoi", _("Monoamine oxidase inhibitors (MAOIs)"), YES_NO, required=True),
            Field("med_opioid", _("Opioids"), YES_NO, required=True),
            Field(
                "meds_confirmed",
                _("Concomitant medicines confirmed with the patient"),
                YES_NO,
                required=True,
            ),
            *PREDOSE_BP_FIELDS,
        ),
    ),
    Section(
        "dosing",
        _("Dosing"),
        (
            Field(
                "dose",
                _("Dose"),
                "choice",
                required=True,
                choices=(("56", _("56 mg")), ("84", _("84 mg")), ("other", _("Other"))),
            ),
            Field(
                "dose_other_mg",
                _("Other dose"),
                "int",
                low=28,
                high=112,
                unit="mg",
                required_when=("dose", "other"),
            ),
            Field("devices", _("Number of devices"), "int", required=True, low=1, high=4),
            Field("lot_number", _("Lot number"), "text", required=True),
            Field("first_device_time", _("Time of the first device"), "time", required=True),
        ),
    ),
    Section(
        "monitoring",
        _("Monitoring"),
        (
            Field("pulse_oximetry", _("Pulse oximetry monitored"), YES_NO, required=True),
            Field("lowest_spo2", _("Lowest SpO2"), "int", low=50, high=100, unit="%"),
            *_effect("sedation", _("Sedation")),
            *_effect("dissociation", _("Dissociation")),
            *_effect("respiratory_depression", _("Respiratory depression")),
            Field("sae", _("Serious adverse event"), YES_NO, required=True),
            Field(
                "sae_description",
                _("Serious adverse event: what happened"),
                "longtext",
                required_when=("sae", True),
            ),
            Field("monitoring_notes", _("Notes"), "longtext"),
        ),
    ),
    Section(
        "discharge",
        _("Discharge"),
        (
            Field(
                "ready_time",
                _("Time the patient would have been ready to leave without the 2-hour rule"),
                "time",
                required=True,
            ),
            Field("discharge_time", _("Discharge time"), "time", required=True),
            Field("early_discharge_reason", _("Reason for discharge before 2 hours"), "text"),
            Field(
                "vitals_ok_before_dose",
                _("Vital signs acceptable before administration"),
                YES_NO,
                required=True,
            ),
            Field(
                "vitals_ok_at_discharge",
                _("Vital signs acceptable at the end of the session"),
                YES_NO,
                required=True,
            ),
            Field(
                "responsible_adult", _("Leaving with a responsible adult"), YES_NO, required=True
            ),
            Field("not_driving", _("Not driving today"), YES_NO, required=True),
        ),
    ),
)

IV_KETAMINE_SECTIONS: tuple[Section, ...] = (
    Section(
        "infusion",
        _("Infusion"),
        (
            Field("weight_kg", _("Weight"), "number", required=True, low=30, high=300, unit="kg"),
            Field(
                "dose_mg_per_kg",
                _("Dose"),
                "number",
                required=True,
                low=0.05,
                high=3,
                unit="mg/kg",
            ),
            Field("lot_number", _("Lot number"), "text", required=True),
            Field("pump_rate_ml_h", _("Pump rate"), "number", low=0.1, high=999, unit="mL/h"),
            Field("infusion_start", _("Infusion start"), "time", required=True),
            Field("infusion_stop", _("Infusion stop"), "time", required=True),
            *PREDOSE_BP_FIELDS,
        ),
    ),
    Section(
        "observation",
        _("Observation"),
        (
            Field(
                "dissociation_score",
                _("Dissociation (CADSS-6 total, 0-24)"),
                "int",
                required=True,
                low=0,
                high=24,
            ),
            Field(
                "sedation_level",
                _("Sedation"),
                "choice",
                required=True,
                choices=(
                    ("none", _("None")),
                    ("mild", _("Mild")),
                    ("moderate", _("Moderate")),
                    ("severe", _("Severe")),
                ),
            ),
            Field("rescue_medicines", _("Rescue medicines given"), "longtext"),
            Field("adverse_events", _("Adverse events"), "longtext"),
        ),
    ),
    Section(
        "discharge",
        _("Discharge"),
        (
            Field("alert_oriented", _("Alert and oriented"), YES_NO, required=True),
            Field("vitals_near_baseline", _("Vitals back near baseline"), YES_NO, required=True),
            Field("walking_steadily", _("Walking steadily"), YES_NO, required=True),
            Field("responsible_adult", _("A responsible adult present"), YES_NO, required=True),
            Field("told_not_to_drive", _("Told not to drive"), YES_NO, required=True),
            Field("discharge_time", _("Discharge time"), "time", required=True),
        ),
    ),
)

TMS_SECTIONS: tuple[Section, ...] = (
    Section(
        "setup",
        _("Set-up"),
        (
            Field(
                "session_number",
                _("Session number in the course"),
                "int",
                required=True,
                low=1,
                high=200,
            ),
            Field("device", _("Device"), "text", required=True),
            Field("coil", _("Coil"), "text", required=True),
            Field(
                "target",
                _("Target"),
                "choice",
                required=True,
                choices=(
                    ("left_dlpfc", _("Left DLPFC")),
                    ("right_dlpfc", _("Right DLPFC")),
                    ("dmpfc", _("DMPFC")),
                    ("other", _("Other")),
                ),
            ),
            Field(
                "localisation",
                _("How the target was located"),
                "choice",
                required=True,
                choices=(
                    ("scalp_landmarks", _("Scalp landmarks")),
                    ("beam_f3", _("Beam F3")),
                    ("neuronavigation", _("Neuronavigation")),
                ),
            ),
            Field(
                "mt_determined_today", _("Motor threshold determined today"), YES_NO, required=True
            ),
            Field(
                "motor_threshold_pct",
                _("Resting motor threshold"),
                "int",
                required=True,
                low=1,
                high=100,
                unit="% MO",
            ),
            Field("motor_threshold_date", _("Motor threshold date"), "date", required=True),
            Field("medicines_changed", _("Medicines changed since the motor threshold"), YES_NO),
        ),
    ),
    Section(
        "protocol",
        _("Protocol"),
        (
            Field(
                "protocol",
                _("Protocol"),
                "choice",
                required=True,
                choices=(("10hz", _("10 Hz")), ("itbs", _("iTBS (600 pulses)"))),
            ),
            Field(
                "frequency_hz",
                _("Frequency"),
                "number",
                low=0.1,
                high=100,
                unit="Hz",
                required_when=("protocol", "10hz"),
            ),
            Field(
                "train_duration_s",
                _("Train duration"),
                "number",
                low=0.1,
                high=60,
                unit="s",
                required_when=("protocol", "10hz"),
            ),
            Field(
                "inter_train_interval_s",
                _("Inter-train interval"),
                "number",
                low=0,
                high=120,
                unit="s",
                required_when=("protocol", "10hz"),
            ),
            Field(
                "trains", _("Trains"), "int", low=1, high=500, required_when=("protocol", "10hz")
            ),
            Field(
                "intensity_pct_mt",
                _("Intensity"),
                "int",
                required=True,
                low=10,
                high=200,
                unit="% MT",
            ),
            Field("pulses_planned", _("Pulses planned"), "int", required=True, low=1, high=20000),
            Field(
                "pulses_delivered", _("Pulses delivered"), "int", required=True, low=0, high=20000
            ),
            Field("interruptions", _("Interruptions"), "longtext"),
        ),
    ),
    Section(
        "effects",
        _("Side effects"),
        (
            Field(
                "seizure",
                _("Seizure"),
                YES_NO,
                required=True,
                help=_("A seizure is urgent: the on-call clinicians are alerted."),
            ),
            Field("side_effects", _("Other side effects"), "longtext"),
        ),
    ),
)

ECT_SECTIONS: tuple[Section, ...] = (
    Section(
        "anaesthesia",
        _("Anaesthesia"),
        (
            Field(
                "session_number",
                _("Session number in the course"),
                "int",
                required=True,
                low=1,
                high=100,
            ),
            Field("anticholinergic", _("Anticholinergic"), "text"),
            Field(
                "anticholinergic_mg", _("Anticholinergic dose"), "number", low=0, high=10, unit="mg"
            ),
            Field("anaesthetic", _("Anaesthetic"), "text", required=True),
            Field(
                "anaesthetic_mg",
                _("Anaesthetic dose"),
                "number",
                required=True,
                low=0,
                high=2000,
                unit="mg",
            ),
            Field("relaxant", _("Muscle relaxant"), "text", required=True),
            Field(
                "relaxant_mg",
                _("Muscle relaxant dose"),
                "number",
                required=True,
                low=0,
                high=1000,
                unit="mg",
            ),
        ),
    ),
    Section(
        "stimulus",
        _("Stimulus"),
        (
            Field(
                "placement",
                _("Electrode placement"),
                "choice",
                required=True,
                choices=(
                    ("rul", _("Right unilateral")),
                    ("bt", _("Bitemporal")),
                    ("bf", _("Bifrontal")),
                ),
            ),
            Field(
                "pulse_width_ms",
                _("Pulse width"),
                "number",
                required=True,
                low=0.1,
                high=2,
                unit="ms",
            ),
            Field("charge_mc", _("Charge"), "number", low=1, high=2000, unit="mC"),
            Field("energy_pct", _("Energy"), "number", low=1, high=200, unit="%"),
            Field("frequency_hz", _("Frequency"), "number", low=1, high=200, unit="Hz"),
            Field("train_duration_s", _("Train duration"), "number", low=0.1, high=10, unit="s"),
            Field("impedance_ohm", _("Impedance"), "int", low=1, high=10000, unit="ohm"),
        ),
    ),
    Section(
        "seizure",
        _("Seizure and recovery"),
        (
            Field(
                "seizure_eeg_s",
                _("Seizure duration by EEG"),
                "int",
                required=True,
                low=0,
                high=600,
                unit="s",
            ),
            Field(
                "seizure_motor_s",
                _("Seizure duration by motor observation"),
                "int",
                required=True,
                low=0,
                high=600,
                unit="s",
            ),
            Field(
                "postictal_suppression",
                _("Postictal suppression"),
                "choice",
                required=True,
                choices=(
                    ("good", _("Good")),
                    ("moderate", _("Moderate")),
                    ("poor", _("Poor")),
                    ("none", _("None")),
                ),
            ),
            Field("heart_rate_max", _("Peak heart rate"), "int", low=20, high=250, unit="/min"),
            Field(
                "reorientation_min",
                _("Time to reorientation"),
                "int",
                required=True,
                low=0,
                high=600,
                unit="min",
            ),
            Field("adverse_events", _("Adverse events"), "longtext"),
        ),
    ),
    Section(
        "cognition",
        _("Cognition"),
        (
            Field(
                "moca_timepoint",
                _("MoCA taken"),
                "choice",
                choices=(
                    (c.MOCA_BASELINE, _("Baseline")),
                    (c.MOCA_BEFORE_THIRD, _("Before the third session")),
                    (c.MOCA_AFTER_COURSE, _("After the course")),
                ),
            ),
            Field(
                "moca_total",
                _("MoCA total"),
                "int",
                low=0,
                high=30,
                required_when=("moca_timepoint", "*"),
            ),
            Field("course_complete", _("Last session of the course"), YES_NO),
        ),
    ),
)
del _

SECTIONS: dict[str, tuple[Section, ...]] = {
    c.ESKETAMINE: ESKETAMINE_SECTIONS,
    c.IV_KETAMINE: IV_KETAMINE_SECTIONS,
    c.TMS: TMS_SECTIONS,
    c.ECT: ECT_SECTIONS,
}
FORMATS: dict[str, str] = {
    modality: f"clinic-session-{modality.replace('_', '-')}/1" for modality in c.MODALITIES
}
FIELDS: dict[str, dict[str, Field]] = {
    modality: {f.name: f for section in sections for f in section.fields}
    for modality, sections in SECTIONS.items()
}


# -- validation of one value ---------------------------------------------------------

_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(:[0-5]\d)?$")


def _fail(template: str, **params: Any) -> PydanticCustomError:
    """The template (python-format, translated where shown) and its values
    travel in the error's context."""
    return PydanticCustomError("session_field", template, {"params": params})


def _checker(spec: Field) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if isinstance(value, str):
            if "\x00" in value:
                raise _fail(gettext_noop("must not contain a NUL character"))
            value = value.strip()
        if value is None or value == "":
            return None
        kind = spec.kind
        if kind in ("int", "number"):
            if isinstance(value, bool):
                raise _fail(gettext_noop("must be a number"))
            try:
                number = float(value) if kind == "number" else int(str(value))
            except (TypeError, ValueError):
                message = (
                    gettext_noop("must be a whole number")
                    if kind == "int"
                    else gettext_noop("must be a number")
                )
                raise _fail(message) from None
            if not math.isfinite(number):
                raise _fail(gettext_noop("must be a number"))
            if (
                spec.low is not None
                and number < spec.low
                or (spec.high is not None and number > spec.high)
            ):
                raise _fail(
                    gettext_noop("must be between %(low)s and %(high)s"),
                    low=f"{spec.low:g}",
                    high=f"{spec.high:g}",
                )
            return number
        if kind in ("text", "longtext"):
            if not isinstance(value, str):
                raise _fail(gettext_noop("must be text"))
            limit = 200 if kind == "text" else 4000
            if len(value) > limit:
                raise _fail(gettext_noop("must be at most %(limit)s characters"), limit=limit)
            return value
        if kind == YES_NO:
            if isinstance(value, bool):
                return value
            if value in ("yes", "true", "1"):
                return True
            if value in ("no", "false", "0"):
                return False
            raise _fail(gettext_noop("must be yes or no"))
        if kind == "choice":
            allowed = [key for key, _label in spec.choices]
            if value not in allowed:
                raise _fail(gettext_noop("must be one of: %(values)s"), values=", ".join(allowed))
            return value
        if kind == "time":
            if not isinstance(value, str) or not _TIME.match(value):
                raise _fail(gettext_noop("must be a time like 14:05"))
            return value[:5]
        if kind == "date":
            try:
                return datetime.date.fromisoformat(str(value)).isoformat()
            except ValueError:
                raise _fail(gettext_noop("must be a date like 2026-03-02")) from None
        raise _fail(gettext_noop("unknown field kind"))

    return check


_ADAPTERS: dict[tuple[str, str], TypeAdapter] = {
    (modality, name): TypeAdapter(Annotated[Any, BeforeValidator(_checker(spec))])
    for modality, specs in FIELDS.items()
    for name, spec in specs.items()
}


def validate_fields(modality: str, raw: Mapping[str, Any]) -> tuple[dict[str, Any], Errors]:
    """Validate each known field of ``raw`` on its own. Returns the valid
    values (None for emptied fields) and (field, message) for the rest.
    Unknown keys are ignored (a form also posts its buttons and token)."""
    values: dict[str, Any] = {}
    errors: Errors = []
    for name in FIELDS[modality]:
        if name not in raw:
            continue
        try:
            values[name] = _ADAPTERS[(modality, name)].validate_python(raw[name])
        except ValidationError as exc:
            error = exc.errors()[0]
            params = (error.get("ctx") or {}).get("params") or {}
            errors.append((name, M(error["msg"], **params)))
    return values, errors


def parse_document(modality: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """A stored document, checked whole: raises DocumentError naming each bad field."""
    if data.get("format") not in (None, FORMATS[modality]):
        raise DocumentError([("format", f"must be {FORMATS[modality]}")])
    unknown = sorted(set(data) - set(FIELDS[modality]) - {"format", "computed"})
    errors: Errors = [
        (name, M(gettext_noop("is not a field of this document"))) for name in unknown
    ]
    values, problems = validate_fields(modality, data)
    errors += problems
    if errors:
        raise DocumentError(errors)
    return {"format": FORMATS[modality], **{k: v for k, v in values.items() if v is not None}}


class DocumentError(ValueError):
    """``errors`` is a list of (field, message)."""

    def __init__(self, errors: Errors) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors))


# -- what signing needs ----------------------------------------------------------------


def as_time(value: Any) -> datetime.time | None:
    if isinstance(value, str) and _TIME.match(value):
        return datetime.time(int(value[:2]), int(value[3:5]))
    return None


def _required_missing(modality: str, doc: Mapping[str, Any], *, held: bool) -> Errors:
    errors: Errors = []
    for name, spec in FIELDS[modality].items():
        if doc.get(name) is not None:
            continue
        needed = spec.required and not held
        if spec.required_when and not held:
            other, wanted = spec.required_when
            got = doc.get(other)
            needed = needed or (got is not None if wanted == "*" else got == wanted)
        if needed:
            errors.append((name, M(gettext_noop("is needed to sign"))))
    return errors


@dataclass(frozen=True)
class SessionFacts:
    """What signing checks beyond the document: from the vitals rows and the
    clinic's settings."""

    predose_bp_high: bool = False
    unanswered_vitals: int = 0
    has_predose_bp: bool = False
    has_check_bp: bool = False
    has_discharge_bp: bool = False
    max_mg_per_kg: float = 1.0
    max_total_mg: float = 150.0


def is_held(doc: Mapping[str, Any]) -> bool:
    return doc.get("predose_bp_decision") == c.HOLD


def sign_problems(modality: str, doc: Mapping[str, Any], facts: SessionFacts) -> Errors:
    """Everything that stands between this document and a signature."""
    held = is_held(doc)
    errors = _required_missing(modality, doc, held=held)
    if facts.unanswered_vitals:
        errors.append(
            (
                "vitals",
                M(
                    gettext_noop(
                        "%(count)s reading(s) outside the limits have no recorded response."
                    ),
                    count=facts.unanswered_vitals,
                ),
            )
        )
    if modality in (c.ESKETAMINE, c.IV_KETAMINE):
        errors += c.predose_decision_problems(
            bp_high=facts.predose_bp_high,
            decision=doc.get("predose_bp_decision"),
            reason=doc.get("predose_bp_reason"),
        )
        if not facts.has_predose_bp:
            errors.append(("vitals", M(gettext_noop("Record the blood pressure before dosing."))))
    if held:
        return errors
    if modality == c.ESKETAMINE:
        if not facts.has_check_bp:
            errors.append(
                (
                    "vitals",
                    M(gettext_noop("Record the blood pressure about 40 minutes after the dose.")),
                )
            )
        if not facts.has_discharge_bp:
            errors.append(
                ("vitals", M(gettext_noop("Record the blood pressure before discharge.")))
            )
        errors += esketamine_checks(doc)
    elif modality == c.IV_KETAMINE:
        errors += c.ketamine_dose_problems(
            weight_kg=doc.get("weight_kg"),
            mg_per_kg=doc.get("dose_mg_per_kg"),
            max_mg_per_kg=facts.max_mg_per_kg,
            max_total_mg=facts.max_total_mg,
        )
        if c.minutes_between(
            as_time(doc.get("infusion_start")), as_time(doc.get("infusion_stop"))
        ) is None and doc.get("infusion_stop"):
            errors.append(
                ("infusion_stop", M(gettext_noop("The stop is before the start: check the times.")))
            )
    elif modality == c.TMS:
        planned, delivered = doc.get("pulses_planned"), doc.get("pulses_delivered")
        if planned is not None and delivered is not None and delivered > planned:
            errors.append(
                ("pulses_delivered", M(gettext_noop("More pulses delivered than planned: check.")))
            )
    elif modality == c.ECT and doc.get("charge_mc") is None and doc.get("energy_pct") is None:
        errors.append(("charge_mc", M(gettext_noop("Record the charge (mC) or the %% energy."))))
    return errors


def esketamine_checks(doc: Mapping[str, Any]) -> Errors:
    """The 2-hour rule and the dose/devices agreement."""
    effects = {
        effect: (doc.get(effect), as_time(doc.get(f"{effect}_resolved")))
        for effect in c.ESKETAMINE_EFFECTS
    }
    errors = c.esketamine_discharge_problems(
        first_device=as_time(doc.get("first_device_time")),
        discharge=as_time(doc.get("discharge_time")),
        effects=effects,
        early_reason=doc.get("early_discharge_reason"),
    )
    dose = c.esketamine_dose_mg(doc.get("dose"), doc.get("dose_other_mg"))
    devices = doc.get("devices")
    if dose is not None and devices is not None and dose != devices * c.ESKETAMINE_MG_PER_DEVICE:
        errors.append(
            (
                "devices",
                M(
                    gettext_noop(
                        "%(devices)s device(s) deliver %(delivered)s mg, not %(dose)s mg."
                    ),
                    devices=devices,
                    delivered=devices * c.ESKETAMINE_MG_PER_DEVICE,
                    dose=dose,
                ),
            )
        )
    return errors


def computed(modality: str, doc: Mapping[str, Any]) -> dict[str, Any]:
    """Figures derived from the document (shown, and stored with it)."""
    out: dict[str, Any] = {}
    if modality == c.IV_KETAMINE:
        out["total_mg"] = c.ketamine_total_mg(doc.get("weight_kg"), doc.get("dose_mg_per_kg"))
    if modality == c.ESKETAMINE:
        first = as_time(doc.get("first_device_time"))
        out["dose_mg"] = c.esketamine_dose_mg(doc.get("dose"), doc.get("dose_other_mg"))
        out["duration_min"] = c.minutes_between(first, as_time(doc.get("discharge_time")))
        out["ready_after_min"] = c.minutes_between(first, as_time(doc.get("ready_time")))
        if first is not None:
            out["bp_check_due"] = c.add_minutes(first, c.ESKETAMINE_BP_CHECK_MINUTES).strftime(
                "%H:%M"
            )
            out["earliest_discharge"] = c.add_minutes(
                first, c.ESKETAMINE_MONITORING_MINUTES
            ).strftime("%H:%M")
    return out
