"""The screening's vocabulary, defined once: severities and their ranks,
treatments ("modalities"), flag codes and their titles, instrument bands,
the intake's steps and the document sections each fills.

Everything else derives from here: the models' choices, the queue's filters,
the case page's grid, the form's steps, the review's steps, the engine's rules.
No Django: this module is plain data.

Translation: the English words here are marked with ``_`` (which returns its
argument unchanged), so ``makemessages`` extracts them into the catalogue while
the engine stays free of Django. The web side translates them when it shows
them (``gettext(FLAG_TITLES[code])``, see ``screening.labels``).
"""

from __future__ import annotations

from typing import Final


def _(message: str) -> str:
    """Mark a string for translation (extracted by makemessages, translated at display)."""
    return message


# -- severities ---------------------------------------------------------------

# Most serious first. This order is the order of every list of flags.
SEVERITIES: Final = ("urgent", "high", "moderate", "info")
# The one scale: higher is more serious; 0 means "no flag at all". Stored in
# the database (Flag.severity_rank, Intake.highest_severity_rank) and sorted
# descending for urgent-first.
SEVERITY_RANK: Final[dict[str, int]] = {
    severity: len(SEVERITIES) - i for i, severity in enumerate(SEVERITIES)
}
NO_FLAG_RANK: Final = 0
URGENT_RANK: Final = SEVERITY_RANK["urgent"]
SEVERITY_BY_RANK: Final[dict[int, str]] = {rank: name for name, rank in SEVERITY_RANK.items()}
SEVERITY_LABELS: Final[dict[str, str]] = {
    "urgent": _("Urgent"),
    "high": _("High"),
    "moderate": _("Moderate"),
    "info": _("Info"),
}

# -- treatments ("modalities" in the screening's formats) -------------------------

MODALITIES: Final = ("iv_ketamine", "esketamine", "tms", "ect")
# As written in a sentence; capitalise the first letter at the start of a label.
MODALITY_LABELS: Final[dict[str, str]] = {
    "iv_ketamine": _("IV ketamine"),
    "esketamine": _("esketamine"),
    "tms": _("TMS"),
    "ect": _("ECT"),
}

# -- flag codes -----------------------------------------------------------------

# Each code of screening-rules.md ("Flags"), in the spec's order, with a title
# that says what was found. A flag is a topic to discuss, never a decision.
FLAG_TITLES: Final[dict[str, str]] = {
    "suicide_risk": _("Suicidal thoughts or behaviour reported"),
    "trd_likely": _("Two or more adequate antidepressant trials without response"),
    "trd_unconfirmed": _("Fewer than two adequate antidepressant trials without response"),
    "uncontrolled_hypertension": _("Uncontrolled blood pressure"),
    "substance_use_history": _("Alcohol or drug use"),
    "psychosis_history": _("Psychosis, past or current"),
    "bipolar_disorder": _("Bipolar disorder"),
    "vascular_contraindication": _("Aneurysm, vascular malformation or brain bleed"),
    "ketamine_hypersensitivity": _("Allergy to ketamine or esketamine"),
    "recent_cardiovascular_event": _("Recent heart attack, stroke or unstable heart disease"),
    "raised_intracranial_pressure": _("Raised intracranial pressure"),
    "tms_implant_or_metal": _("Metal in the head or an implanted device"),
    "seizure_risk": _("Seizures, head injury or a medicine that lowers the seizure threshold"),
    "pregnancy_or_breastfeeding": _("Pregnant or breastfeeding"),
    "benzodiazepine_use": _("Takes a benzodiazepine"),
    "stimulant_or_maoi_use": _("Takes a stimulant or an MAOI"),
    "age_outside_label": _("Under 18: outside the esketamine label"),
    "severe_depression": _("Severe depression: PHQ-9 20 or more"),
    "bladder_disease": _("Bladder disease (interstitial cystitis)"),
    "liver_disease": _("Liver disease"),
    "glaucoma": _("Glaucoma"),
    "prior_interventional_response": _("Responded to an interventional treatment before"),
}
FLAG_CODES: Final = tuple(FLAG_TITLES)


def flag_title(code: str) -> str:
    """The English title of a flag code (a code not listed reads as itself)."""
    return FLAG_TITLES.get(code, code.replace("_", " "))


