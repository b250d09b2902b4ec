"""What the patient tells the clinic and what it suggests: intakes (each
version a row), screening results and their flags.

The intake's answers are one `clinic-intake/1` document (see
`screening.engine`); a draft holds the sections filled so far, a submitted
version holds the whole validated document and never changes again.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinic.accounts.models import Patient
from clinic.safety import document_has_crisis_answer
from screening.engine.knowledge import ANTIDEPRESSANT_CLASSES
from screening.engine.vocabulary import (
    MODALITIES,
    NO_FLAG_RANK,
    SEVERITIES,
    SEVERITY_LABELS,
    SEVERITY_RANK,
    URGENT_RANK,
    flag_title,
)

# The engine's severities as choices (most serious first); ranks are the
# vocabulary's SEVERITY_RANK.
Severity = models.TextChoices(
    "Severity", [(s.upper(), (s, _(SEVERITY_LABELS[s]))) for s in SEVERITIES]
)

# An intake's highest severity as stored (Intake.highest_severity_rank), most
# serious first; choices, so that the admin's filter needs no query.
SEVERITY_RANK_CHOICES = [
    *((SEVERITY_RANK[s], _(SEVERITY_LABELS[s])) for s in SEVERITIES),
    (NO_FLAG_RANK, _("No flag")),
]

# The review queue's default view: cases still to be worked on (review
# statuses "awaiting review" and "in review"; see Intake.ReviewStatus).
OPEN_REVIEW_STATUSES = ("awaiting_review", "in_review")


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
        # "Book a consult" was decided; shown as "consult booked" once a live
        # consult exists after the decision (review.selectors.consult_booked).
        CONSULT_TO_BOOK = "consult_to_book", _("Consult to book")
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
    # Doses above the label's maximum that the patient confirmed are per day
    # and in mg: [{"section": "antidepressant_trials", "name": "Lexapro",
    # "dose_mg": 2000}, ...]. Beside the document, which has no place for it.
    dose_confirmations = models.JSONField(default=list, blank=True)
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
    highest_severity_rank = models.PositiveSmallIntegerField(
        default=NO_FLAG_RANK, choices=SEVERITY_RANK_CHOICES
    )
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
            # Import is idempotent: one imported intake per document.
            models.UniqueConstraint(
                fields=["content_hash"],
                condition=models.Q(source="import") & ~models.Q(content_hash=""),
                name="intake_import_once",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(submitted_at__isnull=False),
                name="intake_submitted_has_time",
            ),
        ]
        indexes = [
            # Review queue, one review status: WHERE status = 'submitted' AND
            # review_status = %s ORDER BY highest_severity_rank DESC,
            # submitted_at, id LIMIT 50 (read in order, no sort).
            models.Index(
                "review_status",
                models.F("highest_severity_rank").desc(),
                "submitted_at",
                "id",
                name="intake_queue_idx",
                condition=models.Q(status="submitted"),
            ),
            # Review queue, default view: WHERE status = 'submitted' AND
            # review_status IN (open statuses) ORDER BY highest_severity_rank
            # DESC, submitted_at, id LIMIT 50.
            models.Index(
                models.F("highest_severity_rank").desc(),
                "submitted_at",
                "id",
                name="intake_queue_open_idx",
                condition=models.Q(status="submitted", review_status__in=OPEN_REVIEW_STATUSES),
            ),
            # Review queue, all statuses: WHERE status = 'submitted' ORDER BY
            # highest_severity_rank DESC, submitted_at, id LIMIT 50 OFFSET n
            # (deep pages read it backwards: clinic.paging); also its count.
            models.Index(
                models.F("highest_severity_rank").desc(),
                "submitted_at",
                "id",
                name="intake_queue_all_idx",
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
            # Export and rescreen --since: submitted intakes by date; the
            # admin list's ordering and its date hierarchy's first and last.
            models.Index(fields=["submitted_at"], name="intake_submitted_at_idx"),
            # Admin intake list filtered by review status: its count and its
            # page (WHERE review_status = %s ORDER BY submitted_at DESC).
            models.Index(
                fields=["review_status", "-submitted_at"], name="intake_review_status_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} intake v{self.version} ({self.get_status_display()})"

    @property
    def is_urgent(self) -> bool:
        """An urgent flag is current (the flag severity, not a crisis answer)."""
        return self.highest_severity_rank == URGENT_RANK

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def shows_crisis_resources(self) -> bool:
        """The patient sees the crisis resources: a crisis answer is in
        the answers, or reached the server at some point (the clinic was told)."""
        if self.safety_alerted_at is not None:
            return True
        return document_has_crisis_answer(self.document or {})

    def dose_confirmed(self, section: str, name: str, dose_mg: float | None) -> bool:
        """Whether the patient confirmed this dose of this medicine in this list."""
        return dose_confirmation(section, name, dose_mg) in (self.dose_confirmations or [])

    def confirmed_dose_paths(self) -> list[str]:
        """Document paths of the doses the patient confirmed, e.g.
        "antidepressant_trials[0].max_daily_dose_mg"."""
        if not self.dose_confirmations:
            return []
        paths = []
        for section, (name_key, dose_key) in DOSE_LISTS.items():
            for index, row in enumerate(self.document.get(section) or []):
                if self.dose_confirmed(section, row.get(name_key) or "", row.get(dose_key)):
                    paths.append(f"{section}[{index}].{dose_key}")
        return paths

    @property
    def current_result(self) -> ScreeningResult | None:
        return self.results.filter(is_current=True).first()


class Installation(models.Model):
    """This installation's own identity: random values made once per database,
    so that two clinics (or two databases) never export the same identifiers."""

    fhir_namespace = models.UUIDField(
        default=uuid.uuid4,
        editable=False,
        help_text=_("Namespace of the UUIDs of exported FHIR resources (made once, random)."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("installation")

    def __str__(self) -> str:
        return f"Installation {self.fhir_namespace}"

    @classmethod
    def current(cls) -> Installation:
        """The one row, made on first use."""
        found = cls.objects.order_by("pk").first()
        return found if found is not None else cls.objects.create()


# The document's lists that carry a daily dose: (name key, dose key) of a row.
DOSE_LISTS: dict[str, tuple[str, str]] = {
    "antidepressant_trials": ("medication", "max_daily_dose_mg"),
    "augmentation_trials": ("medication", "max_daily_dose_mg"),
    "current_medications": ("name", "daily_dose_mg"),
}


def dose_confirmation(section: str, name: str, dose_mg: float | None) -> dict:
    """How one confirmed dose is kept in `Intake.dose_confirmations`."""
    dose = float(dose_mg) if dose_mg is not None else None
    return {"section": section, "name": " ".join(str(name).split()), "dose_mg": dose}


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
    # SHA-256 of the output, so a re-screen can tell an unchanged result
    # without reading it back.
    digest = models.CharField(max_length=64, blank=True, default="")

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
    # Whether a clinician has acknowledged it: kept by the review's services
    # with its FlagAcknowledgement (the record of who, when and why), so the
    # queue finds the unacknowledged urgent flags in a small index. The
    # database default serves the bulk writers (COPY) that do not name it.
    acknowledged = models.BooleanField(default=False, db_default=False)
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
            # An intake's current flags (the queue's badges, the case page):
            # every rescreen that changes a result retires its flags and keeps
            # them, so after a few policy changes most flags are retired (5
            # million of 5.6 million in the bench) and the FK index alone made
            # PostgreSQL AND it with a whole current-flags index.
            models.Index(
                fields=["intake"],
                name="flag_current_intake_idx",
                condition=models.Q(is_current=True),
            ),
            # The review queue's "urgent and not acknowledged" cases: only the
            # current urgent flags no clinician has acknowledged are in it (a
            # few), not every urgent flag ever acknowledged (see
            # review.selectors.urgent_unacknowledged_ids).
            models.Index(
                fields=["intake"],
                name="flag_urgent_unacknowledged_idx",
                condition=models.Q(is_current=True, severity_rank=URGENT_RANK, acknowledged=False),
            ),
            # Review queue, treatment filter: EXISTS (current flag for the
            # treatment of this intake) and its highest severity rank for it.
            *(
                models.Index(
                    fields=["intake", "severity_rank"],
                    name=f"flag_current_{treatment}_idx",
                    condition=models.Q(is_current=True, **{f"for_{treatment}": True}),
                )
                for treatment in MODALITIES
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_severity_display()})"

    @property
    def title(self) -> str:
        """What was found, in the reader's language."""
        return gettext(flag_title(self.code))


