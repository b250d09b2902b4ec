"""The Django admin for schedulers and admins.

Appointments added or changed here go through the booking services, so the
same conflict and working-hours rules apply, with the same messages.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.db import IntegrityError, models, transaction
from django.db.models import Case, Prefetch, Value, When
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from clinic.accounts.admin import PatientAdmin as AccountsPatientAdmin
from clinic.accounts.admin_search import (
    PatientSearchMixin,
    ScaleFreeDateHierarchyMixin,
    ScaleFreeListMixin,
)
from clinic.accounts.models import Patient
from clinic.scheduling import clock
from clinic.scheduling.closures import closures_seed
from clinic.scheduling.forms import FIRST_DAY, LAST_DAY, clinician_choices
from clinic.scheduling.models import (
    INACTIVE_STATUSES,
    MAX_APPOINTMENT_MINUTES,
    Appointment,
    AppointmentStatus,
    AppointmentType,
    CalendarFeed,
    ChangeRequest,
    CheckIn,
    ClosureDay,
    Course,
    CoursePlan,
    CoursePlanStep,
    PatientNotification,
    Reminder,
    Room,
    TimeOff,
    WorkingHours,
)
from clinic.scheduling.services import booking, rules
from clinic.scheduling.tasks import reminder_resend


def in_clinic_range(value) -> None:
    """Refuse dates the schedule cannot hold (year 1, year 9999: converting
    those to UTC or adding a day would overflow)."""
    day = value.date() if isinstance(value, datetime) else value
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise forms.ValidationError(
            f"Give a date between {FIRST_DAY.year} and {LAST_DAY.year}.", code="out_of_range"
        )


class SafeInputMixin:
    """Odd input gives the admin's own messages, not an error page: dates
    outside the clinic's range are a form error, a date drill-down at the
    calendar's end is an invalid filter, and searches drop NUL characters
    (which PostgreSQL cannot compare)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(db_field, models.DateField):
            field.validators.append(in_clinic_range)
        return field

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except OverflowError as exc:
            raise IncorrectLookupParameters(exc) from exc

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))


@admin.register(AppointmentType)
class AppointmentTypeAdmin(SafeInputMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "default_minutes",
        "needs_clinician",
        "needs_room",
        "colour",
        "reminders",
        "sends_checkin",
        "is_active",
    ]
    list_filter = ["is_active", "needs_room", "sends_checkin"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description=_("reminders"))
    def reminders(self, obj) -> str:
        return ", ".join(obj.reminder_offsets_display())


@admin.register(ClosureDay)
class ClosureDayAdmin(SafeInputMixin, admin.ModelAdmin):
    """Public holidays (seeded from the `holidays` library) and the clinic's
    own closure days: no course session, free slot or booking without an
    override falls on one."""

    list_display = ["date", "weekday", "name", "source"]
    list_filter = ["source", ("date", admin.DateFieldListFilter)]
    search_fields = ["name"]
    date_hierarchy = "date"
    actions = ["add_public_holidays"]

    @admin.display(description=_("weekday"))
    def weekday(self, obj) -> str:
        return date_format(obj.date, "l")

    @admin.action(description=_("Add the public holidays of this year and the next"))
    def add_public_holidays(self, request, queryset) -> None:
        year = timezone.localdate().year
        added = closures_seed(years=[year, year + 1])
        self.message_user(
            request,
            _("%(n)d public holidays added.") % {"n": len(added)},
            messages.SUCCESS,
        )

    def changelist_view(self, request, extra_context=None):
        # The action needs no selection: it adds rows rather than changing them.
        if request.POST.get("action") == "add_public_holidays" and not request.POST.getlist(
            admin.helpers.ACTION_CHECKBOX_NAME
        ):
            post = request.POST.copy()
            post.setlist(admin.helpers.ACTION_CHECKBOX_NAME, ["0"])
            request.POST = post
        return super().changelist_view(request, extra_context)


