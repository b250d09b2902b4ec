"""Measurement-based care: the cadence of each treatment, the measurements
due and taken in each course, the notices sent for them, and each course's
computed result (one row per course, so the clinic's results page is a few
aggregate queries however many courses there are).

A treatment course is the scheduling app's course of appointments
(`COURSE_MODEL`); its sessions are its completed appointments of the
treatment's session type.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from clinic.accounts.models import Patient
from screening.engine import outcomes as engine
from screening.engine.vocabulary import MODALITIES, MSM_BANDS, PHQ9_BANDS
from screening.labels import band_label, modality_label

# The scheduling app's treatment course (appointments booked together).
COURSE_MODEL = "scheduling.Course"


def _band_label(band: str, low: int | None, high: int | None, instrument: str = "") -> str:
    """A band with its range of totals, e.g. "Mild (5-9)", "Mild (MSM 6 or less)"."""
    if low is None:
        totals = gettext("%(high)s or less") % {"high": high}
    elif high is None:
        totals = gettext("%(low)s or more") % {"low": low}
    else:
        totals = f"{low}-{high}"
    return gettext("%(band)s (%(totals)s)") % {
        "band": capfirst(band_label(band)),
        "totals": f"{instrument} {totals}" if instrument else totals,
    }


def _age_band_label(key: str) -> str:
    return gettext(engine.AGE_BAND_LABELS[key])


# Choices from the vocabulary (treatments, PHQ-9 and Maudsley bands) and the
# engine's age bands, translated when shown.
TREATMENT_CHOICES = [(key, lazy(modality_label, str)(key)) for key in MODALITIES]
INSTRUMENT_CHOICES = [(key, label) for key, (label, _maximum) in engine.INSTRUMENTS.items()]
AGE_BAND_CHOICES = [(key, lazy(_age_band_label, str)(key)) for _lowest, key in engine.AGE_BANDS]
SEVERITY_BAND_CHOICES = [
    (band, lazy(_band_label, str)(band, low, high))
    for band, low, high in engine.band_ranges(PHQ9_BANDS, lowest=0)
]
TRD_BAND_CHOICES = [
    (band, lazy(_band_label, str)(band, low, high, "MSM"))
    for band, low, high in engine.band_ranges(MSM_BANDS, open_ended=True)
]


def validate_months_after(value) -> None:
    if not isinstance(value, list) or not all(
        isinstance(item, int) and not isinstance(item, bool) and 0 < item <= 24 for item in value
    ):
        raise ValidationError(_("Give a list of whole months after the course, e.g. [1, 3, 6]."))
    if len(set(value)) != len(value):
        raise ValidationError(_("Each month may appear only once."))


def default_months_after() -> list[int]:
    return [1, 3, 6]


class MeasurementCadence(models.Model):
    """When the courses of one treatment are measured with a PHQ-9 check-in."""

    treatment = models.CharField(
        _("treatment"), max_length=20, choices=TREATMENT_CHOICES, unique=True
    )
    session_type = models.ForeignKey(
        "scheduling.AppointmentType",
        on_delete=models.PROTECT,
        verbose_name=_("session appointment type"),
        help_text=_("A course with appointments of this type is a course of this treatment."),
    )
    before_each_session = models.BooleanField(
        _("before each session"),
        default=False,
        help_text=_("A check-in before every session (induction and maintenance alike)."),
    )
    every_days = models.PositiveSmallIntegerField(
        _("every N days"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_(
            "A check-in every N days from the first session while the course runs (7: weekly)."
        ),
    )
    at_end = models.BooleanField(_("at the end of the course"), default=True)
    months_after = models.JSONField(
        _("months after the course"),
        default=default_months_after,
        blank=True,
        validators=[validate_months_after],
        help_text=_("Follow-up check-ins this many months after the last session, e.g. [1, 3, 6]."),
    )
    chart_by_week = models.BooleanField(
        _("chart by week"),
        default=False,
        help_text=_("Chart the course by week; otherwise by session number."),
    )

    class Meta:
        ordering = ["treatment"]

    def __str__(self) -> str:
        return str(self.get_treatment_display())

    def clean(self) -> None:
        if self.months_after in (None, ""):
            self.months_after = []  # left empty: no follow-up check-ins


class Measurement(models.Model):
    """One score of one course: due by the cadence (sent as a check-in) or
    recorded by staff in clinic. `score` is empty until it is answered."""

    class Kind(models.TextChoices):
        BASELINE = "baseline", _("Baseline")
        SESSION = "session", _("Before a session")
        INTERVAL = "interval", _("During the course")
        END = "end", _("End of course")
        FOLLOW_UP = "follow_up", _("Follow-up")
        CLINIC = "clinic", _("Recorded in clinic")
        INTAKE = "intake", _("Intake")

    course = models.ForeignKey(COURSE_MODEL, on_delete=models.CASCADE, related_name="measurements")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="measurements")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    instrument = models.CharField(
        _("instrument"), max_length=8, choices=INSTRUMENT_CHOICES, default="phq9"
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    months_after = models.PositiveSmallIntegerField(null=True, blank=True)
    checkin = models.OneToOneField(
        "scheduling.CheckIn",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="measurement",
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    item9 = models.PositiveSmallIntegerField(_("PHQ-9 item 9"), null=True, blank=True)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    corrected_at = models.DateTimeField(null=True, blank=True)
    correction_reason = models.CharField(_("reason for the correction"), max_length=300, blank=True)
    # Set when the course's result is recomputed, for the charts (the
    # course's treatment is copied here so the charts need no join).
    treatment = models.CharField(max_length=20, choices=TREATMENT_CHOICES, blank=True)
    week = models.SmallIntegerField(null=True, blank=True)
    session_number = models.SmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["course", "due_on", "taken_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "kind", "due_on"],
                condition=models.Q(due_on__isnull=False),
                name="measurement_one_per_due",
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__lte=60),
                name="measurement_score_range",
            ),
            models.CheckConstraint(
                condition=models.Q(item9__isnull=True) | models.Q(item9__lte=3),
                name="measurement_item9_range",
            ),
        ]
        indexes = [
            # The course page and the recompute: one course's measurements.
            models.Index(fields=["course", "taken_at"], name="measurement_course_idx"),
            # The outcomes charts: answered PHQ-9 of the course by treatment and week/session.
            models.Index(
                fields=["treatment", "course", "week", "session_number"],
                condition=models.Q(score__isnull=False, instrument="phq9"),
                name="measurement_chart_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} {self.get_kind_display()} ({self.course_id})"

    @property
    def is_answered(self) -> bool:
        return self.score is not None


class MeasurementNotice(models.Model):
    """The email of one measurement's check-in: number 0 when it is due,
    then a reminder on each of the next 2 days. Sent once each: delivery
    claims the row and sets `sent_at` in one transaction; skipped once the
    check-in is answered."""

    measurement = models.ForeignKey(Measurement, on_delete=models.CASCADE, related_name="notices")
    number = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    skipped_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["measurement", "number"], name="notice_once_per_number"
            ),
        ]
        indexes = [
            # `notices_send_due`: unsent, unskipped notices by due time.
            models.Index(
                fields=["due_at"],
                condition=models.Q(sent_at__isnull=True, skipped_at__isnull=True),
                name="notice_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Notice {self.number} of {self.measurement}"


class CourseResult(models.Model):
    """One course's computed result, rewritten whenever a score of the course
    is added or corrected (`course_result_recompute`)."""

    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("treatment course", "Not started")
        ACTIVE = "active", pgettext_lazy("treatment course", "In progress")
        COMPLETED = "completed", pgettext_lazy("treatment course", "Completed")
        STOPPED = "stopped", pgettext_lazy("treatment course", "Stopped early")

    course = models.OneToOneField(COURSE_MODEL, on_delete=models.CASCADE, related_name="result")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="course_results")
    treatment = models.CharField(max_length=20, choices=TREATMENT_CHOICES, blank=True)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default="planned")
    started_on = models.DateField(null=True, blank=True)
    start_quarter = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    sessions_held = models.PositiveSmallIntegerField(default=0)
    sessions_planned = models.PositiveSmallIntegerField(default=0)
    age_band = models.CharField(max_length=10, choices=AGE_BAND_CHOICES, blank=True)
    baseline_band = models.CharField(max_length=20, choices=SEVERITY_BAND_CHOICES, blank=True)
    trd_band = models.CharField(max_length=10, choices=TRD_BAND_CHOICES, blank=True)
    baseline_score = models.PositiveSmallIntegerField(null=True, blank=True)
    baseline_on = models.DateField(null=True, blank=True)
    final_score = models.PositiveSmallIntegerField(null=True, blank=True)
    final_on = models.DateField(null=True, blank=True)
    change = models.SmallIntegerField(null=True, blank=True)
    percent_change = models.FloatField(null=True, blank=True)
    intent_to_treat = models.BooleanField(default=False)
    completer = models.BooleanField(default=False)
    responded = models.BooleanField(default=False)
    remitted = models.BooleanField(default=False)
    response_on = models.DateField(null=True, blank=True)
    remission_on = models.DateField(null=True, blank=True)
    days_to_response = models.PositiveSmallIntegerField(null=True, blank=True)
    excluded_reason = models.CharField(max_length=20, blank=True)
    measurements_due = models.PositiveSmallIntegerField(default=0)
    measurements_answered = models.PositiveSmallIntegerField(default=0)
    crisis_answers = models.PositiveSmallIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_on"]
        indexes = [
            # The outcomes page: every aggregate groups by treatment within a period.
            models.Index(fields=["treatment", "started_on"], name="result_treatment_start_idx"),
            # The clinician filter.
            models.Index(fields=["clinician", "started_on"], name="result_clinician_start_idx"),
            # The per-quarter rates.
            models.Index(fields=["treatment", "start_quarter"], name="result_quarter_idx"),
        ]

    def __str__(self) -> str:
        return f"Result of course {self.course_id}"


def new_key() -> str:
    return secrets.token_hex(32)


class OutcomesSecret(models.Model):
    """The installation's key for pseudonymous patient ids in exports: made
    once, kept in the database (not the SECRET_KEY), never shown."""

    key = models.CharField(max_length=64, default=new_key)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("outcomes export key")

    def __str__(self) -> str:
        return f"Export key of {self.created_at:%Y-%m-%d}"