class Medication(models.Model):
    """One row of the medication knowledge (dose table, brand names, drug
    classes): the engine's `medications.json` records, editable in the admin.
    Seeded from `screening/engine/data/medications.json` by a migration."""

    generic = models.CharField(
        max_length=100, unique=True, help_text="Generic name, lower case, e.g. sertraline."
    )
    brand_names = models.JSONField(
        default=list, blank=True, help_text='Brand names, e.g. ["Zoloft"].'
    )
    classes = models.JSONField(
        default=list,
        blank=True,
        help_text=(
            "Drug classes among: antidepressant, benzodiazepine, stimulant, maoi, "
            "seizure_threshold_lowering."
        ),
    )
    min_dose_mg = models.FloatField(
        null=True,
        blank=True,
        help_text="Minimum adequate daily dose, mg, ages 18-64 (empty: not in the dose table).",
    )
    min_dose_older_mg = models.FloatField(
        null=True,
        blank=True,
        help_text="Minimum adequate daily dose, mg, from the older-adult age (empty: same).",
    )
    # The antidepressant's pharmacological class (SSRI, SNRI, ...), kept apart
    # from `classes`: payer criteria count "different classes" from it.
    antidepressant_class = models.CharField(
        max_length=30,
        blank=True,
        default="",
        choices=list(ANTIDEPRESSANT_CLASSES.items()),
        help_text="Antidepressant class, for payer criteria (empty: not an antidepressant).",
    )
    max_dose_mg = models.FloatField(
        null=True,
        blank=True,
        help_text=(
            "Highest daily dose on the product label, mg, adults (empty: none recorded). "
            "A patient typing a higher dose is asked to confirm it is per day and in mg."
        ),
    )
    max_dose_source = models.CharField(
        max_length=300,
        blank=True,
        help_text=(
            "The label the maximum comes from, e.g. 'Zoloft US prescribing information, 2.1'."
        ),
    )

    class Meta:
        ordering = ["generic"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_dose_mg__isnull=True) | models.Q(max_dose_mg__gt=0),
                name="medication_max_dose_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(min_dose_mg__isnull=True) | models.Q(min_dose_mg__gt=0),
                name="medication_min_dose_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(min_dose_older_mg__isnull=True)
                | (models.Q(min_dose_older_mg__gt=0) & models.Q(min_dose_mg__isnull=False)),
                name="medication_older_dose_needs_dose",
            ),
        ]

    def __str__(self) -> str:
        return self.generic

    def to_record(self) -> dict:
        """The engine's record shape (see screening.engine.knowledge)."""
        return {
            "generic": self.generic,
            "brands": list(self.brand_names or []),
            "classes": list(self.classes or []),
            "min_dose_mg": self.min_dose_mg,
            "min_dose_older_mg": self.min_dose_older_mg,
            "antidepressant_class": self.antidepressant_class or None,
            "max_dose_mg": self.max_dose_mg,
            "max_dose_source": self.max_dose_source or None,
        }


