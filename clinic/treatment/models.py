"""Treatment sessions: one record per treatment appointment, its vitals,
addenda, the clinic's vitals limits and protocols, and the SPRAVATO REMS
(site certification, patient enrolment, monitoring-form submissions).

A signed session never changes: the services refuse, and on PostgreSQL
triggers (migration 0002) refuse UPDATE and DELETE of a signed session, of
the vitals of a signed session, and of any addendum or REMS submission.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic.accounts.models import Patient
from clinic.scheduling.models import Appointment, AppointmentType
from clinic.treatment import clinical


class Modality(models.TextChoices):
    IV_KETAMINE = clinical.IV_KETAMINE, _("IV ketamine infusion")
    ESKETAMINE = clinical.ESKETAMINE, _("Esketamine session")
    TMS = clinical.TMS, _("TMS session")
    ECT = clinical.ECT, _("ECT session")


class SessionState(models.TextChoices):
    NOT_STARTED = clinical.NOT_STARTED, _("Not started")
    IN_PROGRESS = clinical.IN_PROGRESS, _("In progress")
    MONITORING = clinical.MONITORING, _("Monitoring")
    READY_TO_SIGN = clinical.READY_TO_SIGN, _("Ready to sign")
    SIGNED = clinical.SIGNED, _("Signed")


class TreatmentProtocol(models.Model):
    """Per treatment: the appointment type it is booked as, the vitals time
    points and (IV ketamine) the dose maximum. Editable in the admin."""

    modality = models.CharField(
        _("treatment"), max_length=20, choices=Modality.choices, unique=True
    )
    appointment_type = models.OneToOneField(
        AppointmentType, on_delete=models.PROTECT, related_name="treatment_protocol"
    )
    vitals_minutes = models.JSONField(
        _("vitals time points (minutes after the start)"),
        default=list,
        blank=True,
        help_text=_(
            "Minutes after the dose or start, e.g. [0, 15, 30, 45, 60]; discharge is added."
        ),
    )
    max_mg_per_kg = models.FloatField(_("maximum dose (mg/kg)"), default=1.0)
    max_total_mg = models.FloatField(_("maximum total dose (mg)"), default=150.0)

    class Meta:
        ordering = ["modality"]

    def __str__(self) -> str:
        return self.get_modality_display()


class VitalsLimits(models.Model):
    """The clinic's vitals limits: one row (id 1). Change it only through
    `vitals_limits_update`, which records each change."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    version = models.PositiveIntegerField(default=1)
    systolic_high = models.PositiveSmallIntegerField(
        default=180, help_text=_("Systolic at or above which a reading is marked (mmHg).")
    )
    diastolic_high = models.PositiveSmallIntegerField(
        default=110, help_text=_("Diastolic at or above which a reading is marked (mmHg).")
    )
    heart_rate_low = models.PositiveSmallIntegerField(
        default=50, help_text=_("Heart rate below which a reading is marked (/min).")
    )
    heart_rate_high = models.PositiveSmallIntegerField(
        default=120, help_text=_("Heart rate above which a reading is marked (/min).")
    )
    spo2_low = models.PositiveSmallIntegerField(
        default=92, help_text=_("SpO2 below which a reading is marked (%).")
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("vitals limits")
        verbose_name_plural = _("vitals limits")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="vitalslimits_singleton")
        ]

    def __str__(self) -> str:
        return f"Vitals limits, version {self.version}"

    def to_limits(self) -> clinical.VitalsLimits:
        return clinical.VitalsLimits.from_dict(
            {name: getattr(self, name) for name in clinical.LIMIT_FIELDS}
        )


class VitalsLimitsChange(models.Model):
    """One recorded change of the vitals limits. Append-only."""

    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    field = models.CharField(max_length=40)
    old_value = models.IntegerField()
    new_value = models.IntegerField()
    version = models.PositiveIntegerField()

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} -> {self.new_value} (v{self.version})"


