"""The clinical rules of a treatment session, as plain functions (no Django).

Vitals limits, the pre-dose blood-pressure decision, the esketamine 2-hour
rule, the IV ketamine dose, TMS billing codes and motor-threshold prompts,
ECT MoCA prompts, the REMS form's 7 days, and a session's state. Views,
services and the REMS form all call these; none of them restates a rule.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from screening.engine import vocabulary


def gettext_noop(message: str) -> str:
    """Marks a message for translation (extracted by makemessages)."""
    return message


class Message(str):
    """A message in English that also keeps its template and values, so the
    page can show it translated: ``_(m.template) % m.params``."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Message:
        text = template % params
        obj = super().__new__(cls, text)
        obj.template = template
        obj.params = params
        return obj


M = Message
_ = gettext_noop


# -- modalities -----------------------------------------------------------------

# The vocabulary's treatments (screening/engine/vocabulary.py), named for the rules.
MODALITIES: tuple[str, ...] = vocabulary.MODALITIES
IV_KETAMINE, ESKETAMINE, TMS, ECT = MODALITIES
# The seeded appointment types (clinic.scheduling migration 0003) per modality.
APPOINTMENT_TYPE_SLUGS: dict[str, str] = {
    "iv-ketamine-infusion": IV_KETAMINE,
    "esketamine-session": ESKETAMINE,
    "tms-session": TMS,
    "ect-session": ECT,
}

# -- session states ---------------------------------------------------------------

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
MONITORING = "monitoring"
READY_TO_SIGN = "ready_to_sign"
SIGNED = "signed"
STATES: tuple[str, ...] = (NOT_STARTED, IN_PROGRESS, MONITORING, READY_TO_SIGN, SIGNED)

# -- vitals limits ------------------------------------------------------------------

LIMIT_FIELDS: dict[str, tuple[int, int, str]] = {
    "systolic_high": (60, 300, "systolic at or above which a reading is marked (mmHg)"),
    "diastolic_high": (30, 200, "diastolic at or above which a reading is marked (mmHg)"),
    "heart_rate_low": (20, 200, "heart rate below which a reading is marked (/min)"),
    "heart_rate_high": (40, 250, "heart rate above which a reading is marked (/min)"),
    "spo2_low": (50, 100, "SpO2 below which a reading is marked (%)"),
}


@dataclass(frozen=True, slots=True)
class VitalsLimits:
    """The clinic's limits; a reading outside them needs a recorded response."""

    systolic_high: int = 180
    diastolic_high: int = 110
    heart_rate_low: int = 50
    heart_rate_high: int = 120
    spo2_low: int = 92

    def __post_init__(self) -> None:
        for name, (low, high, _text) in LIMIT_FIELDS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name}: must be a whole number")
            if not low <= value <= high:
                raise ValueError(f"{name}: must be between {low} and {high}")
        if self.heart_rate_low >= self.heart_rate_high:
            raise ValueError("heart_rate_low: must be below heart_rate_high")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VitalsLimits:
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown limits: {', '.join(sorted(map(str, unknown)))}")
        return cls(**dict(data))

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


DEFAULT_LIMITS = VitalsLimits()


@dataclass(frozen=True, slots=True)
class Reading:
    """One set of vitals; any value may be missing."""

    systolic: int | None = None
    diastolic: int | None = None
    heart_rate: int | None = None
    spo2: int | None = None
    respiratory_rate: int | None = None


def out_of_limits(reading: Reading, limits: VitalsLimits = DEFAULT_LIMITS) -> list[str]:
    """Codes of what is outside the limits: systolic_high, diastolic_high,
    heart_rate_low, heart_rate_high, spo2_low (empty when all is within)."""
    found = []
    if reading.systolic is not None and reading.systolic >= limits.systolic_high:
        found.append("systolic_high")
    if reading.diastolic is not None and reading.diastolic >= limits.diastolic_high:
        found.append("diastolic_high")
    if reading.heart_rate is not None and reading.heart_rate < limits.heart_rate_low:
        found.append("heart_rate_low")
    if reading.heart_rate is not None and reading.heart_rate > limits.heart_rate_high:
        found.append("heart_rate_high")
    if reading.spo2 is not None and reading.spo2 < limits.spo2_low:
        found.append("spo2_low")
    return found