@admin.register(Room)
class RoomAdmin(SafeInputMixin, admin.ModelAdmin):
    list_display = ["name", "description", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]


class ClinicianChoiceMixin:
    """Clinician fields offer only active clinicians (not every user)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "clinician":
            kwargs["queryset"] = clinician_choices()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(WorkingHours)
class WorkingHoursAdmin(SafeInputMixin, ClinicianChoiceMixin, admin.ModelAdmin):
    list_display = ["clinician", "weekday", "start_time", "end_time"]
    list_filter = ["weekday", ("clinician", admin.RelatedOnlyFieldListFilter)]


@admin.register(TimeOff)
class TimeOffAdmin(SafeInputMixin, ClinicianChoiceMixin, admin.ModelAdmin):
    list_display = ["clinician", "start", "end", "reason"]
    list_filter = [("clinician", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "start"


class CoursePlanStepInline(admin.TabularInline):
    model = CoursePlanStep
    extra = 1
    fields = ["position", "day", "appointment_type"]


@admin.register(CoursePlan)
class CoursePlanAdmin(SafeInputMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "is_active", "step_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CoursePlanStepInline]

    @admin.display(description=_("appointments"))
    def step_count(self, obj) -> int:
        return obj.steps.count()


class ReminderInline(admin.TabularInline):
    model = Reminder
    extra = 0
    fields = ["offset_minutes", "due_at", "sent_at", "attempts", "last_error", "superseded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class AppointmentAdminForm(forms.ModelForm):
    end = forms.SplitDateTimeField(
        required=False,
        widget=admin.widgets.AdminSplitDateTime,
        help_text=_("Leave empty for the type's usual length."),
    )

    class Meta:
        model = Appointment
        fields = [
            "patient",
            "appointment_type",
            "clinician",
            "room",
            "start",
            "end",
            "status",
            "notes",
            "override_reason",
        ]

    # Set on a second pass of the form when saving was refused (see
    # AppointmentAdmin.changeform_view): the refusal's messages.
    refused: rules.BookingError | None = None

    def clean_end(self):
        value = self.cleaned_data.get("end")
        in_clinic_range(value)
        return value

    def clean(self):
        data = super().clean()
        if self.refused is not None:
            field = (
                "override_reason" if isinstance(self.refused, rules.OutsideWorkingHours) else None
            )
            for message in self.refused.messages:
                self.add_error(field, message)
            return data
        kind, start = data.get("appointment_type"), data.get("start")
        if kind is None or start is None or data.get("patient") is None:
            return data
        if not data.get("end"):
            data["end"] = clock.later_by(start, kind.default_minutes)
        instance = self.instance
        status = data.get("status")
        if instance.pk and status and status != instance.status:
            allowed = booking.ALLOWED_STATUS_CHANGES[AppointmentStatus(instance.status)]
            if status not in allowed:
                self.add_error(
                    "status",
                    f"A {instance.get_status_display().lower()} appointment cannot become "
                    f"{AppointmentStatus(status).label.lower()}; book a new one instead.",
                )
                return data
        if status in INACTIVE_STATUSES:
            return data
        slot_changed = instance.pk is None or any(
            getattr(instance, f"{name}_id" if name in ("clinician", "room", "patient") else name)
            != (
                getattr(data.get(name), "pk", None)
                if name in ("clinician", "room", "patient")
                else data.get(name)
            )
            for name in ("start", "end", "clinician", "room", "patient")
        )
        if not slot_changed and instance.status not in INACTIVE_STATUSES:
            return data
        try:
            rules.appointment_check(
                patient=data["patient"],
                appointment_type=kind,
                start=start,
                end=data["end"],
                clinician=data.get("clinician"),
                room=data.get("room"),
                override_reason=data.get("override_reason", ""),
                exclude=[instance.pk] if instance.pk else [],
            )
        except rules.OutsideWorkingHours as exc:
            for message in exc.messages:
                self.add_error("override_reason", message)
        except rules.BookingError as exc:
            for message in exc.messages:
                self.add_error(None, message)
        return data


class WhenFilter(admin.SimpleListFilter):
    """Upcoming (the default), today, past, or all with the upcoming first."""

    title = _("when")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [
            ("upcoming", _("Upcoming")),
            ("today", _("Today")),
            ("past", _("Past")),
            ("all", _("All")),
        ]

    def choices(self, changelist):
        # No "All" of Django's own: the default is "upcoming".
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or "upcoming") == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        now = timezone.now()
        value = self.value() or "upcoming"
        if value == "upcoming":
            # The lower bound on start (no appointment is longer than
            # MAX_APPOINTMENT_MINUTES) lets appt_start_idx read from now on,
            # instead of reading past every appointment that has ended.
            return queryset.filter(
                start__gt=now - timedelta(minutes=MAX_APPOINTMENT_MINUTES), end__gte=now
            )
        if value == "today":
            first = clock.at_local(timezone.localdate(), datetime.min.time())
            return queryset.filter(start__gte=first, start__lt=first + timedelta(days=1))
        if value == "past":
            # start < now follows from end < now; it bounds the index read.
            return queryset.filter(start__lt=now, end__lt=now)
        return queryset


class CancelWithReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=300,
        error_messages={"required": _("Give the reason: it is kept with each appointment.")},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"]
        if "\x00" in reason or not reason.strip():
            raise forms.ValidationError(_("Give the reason: it is kept with each appointment."))
        return reason.strip()


class ClinicianListFilter(admin.RelatedFieldListFilter):
    """The clinicians (one small query), not every user."""

    def field_choices(self, field, request, model_admin):
        return [(user.pk, str(user)) for user in clinician_choices()]


@admin.register(Appointment)
class AppointmentAdmin(
    ScaleFreeDateHierarchyMixin,
    ScaleFreeListMixin,
    PatientSearchMixin,
    SafeInputMixin,
    ClinicianChoiceMixin,
    admin.ModelAdmin,
):
    """Scale-free at 300,000 appointments: no aggregate over the table (the
    sent reminders are counted for the page's rows only), no full count, the
    ordering and filters served by indexes (see Appointment.Meta), the search
    by PatientSearchMixin."""

    form = AppointmentAdminForm
    # Fits a 1440 px screen: one "when" column, no end or series columns.
    list_display = [
        "when",
        "patient",
        "appointment_type",
        "clinician",
        "room",
        "status",
        "reminders_sent",
    ]
    list_filter = [
        WhenFilter,
        # Not RelatedOnlyFieldListFilter: that reads DISTINCT clinician over
        # every appointment on each page.
        ("clinician", ClinicianListFilter),
        "room",
        "appointment_type",
        "status",
    ]
    search_fields = ["patient__family_name", "patient__given_name", "patient__email", "notes"]
    own_search_fields = ("notes",)
    date_hierarchy = "start"
    # "N of M" would count the whole table on every page.
    show_full_result_count = False
    autocomplete_fields = ["patient", "room"]
    list_select_related = ["patient", "appointment_type", "clinician", "room", "course"]
    readonly_fields = ["booked_by", "booked_at", "course", "course_position"]
    inlines = [ReminderInline]
    actions = ["confirm", "cancel", "mark_no_show", "resend_reminder"]

    def get_ordering(self, request):
        """Upcoming first, soonest first; past ones newest first."""
        when = request.GET.get("when", "upcoming")
        if when == "past":
            return ["-start"]
        if when == "all":
            past = Case(When(end__lt=timezone.now(), then=Value(1)), default=Value(0))
            return [past.asc(), "start"]
        return ["start"]

    def has_delete_permission(self, request, obj=None) -> bool:
        """Nobody deletes an appointment, admins included: a cancelled one
        stays, for the record."""
        return False

    @admin.display(description=_("when"), ordering="start")
    def when(self, obj) -> str:
        start, end = clock.local(obj.start), clock.local(obj.end)
        return f"{date_format(start, 'D j M Y')} {start:%H:%M}-{end:%H:%M}"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refused = getattr(request, "_appointment_refused", None)
        if refused is not None:
            form = type(form.__name__, (form,), {"refused": refused})
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Saving goes through the booking services, which check the slot
        again under a lock (and PostgreSQL's exclusion constraint checks it
        once more). When someone else took the slot between the form's check
        and the save, the save is refused and rolled back; the form is then
        shown again, with what was typed and the services' message, rather
        than an error page."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except rules.BookingError as exc:
            if request.method != "POST":
                raise
            request._appointment_refused = exc
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_queryset(self, request):
        # The sent reminders of the rows shown only: one query for the page
        # (a Count annotation grouped every appointment with its reminders).
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "reminders",
                    queryset=Reminder.objects.filter(sent_at__isnull=False).only(
                        "pk", "appointment_id"
                    ),
                    to_attr="sent_reminders",
                )
            )
        )

    @admin.display(description=_("reminders sent"))
    def reminders_sent(self, obj) -> int:
        return len(obj.sent_reminders)

    @transaction.atomic
    def save_model(self, request, obj, form, change) -> None:
        """Save through the services; raises BookingError (with the services'
        messages) when the slot was taken meanwhile."""
        try:
            with transaction.atomic():
                self._save_through_services(request, obj, form, change)
        except IntegrityError as exc:
            raise rules.booking_conflict_from(exc, appointment=obj) from None

    def _save_through_services(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        if not change:
            booked = booking.appointment_book(
                patient=data["patient"],
                appointment_type=data["appointment_type"],
                start=data["start"],
                end=data["end"],
                clinician=data.get("clinician"),
                room=data.get("room"),
                notes=data.get("notes", ""),
                override_reason=data.get("override_reason", ""),
                status=data.get("status") or AppointmentStatus.BOOKED,
                booked_by=request.user,
            )
            obj.pk = booked.pk
            obj._state.adding = False
            obj.refresh_from_db()
            return
        before = Appointment.objects.get(pk=obj.pk)
        slot = ("start", "end", "clinician_id", "room_id")
        if any(getattr(before, f) != getattr(obj, f) for f in slot) and before.is_live:
            booking.appointment_move(
                appointment=before,
                start=obj.start,
                end=obj.end,
                clinician=obj.clinician,
                room=obj.room,
                override_reason=obj.override_reason,
                moved_by=request.user,
            )
        if before.status != obj.status:
            booking.appointment_set_status(
                appointment=before, status=obj.status, changed_by=request.user
            )
        Appointment.objects.filter(pk=obj.pk).update(
            notes=obj.notes, appointment_type=obj.appointment_type, patient=obj.patient
        )
        obj.refresh_from_db()

    def _set_status(self, request, queryset, status: str, done: str) -> None:
        changed, refused = 0, []
        for appointment in queryset:
            try:
                booking.appointment_set_status(
                    appointment=appointment, status=status, changed_by=request.user
                )
                changed += 1
            except rules.BookingError as exc:
                refused.append(f"{appointment}: {' '.join(exc.messages)}")
        if changed:
            self.message_user(request, f"{changed} appointment(s) {done}.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.WARNING)

    @admin.action(description=_("Confirm selected appointments"))
    def confirm(self, request, queryset) -> None:
        self._set_status(request, queryset, AppointmentStatus.CONFIRMED, "confirmed")

    @admin.action(description=_("Cancel selected appointments"))
    def cancel(self, request, queryset):
        """A confirmation page asks for the reason; past appointments are
        refused (they are completed or a no-show, not cancelled)."""
        now = timezone.now()
        chosen = list(queryset.select_related("patient", "appointment_type").order_by("start"))
        past = [a for a in chosen if a.start <= now]
        future = [a for a in chosen if a.start > now and a.is_live]
        form = CancelWithReasonForm(request.POST if "confirm_cancel" in request.POST else None)
        if form.is_bound and form.is_valid():
            for appointment in future:
                booking.appointment_cancel(
                    appointment=appointment,
                    cancelled_by=request.user,
                    reason=form.cleaned_data["reason"],
                )
            if future:
                self.message_user(
                    request,
                    _("%(n)d appointment(s) cancelled.") % {"n": len(future)},
                    messages.SUCCESS,
                )
            for appointment in past:
                self.message_user(
                    request,
                    _(
                        "%(appointment)s is in the past and was not cancelled: mark it "
                        "completed or no-show."
                    )
                    % {"appointment": appointment},
                    messages.WARNING,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Cancel appointments"),
            "opts": self.model._meta,
            "form": form,
            "future": future,
            "past": past,
            "skipped": [a for a in chosen if a.start > now and not a.is_live],
            "selected": [a.pk for a in chosen],
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/scheduling/cancel_confirm.html", context)

    @admin.action(description=_("Mark selected appointments as no-show"))
    def mark_no_show(self, request, queryset) -> None:
        self._set_status(request, queryset, AppointmentStatus.NO_SHOW, "marked as no-show")

    @admin.action(description=_("Resend the reminder email now"))
    def resend_reminder(self, request, queryset) -> None:
        count = 0
        for appointment in queryset:
            if appointment.is_live:
                reminder_resend(appointment=appointment, requested_by=request.user)
                count += 1
        self.message_user(request, f"{count} reminder(s) queued.", messages.SUCCESS)


class CourseAppointmentInline(admin.TabularInline):
    model = Appointment
    fk_name = "course"
    extra = 0
    fields = ["course_position", "start", "appointment_type", "clinician", "room", "status"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Course)
class CourseAdmin(SafeInputMixin, admin.ModelAdmin):
    list_display = ["name", "patient", "plan", "created_by", "created_at"]
    list_filter = ["plan"]
    search_fields = ["name", "patient__family_name", "patient__given_name"]
    autocomplete_fields = ["patient"]
    readonly_fields = ["created_by", "created_at"]
    inlines = [CourseAppointmentInline]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(SafeInputMixin, admin.ModelAdmin):
    """Read-only: a feed is its clinician's alone; they make and revoke it on
    their own feed page, so nobody here can reassign or un-revoke one."""

    list_display = ["clinician", "created_at", "revoked_at"]
    list_filter = ["revoked_at"]
    fields = ["clinician", "created_at", "revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ChangeRequest)
class ChangeRequestAdmin(SafeInputMixin, admin.ModelAdmin):
    list_display = ["appointment", "kind", "state", "created_at", "decided_by"]
    list_filter = ["state", "kind"]
    readonly_fields = ["appointment", "kind", "message", "created_at", "decided_at", "decided_by"]


@admin.register(CheckIn)
class CheckInAdmin(SafeInputMixin, admin.ModelAdmin):
    list_display = ["patient", "appointment", "completed_at", "phq9_total", "high_risk"]
    list_filter = ["high_risk"]
    fields = [
        "patient",
        "appointment",
        "created_at",
        "completed_at",
        "phq9_total",
        "phq9_answers",
        "safety_answers",
        "high_risk",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False


class PatientAppointmentInline(admin.TabularInline):
    model = Appointment
    fk_name = "patient"
    extra = 0
    fields = ["start", "appointment_type", "clinician", "room", "status"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    ordering = ["-start"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class PatientNotificationInline(admin.TabularInline):
    """What the patient was emailed about their appointments."""

    model = PatientNotification
    extra = 0
    fields = ["kind", "subject", "created_at", "sent_at", "attempts", "last_error"]
    readonly_fields = fields
    can_delete = False
    ordering = ["-created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class PatientAdmin(SafeInputMixin, AccountsPatientAdmin):
    """The accounts app's patient admin with the patient's appointments and
    the emails sent about them."""

    inlines = [*AccountsPatientAdmin.inlines, PatientAppointmentInline, PatientNotificationInline]


if admin.site.is_registered(Patient):
    admin.site.unregister(Patient)
admin.site.register(Patient, PatientAdmin)