class RemsCertification(models.Model):
    """The clinic's SPRAVATO REMS healthcare-setting certification."""

    setting_identifier = models.CharField(_("REMS setting identifier"), max_length=60, unique=True)
    setting_name = models.CharField(_("healthcare setting name"), max_length=200)
    address_line1 = models.CharField(_("address 1"), max_length=200)
    address_line2 = models.CharField(_("address 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100)
    state = models.CharField(_("state"), max_length=40)
    zip_code = models.CharField(_("ZIP"), max_length=20)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    certified_on = models.DateField(_("certified on"))
    authorized_representative = models.CharField(_("authorized representative"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-certified_on"]
        verbose_name = _("REMS site certification")

    def __str__(self) -> str:
        return f"{self.setting_name} ({self.setting_identifier})"


class RemsEnrollment(models.Model):
    """A patient's enrolment in the SPRAVATO REMS."""

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, related_name="rems_enrollment"
    )
    enrolled_on = models.DateField(_("enrolled on"))
    patient_identifier = models.CharField(_("REMS patient identifier"), max_length=60)

    class Meta:
        ordering = ["-enrolled_on"]
        verbose_name = _("REMS patient enrolment")

    def __str__(self) -> str:
        return f"{self.patient} REMS {self.patient_identifier}"


class TreatmentSession(models.Model):
    """The chart of one treatment appointment."""

    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="treatment_session"
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="treatment_sessions"
    )
    modality = models.CharField(max_length=20, choices=Modality.choices)
    document_format = models.CharField(max_length=60)
    document = models.JSONField(default=dict, blank=True)
    # What was typed but is not valid (yet): field -> raw text. Never lost.
    typed = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        max_length=20, choices=SessionState.choices, default=SessionState.IN_PROGRESS
    )
    # Columns the lists and reports query.
    dosed_at = models.DateTimeField(null=True, blank=True)
    discharged_at = models.DateTimeField(null=True, blank=True)
    held = models.BooleanField(default=False)
    billing_code = models.CharField(max_length=10, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    alerted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the on-call clinicians were alerted (a seizure)."
    )

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(signed_at__isnull=True, signed_by__isnull=True)
                | models.Q(signed_at__isnull=False, signed_by__isnull=False, state="signed"),
                name="session_signed_has_signer",
            ),
        ]
        indexes = [
            # The patient's sessions on the case page, newest first.
            models.Index(fields=["patient", "started_at"], name="session_patient_idx"),
            # The REMS due list: esketamine sessions, oldest first.
            models.Index(
                fields=["started_at"],
                condition=models.Q(modality="esketamine"),
                name="session_esketamine_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_modality_display()} {self.appointment}"

    def get_absolute_url(self) -> str:
        return reverse("treatment:session", args=[self.pk])

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class VitalSign(models.Model):
    """One set of vitals taken during a session."""

    class Phase(models.TextChoices):
        PRE_DOSE = "pre_dose", _("Before dosing")
        CHECK = "check", _("Scheduled check")
        AS_NEEDED = "as_needed", _("As needed")
        DISCHARGE = "discharge", _("Before discharge")

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="vitals")
    taken_at = models.DateTimeField(_("time"))
    phase = models.CharField(_("when"), max_length=12, choices=Phase.choices)
    systolic = models.PositiveSmallIntegerField(_("systolic"), null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField(_("diastolic"), null=True, blank=True)
    heart_rate = models.PositiveSmallIntegerField(_("heart rate"), null=True, blank=True)
    spo2 = models.PositiveSmallIntegerField(_("SpO2"), null=True, blank=True)
    respiratory_rate = models.PositiveSmallIntegerField(
        _("respiratory rate"), null=True, blank=True
    )
    out_of_limits = models.JSONField(default=list, blank=True)
    limits_version = models.PositiveIntegerField(default=1)
    predose_high = models.BooleanField(default=False)
    response = models.TextField(_("response"), blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["taken_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(diastolic__isnull=True)
                | models.Q(systolic__isnull=True)
                | models.Q(diastolic__lt=models.F("systolic")),
                name="vitalsign_diastolic_below_systolic",
            ),
        ]
        indexes = [
            # A session's vitals in time order (the chart and the trend).
            models.Index(fields=["session", "taken_at"], name="vitalsign_session_idx"),
        ]

    def __str__(self) -> str:
        return f"Vitals {self.taken_at:%H:%M} ({self.session_id})"

    @property
    def needs_response(self) -> bool:
        return bool(self.out_of_limits) and not self.response


class Addendum(models.Model):
    """A correction or addition to a signed session. Append-only."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="addenda")
    reason = models.CharField(_("reason"), max_length=300)
    body = models.TextField(_("addendum"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = _("addenda")

    def __str__(self) -> str:
        return f"Addendum to {self.session_id} by {self.author} ({self.created_at:%Y-%m-%d})"


class RemsSubmission(models.Model):
    """The REMS Patient Monitoring Form of one esketamine session, submitted."""

    class Method(models.TextChoices):
        ONLINE = "online", _("Online (REMS website)")
        FAX = "fax", _("Fax")

    session = models.OneToOneField(
        TreatmentSession, on_delete=models.PROTECT, related_name="rems_submission"
    )
    method = models.CharField(_("submitted by"), max_length=10, choices=Method.choices)
    confirmation = models.CharField(_("confirmation number"), max_length=100, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"REMS form of session {self.session_id} ({self.submitted_at:%Y-%m-%d})"
