"""Pure-Python screening engine: the ``clinic-intake/1`` document in, ``clinic-screening/1`` out.

No Django here: the web app, the importer and the command line all call this package.
"""

from .document import (
    SECTION_KEYS,
    DocumentError,
    IntakeDocument,
    parse_document,
    signature_matches,
    translate_errors,
    validate_section,
)
from .knowledge import DEFAULT_KNOWLEDGE, MedicationKnowledge
from .policy import DEFAULT_POLICY, Policy
from .rules import RULES
from .scores import SCORE_KEYS, TrialAssessment, assess_trials
from .screen import RESULT_FORMAT, RULES_VERSION, screen
from .vocabulary import MODALITIES, SEVERITIES

__all__ = [
    "DEFAULT_KNOWLEDGE",
    "DEFAULT_POLICY",
    "MODALITIES",
    "RESULT_FORMAT",
    "RULES",
    "RULES_VERSION",
    "SCORE_KEYS",
    "SECTION_KEYS",
    "SEVERITIES",
    "DocumentError",
    "IntakeDocument",
    "MedicationKnowledge",
    "Policy",
    "TrialAssessment",
    "assess_trials",
    "parse_document",
    "screen",
    "signature_matches",
    "translate_errors",
    "validate_section",
]
