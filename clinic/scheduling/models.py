"""The clinic's time: appointment types, rooms, clinicians' hours and time off,
appointments, course plans and treatment courses, reminders, calendar feeds,
patients' change requests and follow-up check-ins.

No clinician, room or patient is ever in two live appointments at once. On
PostgreSQL the database keeps that rule with exclusion constraints (created by
migration 0002 only on PostgreSQL, see `clinic.scheduling.migration_ops`); on
every database the booking services check it under a lock first, so the
person booking gets a message naming the conflict.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic.accounts.models import Patient

DEFAULT_REMINDER_OFFSETS = [24 * 60, 2 * 60]
# No appointment is longer (a constraint holds every row to it), so a search
# for the appointments overlapping a window can bound `start` from below as
# well as from above, and read only the window from the (resource, start)
# indexes instead of the resource's whole history.
MAX_APPOINTMENT_MINUTES = 12 * 60


def default_reminder_offsets() -> list[int]:
    return list(DEFAULT_REMINDER_OFFSETS)


def validate_reminder_offsets(value) -> None:
    if not isinstance(value, list) or not all(
        isinstance(item, int) and not isinstance(item, bool) and 0 < item <= 60 * 24 * 14
        for item in value
    ):
        raise ValidationError(
            _("Give a list of whole minutes before the appointment, e.g. [1440, 120].")
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("Each reminder time may appear only once."))


def new_token() -> str:
    return secrets.token_urlsafe(32)


class AppointmentType(models.Model):
    """A kind of appointment: consult, follow-up, or a treatment session."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)
    default_minutes = models.PositiveSmallIntegerField(_("default length (minutes)"))
    needs_clinician = models.BooleanField(_("needs a clinician"), default=True)
    needs_room = models.BooleanField(_("needs a room"), default=False)
    colour = models.CharField(
        _("colour"),
        max_length=7,
        default="#0d6efd",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1a7f37."))],
    )
    reminder_offsets = models.JSONField(
        _("reminders (minutes before)"),
        default=default_reminder_offsets,
        validators=[validate_reminder_offsets],
        help_text=_("Minutes before the start at which a reminder is emailed, e.g. [1440, 120]."),
    )
    sends_checkin = models.BooleanField(
        _("sends a check-in"),
        default=False,
        help_text=_("The reminder carries a link to a short PHQ-9 and safety check-in."),
    )
    preparation = models.TextField(
        _("preparation"),
        blank=True,
        help_text=_(
            "What the patient must do before this appointment (shown on their appointments "
            "page and in the booking email), one instruction per line."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(default_minutes__gte=5), name="appointmenttype_min_length"
            ),
            models.CheckConstraint(
                condition=models.Q(default_minutes__lte=MAX_APPOINTMENT_MINUTES),
                name="appointmenttype_max_length",
                violation_error_message=_("An appointment is at most 12 hours long."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def reminder_offsets_display(self) -> list[str]:
        """`[1440, 120]` as "24 hours before", "2 hours before"."""
        return [offset_words(minutes) for minutes in self.reminder_offsets or []]


def offset_words(minutes: int) -> str:
    """A reminder offset in the words a person would use."""
    from django.utils.translation import ngettext

    if minutes % (24 * 60) == 0 and minutes >= 2 * 24 * 60:
        days = minutes // (24 * 60)
        return ngettext("%(n)d day before", "%(n)d days before", days) % {"n": days}
    if minutes % 60 == 0:
        count = minutes // 60
        return ngettext("%(n)d hour before", "%(n)d hours before", count) % {"n": count}
    return ngettext("%(n)d minute before", "%(n)d minutes before", minutes) % {"n": minutes}


class Room(models.Model):
    """A room or chair with its own calendar: an infusion chair, the TMS room."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WorkingHours(models.Model):
    """One block of a clinician's regular week, in the clinic's time zone."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="working_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))

    class Meta:
        verbose_name_plural = _("working hours")
        ordering = ["clinician", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="workinghours_end_after_start",
            ),
        ]
        indexes = [
            # Booking checks and the slot finder read one clinician's day.
            models.Index(fields=["clinician", "weekday"], name="workinghours_day_idx"),
        ]

    def __str__(self) -> str:
        hours = f"{self.start_time:%H:%M}-{self.end_time:%H:%M}"
        return f"{self.clinician} {self.get_weekday_display()} {hours}"