def describe_out_of_limits(codes: Iterable[str], limits: VitalsLimits = DEFAULT_LIMITS) -> str:
    words = {
        "systolic_high": f"systolic >= {limits.systolic_high}",
        "diastolic_high": f"diastolic >= {limits.diastolic_high}",
        "heart_rate_low": f"heart rate < {limits.heart_rate_low}",
        "heart_rate_high": f"heart rate > {limits.heart_rate_high}",
        "spo2_low": f"SpO2 < {limits.spo2_low}%",
    }
    return ", ".join(words.get(code, code) for code in codes)


# -- pre-dose blood pressure --------------------------------------------------------

RECHECK = "recheck"
PROCEED = "proceed"
HOLD = "hold"
PREDOSE_DECISIONS: tuple[str, ...] = (RECHECK, PROCEED, HOLD)


def predose_bp_high(
    systolic: int | None, diastolic: int | None, *, high_systolic: int, high_diastolic: int
) -> bool:
    """At or above the treatment threshold (the screening policy's
    bp_high_systolic/bp_high_diastolic, 140/90 by default)."""
    return (systolic is not None and systolic >= high_systolic) or (
        diastolic is not None and diastolic >= high_diastolic
    )


def predose_decision_problems(
    *, bp_high: bool, decision: str | None, reason: str | None
) -> list[tuple[str, str]]:
    """(field, message) for a missing or incomplete pre-dose decision."""
    if not bp_high:
        return []
    if decision not in PREDOSE_DECISIONS:
        return [
            (
                "predose_bp_decision",
                M(
                    _(
                        "The pre-dose blood pressure is at or above the treatment threshold: "
                        "record a decision (recheck, proceed with a reason, or hold)."
                    )
                ),
            )
        ]
    if decision == PROCEED and not (reason or "").strip():
        return [("predose_bp_reason", M(_("Give the reason for proceeding.")))]
    if decision == RECHECK:
        return [
            (
                "predose_bp_decision",
                M(
                    _(
                        "A recheck was chosen: record the rechecked pre-dose blood pressure, "
                        "then proceed with a reason or hold."
                    )
                ),
            )
        ]
    return []


# -- times ---------------------------------------------------------------------------


def minutes_between(start: datetime.time | None, end: datetime.time | None) -> int | None:
    """Whole minutes from start to end on the same day (None if either is missing
    or end is before start)."""
    if start is None or end is None:
        return None
    value = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return value if value >= 0 else None