class ScreeningPolicy(models.Model):
    """The clinic's screening thresholds: one row (id 1). Change it only
    through `screening.services.policy.policy_update`, which records each
    change and bumps `version`."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    version = models.PositiveIntegerField(default=1)
    bp_high_systolic = models.PositiveSmallIntegerField(
        default=140, help_text="Systolic at or above which a reading is high (mmHg)."
    )
    bp_high_diastolic = models.PositiveSmallIntegerField(
        default=90, help_text="Diastolic at or above which a reading is high (mmHg)."
    )
    bp_crisis_systolic = models.PositiveSmallIntegerField(
        default=180, help_text="Systolic above which a reading is a crisis (mmHg)."
    )
    bp_crisis_diastolic = models.PositiveSmallIntegerField(
        default=120, help_text="Diastolic above which a reading is a crisis (mmHg)."
    )
    bp_recent_days = models.PositiveIntegerField(
        default=90, help_text="A reading taken up to this many days before the intake is recent."
    )
    min_trial_weeks = models.FloatField(
        default=6, help_text="Minimum weeks for an adequate antidepressant trial."
    )
    trd_adequate_failed_trials = models.PositiveSmallIntegerField(
        default=2, help_text="Adequate failed antidepressant trials that raise trd_likely."
    )
    audit_c_positive_male = models.PositiveSmallIntegerField(
        default=4, help_text="AUDIT-C total that is positive for male sex at birth."
    )
    audit_c_positive_other = models.PositiveSmallIntegerField(
        default=3, help_text="AUDIT-C total that is positive for everyone else."
    )
    dast10_cutoff = models.PositiveSmallIntegerField(
        default=3, help_text="DAST-10 total that raises substance_use_history."
    )
    older_adult_age = models.PositiveSmallIntegerField(
        default=65, help_text="Age from which the older-adult dose column applies."
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "screening policy"
        verbose_name_plural = "screening policy"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="screeningpolicy_singleton"),
        ]

    def __str__(self) -> str:
        return f"Screening policy, version {self.version}"


class PolicyChange(models.Model):
    """One recorded change of the screening policy or of the medication
    knowledge: who, when, which value, old and new, and the policy version it
    produced. Append-only."""

    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(default=timezone.now)
    # A policy field name, or "medication:<generic>.<field>" for the dose table.
    field = models.CharField(max_length=200)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    version = models.PositiveIntegerField(help_text="The policy version this change produced.")

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value!r} -> {self.new_value!r} (v{self.version})"
