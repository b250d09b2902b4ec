"""Prior authorization: payer policies as data, what the clinician adds for
them, the packets sent, and the authorizations with their sessions.

A policy's criteria are rows of kinds the engine checks
(`screening.engine.coverage.CRITERION_KINDS`); editing a policy in the admin
bumps its `version`, and the audit log keeps each change. Packets are kept
with the policy version and a snapshot of its criteria.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic.accounts.models import Patient
from screening.engine.coverage import CRITERION_KINDS, STAGES, TREATMENTS

TREATMENT_CHOICES = [(key, label) for key, label in TREATMENTS.items()]


class PayerPolicy(models.Model):
    """One payer's coverage policy for one treatment."""

    payer = models.CharField(_("payer"), max_length=120)
    treatment = models.CharField(_("treatment"), max_length=20, choices=TREATMENT_CHOICES)
    name = models.CharField(_("policy name"), max_length=200)
    identifier = models.CharField(_("policy identifier"), max_length=80)
    source_url = models.URLField(_("source"), max_length=500)
    effective_on = models.DateField(_("effective date"), null=True, blank=True)
    sessions_requested = models.PositiveSmallIntegerField(
        _("sessions usually requested"), default=36
    )
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("payer policy")
        verbose_name_plural = _("payer policies")
        ordering = ["treatment", "payer", "identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["payer", "identifier", "treatment"], name="payerpolicy_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer}: {self.identifier} ({self.get_treatment_display()})"


class PayerCriterion(models.Model):
    """One criterion of a policy: a kind the engine checks, its parameters,
    and the policy's own words."""

    policy = models.ForeignKey(PayerPolicy, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    stage = models.CharField(
        _("stage"),
        max_length=20,
        choices=[(s, s) for s in STAGES],
        default="initial",
        help_text=_("initial: the first request; continuation: re-authorization."),
    )
    kind = models.CharField(
        _("kind"), max_length=40, choices=[(k, v.label) for k, v in CRITERION_KINDS.items()]
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    text = models.TextField(_("policy text"))

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["policy", "stage", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.policy_id} #{self.position} {self.kind}"

    def to_record(self) -> dict:
        return {"kind": self.kind, "params": self.params, "text": self.text, "stage": self.stage}


class PriorAuthRecord(models.Model):
    """What payers ask and the intake does not, added by a clinician on the
    case page; one per patient, audited."""

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, related_name="prior_auth_record"
    )
    # {"<medication as typed, lower case>": {"improvement_pct", "started_on", "ended_on"}}
    trial_details = models.JSONField(default=dict, blank=True)
    # [{"modality", "sessions", "started_on", "ended_on"}]
    psychotherapy = models.JSONField(default=list, blank=True)
    # [{"scale": "hamd17"|"madrs", "total", "on"}]
    scores = models.JSONField(default=list, blank=True)
    diagnosis_icd10 = models.CharField(_("diagnosis (ICD-10)"), max_length=10, blank=True)
    pdmp_checked_on = models.DateField(_("PDMP checked on"), null=True, blank=True)
    height_cm = models.DecimalField(
        _("height (cm)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(30), MaxValueValidator(272)],
    )
    weight_kg = models.DecimalField(
        _("weight (kg)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(700)],
    )
    psychiatrist_name = models.CharField(_("ordering psychiatrist"), max_length=200, blank=True)
    psychiatrist_npi = models.CharField(_("psychiatrist's NPI"), max_length=10, blank=True)
    substance_use_treated = models.BooleanField(
        _("substance use disorder treated or not moderate/severe"), null=True, blank=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("prior-authorization record")

    def __str__(self) -> str:
        return f"Prior-authorization record of {self.patient_id}"


class Packet(models.Model):
    """A prior-authorization packet generated as PDF. Kept, never changed."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="packets")
    intake = models.ForeignKey("screening.Intake", on_delete=models.PROTECT, related_name="packets")
    policy = models.ForeignKey(PayerPolicy, on_delete=models.PROTECT, related_name="packets")
    policy_version = models.PositiveIntegerField()
    criteria = models.JSONField(default=list)  # the criteria as they were
    stage = models.CharField(max_length=20, default="initial")
    cover_letter = models.TextField()
    sessions_requested = models.PositiveSmallIntegerField()
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The packet download: the latest packet of a case for a policy.
            models.Index(fields=["intake", "policy", "-created_at"], name="packet_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"Packet {self.pk} for {self.patient_id} ({self.policy_id} v{self.policy_version})"


class AuthorizationStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")
    APPEALED = "appealed", _("Appealed")
    EXPIRED = "expired", _("Expired")


class Authorization(models.Model):
    """A payer's authorization of a treatment for a patient."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="authorizations")
    treatment = models.CharField(_("treatment"), max_length=20, choices=TREATMENT_CHOICES)
    payer = models.CharField(_("payer"), max_length=120)
    policy = models.ForeignKey(
        PayerPolicy,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="authorizations",
    )
    reference = models.CharField(_("reference number"), max_length=80, blank=True)
    units_approved = models.PositiveSmallIntegerField(_("sessions approved"), null=True, blank=True)
    start_on = models.DateField(_("start date"), null=True, blank=True)
    end_on = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=AuthorizationStatus.choices,
        default=AuthorizationStatus.REQUESTED,
    )
    requested_on = models.DateField(_("requested on"), default=timezone.localdate)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-requested_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_on__isnull=True)
                | models.Q(start_on__isnull=True)
                | models.Q(end_on__gte=models.F("start_on")),
                name="authorization_end_after_start",
            ),
        ]
        indexes = [
            # Booking check and sessions left: a patient's authorizations per treatment.
            models.Index(fields=["patient", "treatment"], name="auth_patient_treatment_idx"),
            # Needs attention: open requests and approvals.
            models.Index(fields=["status", "requested_on"], name="auth_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.payer} {self.get_treatment_display()} ({self.get_status_display()})"