def add_minutes(at: datetime.time, minutes: int) -> datetime.time:
    total = (at.hour * 60 + at.minute + minutes) % (24 * 60)
    return datetime.time(total // 60, total % 60)


# -- esketamine -----------------------------------------------------------------------

ESKETAMINE_MONITORING_MINUTES = 120
ESKETAMINE_BP_CHECK_MINUTES = 40
ESKETAMINE_DOSES_MG: tuple[int, ...] = (56, 84)
ESKETAMINE_MG_PER_DEVICE = 28
ESKETAMINE_EFFECTS: tuple[str, ...] = ("sedation", "dissociation", "respiratory_depression")


def esketamine_discharge_problems(
    *,
    first_device: datetime.time | None,
    discharge: datetime.time | None,
    effects: Mapping[str, tuple[bool | None, datetime.time | None]],
    early_reason: str | None,
) -> list[tuple[str, str]]:
    """The 2-hour rule: discharge at least 120 minutes after the first device
    and after each observed effect resolved; earlier needs a recorded reason.
    ``effects`` maps sedation/dissociation/respiratory_depression to
    (observed, resolved at)."""
    problems: list[tuple[str, str]] = []
    if discharge is None:
        return problems
    for effect, (observed, resolved) in effects.items():
        if observed and resolved is None:
            problems.append(
                (
                    f"{effect}_resolved",
                    M(_("Record when it resolved before discharging the patient.")),
                )
            )
        elif observed and minutes_between(resolved, discharge) is None:
            problems.append(
                (
                    f"{effect}_resolved",
                    M(_("It resolved after the discharge time: check the times.")),
                )
            )
    monitored = minutes_between(first_device, discharge)
    if first_device is not None and monitored is None:
        problems.append(
            ("discharge_time", M(_("Discharge is before the first device: check the times.")))
        )
    elif (
        monitored is not None
        and monitored < ESKETAMINE_MONITORING_MINUTES
        and not (early_reason or "").strip()
    ):
        problems.append(
            (
                "early_discharge_reason",
                M(
                    _(
                        "Discharge after %(minutes)s minutes is before the 2 hours of "
                        "monitoring: give the reason."
                    ),
                    minutes=monitored,
                ),
            )
        )
    return problems


def esketamine_dose_mg(dose: str | None, other_mg: int | None) -> int | None:
    if dose in ("56", "84"):
        return int(dose)
    if dose == "other":
        return other_mg
    return None


# -- IV ketamine ------------------------------------------------------------------------

DEFAULT_KETAMINE_TIMEPOINTS: tuple[int, ...] = (0, 15, 30, 45, 60)


def ketamine_total_mg(weight_kg: float | None, mg_per_kg: float | None) -> float | None:
    """The total dose in mg, to one decimal (None if either is missing)."""
    if weight_kg is None or mg_per_kg is None:
        return None
    return round(weight_kg * mg_per_kg + 1e-9, 1)


def ketamine_dose_problems(
    *,
    weight_kg: float | None,
    mg_per_kg: float | None,
    max_mg_per_kg: float,
    max_total_mg: float,
) -> list[tuple[str, str]]:
    total = ketamine_total_mg(weight_kg, mg_per_kg)
    problems = []
    if mg_per_kg is not None and mg_per_kg > max_mg_per_kg + 1e-9:
        problems.append(
            (
                "dose_mg_per_kg",
                M(
                    _("%(dose)s mg/kg is above the clinic maximum of %(maximum)s mg/kg."),
                    dose=f"{mg_per_kg:g}",
                    maximum=f"{max_mg_per_kg:g}",
                ),
            )
        )
    if total is not None and total > max_total_mg + 1e-9:
        problems.append(
            (
                "dose_mg_per_kg",
                M(
                    _("The total of %(total)s mg is above the clinic maximum of %(maximum)s mg."),
                    total=f"{total:g}",
                    maximum=f"{max_total_mg:g}",
                ),
            )
        )
    return problems


def next_timepoint(timepoints: Sequence[int], checks_done: int) -> int | None:
    """The next vitals time point (minutes after the start) after
    ``checks_done`` recorded checks, or None when all are done."""
    ordered = sorted(timepoints)
    return ordered[checks_done] if checks_done < len(ordered) else None


# -- TMS --------------------------------------------------------------------------------

CPT_TMS_FIRST = "90867"  # initial, with motor threshold determination
CPT_TMS_SUBSEQUENT = "90868"
CPT_TMS_REDETERMINATION = "90869"
MOTOR_THRESHOLD_DAYS = 7
ITBS_PULSES = 600


def tms_billing_code(*, determined_today: bool, earlier_determination: bool) -> str:
    """90867 for the first session with the motor threshold determined,
    90869 when it is determined again later in the course, 90868 otherwise."""
    if determined_today:
        return CPT_TMS_REDETERMINATION if earlier_determination else CPT_TMS_FIRST
    return CPT_TMS_SUBSEQUENT


def motor_threshold_due(
    *, last_determined: datetime.date | None, today: datetime.date, medicines_changed: bool
) -> str | None:
    """Why the motor threshold should be determined today, or None."""
    if last_determined is None:
        return "no motor threshold recorded in this course"
    if medicines_changed:
        return "medicines changed since it was determined"
    days = (today - last_determined).days
    if days >= MOTOR_THRESHOLD_DAYS:
        return f"last determined {days} days ago"
    return None


# -- ECT ----------------------------------------------------------------------------------

MOCA_BASELINE = "baseline"
MOCA_BEFORE_THIRD = "before_third"
MOCA_AFTER_COURSE = "after_course"
MOCA_TIMEPOINTS: tuple[str, ...] = (MOCA_BASELINE, MOCA_BEFORE_THIRD, MOCA_AFTER_COURSE)


def moca_due(
    *, session_number: int | None, done: Iterable[str], course_complete: bool
) -> str | None:
    """Which MoCA is due at this ECT session: baseline (first session),
    before the third session, after the course; None when none is."""
    done = set(done)
    if course_complete and MOCA_AFTER_COURSE not in done:
        return MOCA_AFTER_COURSE
    if session_number is None:
        return None
    if MOCA_BASELINE not in done and session_number <= 2:
        return MOCA_BASELINE
    if session_number == 3 and MOCA_BEFORE_THIRD not in done:
        return MOCA_BEFORE_THIRD
    return None


# -- the REMS form's deadline ------------------------------------------------------------

REMS_FORM_DAYS = 7


def rems_due_date(session_day: datetime.date) -> datetime.date:
    """Calendar days, holidays included: a Friday session's form is due the next Friday."""
    return session_day + datetime.timedelta(days=REMS_FORM_DAYS)


def rems_days_left(session_day: datetime.date, today: datetime.date) -> int:
    """Days left of the 7 (0 on the last day, negative when late)."""
    return (rems_due_date(session_day) - today).days


# -- state ----------------------------------------------------------------------------------


def session_state(*, started: bool, dosed: bool, discharged: bool, signed: bool) -> str:
    if signed:
        return SIGNED
    if not started:
        return NOT_STARTED
    if discharged:
        return READY_TO_SIGN
    if dosed:
        return MONITORING
    return IN_PROGRESS


def is_finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# -- what is due next -----------------------------------------------------------------------

DUE_CHECK_IN = "check_in"
DUE_PREDOSE_BP = "predose_bp"
DUE_DOSE = "dose"
DUE_BP_CHECK = "bp_check"
DUE_VITALS = "vitals"
DUE_DISCHARGE_BP = "discharge_bp"
DUE_DISCHARGE = "discharge"
DUE_CHART = "chart"
DUE_SIGNATURE = "signature"
DUE_REMS_FORM = "rems_form"


def next_due(
    *,
    modality: str,
    state: str,
    dose_time: datetime.time | None,
    checks_done: int,
    has_predose_bp: bool,
    has_discharge_bp: bool,
    timepoints: Sequence[int] = DEFAULT_KETAMINE_TIMEPOINTS,
    held: bool = False,
    rems_submitted: bool = True,
) -> tuple[str | None, datetime.time | None]:
    """(what is due next, at what time if it has one) for the day's list."""
    if state == NOT_STARTED:
        return DUE_CHECK_IN, None
    if state == SIGNED:
        if modality == ESKETAMINE and not held and not rems_submitted:
            return DUE_REMS_FORM, None
        return None, None
    if held or state == READY_TO_SIGN:
        return DUE_SIGNATURE, None
    if modality not in (ESKETAMINE, IV_KETAMINE):
        return DUE_CHART, None
    if not has_predose_bp:
        return DUE_PREDOSE_BP, None
    if dose_time is None:
        return DUE_DOSE, None
    if modality == ESKETAMINE:
        if checks_done == 0:
            return DUE_BP_CHECK, add_minutes(dose_time, ESKETAMINE_BP_CHECK_MINUTES)
        earliest = add_minutes(dose_time, ESKETAMINE_MONITORING_MINUTES)
    else:
        later = next_timepoint([t for t in timepoints if t > 0], checks_done)
        if later is not None:
            return DUE_VITALS, add_minutes(dose_time, later)
        earliest = None
    if not has_discharge_bp:
        return DUE_DISCHARGE_BP, earliest
    return DUE_DISCHARGE, earliest
