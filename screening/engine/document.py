"""The intake document ``clinic-intake/1``: pydantic models, parsing and validation.

Every leaf value is checked by a small validator of ours, so each error names
the JSON path in the spec's notation (``depression.phq9[8]``,
``antidepressant_trials[1].duration_weeks``) and says in plain English what was
expected. Checks that need two fields of a section (``diastolic`` below
``systolic``, C-SSRS Q3-Q5 when Q2 is yes) or other sections (dates against
``completed_on``, the signed name against the patient's name) run after the
fields are valid, in :func:`validate_section` and :func:`parse_document`, and
in an after-validator of :class:`IntakeDocument` for callers that use
``IntakeDocument.model_validate`` directly.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

FORMAT = "clinic-intake/1"

SECTION_KEYS: tuple[str, ...] = (
    "format",
    "external_id",
    "completed_on",
    "patient",
    "depression",
    "suicide_screen",
    "antidepressant_trials",
    "augmentation_trials",
    "psychotherapy",
    "procedures",
    "psychiatric_history",
    "blood_pressure",
    "medical_history",
    "substance_use",
    "current_medications",
    "allergies",
    "consent",
)

OPTIONAL_SECTIONS: frozenset[str] = frozenset({"external_id", "blood_pressure"})

SEXES = ("female", "male", "intersex", "unknown")
RESPONSES = ("none", "partial", "response", "remission", "unknown")
PSYCHOTHERAPIES = ("cbt", "ipt", "behavioral_activation", "dbt", "psychodynamic", "mbct", "other")
TREATMENTS = ("ect", "tms", "iv_ketamine", "esketamine", "oral_ketamine", "vns", "other")
DEVICES = (
    "cochlear_implant",
    "deep_brain_stimulator",
    "vagus_nerve_stimulator",
    "other_neurostimulator",
    "cerebral_shunt",
    "aneurysm_clip_or_coil",
    "pacemaker_or_icd",
    "medication_pump",
    "other",
)

Errors = list[tuple[str, str]]


class DocumentError(ValueError):
    """The document is invalid. ``errors`` is a list of ``(json_path, message)``."""

    def __init__(self, errors: Errors) -> None:
        self.errors: Errors = list(errors)
        super().__init__(self._text())

    def _text(self) -> str:
        lines = [f"{path}: {message}" for path, message in self.errors[:20]]
        if len(self.errors) > 20:
            lines.append(f"... and {len(self.errors) - 20} more")
        return "invalid clinic-intake/1 document:\n  " + "\n  ".join(lines)


# ---------------------------------------------------------------------------
# Leaf validators. Each raises PydanticCustomError("intake", message).
# ---------------------------------------------------------------------------

_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})"
)
_EMAIL = re.compile(r"[^@\s]+@(?:[^@\s.]+\.)+[^@\s.]+")
_LANGUAGE = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")


# A technical ceiling for numbers the spec leaves unbounded (doses, months since an event),
# so that no absurd value reaches the screening text.
TOO_LARGE = 10**9


def _fail(message: str) -> PydanticCustomError:
    return PydanticCustomError("intake", message)


def _optional(check: Callable[[Any], Any], optional: bool) -> Callable[[Any], Any]:
    if not optional:
        return check

    def check_optional(value: Any) -> Any:
        return None if value is None else check(value)

    return check_optional


def _int(low: int, high: int | None = None, *, optional: bool = False) -> Any:
    if high is None:
        message = f"must be an integer, {low} or more"
    else:
        message = f"must be an integer between {low} and {high}"

    def check(value: Any) -> int:
        if type(value) is int and value >= low and (high is None or value <= high):
            if high is None and value > TOO_LARGE:
                raise _fail(f"{message} (this is too large)")
            return value
        raise _fail(message)

    kind = int | None if optional else int
    return Annotated[kind, BeforeValidator(_optional(check, optional))]


def _number(
    low: float, high: float | None = None, *, above: bool = False, optional: bool = False
) -> Any:
    if above:
        range_text = f"greater than {low:g}"
    else:
        range_text = f"between {low:g} and {high:g}" if high is not None else f"{low:g} or more"

    def check(value: Any) -> int | float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(f"must be a number {range_text}")
        if isinstance(value, float) and not math.isfinite(value):
            raise _fail(f"must be a finite number {range_text}")
        if (value <= low if above else value < low) or (high is not None and value > high):
            raise _fail(f"must be {range_text}")
        if high is None and value > TOO_LARGE:
            raise _fail(f"must be {range_text} (this is too large)")
        return value

    kind = int | float | None if optional else int | float
    return Annotated[kind, BeforeValidator(_optional(check, optional))]


def _check_bool(value: Any) -> bool:
    if value is True or value is False:
        return value
    raise _fail("must be true or false")


Bool = Annotated[bool, BeforeValidator(_check_bool)]
OptionalBool = Annotated[bool | None, BeforeValidator(_optional(_check_bool, True))]


def _check_bool_default_false(value: Any) -> bool:
    return False if value is None else _check_bool(value)


# Optional with "default false": absent or null reads as false.
BoolDefaultFalse = Annotated[bool, BeforeValidator(_check_bool_default_false)]


def _text(
    *,
    max_length: int | None = None,
    nonblank: bool = False,
    optional: bool = False,
    pattern: re.Pattern[str] | None = None,
    pattern_message: str = "",
) -> Any:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise _fail("must be a string")
        if _BAD_CHARS.search(value):
            raise _fail("must not contain control characters (such as NUL) or invalid characters")
        if nonblank and not value.strip():
            raise _fail("must not be empty")
        if max_length is not None and len(value) > max_length:
            raise _fail(f"must be at most {max_length} characters")
        if pattern is not None and not pattern.fullmatch(value):
            raise _fail(pattern_message)
        return value

    kind = str | None if optional else str
    return Annotated[kind, BeforeValidator(_optional(check, optional))]


def _enum(values: tuple[str, ...]) -> Any:
    allowed = frozenset(values)
    message = "must be one of: " + ", ".join(values)

    def check(value: Any) -> str:
        if isinstance(value, str) and value in allowed:
            return value
        raise _fail(message)

    return Annotated[str, BeforeValidator(check)]


def _check_date(value: Any) -> date:
    if type(value) is date:
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _fail("must be a date YYYY-MM-DD")


def _check_datetime(value: Any) -> datetime:
    if isinstance(value, datetime) and value.utcoffset() is not None:
        return value
    if isinstance(value, str) and _DATETIME.fullmatch(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise _fail("must be a date-time with a UTC offset, e.g. 2026-11-02T10:15:00-05:00")


Date = Annotated[date, BeforeValidator(_check_date)]
DateTime = Annotated[datetime, BeforeValidator(_check_datetime)]


def _fixed_list(item: Any, length: int, item_text: str, *, optional: bool = False) -> Any:
    message = f"must be a list of exactly {length} {item_text}"

    def check(value: Any) -> Any:
        if isinstance(value, (list, tuple)) and len(value) == length:
            return value
        raise _fail(message)

    kind = list[item] | None if optional else list[item]
    return Annotated[kind, BeforeValidator(_optional(check, optional))]


# Limits of the format: what the clinic's database keeps, and what the web
# form allows (it takes these from here). An imported document over a limit
# is refused with the field's path, not cut short.
MAX_LIST_ITEMS = 50
MAX_EMAIL_LENGTH = 254
MAX_PHONE_LENGTH = 40
MAX_REFERRER_LENGTH = 200
MAX_EXTERNAL_ID_LENGTH = 200
MAX_PAYER_LENGTH = 200
MAX_MEMBER_ID_LENGTH = 100


def _check_list(value: Any) -> Any:
    if not isinstance(value, (list, tuple)):
        raise _fail("must be a list")
    if len(value) > MAX_LIST_ITEMS:
        raise _fail(f"must have at most {MAX_LIST_ITEMS} entries (this has {len(value)})")
    return value


def _list(item: Any) -> Any:
    return Annotated[list[item], BeforeValidator(_check_list)]


def _object(model: type[BaseModel], *, optional: bool = False) -> Any:
    def check(value: Any) -> Any:
        if (optional and value is None) or isinstance(value, (Mapping, model)):
            return value
        raise _fail("must be an object")

    kind = model | None if optional else model
    return Annotated[kind, BeforeValidator(check)]


if TYPE_CHECKING:
    # What the validated values are, for type checkers (the runtime
    # definitions below carry the validators pydantic runs).
    Response: TypeAlias = str
    Sex: TypeAlias = str
    PsychotherapyModality: TypeAlias = str
    Treatment: TypeAlias = str
    Name: TypeAlias = str
    SignedName: TypeAlias = str
    Text: TypeAlias = str
    NonBlankText: TypeAlias = str
    OptionalText: TypeAlias = str | None
    Email: TypeAlias = str | None
    Language: TypeAlias = str | None
    Dose: TypeAlias = float | None
    Weeks: TypeAlias = float
    Item03: TypeAlias = int
    Item04: TypeAlias = int
    Sessions: TypeAlias = int
    OptionalSessions: TypeAlias = int | None
    Year: TypeAlias = int | None
    Months: TypeAlias = int | None
    PHQ9: TypeAlias = list[int]
    GAD7: TypeAlias = list[int] | None
    AuditC: TypeAlias = list[int]
    DAST10: TypeAlias = list[bool]
    Devices: TypeAlias = list[str]
    EpisodeMonths: TypeAlias = int
    Hospitalizations: TypeAlias = int
    Systolic: TypeAlias = int
    Diastolic: TypeAlias = int
    Payer: TypeAlias = str
    MemberId: TypeAlias = str
    Phone: TypeAlias = str | None
    Referrer: TypeAlias = str | None
else:
    Response = _enum(RESPONSES)
    Sex = _enum(SEXES)
    PsychotherapyModality = _enum(PSYCHOTHERAPIES)
    Treatment = _enum(TREATMENTS)
    Name = _text(max_length=100, nonblank=True)
    SignedName = _text(max_length=250, nonblank=True)
    Text = _text()
    NonBlankText = _text(nonblank=True)
    OptionalText = _text(optional=True)
    Email = _text(
        optional=True,
        max_length=MAX_EMAIL_LENGTH,
        pattern=_EMAIL,
        pattern_message="must be a valid email address, e.g. name@example.org",
    )
    Language = _text(
        optional=True,
        pattern=_LANGUAGE,
        pattern_message="must be a BCP 47 language tag, e.g. en or es-MX",
    )
    Dose = _number(0, above=True, optional=True)
    Weeks = _number(0, 520)
    Item03 = _int(0, 3)
    Item04 = _int(0, 4)
    Sessions = _int(0, 1000)
    OptionalSessions = _int(0, 1000, optional=True)
    Year = _int(1900, 9999, optional=True)
    Months = _int(0, optional=True)
    PHQ9 = _fixed_list(Item03, 9, "integers between 0 and 3 (the PHQ-9 items)")
    GAD7 = _fixed_list(Item03, 7, "integers between 0 and 3 (the GAD-7 items)", optional=True)
    AuditC = _fixed_list(Item04, 3, "integers between 0 and 4 (the AUDIT-C items)")
    DAST10 = _fixed_list(Bool, 10, "true/false answers (the DAST-10 items)")
    Devices = _list(_enum(DEVICES))
    EpisodeMonths = _int(0, 600)
    Hospitalizations = _int(0, 100)
    Systolic = _int(60, 300)
    Diastolic = _int(30, 200)
    Payer = _text(max_length=MAX_PAYER_LENGTH)
    MemberId = _text(max_length=MAX_MEMBER_ID_LENGTH)
    Phone = _text(optional=True, max_length=MAX_PHONE_LENGTH)
    Referrer = _text(optional=True, max_length=MAX_REFERRER_LENGTH)


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Insurance(_Model):
    payer: Payer
    member_id: MemberId


if TYPE_CHECKING:
    InsuranceSection: TypeAlias = Insurance | None
else:
    InsuranceSection = _object(Insurance, optional=True)


class Patient(_Model):
    given_name: Name
    family_name: Name
    date_of_birth: Date
    sex_at_birth: Sex
    email: Email = None
    phone: Phone = None
    preferred_language: Language = None
    referring_clinician: Referrer = None
    insurance: InsuranceSection = None


class Depression(_Model):
    current_episode_months: EpisodeMonths
    phq9: PHQ9
    gad7: GAD7 = None


class SuicideScreen(_Model):
    wish_to_be_dead: Bool
    suicidal_thoughts: Bool
    method: OptionalBool = None
    intent: OptionalBool = None
    plan: OptionalBool = None
    behavior_lifetime: Bool
    behavior_past_3_months: OptionalBool = None


class MedicationTrial(_Model):
    medication: NonBlankText
    max_daily_dose_mg: Dose = None
    duration_weeks: Weeks
    current_episode: Bool
    response: Response
    stopped_for_side_effects: BoolDefaultFalse = False


class Psychotherapy(_Model):
    modality: PsychotherapyModality
    sessions: Sessions
    current_episode: Bool
    response: Response


class Procedure(_Model):
    treatment: Treatment
    sessions: OptionalSessions = None
    year: Year = None
    response: Response


class PsychiatricHistory(_Model):
    bipolar_disorder: Bool
    psychotic_disorder: Bool
    psychotic_symptoms_current: Bool
    psychiatric_hospitalizations: Hospitalizations


class BloodPressure(_Model):
    systolic: Systolic
    diastolic: Diastolic
    measured_on: Date


class MedicalHistory(_Model):
    hypertension: Bool
    hypertension_medication: Bool
    aneurysmal_vascular_disease: Bool
    arteriovenous_malformation: Bool
    intracerebral_hemorrhage: Bool
    myocardial_infarction_months_ago: Months = None
    stroke_months_ago: Months = None
    unstable_heart_disease: Bool
    raised_intracranial_pressure: Bool
    seizure_disorder: Bool
    head_injury_with_loss_of_consciousness: Bool
    metal_in_head: Bool
    implanted_devices: Devices
    glaucoma: Bool
    interstitial_cystitis: Bool
    liver_disease: Bool
    pregnant: Bool
    breastfeeding: Bool


class SubstanceUse(_Model):
    audit_c: AuditC
    dast10: DAST10
    ketamine_or_pcp_nonmedical_use: Bool
    substance_use_disorder_history: Bool


class CurrentMedication(_Model):
    name: NonBlankText
    daily_dose_mg: Dose = None


class Consent(_Model):
    agreed: Bool
    signed_name: SignedName
    signed_at: DateTime


def _check_format(value: Any) -> str:
    if value == FORMAT and isinstance(value, str):
        return value
    raise _fail(f'must be "{FORMAT}"')


if TYPE_CHECKING:
    ExternalId: TypeAlias = str | None
else:
    ExternalId = _text(optional=True, max_length=MAX_EXTERNAL_ID_LENGTH)
FormatValue = Annotated[Literal["clinic-intake/1"], BeforeValidator(_check_format)]
if TYPE_CHECKING:
    PatientSection: TypeAlias = Patient
    DepressionSection: TypeAlias = Depression
    SuicideScreenSection: TypeAlias = SuicideScreen
    TrialList: TypeAlias = list[MedicationTrial]
    PsychotherapyList: TypeAlias = list[Psychotherapy]
    ProcedureList: TypeAlias = list[Procedure]
    PsychiatricHistorySection: TypeAlias = PsychiatricHistory
    BloodPressureSection: TypeAlias = BloodPressure | None
    MedicalHistorySection: TypeAlias = MedicalHistory
    SubstanceUseSection: TypeAlias = SubstanceUse
    CurrentMedicationList: TypeAlias = list[CurrentMedication]
    AllergyList: TypeAlias = list[str]
    ConsentSection: TypeAlias = Consent
else:
    PatientSection = _object(Patient)
    DepressionSection = _object(Depression)
    SuicideScreenSection = _object(SuicideScreen)
    TrialList = _list(MedicationTrial)
    PsychotherapyList = _list(Psychotherapy)
    ProcedureList = _list(Procedure)
    PsychiatricHistorySection = _object(PsychiatricHistory)
    BloodPressureSection = _object(BloodPressure, optional=True)
    MedicalHistorySection = _object(MedicalHistory)
    SubstanceUseSection = _object(SubstanceUse)
    CurrentMedicationList = _list(CurrentMedication)
    AllergyList = _list(NonBlankText)
    ConsentSection = _object(Consent)

# The type of each top-level key; validate_section validates against these.
SECTION_TYPES: dict[str, Any] = {
    "format": FormatValue,
    "external_id": ExternalId,
    "completed_on": Date,
    "patient": PatientSection,
    "depression": DepressionSection,
    "suicide_screen": SuicideScreenSection,
    "antidepressant_trials": TrialList,
    "augmentation_trials": TrialList,
    "psychotherapy": PsychotherapyList,
    "procedures": ProcedureList,
    "psychiatric_history": PsychiatricHistorySection,
    "blood_pressure": BloodPressureSection,
    "medical_history": MedicalHistorySection,
    "substance_use": SubstanceUseSection,
    "current_medications": CurrentMedicationList,
    "allergies": AllergyList,
    "consent": ConsentSection,
}


# ---------------------------------------------------------------------------
# Checks across fields and sections
# ---------------------------------------------------------------------------

UNANSWERED = (
    "required when suicidal_thoughts is true: an unanswered safety question must not read as no"
)


def age_on(date_of_birth: date, on: date) -> int:
    """Whole years between date_of_birth and on."""
    return (
        on.year
        - date_of_birth.year
        - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    )


def normalise_person_name(name: str) -> str:
    """A name with case, accents and spacing aside: Unicode compatibility
    decomposition (NFKD) with the combining marks dropped, case folded, runs of
    white space collapsed. "Lucía  FERNÁNDEZ" and "lucia fernandez" are one name
    (a keyboard without accents can still sign).

    Upper-casing first makes "ı" and "I" (and other one-way case pairs) compare equal.
    """
    folded = unicodedata.normalize("NFD", name).upper()
    folded = unicodedata.normalize("NFKD", folded.casefold())
    folded = unicodedata.normalize("NFKD", folded.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(folded.split())


def signature_matches(signed_name: str, patient_name: tuple[str, str]) -> bool:
    """Whether a typed signature is the patient's given and family names, in
    that order, case, accents and spacing aside (see `normalise_person_name`).
    The one comparison the consent form and the document checks both use."""
    given, family = patient_name
    return normalise_person_name(signed_name) == normalise_person_name(f"{given} {family}")


def _check_patient(p: Patient, completed_on: date | None, _name: Any) -> Errors:
    if completed_on is None:
        if p.date_of_birth > date.today():
            return [(".date_of_birth", "date must not be in the future")]
        return []
    if p.date_of_birth > completed_on:
        return [(".date_of_birth", "date must not be after completed_on")]
    age = age_on(p.date_of_birth, completed_on)
    if not 12 <= age <= 120:
        return [(".date_of_birth", f"age at completed_on must be between 12 and 120 (it is {age})")]
    return []


def _check_suicide_screen(s: SuicideScreen, _completed_on: Any, _name: Any) -> Errors:
    errors: Errors = []
    if s.suicidal_thoughts:
        for key in ("method", "intent", "plan"):
            if getattr(s, key) is None:
                errors.append((f".{key}", UNANSWERED))
    if s.behavior_lifetime and s.behavior_past_3_months is None:
        errors.append(
            (
                ".behavior_past_3_months",
                "required (true or false) when behavior_lifetime is true",
            )
        )
    return errors


def _check_procedures(procedures: list[Procedure], completed_on: date | None, _name: Any) -> Errors:
    if completed_on is None:
        return []
    return [
        (f"[{i}].year", f"must not be after completed_on's year ({completed_on.year})")
        for i, p in enumerate(procedures)
        if p.year is not None and p.year > completed_on.year
    ]


def _check_blood_pressure(
    bp: BloodPressure | None, completed_on: date | None, _name: Any
) -> Errors:
    if bp is None:
        return []
    errors: Errors = []
    if bp.diastolic >= bp.systolic:
        errors.append((".diastolic", "diastolic must be below systolic"))
    if completed_on is not None and bp.measured_on > completed_on:
        errors.append((".measured_on", "date must not be after completed_on"))
    return errors


def _check_consent(c: Consent, _completed_on: Any, name: tuple[str, str] | None) -> Errors:
    errors: Errors = []
    if not c.agreed:
        errors.append((".agreed", "must be true: the patient must agree before the intake is sent"))
    if name is not None and not signature_matches(c.signed_name, name):
        errors.append((".signed_name", "signed name must match the patient's name"))
    return errors


_CHECKS: dict[str, Callable[[Any, date | None, tuple[str, str] | None], Errors]] = {
    "patient": _check_patient,
    "suicide_screen": _check_suicide_screen,
    "procedures": _check_procedures,
    "blood_pressure": _check_blood_pressure,
    "consent": _check_consent,
}


def _document_checks(doc: IntakeDocument) -> Errors:
    name = (doc.patient.given_name, doc.patient.family_name)
    errors: Errors = []
    for key, check in _CHECKS.items():
        found = check(getattr(doc, key), doc.completed_on, name)
        errors.extend((key + sub, msg) for sub, msg in found)
    return errors


class IntakeDocument(_Model):
    """A whole ``clinic-intake/1`` document. Use :func:`parse_document` to build one."""

    format: FormatValue
    external_id: ExternalId = None
    completed_on: Date
    patient: PatientSection
    depression: DepressionSection
    suicide_screen: SuicideScreenSection
    antidepressant_trials: TrialList
    augmentation_trials: TrialList
    psychotherapy: PsychotherapyList
    procedures: ProcedureList
    psychiatric_history: PsychiatricHistorySection
    blood_pressure: BloodPressureSection = None
    medical_history: MedicalHistorySection
    substance_use: SubstanceUseSection
    current_medications: CurrentMedicationList
    allergies: AllergyList
    consent: ConsentSection

    @model_validator(mode="after")
    def _cross_checks(self) -> IntakeDocument:
        errors = _document_checks(self)
        if errors:
            raise PydanticCustomError(
                "intake_multi", "{count} errors", {"count": len(errors), "errors": errors}
            )
        return self

    def to_json_dict(self) -> dict[str, Any]:
        """The document as JSON-ready data (dates as strings)."""
        return self.model_dump(mode="json")


# ---------------------------------------------------------------------------
# Error translation
# ---------------------------------------------------------------------------

_GENERIC_MESSAGES = {
    "missing": "required",
    "extra_forbidden": "unknown key",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
    "list_type": "must be a list",
    "string_type": "must be a string",
    "bool_type": "must be true or false",
}


def join_path(prefix: str, loc: tuple[Any, ...] | list[Any] = ()) -> str:
    """Spec path notation: ``antidepressant_trials[1].duration_weeks``."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path or "$"


