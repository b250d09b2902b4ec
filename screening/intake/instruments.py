"""The validated questionnaires, worded as published.

PHQ-9 (Kroenke, Spitzer and Williams 2001), GAD-7 (Spitzer et al. 2006),
the Columbia Suicide Severity Rating Scale screener (C-SSRS, screen version,
recent), AUDIT-C (Bush et al. 1998) and DAST-10 (Skinner 1982). The wording
and the answer options must not be edited: the scores are only valid for the
instruments as written.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

FREQUENCY_CHOICES = [
    ("0", _("Not at all")),
    ("1", _("Several days")),
    ("2", _("More than half the days")),
    ("3", _("Nearly every day")),
]

PHQ9_STEM = _(
    "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
)
PHQ9_ITEMS = [
    _("Little interest or pleasure in doing things"),
    _("Feeling down, depressed, or hopeless"),
    _("Trouble falling or staying asleep, or sleeping too much"),
    _("Feeling tired or having little energy"),
    _("Poor appetite or overeating"),
    _(
        "Feeling bad about yourself — or that you are a failure or have let yourself "
        "or your family down"
    ),
    _("Trouble concentrating on things, such as reading the newspaper or watching television"),
    _(
        "Moving or speaking so slowly that other people could have noticed? Or the opposite "
        "— being so fidgety or restless that you have been moving around a lot more than usual"
    ),
    _("Thoughts that you would be better off dead or of hurting yourself in some way"),
]

GAD7_STEM = _("Over the last 2 weeks, how often have you been bothered by the following problems?")
GAD7_ITEMS = [
    _("Feeling nervous, anxious or on edge"),
    _("Not being able to stop or control worrying"),
    _("Worrying too much about different things"),
    _("Trouble relaxing"),
    _("Being so restless that it is hard to sit still"),
    _("Becoming easily annoyed or irritable"),
    _("Feeling afraid as if something awful might happen"),
]

# The screener's time frames, each heading the questions it covers: questions
# 1-5 ask about the past month, question 6 about the whole life (its follow-up
# then narrows it to the past 3 months).
CSSRS_STEM = _("In the past month:")
CSSRS_LIFETIME_STEM = _("Ever in your life:")
CSSRS_PAST_MONTH = ("wish_to_be_dead", "suicidal_thoughts", "method", "intent", "plan")
CSSRS_LIFETIME = ("behavior_lifetime",)
CSSRS_QUESTIONS = {
    "wish_to_be_dead": _(
        "1. Have you wished you were dead or wished you could go to sleep and not wake up?"
    ),
    "suicidal_thoughts": _("2. Have you actually had any thoughts of killing yourself?"),
    "method": _("3. Have you been thinking about how you might do this?"),
    "intent": _("4. Have you had these thoughts and had some intention of acting on them?"),
    "plan": _(
        "5. Have you started to work out or worked out the details of how to kill yourself? "
        "Do you intend to carry out this plan?"
    ),
    "behavior_lifetime": _(
        "6. Have you ever done anything, started to do anything, or prepared to do anything "
        "to end your life?"
    ),
    "behavior_past_3_months": _("Was this within the past 3 months?"),
}
_LEADING_NUMBER = re.compile(r"^\s*\d+\.\s*")


def numbered(question, number: int) -> str:
    """A question as published, with the number it has where it is shown
    (the published number is replaced: follow-ups that are not asked are not
    counted)."""
    return f"{number}. {unnumbered(question)}"


def unnumbered(question) -> str:
    """A question as published, without its number."""
    return _LEADING_NUMBER.sub("", str(question), count=1)


CSSRS_HELP = {
    "method": _(
        'For example: "I thought about taking an overdose but I never made a specific plan '
        "as to when, where or how I would actually do it ... and I would never go through "
        'with it."'
    ),
    "intent": _(
        'As opposed to "I have the thoughts but I definitely will not do anything about them."'
    ),
    "behavior_lifetime": _(
        "Examples: collected pills, obtained a gun, gave away valuables, wrote a will or "
        "suicide note, took out pills but didn't swallow any, held a gun but changed your "
        "mind or it was grabbed from your hand, went to the roof but didn't jump; or actually "
        "took pills, tried to shoot yourself, cut yourself, tried to hang yourself, etc."
    ),
}

# AUDIT-C: when question 1 is "Never", questions 2 and 3 are not asked and
# score 0 (Bush et al. 1998; the published scoring).
AUDIT_C_NEVER = "0"

AUDIT_C_QUESTIONS = [
    (
        _("How often do you have a drink containing alcohol?"),
        [
            ("0", _("Never")),
            ("1", _("Monthly or less")),
            ("2", _("2-4 times a month")),
            ("3", _("2-3 times a week")),
            ("4", _("4 or more times a week")),
        ],
    ),
    (
        _("How many standard drinks containing alcohol do you have on a typical day?"),
        [
            ("0", _("1 or 2")),
            ("1", _("3 or 4")),
            ("2", _("5 or 6")),
            ("3", _("7 to 9")),
            ("4", _("10 or more")),
        ],
    ),
    (
        _("How often do you have six or more drinks on one occasion?"),
        [
            ("0", _("Never")),
            ("1", _("Less than monthly")),
            ("2", _("Monthly")),
            ("3", _("Weekly")),
            ("4", _("Daily or almost daily")),
        ],
    ),
]

DAST10_INTRO = _(
    "The following questions concern information about your possible involvement with drugs "
    'not including alcoholic beverages during the past 12 months. "Drug abuse" refers to '
    "(1) the use of prescribed or over-the-counter drugs in excess of the directions, and "
    "(2) any nonmedical use of drugs. The various classes of drugs may include cannabis "
    "(marijuana, hashish), solvents (e.g., paint thinner), tranquilizers (e.g., Valium), "
    "barbiturates, cocaine, stimulants (e.g., speed), hallucinogens (e.g., LSD) or narcotics "
    "(e.g., heroin). Remember that the questions do not include alcoholic beverages. Please "
    "answer every question. If you have difficulty with a statement, then choose the response "
    "that is mostly right."
)
DAST10_STEM = _("These questions refer to the past 12 months.")
DAST10_ITEMS = [
    _("1. Have you used drugs other than those required for medical reasons?"),
    _("2. Do you abuse more than one drug at a time?"),
    _("3. Are you always able to stop using drugs when you want to?"),
    _('4. Have you had "blackouts" or "flashbacks" as a result of drug use?'),
    _("5. Do you ever feel bad or guilty about your drug use?"),
    _("6. Does your spouse (or parents) ever complain about your involvement with drugs?"),
    _("7. Have you neglected your family because of your use of drugs?"),
    _("8. Have you engaged in illegal activities in order to obtain drugs?"),
    _(
        "9. Have you ever experienced withdrawal symptoms (felt sick) when you stopped "
        "taking drugs?"
    ),
    _(
        "10. Have you had medical problems as a result of your drug use (e.g., memory loss, "
        "hepatitis, convulsions, bleeding, etc.)?"
    ),
]

YES_NO_CHOICES = [("yes", _("Yes")), ("no", _("No"))]