# -- instrument bands -------------------------------------------------------------

# (highest total of the band, band) in order; a total falls in the first band
# whose bound it does not exceed (screening-rules.md, "Scores").
PHQ9_BANDS: Final = (
    (4, "minimal"),
    (9, "mild"),
    (14, "moderate"),
    (19, "moderately_severe"),
    (27, "severe"),
)
GAD7_BANDS: Final = ((4, "minimal"), (9, "mild"), (14, "moderate"), (21, "severe"))
DAST10_BANDS: Final = ((0, "none"), (2, "low"), (5, "moderate"), (8, "substantial"), (10, "severe"))
MSM_BANDS: Final = ((6, "mild"), (10, "moderate"), (99, "severe"))
BAND_LABELS: Final[dict[str, str]] = {
    "none": _("none"),
    "minimal": _("minimal"),
    "low": _("low"),
    "mild": _("mild"),
    "moderate": _("moderate"),
    "moderately_severe": _("moderately severe"),
    "substantial": _("substantial"),
    "severe": _("severe"),
    # C-SSRS screener triage (cssrs_risk) and blood-pressure category (bp_category)
    "high": _("high"),
    "normal": _("normal"),
    "elevated": _("elevated"),
    "stage_1": _("stage 1"),
    "stage_2": _("stage 2"),
    "crisis": _("crisis"),
}


def band_of(bands: tuple[tuple[int, str], ...], total: int) -> str:
    """The band a total falls in (the last band for anything above)."""
    for highest, name in bands:
        if total <= highest:
            return name
    return bands[-1][1]


def band_floors(bands: tuple[tuple[int, str], ...]) -> tuple[tuple[int, str], ...]:
    """(lowest total, band) of every band but the first: where a chart draws its lines."""
    return tuple((bands[i - 1][0] + 1, name) for i, (_high, name) in enumerate(bands) if i)


# -- crisis answers -----------------------------------------------------------------

# A "crisis answer" is an answer that calls for same-day action: the patient
# sees crisis resources at once and the on-call clinicians are emailed
# (clinic.safety). It is not the flag severity "urgent": PHQ-9 item 9 alone is a
# crisis answer while the suicide_risk flag it raises is moderate.
CRISIS_CSSRS_KEYS: Final = ("intent", "plan", "behavior_past_3_months")
PHQ9_SELF_HARM_ITEM: Final = 8  # index of item 9 ("better off dead or hurting yourself")

# -- the intake's steps -------------------------------------------------------------

# (step key, title as the patient sees it, document sections it fills), in
# the order the patient fills them in. The form's steps, the review's steps
# and "request more information" all derive from this.
INTAKE_STEPS: Final[tuple[tuple[str, str, tuple[str, ...]], ...]] = (
    ("about", _("About you"), ("patient",)),
    ("feeling", _("How you have been feeling"), ("depression",)),
    ("safety", _("Safety"), ("suicide_screen",)),
    (
        "treatments",
        _("Treatments you have tried"),
        ("antidepressant_trials", "augmentation_trials", "psychotherapy", "procedures"),
    ),
    ("history", _("Mental health history"), ("psychiatric_history",)),
    ("physical", _("Physical health"), ("blood_pressure", "medical_history")),
    ("substances", _("Alcohol and drugs"), ("substance_use",)),
    ("medicines", _("Current medicines and allergies"), ("current_medications", "allergies")),
    ("consent", _("Consent"), ("consent",)),
)
REVIEW_STEP: Final = "review"
REVIEW_STEP_TITLE: Final = _("Review and submit")
STEP_SECTIONS: Final[dict[str, tuple[str, ...]]] = {
    key: sections for key, _title, sections in INTAKE_STEPS
}
STEP_TITLES: Final[dict[str, str]] = {
    **{key: title for key, title, _sections in INTAKE_STEPS},
    REVIEW_STEP: REVIEW_STEP_TITLE,
}
FORM_STEPS: Final = tuple(STEP_SECTIONS)
STEP_KEYS: Final = (*FORM_STEPS, REVIEW_STEP)
SECTION_STEP: Final[dict[str, str]] = {
    section: key for key, sections in STEP_SECTIONS.items() for section in sections
}
# Steps whose answers can be a crisis answer.
SAFETY_STEPS: Final = frozenset({"feeling", "safety"})