def translate_errors(exc: ValidationError, prefix: str = "") -> Errors:
    """(path, message) pairs for a ValidationError of these models (e.g. from
    ``IntakeDocument.model_validate``), with the same paths and messages as DocumentError."""
    return _translate(exc, prefix)


def _translate(exc: ValidationError, prefix: str) -> Errors:
    errors: Errors = []
    for err in exc.errors(include_url=False, include_input=False):
        path = join_path(prefix, err["loc"])
        kind = err["type"]
        if kind == "intake_multi":
            base = "" if path == "$" else path
            for sub, message in err["ctx"]["errors"]:
                errors.append(((base + sub) if base else sub.lstrip("."), message))
        elif kind == "intake":
            errors.append((path, err["msg"]))
        else:
            errors.append((path, _GENERIC_MESSAGES.get(kind, err["msg"])))
    return errors


_ADAPTERS: dict[str, TypeAdapter[Any]] = {key: TypeAdapter(t) for key, t in SECTION_TYPES.items()}


def _validate(
    key: str, value: Any, completed_on: date | None, patient_name: tuple[str, str] | None
) -> tuple[Any, Errors]:
    try:
        result = _ADAPTERS[key].validate_python(value)
    except ValidationError as exc:
        return None, _translate(exc, key)
    check = _CHECKS.get(key)
    if check is None:
        return result, []
    return result, [(key + sub, msg) for sub, msg in check(result, completed_on, patient_name)]


