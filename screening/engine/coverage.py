"""Payer criteria for prior authorization: pure functions, no Django.

A payer policy is data: a list of :class:`Criterion` (a kind this module
knows how to check, its parameters, and the policy text it stands for). Each
is checked against :class:`CoverageFacts` (the intake document, its trial
assessments from :func:`screening.engine.scores.assess_trials` -- the one
definition of an adequate trial --, the medication knowledge with its
antidepressant classes, what the clinician added, and for a re-authorization
the course so far) and gives a :class:`Verdict`: ``met``, ``partly_met`` or
``missing``, with the evidence that decides it and, where not met, what
would settle it.

A verdict says what the record documents against the payer's wording; it is
never an eligibility decision (that is the payer's, on the clinician's
request).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .document import IntakeDocument
from .knowledge import ANTIDEPRESSANT_CLASSES, MedicationKnowledge
from .scores import RESPONSE_WORDS, TrialAssessment, number_text

MET = "met"
PARTLY_MET = "partly_met"
MISSING = "missing"
VERDICTS: tuple[str, ...] = (MET, PARTLY_MET, MISSING)

INITIAL = "initial"
CONTINUATION = "continuation"
STAGES: tuple[str, ...] = (INITIAL, CONTINUATION)

# Treatments a payer policy can cover (the rules' modality keys).
TREATMENTS: dict[str, str] = {
    "tms": "TMS",
    "esketamine": "esketamine (Spravato)",
    "iv_ketamine": "IV ketamine",
}

# Symptom scales: key -> (label, maximum total).
SCALES: dict[str, tuple[str, int]] = {
    "phq9": ("PHQ-9", 27),
    "hamd17": ("HAM-D 17", 52),
    "madrs": ("MADRS", 60),
}
CLINICIAN_SCALES: tuple[str, ...] = ("hamd17", "madrs")

# Psychotherapies with evidence for depression (the intake's modality keys).
EVIDENCE_BASED_THERAPIES: dict[str, str] = {
    "cbt": "CBT",
    "ipt": "interpersonal therapy",
    "behavioral_activation": "behavioural activation",
    "mbct": "MBCT",
    "psychodynamic": "short-term psychodynamic therapy",
}
THERAPY_LABELS: dict[str, str] = {
    **EVIDENCE_BASED_THERAPIES,
    "dbt": "DBT",
    "other": "other therapy",
}

EXCLUSIONS: dict[str, str] = {
    "psychosis": "psychosis",
    "bipolar": "bipolar disorder",
    "substance_use_disorder": "an untreated moderate or severe substance use disorder",
}

FAILED_RESPONSES = frozenset({"none", "partial"})


# -- criterion kinds ------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    kind: type  # int, float, str, list, dict
    default: Any
    help: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Kind:
    label: str
    params: Mapping[str, Param]
    stage: str = INITIAL


def _n(help_text: str, default: Any = 1, kind: type = int) -> Param:
    return Param(kind, default, help_text)


CRITERION_KINDS: dict[str, Kind] = {
    "failed_trials": Kind(
        "Adequate failed antidepressant trials in the current episode",
        {"min": _n("at least this many adequate failed trials", 2)},
    ),
    "trial_classes": Kind(
        "Adequate failed trials from different antidepressant classes",
        {"min": _n("from at least this many different classes", 2)},
    ),
    "augmentation_trial": Kind("An augmentation trial in the current episode", {}),
    "trial_weeks": Kind(
        "Weeks per failed trial",
        {
            "min_weeks": _n("each trial at least this many weeks", 6, float),
            "trials": _n("this many failed trials must last that long", 2),
        },
    ),
    "trial_response": Kind(
        "Response per failed trial at most partial, or improvement at most N%",
        {
            "max_improvement_pct": _n("improvement at most this percent", 25, float),
            "trials": _n("this many trials must show it", 2),
        },
    ),
    "psychotherapy": Kind(
        "Evidence-based psychotherapy",
        {
            "min_sessions": _n("at least this many sessions (0: any)", 0),
            "current_episode": Param(
                str, "yes", "must be in the current episode", choices=("yes", "no")
            ),
        },
    ),
    "symptom_score": Kind(
        "Symptom score at least N on a named scale",
        {
            "minimums": Param(
                dict,
                {"phq9": 15},
                'scale -> minimum total; any one suffices, e.g. {"phq9": 15, "hamd17": 18}',
                choices=tuple(SCALES),
            )
        },
    ),
    "age": Kind("Age at least N", {"min": _n("at least this age", 18)}),
    "exclusion": Kind(
        "Exclusion",
        {"condition": Param(str, "psychosis", "what excludes", choices=tuple(EXCLUSIONS))},
    ),
    "diagnosis": Kind(
        "Diagnosis (ICD-10)",
        {
            "codes": Param(
                list, ["F32.2", "F33.2"], "ICD-10 codes or prefixes that qualify, e.g. F33.2"
            )
        },
    ),
    "psychiatrist_orders": Kind("Ordered by a psychiatrist", {}),
    "concurrent_antidepressant": Kind("A concurrent oral antidepressant", {}),
    "pdmp_check": Kind("Prescription-monitoring (PDMP) check", {}),
    "sessions_completed": Kind(
        "Sessions completed",
        {"min": _n("at least this many sessions completed", 20)},
        CONTINUATION,
    ),
    "score_improvement": Kind(
        "Improvement from baseline on a symptom scale",
        {"min_pct": _n("at least this percent improvement", 25, float)},
        CONTINUATION,
    ),
}


@dataclass(frozen=True)
class Criterion:
    kind: str
    params: Mapping[str, Any]
    text: str  # the policy's own words this criterion stands for
    stage: str = INITIAL

    @property
    def label(self) -> str:
        """The criterion in a few words with its parameters, e.g. "Age at least 18"."""
        p = self.params
        n = number_text
        if self.kind == "failed_trials":
            return f"At least {p['min']} adequate failed antidepressant trials in this episode"
        if self.kind == "trial_classes":
            return f"Adequate failed trials from at least {p['min']} antidepressant classes"
        if self.kind == "trial_weeks":
            return f"At least {p['trials']} failed trials of {n(p['min_weeks'])} weeks or more"
        if self.kind == "trial_response":
            return (
                f"At least {p['trials']} trials with at most a partial response "
                f"(improvement of {n(p['max_improvement_pct'])}% or less)"
            )
        if self.kind == "psychotherapy":
            extra = f" of at least {p['min_sessions']} sessions" if p["min_sessions"] else ""
            when = " in this episode" if p["current_episode"] == "yes" else ""
            return f"Evidence-based psychotherapy{extra}{when}"
        if self.kind == "symptom_score":
            return " or ".join(f"{SCALES[k][0]} at least {v}" for k, v in p["minimums"].items())
        if self.kind == "age":
            return f"Age at least {p['min']}"
        if self.kind == "exclusion":
            return f"Exclusion: {EXCLUSIONS[p['condition']]}"
        if self.kind == "diagnosis":
            return f"Diagnosis: {', '.join(p['codes'])}"
        if self.kind == "sessions_completed":
            return f"At least {p['min']} sessions completed"
        if self.kind == "score_improvement":
            return f"Improvement of at least {n(p['min_pct'])}% from baseline"
        return CRITERION_KINDS[self.kind].label


def check_params(kind: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The parameters with defaults filled in; ValueError naming the bad one."""
    if kind not in CRITERION_KINDS:
        raise ValueError(f"kind: unknown criterion kind {kind!r}")
    spec = CRITERION_KINDS[kind].params
    params = dict(params or {})
    unknown = sorted(set(params) - set(spec))
    if unknown:
        raise ValueError(f"params: unknown parameter {', '.join(unknown)} for {kind}")
    result: dict[str, Any] = {}
    for name, p in spec.items():
        value = params.get(name, p.default)
        if p.kind in (int, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{name}: must be a number")
            if not math.isfinite(value) or value < 0 or value > 1000:
                raise ValueError(f"{name}: must be between 0 and 1000")
            if p.kind is int and value != int(value):
                raise ValueError(f"{name}: must be a whole number")
            value = int(value) if p.kind is int else value
        elif p.kind is str:
            if not isinstance(value, str) or (p.choices and value not in p.choices):
                raise ValueError(f"{name}: must be one of {', '.join(p.choices)}")
        elif p.kind is list:
            if (
                not isinstance(value, list)
                or not value
                or not all(isinstance(v, str) and v.strip() for v in value)
            ):
                raise ValueError(f"{name}: must be a non-empty list of codes")
            value = [v.strip().upper() for v in value]
        elif p.kind is dict:
            if not isinstance(value, dict) or not value:
                raise ValueError(f"{name}: must map scales to minimum totals")
            for scale, minimum in value.items():
                if scale not in SCALES:
                    raise ValueError(f"{name}: unknown scale {scale!r}; use {', '.join(SCALES)}")
                if (
                    isinstance(minimum, bool)
                    or not isinstance(minimum, int)
                    or not 0 <= minimum <= SCALES[scale][1]
                ):
                    raise ValueError(
                        f"{name}: the {SCALES[scale][0]} minimum must be a whole number "
                        f"from 0 to {SCALES[scale][1]}"
                    )
        result[name] = value
    return result


def criterion(kind: str, text: str, stage: str | None = None, **params: Any) -> Criterion:
    """Build a checked criterion (stage defaults to the kind's)."""
    stage = stage or CRITERION_KINDS[kind].stage if kind in CRITERION_KINDS else INITIAL
    if stage not in STAGES:
        raise ValueError(f"stage: must be one of {', '.join(STAGES)}")
    return Criterion(kind, check_params(kind, params), text, stage)


def criteria_from_records(rows: Iterable[Mapping[str, Any]]) -> list[Criterion]:
    """Criteria from stored rows {"kind", "params", "text", "stage"?}; ValueError
    naming the row (1-based) and the problem."""
    result = []
    for number, row in enumerate(rows, start=1):
        try:
            result.append(
                criterion(
                    str(row.get("kind", "")),
                    str(row.get("text", "")),
                    row.get("stage") or None,
                    **dict(row.get("params") or {}),
                )
            )
        except ValueError as exc:
            raise ValueError(f"criterion {number}: {exc}") from None
    return result


# -- what the clinician adds --------------------------------------------------------


@dataclass(frozen=True)
class TrialDetails:
    """What the clinician adds to one intake trial (by its index)."""

    improvement_pct: float | None = None
    started_on: date | None = None
    ended_on: date | None = None


@dataclass(frozen=True)
class TherapyCourse:
    """A psychotherapy course the clinician records (type, sessions, dates)."""

    modality: str
    sessions: int | None = None
    started_on: date | None = None
    ended_on: date | None = None

    @property
    def label(self) -> str:
        return THERAPY_LABELS.get(self.modality, self.modality)


@dataclass(frozen=True)
class ScaleScore:
    scale: str  # a key of SCALES
    total: int
    on: date | None
    source: str = "clinician"  # "intake", "clinician", "check-in"

    @property
    def text(self) -> str:
        when = f" on {self.on.isoformat()}" if self.on else ""
        return f"{SCALES[self.scale][0]} {self.total}{when} ({self.source})"


@dataclass(frozen=True)
class ClinicianFacts:
    trials: Mapping[int, TrialDetails] = field(default_factory=dict)
    psychotherapy: Sequence[TherapyCourse] = ()
    scores: Sequence[ScaleScore] = ()
    diagnosis_icd10: str = ""
    pdmp_checked_on: date | None = None
    height_cm: float | None = None
    weight_kg: float | None = None
    psychiatrist_name: str = ""
    psychiatrist_npi: str = ""
    # The clinician's word on a substance use disorder: None not assessed,
    # True treated or in remission / not moderate-severe, False untreated.
    substance_use_treated: bool | None = None


@dataclass(frozen=True)
class CourseFacts:
    """For a re-authorization: the course so far."""

    sessions_completed: int = 0
    baseline: ScaleScore | None = None
    latest: ScaleScore | None = None


@dataclass
class CoverageFacts:
    doc: IntakeDocument
    age: int
    trials: list[TrialAssessment]
    knowledge: MedicationKnowledge
    clinician: ClinicianFacts = field(default_factory=ClinicianFacts)
    course: CourseFacts | None = None

    def trial_class(self, trial: TrialAssessment) -> str:
        record = self.knowledge.get(trial.generic) if trial.generic else None
        return record.antidepressant_class or "" if record else ""

    def scores(self) -> list[ScaleScore]:
        """Every score known: the intake's PHQ-9 and the clinician's, newest first."""
        found = [
            ScaleScore("phq9", sum(self.doc.depression.phq9), self.doc.completed_on, "intake"),
            *self.clinician.scores,
        ]
        return sorted(found, key=lambda s: s.on or date.min, reverse=True)


@dataclass(frozen=True)
class Verdict:
    criterion: Criterion
    status: str
    evidence: tuple[str, ...]
    settle: str = ""  # what would settle it, when not met


# -- helpers ----------------------------------------------------------------------


def npi_is_valid(npi: str) -> bool:
    """A US National Provider Identifier: 10 digits with a Luhn check digit
    computed over the digits prefixed by 80840 (the card issuer prefix)."""
    if not isinstance(npi, str) or len(npi) != 10 or not npi.isascii() or not npi.isdigit():
        return False
    total = 24  # the Luhn sum of the prefix 80840
    for position, char in enumerate(reversed(npi[:9])):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10 == int(npi[9])


def improvement_pct(baseline: int, latest: int) -> float | None:
    """Percent improvement from a baseline total (lower is better); None for a 0 baseline."""
    if baseline <= 0:
        return None
    return round((baseline - latest) * 100 / baseline, 1)


def class_label(key: str) -> str:
    return ANTIDEPRESSANT_CLASSES.get(key, "class unknown")


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _trial_line(facts: CoverageFacts, t: TrialAssessment) -> str:
    cls = facts.trial_class(t)
    details = facts.clinician.trials.get(t.position)
    extra = ""
    if details and details.improvement_pct is not None:
        extra = f", {number_text(details.improvement_pct)}% improvement"
    return f"{t.evidence} [{class_label(cls)}{extra}]"


def _failed_current(facts: CoverageFacts) -> list[TrialAssessment]:
    return [t for t in facts.trials if t.failed]


def _distinct(trials: Iterable[TrialAssessment]) -> list[TrialAssessment]:
    seen: set[str] = set()
    out = []
    for t in trials:
        if t.key not in seen:
            seen.add(t.key)
            out.append(t)
    return out


def _unrated(t: TrialAssessment) -> bool:
    return "not rated" in t.reason


# -- the checks --------------------------------------------------------------------


def _failed_trials(c: Criterion, f: CoverageFacts) -> Verdict:
    need = c.params["min"]
    counted = _distinct(t for t in _failed_current(f) if t.adequate)
    open_ = _distinct(
        t for t in _failed_current(f) if not t.adequate and t.key not in {x.key for x in counted}
    )
    evidence = tuple(_trial_line(f, t) for t in f.trials) or ("antidepressant trials: none",)
    n = len(counted)
    if n >= need:
        return Verdict(c, MET, evidence)
    short = need - n
    settle = (
        f"{_plural(short, 'more adequate failed trial')} in this episode "
        "(a dose at or above the table's minimum for at least the minimum weeks, "
        "with no or partial response)"
    )
    if open_:
        settle += "; or the dose and weeks of: " + ", ".join(t.label for t in open_)
    status = PARTLY_MET if n or open_ else MISSING
    return Verdict(c, status, (f"adequate failed trials: {n} of {need}", *evidence), settle)


def _trial_classes(c: Criterion, f: CoverageFacts) -> Verdict:
    need = c.params["min"]
    adequate = [t for t in _failed_current(f) if t.adequate]
    classes: dict[str, list[str]] = {}
    unknown = []
    for t in adequate:
        cls = f.trial_class(t)
        if cls:
            names = classes.setdefault(cls, [])
            if t.label not in names:
                names.append(t.label)
        else:
            unknown.append(t.label)
    n = len(classes)
    evidence = [f"{class_label(cls)}: {', '.join(names)}" for cls, names in classes.items()] or [
        "no adequate failed trial with a known class"
    ]
    if unknown:
        evidence.append(f"class not in the medication knowledge: {', '.join(unknown)}")
    evidence.insert(0, f"different classes among adequate failed trials: {n} of {need}")
    if n >= need:
        return Verdict(c, MET, tuple(evidence))
    have = ", ".join(class_label(k) for k in classes) or "none"
    settle = (
        f"an adequate failed trial from {_plural(need - n, 'more class', 'more classes')} "
        f"than {have}"
    )
    if unknown:
        settle += "; or the class of " + ", ".join(unknown)
    return Verdict(c, PARTLY_MET if n or unknown else MISSING, tuple(evidence), settle)


def _augmentation_trial(c: Criterion, f: CoverageFacts) -> Verdict:
    trials = f.doc.augmentation_trials
    if not trials:
        return Verdict(
            c,
            MISSING,
            ("augmentation trials: none reported",),
            "an augmentation trial (e.g. lithium, an atypical antipsychotic, T3) in this episode",
        )
    lines = tuple(
        f"{a.medication} for {number_text(a.duration_weeks)} weeks, "
        f"{RESPONSE_WORDS[a.response]}{'' if a.current_episode else ', past episode'}"
        for a in trials
    )
    if any(a.current_episode for a in trials):
        return Verdict(c, MET, lines)
    return Verdict(c, PARTLY_MET, lines, "an augmentation trial in the current episode")


def _trial_weeks(c: Criterion, f: CoverageFacts) -> Verdict:
    weeks, need = c.params["min_weeks"], c.params["trials"]
    failed = _failed_current(f)
    long_enough = _distinct(t for t in failed if t.duration_weeks >= weeks)
    evidence = tuple(
        f"{t.label}: {number_text(t.duration_weeks)} weeks"
        f"{'' if t.duration_weeks >= weeks else f' (under {number_text(weeks)})'}"
        for t in failed
    ) or ("failed trials in this episode: none",)
    if len(long_enough) >= need:
        return Verdict(c, MET, evidence)
    status = PARTLY_MET if long_enough else MISSING
    settle = (
        f"{_plural(need - len(long_enough), 'more failed trial')} of at least "
        f"{number_text(weeks)} weeks in this episode, or the corrected duration"
    )
    return Verdict(c, status, evidence, settle)


def _trial_response(c: Criterion, f: CoverageFacts) -> Verdict:
    limit, need = c.params["max_improvement_pct"], c.params["trials"]
    shown, open_, evidence = [], [], []
    for t in _distinct(_failed_current(f)):
        details = f.clinician.trials.get(t.position)
        pct = details.improvement_pct if details else None
        if pct is not None:
            ok = pct <= limit
            evidence.append(
                f"{t.label}: {number_text(pct)}% improvement (clinician)"
                f"{'' if ok else f', above {number_text(limit)}%'}"
            )
            if ok:
                shown.append(t)
        elif t.response == "none":
            evidence.append(f"{t.label}: no response (intake)")
            shown.append(t)
        else:
            evidence.append(f"{t.label}: partial response, percent improvement not recorded")
            open_.append(t)
    if not evidence:
        evidence.append("failed trials in this episode: none")
    if len(shown) >= need:
        return Verdict(c, MET, tuple(evidence))
    settle = f"the percent improvement on each trial (at most {number_text(limit)}%)"
    if open_:
        settle += ": " + ", ".join(t.label for t in open_)
    status = PARTLY_MET if shown or open_ else MISSING
    return Verdict(c, status, tuple(evidence), settle)


def _psychotherapy(c: Criterion, f: CoverageFacts) -> Verdict:
    need = c.params["min_sessions"]
    current_only = c.params["current_episode"] == "yes"
    full, part, evidence = False, False, []
    for p in f.doc.psychotherapy:
        label = THERAPY_LABELS.get(p.modality, p.modality)
        ok_kind = p.modality in EVIDENCE_BASED_THERAPIES
        ok_when = p.current_episode or not current_only
        ok_count = p.sessions >= need
        evidence.append(
            f"{label}, {_plural(p.sessions, 'session')}, {RESPONSE_WORDS[p.response]}"
            f"{'' if p.current_episode else ', past episode'} (intake)"
        )
        if ok_kind and ok_when and ok_count:
            full = True
        else:
            part = True
    for course in f.clinician.psychotherapy:
        dates = ""
        if course.started_on:
            dates = f", {course.started_on.isoformat()} to "
            dates += course.ended_on.isoformat() if course.ended_on else "now"
        sessions = (
            "sessions not given" if course.sessions is None else _plural(course.sessions, "session")
        )
        evidence.append(f"{course.label}, {sessions}{dates} (clinician)")
        ok_count = need == 0 or (course.sessions or 0) >= need
        if course.modality in EVIDENCE_BASED_THERAPIES and ok_count:
            full = True
        else:
            part = True
    if full:
        return Verdict(c, MET, tuple(evidence))
    wanted = "an evidence-based psychotherapy (CBT, IPT, behavioural activation, ...)"
    if need:
        wanted += f" of at least {_plural(need, 'session')}"
    if current_only:
        wanted += " in this episode"
    return Verdict(
        c,
        PARTLY_MET if part else MISSING,
        tuple(evidence) or ("psychotherapy: none reported",),
        wanted + ", with its type, sessions and dates",
    )


def _symptom_score(c: Criterion, f: CoverageFacts) -> Verdict:
    minimums: Mapping[str, int] = c.params["minimums"]
    scores = f.scores()
    evidence, below = [], []
    for scale, minimum in minimums.items():
        latest = next((s for s in scores if s.scale == scale), None)
        name = SCALES[scale][0]
        if latest is None:
            evidence.append(f"{name}: no score recorded")
            continue
        if latest.total >= minimum:
            evidence.append(f"{latest.text}: at least {minimum}")
            return Verdict(c, MET, tuple(evidence))
        evidence.append(f"{latest.text}: below {minimum}")
        below.append(name)
    wanted = " or ".join(f"{SCALES[s][0]} of at least {m}" for s, m in minimums.items())
    return Verdict(c, MISSING, tuple(evidence), f"a current {wanted}, with its date")


def _age(c: Criterion, f: CoverageFacts) -> Verdict:
    need = c.params["min"]
    line = f"age {f.age} on {f.doc.completed_on.isoformat()}"
    if f.age >= need:
        return Verdict(c, MET, (line,))
    return Verdict(c, MISSING, (f"{line}: under {need}",), f"the payer's review for under {need}")


def _exclusion(c: Criterion, f: CoverageFacts) -> Verdict:
    condition = c.params["condition"]
    h = f.doc.psychiatric_history
    if condition == "psychosis":
        found = [
            text
            for answer, text in (
                (h.psychotic_disorder, "psychotic disorder diagnosed: yes"),
                (h.psychotic_symptoms_current, "psychotic symptoms now: yes"),
            )
            if answer
        ]
        if not found:
            return Verdict(
                c, MET, ("no psychotic disorder or current psychotic symptoms reported",)
            )
        return Verdict(
            c, MISSING, tuple(found), "the psychiatrist's assessment of psychosis for the payer"
        )
    if condition == "bipolar":
        if not h.bipolar_disorder:
            return Verdict(c, MET, ("no bipolar disorder or manic/hypomanic episode reported",))
        return Verdict(
            c,
            MISSING,
            ("bipolar disorder or a past manic/hypomanic episode: yes",),
            "the psychiatrist's assessment of the bipolar history for the payer",
        )
    su = f.doc.substance_use
    dast = sum(su.dast10) + (1 if not su.dast10[2] else -1)
    found = []
    if su.substance_use_disorder_history:
        found.append("substance use disorder, ever: yes")
    if dast >= 3:
        found.append(f"DAST-10 total {dast} (moderate or higher)")
    treated = f.clinician.substance_use_treated
    if not found and treated is not False:
        return Verdict(c, MET, ("no substance use disorder reported; DAST-10 below 3",))
    if treated is True:
        return Verdict(c, MET, (*found, "clinician: treated, in remission or not moderate/severe"))
    if treated is False:
        return Verdict(
            c,
            MISSING,
            (*found, "clinician: untreated moderate or severe disorder"),
            "treatment of the substance use disorder",
        )
    return Verdict(
        c,
        PARTLY_MET,
        tuple(found),
        "the clinician's assessment: is it untreated and moderate or severe?",
    )


def _diagnosis(c: Criterion, f: CoverageFacts) -> Verdict:
    codes = c.params["codes"]
    code = f.clinician.diagnosis_icd10.strip().upper()
    if not code:
        return Verdict(
            c, MISSING, ("diagnosis: not recorded",), f"the ICD-10 diagnosis ({', '.join(codes)})"
        )
    if any(code.startswith(prefix) for prefix in codes):
        return Verdict(c, MET, (f"diagnosis: {code}",))
    return Verdict(
        c,
        PARTLY_MET,
        (f"diagnosis: {code}, not among {', '.join(codes)}",),
        f"a diagnosis the policy names ({', '.join(codes)})",
    )


def _psychiatrist_orders(c: Criterion, f: CoverageFacts) -> Verdict:
    name, npi = f.clinician.psychiatrist_name.strip(), f.clinician.psychiatrist_npi.strip()
    if not name and not npi:
        return Verdict(
            c,
            MISSING,
            ("ordering psychiatrist: not recorded",),
            "the ordering psychiatrist and NPI",
        )
    line = f"ordering psychiatrist: {name or 'name not given'}, NPI {npi or 'not given'}"
    if name and npi_is_valid(npi):
        return Verdict(c, MET, (line,))
    return Verdict(c, PARTLY_MET, (line,), "the psychiatrist's name and a valid 10-digit NPI")


def _concurrent_antidepressant(c: Criterion, f: CoverageFacts) -> Verdict:
    found = []
    for m in f.doc.current_medications:
        match = f.knowledge.match(m.name)
        if match.record and (
            match.record.antidepressant_class or "antidepressant" in match.classes
        ):
            dose = f" {number_text(m.daily_dose_mg)} mg/day" if m.daily_dose_mg else ""
            found.append(f"current medication: {match.label}{dose}")
    if found:
        return Verdict(c, MET, tuple(found))
    return Verdict(
        c,
        MISSING,
        ("no oral antidepressant among the current medications",),
        "an oral antidepressant taken with the treatment",
    )


def _pdmp_check(c: Criterion, f: CoverageFacts) -> Verdict:
    on = f.clinician.pdmp_checked_on
    if on:
        return Verdict(c, MET, (f"PDMP checked on {on.isoformat()}",))
    return Verdict(c, MISSING, ("PDMP check: not recorded",), "the date the state PDMP was checked")


def _sessions_completed(c: Criterion, f: CoverageFacts) -> Verdict:
    need = c.params["min"]
    done = f.course.sessions_completed if f.course else 0
    line = f"sessions completed: {done}"
    if done >= need:
        return Verdict(c, MET, (line,))
    return Verdict(
        c, PARTLY_MET if done else MISSING, (line,), f"{need - done} more completed sessions"
    )


def _score_improvement(c: Criterion, f: CoverageFacts) -> Verdict:
    need = c.params["min_pct"]
    course = f.course
    if course is None or course.baseline is None or course.latest is None:
        return Verdict(
            c,
            MISSING,
            ("baseline and latest scores: not both recorded",),
            "a baseline and a latest score on the same scale",
        )
    base, latest = course.baseline, course.latest
    lines: tuple[str, ...] = (f"baseline: {base.text}", f"latest: {latest.text}")
    if base.scale != latest.scale:
        return Verdict(c, PARTLY_MET, lines, "a latest score on the baseline's scale")
    pct = improvement_pct(base.total, latest.total)
    if pct is None:
        return Verdict(c, PARTLY_MET, lines, "a baseline score above 0")
    lines = (*lines, f"improvement: {number_text(pct)}%")
    if pct >= need:
        return Verdict(c, MET, lines)
    return Verdict(c, MISSING, lines, f"an improvement of at least {number_text(need)}%")


CHECKS = {
    "failed_trials": _failed_trials,
    "trial_classes": _trial_classes,
    "augmentation_trial": _augmentation_trial,
    "trial_weeks": _trial_weeks,
    "trial_response": _trial_response,
    "psychotherapy": _psychotherapy,
    "symptom_score": _symptom_score,
    "age": _age,
    "exclusion": _exclusion,
    "diagnosis": _diagnosis,
    "psychiatrist_orders": _psychiatrist_orders,
    "concurrent_antidepressant": _concurrent_antidepressant,
    "pdmp_check": _pdmp_check,
    "sessions_completed": _sessions_completed,
    "score_improvement": _score_improvement,
}
assert set(CHECKS) == set(CRITERION_KINDS)


def check(c: Criterion, facts: CoverageFacts) -> Verdict:
    return CHECKS[c.kind](c, facts)


def evaluate(
    criteria: Iterable[Criterion], facts: CoverageFacts, *, stage: str = INITIAL
) -> list[Verdict]:
    """The verdict of each criterion of `stage`, in the policy's order."""
    return [check(c, facts) for c in criteria if c.stage == stage]


def summary(verdicts: Sequence[Verdict]) -> dict[str, int]:
    counts = dict.fromkeys(VERDICTS, 0)
    for v in verdicts:
        counts[v.status] += 1
    return counts
