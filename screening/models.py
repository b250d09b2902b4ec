"""What the patient tells the clinic and what it suggests: intakes (each
version a row), screening results and their flags.

The intake's answers are one `clinic-intake/1` document (see
`screening.engine`); a draft holds the sections filled so far, a submitted
version holds the whole validated document and never changes again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic.accounts.models import Patient

SEVERITY_RANK = {"urgent": 4, "high": 3, "moderate": 2, "info": 1}


class Severity(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    MODERATE = "moderate", _("Moderate")
    INFO = "info", _("Info")


class Intake(models.Model):
    """One version of a patient's intake. Version 1 is the first; an update
    is a new row pre-filled from the last submitted one."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("In progress")
        SUBMITTED = "submitted", _("Submitted")

    class Source(models.TextChoices):
        WEB = "web", _("Web form")
        IMPORT = "import", _("Import")

    class ReviewStatus(models.TextChoices):
        AWAITING = "awaiting_review", _("Awaiting review")
        IN_REVIEW = "in_review", _("In review")
        MORE_INFO = "more_info_requested", _("More information requested")
        CONSULT_BOOKED = "consult_booked", _("Consult booked")
        CLOSED = "closed", _("Closed")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="intakes")
    version = models.PositiveIntegerField(default=1)
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    document = models.JSONField(
        default=dict, help_text="The clinic-intake/1 document (partial while a draft)."
    )
    # Per form step: "complete" or "attention"; absent = not started.
    step_state = models.JSONField(default=dict, blank=True)
    # Steps a clinician asked the patient to update ("more information").
    reopened_steps = models.JSONField(default=list, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    content_hash = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the canonical document, for import."
    )
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    safety_alerted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the on-call clinicians were emailed."
    )

    # Review of a submitted version (the clinician's case).
    review_status = models.CharField(
        max_length=24, choices=ReviewStatus.choices, default=ReviewStatus.AWAITING
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_intakes",
    )
    # Copied from the current screening result so the queue sorts and shows
    # without joins: 4 urgent .. 1 info, 0 none.
    highest_severity_rank = models.PositiveSmallIntegerField(default=0)
    phq9_total = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(status="draft"),
                name="intake_one_draft_per_patient",
            ),
            models.UniqueConstraint(fields=["patient", "version"], name="intake_version_unique"),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(submitted_at__isnull=False),
                name="intake_submitted_has_time",
            ),
        ]
        indexes = [
            # Review queue: submitted intakes in a review status, ordered by
            # severity then age.
            models.Index(
                "review_status",
                models.F("highest_severity_rank").desc(),
                "submitted_at",
                name="intake_queue_idx",
                condition=models.Q(status="submitted"),
            ),
            # Review queue filter "assigned to ...".
            models.Index(
                fields=["assigned_to", "review_status"],
                name="intake_assigned_idx",
                condition=models.Q(status="submitted"),
            ),
            # Import idempotency: find an intake by the sender's id or content hash.
            models.Index(fields=["external_id"], name="intake_external_id_idx"),
            models.Index(fields=["content_hash"], name="intake_content_hash_idx"),
            # Export and rescreen --since: submitted intakes by date.
            models.Index(fields=["submitted_at"], name="intake_submitted_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.patient} intake v{self.version} ({self.get_status_display()})"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def current_result(self) -> ScreeningResult | None:
        return self.results.filter(is_current=True).first()


class ScreeningResult(models.Model):
    """The `clinic-screening/1` output for one intake, with the rules and
    policy versions it was computed with. Re-screening adds a new current
    result and keeps the old ones as history."""

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="results")
    computed_at = models.DateTimeField(default=timezone.now)
    rules_version = models.CharField(max_length=20)
    policy_version = models.PositiveIntegerField()
    is_current = models.BooleanField(default=True)
    scores = models.JSONField(default=dict)
    output = models.JSONField(default=dict, help_text="The whole clinic-screening/1 result.")
    highest_severity = models.CharField(
        max_length=10, choices=Severity.choices, blank=True, default=""
    )

    class Meta:
        ordering = ["-computed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["intake"],
                condition=models.Q(is_current=True),
                name="screeningresult_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"Screening of {self.intake} at {self.computed_at:%Y-%m-%d %H:%M}"


class Flag(models.Model):
    """One topic for a clinician to discuss, raised by a screening rule."""

    result = models.ForeignKey(ScreeningResult, on_delete=models.CASCADE, related_name="flags")
    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="flags")
    is_current = models.BooleanField(default=True)
    code = models.CharField(max_length=60)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    severity_rank = models.PositiveSmallIntegerField()
    modalities = models.JSONField(default=list)
    # The four treatments as columns, so the queue filters work on SQLite too.
    for_iv_ketamine = models.BooleanField(default=False)
    for_esketamine = models.BooleanField(default=False)
    for_tms = models.BooleanField(default=False)
    for_ect = models.BooleanField(default=False)
    summary = models.TextField()
    evidence = models.JSONField(default=list)
    source = models.TextField(blank=True)

    class Meta:
        ordering = ["-severity_rank", "code"]
        indexes = [
            # Review queue filters "flag code" and "severity" on current flags.
            models.Index(
                fields=["code", "intake"], name="flag_code_idx", condition=models.Q(is_current=True)
            ),
            models.Index(
                fields=["severity_rank", "intake"],
                name="flag_severity_idx",
                condition=models.Q(is_current=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.severity})"