def validate_section(
    section_key: str,
    data: Any,
    *,
    completed_on: date | None = None,
    patient_name: tuple[str, str] | None = None,
) -> Errors:
    """Errors for one top-level section, with the same paths and messages as parse_document.

    ``completed_on`` and ``patient_name`` (given, family) enable the checks that need
    other sections (dates not after completed_on, age 12-120, signed name). Without
    ``completed_on`` a date of birth is only checked against today.
    Raises ValueError for a section_key that is not a top-level key.
    """
    if section_key not in _ADAPTERS:
        expected = ", ".join(SECTION_KEYS)
        raise ValueError(f"unknown section {section_key!r}; expected one of {expected}")
    return _validate(section_key, data, completed_on, patient_name)[1]


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key!r}")
            seen.add(key)
    return result


def _load_json(text: str | bytes) -> Any:
    try:
        return json.loads(
            text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicate_keys
        )
    except json.JSONDecodeError as exc:
        message = f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    except RecursionError:
        message = "nested too deeply"
    except (ValueError, TypeError) as exc:  # UnicodeDecodeError is a ValueError
        message = str(exc)
    raise DocumentError([("$", f"invalid JSON: {message}")])


def _parse(data: Any) -> IntakeDocument:
    if isinstance(data, IntakeDocument):
        return data
    if isinstance(data, (bytes, bytearray, memoryview)):
        data = _load_json(bytes(data))
    elif isinstance(data, str):
        data = _load_json(data)
    if not isinstance(data, Mapping):
        raise DocumentError([("$", f"must be a JSON object (a {FORMAT} document)")])

    errors: Errors = []
    values: dict[str, Any] = {}
    completed_on: date | None = None
    patient_name: tuple[str, str] | None = None
    for key in SECTION_KEYS:
        if key not in data:
            if key in OPTIONAL_SECTIONS:
                values[key] = None
            else:
                errors.append((key, "required"))
            continue
        value, section_errors = _validate(key, data[key], completed_on, patient_name)
        if section_errors:
            errors.extend(section_errors)
            continue
        values[key] = value
        if key == "completed_on":
            completed_on = value
        elif key == "patient":
            # The date of birth check needs completed_on, which comes first in the
            # document order; without a valid completed_on it was checked against today.
            patient_name = (value.given_name, value.family_name)
    for key in data:
        if key not in _ADAPTERS:
            errors.append((join_path("", (key,)) if isinstance(key, str) else "$", "unknown key"))
    if errors:
        raise DocumentError(errors)
    return IntakeDocument.model_construct(**values)


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces (ASCII): the same text for the same value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def content_hash(document: Mapping[str, Any]) -> str:
    """SHA-256 of a document's canonical JSON: how a stored intake, an import
    and a re-import recognise the same document."""
    return hashlib.sha256(canonical_json(document).encode("ascii")).hexdigest()


def parse_document(data: dict[str, Any] | str | bytes) -> IntakeDocument:
    """Parse and validate a ``clinic-intake/1`` document (JSON text or decoded data).

    Raises :class:`DocumentError`, and no other exception, whatever the input.
    """
    try:
        return _parse(data)
    except DocumentError:
        raise
    except RecursionError:
        raise DocumentError([("$", "the document is nested too deeply")]) from None
    except Exception as exc:  # noqa: BLE001 - any input must give a DocumentError
        message = f"could not read the document ({type(exc).__name__})"
        raise DocumentError([("$", message)]) from None