class TimeOff(models.Model):
    """A clinician's leave: no bookings without an override."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="time_off"
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name_plural = _("time off")
        ordering = ["clinician", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="timeoff_end_after_start"
            ),
        ]
        indexes = [
            # Booking checks: time off of one clinician overlapping a slot.
            models.Index(fields=["clinician", "start"], name="timeoff_clinician_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.clinician} off {self.start:%Y-%m-%d %H:%M} - {self.end:%Y-%m-%d %H:%M}"


class CoursePlan(models.Model):
    """The template of a treatment course: its sessions and follow-ups, by day."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CoursePlanStep(models.Model):
    """One appointment of a course plan, `day` days after the first session."""

    plan = models.ForeignKey(CoursePlan, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"))
    day = models.PositiveSmallIntegerField(
        _("day"), help_text=_("Days after the first session (0 is the first day).")
    )
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT)

    class Meta:
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="planstep_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: #{self.position} day {self.day} {self.appointment_type}"


class Course(models.Model):
    """A treatment course: its appointments, booked together (usually from a plan)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="courses")
    plan = models.ForeignKey(CoursePlan, on_delete=models.SET_NULL, null=True, blank=True)
    name = models.CharField(_("name"), max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("treatment course")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} for {self.patient}"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CONFIRMED = "confirmed", _("Confirmed")
    CHECKED_IN = "checked_in", _("Checked in")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


# Statuses that hold the clinician, room and patient; the others free them.
INACTIVE_STATUSES = (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)


class AppointmentQuerySet(models.QuerySet):
    def live(self) -> AppointmentQuerySet:
        return self.exclude(status__in=INACTIVE_STATUSES)

    def overlapping(self, start, end) -> AppointmentQuerySet:
        """Appointments that overlap [start, end). The lower bound on `start`
        (no appointment is longer than MAX_APPOINTMENT_MINUTES) lets the
        (clinician|room|patient, start) indexes read only the window."""
        return self.filter(
            start__lt=end,
            start__gt=start - timedelta(minutes=MAX_APPOINTMENT_MINUTES),
            end__gt=start,
        )


class Appointment(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
    )
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="appointments"
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    status = models.CharField(
        _("status"), max_length=12, choices=AppointmentStatus.choices, default="booked"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    booked_at = models.DateTimeField(default=timezone.now)
    notes = models.TextField(_("notes"), blank=True)
    override_reason = models.CharField(
        _("override reason"),
        max_length=300,
        blank=True,
        help_text=_("Why it was booked outside working hours or in time off."),
    )
    course = models.ForeignKey(
        Course, on_delete=models.SET_NULL, null=True, blank=True, related_name="appointments"
    )
    course_position = models.PositiveSmallIntegerField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Bumped on every change the patient's calendar must follow (a move, a
    # new clinician or room, a cancellation): the iCalendar SEQUENCE, which
    # RFC 5545 requires only ever to grow.
    revision = models.PositiveIntegerField(default=0, editable=False)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="appointment_end_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    end__lte=models.F("start") + timedelta(minutes=MAX_APPOINTMENT_MINUTES)
                ),
                name="appointment_max_length",
                violation_error_message=_("An appointment is at most 12 hours long."),
            ),
        ]
        indexes = [
            # Day/week view per clinician; conflict check per clinician.
            models.Index(fields=["clinician", "start"], name="appt_clinician_start_idx"),
            # Day/week view per room; conflict check per room.
            models.Index(fields=["room", "start"], name="appt_room_start_idx"),
            # The patient's appointments page; conflict check per patient.
            models.Index(fields=["patient", "start"], name="appt_patient_start_idx"),
            # Editing a course "from this one onwards".
            models.Index(fields=["course", "start"], name="appt_course_start_idx"),
            # Consults to book: EXISTS (a live appointment of this patient and
            # type starting after the decision), answered from the index alone.
            models.Index(
                "patient",
                "appointment_type",
                "start",
                name="appt_live_patient_type_idx",
                condition=~models.Q(status__in=INACTIVE_STATUSES),
            ),
            # Admin appointment list: ORDER BY start, id DESC LIMIT 100 (the
            # admin adds -pk), with or without the date hierarchy's range on start.
            models.Index("start", models.F("id").desc(), name="appt_start_idx"),
            # Admin appointment list filtered by status, same ordering.
            models.Index("status", "start", models.F("id").desc(), name="appt_status_start_idx"),
            # The admin search on notes (UPPER(notes) LIKE '%...%') uses a
            # trigram index on PostgreSQL (migration, not in the model state).
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.start)
        return f"{self.appointment_type} {local:%Y-%m-%d %H:%M} ({self.patient_initials})"

    def get_absolute_url(self) -> str:
        return reverse("scheduling:appointment", args=[self.pk])

    @property
    def patient_initials(self) -> str:
        return initials(self.patient.given_name, self.patient.family_name)

    @property
    def is_live(self) -> bool:
        return self.status not in INACTIVE_STATUSES


def initials(given: str, family: str) -> str:
    parts = [p for p in (given, family) if p]
    return " ".join(f"{p[0].upper()}." for p in parts)


class Reminder(models.Model):
    """One email reminder of one appointment, `offset_minutes` before it.

    At most one live row per appointment and offset; moving the appointment
    supersedes its rows and creates new ones. `sent_at` is set in the same
    transaction that holds the row lock while the email goes out, so a
    reminder is sent once even if two workers or a restarted one pick it up.
    Manual resends have no offset.
    """

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    offset_minutes = models.PositiveIntegerField(null=True, blank=True)
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "offset_minutes"],
                condition=models.Q(superseded_at__isnull=True, offset_minutes__isnull=False),
                name="reminder_one_live_per_offset",
            ),
        ]
        indexes = [
            # `reminders_requeue_due` (tasks.py): live, unsent reminders by due time.
            models.Index(
                fields=["due_at"],
                condition=models.Q(sent_at__isnull=True, superseded_at__isnull=True),
                name="reminder_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder for {self.appointment} due {self.due_at:%Y-%m-%d %H:%M}"


class CalendarFeed(models.Model):
    """A clinician's private iCalendar feed, reached by a secret token."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Calendar feed of {self.clinician}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class PatientCalendarFeed(models.Model):
    """A patient's private iCalendar subscription of their own appointments,
    reached by a secret token; revocable."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="calendar_feeds")
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Calendar feed of {self.patient}"


class ChangeRequest(models.Model):
    """A patient's request to cancel or reschedule, decided by staff."""

    class Kind(models.TextChoices):
        CANCEL = "cancel", _("Cancel")
        RESCHEDULE = "reschedule", _("Reschedule")

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for the clinic")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="change_requests"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    message = models.TextField(_("message"), blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default="open")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment"],
                condition=models.Q(state="open"),
                name="changerequest_one_open_per_appointment",
            ),
        ]
        indexes = [
            # The schedule page's list of open requests.
            models.Index(
                fields=["created_at"],
                condition=models.Q(state="open"),
                name="changerequest_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} request for {self.appointment}"


class ClosureDay(models.Model):
    """A day the clinic is closed: a public holiday (seeded from the `holidays`
    library for `CLINIC_COUNTRY` / `CLINIC_SUBDIVISION` by `seed_closures`) or
    one of the clinic's own days. Nothing is proposed or offered on it, and
    booking on it needs an override reason, like booking out of hours."""

    class Source(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        CLINIC = "clinic", _("Clinic closure")

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=120)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.CLINIC
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("closure day")
        verbose_name_plural = _("closure days")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class PatientNotification(models.Model):
    """An email to the patient about their appointments: booked, moved,
    cancelled, a change request approved or declined. One row per event
    (`key` is unique), sent once by the worker with an `.ics`; the row is the
    record of what was sent."""

    class Kind(models.TextChoices):
        BOOKED = "booked", _("Appointment booked")
        MOVED = "moved", _("Appointment moved")
        CANCELLED = "cancelled", _("Appointment cancelled")
        REQUEST_APPROVED = "request_approved", _("Request approved")
        REQUEST_DECLINED = "request_declined", _("Request declined")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=120, unique=True)
    appointments = models.ManyToManyField(Appointment, related_name="notifications")
    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=250, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The patient's page: their notifications, newest first.
            models.Index(fields=["patient", "-created_at"], name="notification_patient_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.patient}"


class CheckIn(models.Model):
    """A short PHQ-9 and safety check-in: before a follow-up appointment, or
    due in a treatment course by its measuring cadence (no appointment)."""

    appointment = models.OneToOneField(
        Appointment, on_delete=models.CASCADE, related_name="checkin", null=True, blank=True
    )
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="checkins")
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    phq9_answers = models.JSONField(default=list, blank=True)
    phq9_total = models.PositiveSmallIntegerField(null=True, blank=True)
    safety_answers = models.JSONField(default=dict, blank=True)
    high_risk = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(phq9_total__isnull=True) | models.Q(phq9_total__lte=27),
                name="checkin_phq9_range",
            ),
        ]
        indexes = [
            # `phq9_checkins(patient)`: the patient's completed check-ins by date.
            models.Index(
                fields=["patient", "completed_at"],
                condition=models.Q(completed_at__isnull=False),
                name="checkin_patient_done_idx",
            ),
        ]

    def __str__(self) -> str:
        if self.appointment_id is None:
            return f"Check-in of {self.patient} ({self.created_at:%Y-%m-%d})"
        return f"Check-in for {self.appointment}"
