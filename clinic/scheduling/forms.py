"""Forms of the schedule pages. They only collect and validate input; the
booking rules live in `clinic.scheduling.services.rules`."""

from __future__ import annotations

from datetime import date, datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic.accounts.models import Patient, User
from clinic.accounts.roles import CLINICIAN
from clinic.safety import is_crisis_answer
from clinic.scheduling.clock import at_local, clinic_zone, later_by, local
from clinic.scheduling.models import AppointmentType, ChangeRequest, CoursePlan, Room
from screening.intake.instruments import CSSRS_QUESTIONS, FREQUENCY_CHOICES, PHQ9_ITEMS


class DateInput(forms.DateInput):
    input_type = "date"


# Dates the schedule accepts: far enough back for records, far enough ahead
# for any plan, and clear of the calendar's ends (year 1, 9999), where adding
# a day or converting a time zone would overflow.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


class ClinicDateField(forms.DateField):
    """A date field that refuses dates the schedule cannot hold."""

    widget = DateInput

    def validate(self, value) -> None:
        super().validate(value)
        if value and not FIRST_DAY <= value <= LAST_DAY:
            raise forms.ValidationError(
                _("Give a date between %(first)s and %(last)s.")
                % {"first": FIRST_DAY.year, "last": LAST_DAY.year},
                code="out_of_range",
            )


class TimeInput(forms.TimeInput):
    input_type = "time"


def clinician_choices():
    return User.objects.filter(groups__name=CLINICIAN, is_active=True).order_by(
        "last_name", "first_name"
    )


class ClinicianField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"Dr {obj.last_name}" if obj.last_name else str(obj)


class PatientPickField(forms.ModelChoiceField):
    """The patient, picked from a search (name, email or date of birth).

    Any patient's id is accepted (the booking service gets the patient);
    the page shows only the search's matches and the chosen one, never the
    whole list, so the field is drawn by the template
    `scheduling/partials/patient_picker.html`, not by its widget.
    """

    default_error_messages = {
        "required": _("Choose a patient: search by name, email or date of birth, then pick one."),
        "invalid_choice": _("That patient was not found. Search again and pick one."),
    }

    def __init__(self, **kwargs):
        super().__init__(queryset=Patient.objects.all(), widget=forms.RadioSelect, **kwargs)

    def to_python(self, value):
        if isinstance(value, str) and value and not value.isdigit():
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class SlotMixin:
    """A date and a time field read as a moment in the clinic's zone."""

    def start(self) -> datetime:
        return at_local(self.cleaned_data["date"], self.cleaned_data["time"])


class BookLinkForm(forms.Form):
    """What a link to the booking page may preset (the query string):
    `?patient=<id>&type=<slug>` from the case page, `?clinician|room=<id>&start=<local
    date and time>` from the schedule grid or the free-slot finder. A value
    that does not parse is ignored; the patient is looked up by the view's
    access helper (a bad id is a 404)."""

    patient = forms.CharField(required=False)
    type = forms.SlugField(required=False)
    clinician = forms.IntegerField(required=False, min_value=1)
    room = forms.IntegerField(required=False, min_value=1)
    start = forms.DateTimeField(
        required=False, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
    )

    def booking_initial(self, *, clinician: User | None = None) -> dict:
        """The booking form's initial values (a consult unless a type is given;
        a room slot asks for a type that needs a room)."""
        self.is_valid()
        data = self.cleaned_data
        initial: dict = {}
        kind = AppointmentType.objects.filter(slug=data.get("type") or "consult").first()
        if clinician is not None:
            initial["clinician"] = clinician.pk
        for key in ("clinician", "room"):
            if data.get(key):
                initial[key] = data[key]
        start = data.get("start")
        if start is not None and FIRST_DAY <= start.date() <= LAST_DAY:
            moment = local(start)
            initial["date"], initial["time"] = moment.date(), moment.time()
        if "room" in initial and kind and not kind.needs_room:
            kind = AppointmentType.objects.filter(needs_room=True).first()
        if kind:
            initial["appointment_type"] = kind
        return initial


class BookForm(SlotMixin, forms.Form):
    patient = PatientPickField()
    appointment_type = forms.ModelChoiceField(
        label=_("Type"),
        queryset=AppointmentType.objects.filter(is_active=True),
        to_field_name="slug",
    )
    clinician = ClinicianField(queryset=clinician_choices(), required=False)
    room = forms.ModelChoiceField(queryset=Room.objects.filter(is_active=True), required=False)
    date = ClinicDateField()
    time = forms.TimeField(widget=TimeInput)
    minutes = forms.IntegerField(
        label=_("Length (minutes)"),
        required=False,
        min_value=5,
        max_value=600,
        help_text=_("Leave empty for the type's usual length."),
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    override_reason = forms.CharField(
        label=_("Override reason"),
        max_length=300,
        required=False,
        help_text=_("Only needed outside the clinician's working hours or in their time off."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinician_choices()

    def end(self) -> datetime | None:
        minutes = self.cleaned_data.get("minutes")
        return later_by(self.start(), minutes) if minutes else None


SCOPE_CHOICES = [
    ("one", _("Only this appointment")),
    ("following", _("This and the following ones in the course")),
]


class MoveForm(SlotMixin, forms.Form):
    date = ClinicDateField()
    time = forms.TimeField(widget=TimeInput)
    clinician = ClinicianField(queryset=clinician_choices(), required=False)
    room = forms.ModelChoiceField(queryset=Room.objects.filter(is_active=True), required=False)
    scope = forms.ChoiceField(choices=SCOPE_CHOICES, initial="one", widget=forms.RadioSelect)
    override_reason = forms.CharField(label=_("Override reason"), max_length=300, required=False)

    def __init__(self, *args, in_course: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinician_choices()
        if not in_course:
            self.fields["scope"].widget = forms.HiddenInput()


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False)
    scope = forms.ChoiceField(choices=SCOPE_CHOICES, initial="one", widget=forms.RadioSelect)

    def __init__(self, *args, in_course: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not in_course:
            self.fields["scope"].widget = forms.HiddenInput()


STATUS_ACTIONS = [
    ("confirmed", _("Confirm")),
    ("checked_in", _("Check in")),
    ("completed", _("Completed")),
    ("no_show", _("No-show")),
]


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=STATUS_ACTIONS)


class SlotsForm(forms.Form):
    appointment_type = forms.ModelChoiceField(
        label=_("Type"),
        queryset=AppointmentType.objects.filter(is_active=True),
        to_field_name="slug",
    )
    clinician = ClinicianField(queryset=clinician_choices())
    room = forms.ModelChoiceField(queryset=Room.objects.filter(is_active=True), required=False)
    after = ClinicDateField(label=_("From"), required=False)
    # Carried from the booking form and into its links: whom the slot is for.
    patient = forms.ModelChoiceField(
        queryset=Patient.objects.all(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinician_choices()

    def clean_patient(self):
        return self.cleaned_data.get("patient")

    def clean(self):
        data = super().clean()
        kind = data.get("appointment_type")
        if kind and kind.needs_room and not data.get("room"):
            self.add_error("room", _("A %(type)s needs a room.") % {"type": kind.name.lower()})
        return data


class CourseForm(forms.Form):
    patient = PatientPickField()
    plan = forms.ModelChoiceField(
        label=_("Course"),
        queryset=CoursePlan.objects.filter(is_active=True),
        to_field_name="slug",
    )
    clinician = ClinicianField(queryset=clinician_choices())
    room = forms.ModelChoiceField(queryset=Room.objects.filter(is_active=True), required=False)
    first_day = ClinicDateField(label=_("First session on"))
    preferred_time = forms.TimeField(label=_("Preferred time"), widget=TimeInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinician_choices()

    def clean(self):
        data = super().clean()
        plan = data.get("plan")
        if plan and not data.get("room") and plan.steps.filter(appointment_type__needs_room=True):
            self.add_error("room", _("This course has sessions that need a room."))
        return data


class CourseSlotsForm(forms.Form):
    """The reviewed proposal of a course: a start (`slot_<position>`) for
    each session of the plan, and the override reason for any that fall
    outside working hours."""

    override_reason = forms.CharField(
        label=_("Override reason (only if some sessions fall outside working hours)"),
        max_length=300,
        required=False,
    )

    def __init__(self, *args, plan: CoursePlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = list(plan.steps.select_related("appointment_type").order_by("position"))
        for step in self.steps:
            self.fields[f"slot_{step.position}"] = forms.DateTimeField(
                label=_("Start of #%(n)s") % {"n": step.position},
                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                error_messages={
                    "required": _("#%(n)s: give a date and time.") % {"n": step.position},
                    "invalid": _("#%(n)s: give a date and time.") % {"n": step.position},
                },
            )

    def clean(self):
        data = super().clean()
        for step in self.steps:
            name = f"slot_{step.position}"
            if data.get(name) and not FIRST_DAY <= data[name].date() <= LAST_DAY:
                self.add_error(
                    name,
                    _("Give a date between %(first)s and %(last)s.")
                    % {"first": FIRST_DAY.year, "last": LAST_DAY.year},
                )
        return data

    def slots(self) -> list[tuple[AppointmentType, datetime]]:
        """(type, start in the clinic's zone) per session, in order (valid form only)."""
        return [
            (
                step.appointment_type,
                self._in_clinic_zone(self.cleaned_data[f"slot_{step.position}"]),
            )
            for step in self.steps
        ]

    def typed_starts(self) -> dict[int, datetime]:
        """The starts typed that parse, by position, to keep over a new proposal."""
        typed = {}
        for step in self.steps:
            field = self[f"slot_{step.position}"]
            try:
                value = field.field.clean(field.data)
            except forms.ValidationError:
                continue
            typed[step.position] = self._in_clinic_zone(value)
        return typed

    @staticmethod
    def _in_clinic_zone(value: datetime) -> datetime:
        # The wall-clock time typed is the clinic's, whoever is signed in.
        return value.replace(tzinfo=None).replace(tzinfo=clinic_zone())


class ChangeRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What would you like?"),
        choices=ChangeRequest.Kind.choices,
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label=_("Message to the clinic (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=1000,
    )


YES_NO = [("no", _("No")), ("yes", _("Yes"))]


class CheckInForm(forms.Form):
    """PHQ-9 and the C-SSRS screener questions, worded as published (the
    wording is the intake's, `screening.intake.instruments`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number, text in enumerate(PHQ9_ITEMS, start=1):
            self.fields[f"phq9_{number}"] = forms.ChoiceField(
                label=text, choices=FREQUENCY_CHOICES, widget=forms.RadioSelect
            )
        for key, text in CSSRS_QUESTIONS.items():
            self.fields[f"cssrs_{key}"] = forms.ChoiceField(
                label=text,
                choices=YES_NO,
                widget=forms.RadioSelect,
                required=key != "behavior_past_3_months",
            )

    def phq9_fields(self):
        return [self[f"phq9_{n}"] for n in range(1, 10)]

    def cssrs_fields_by_time_frame(self):
        """The C-SSRS questions under their own time frames, as published:
        (heading, fields) for the past month (1-5) and the lifetime (6 and its
        3-month follow-up)."""
        # Inline, as in __init__: the wording is the intake's, imported when used.
        from screening.intake import instruments as inst

        lifetime = (*inst.CSSRS_LIFETIME, "behavior_past_3_months")
        return [
            (inst.CSSRS_STEM, [self[f"cssrs_{key}"] for key in inst.CSSRS_PAST_MONTH]),
            (inst.CSSRS_LIFETIME_STEM, [self[f"cssrs_{key}"] for key in lifetime]),
        ]

    def phq9_answers(self) -> list[int]:
        return [int(self.cleaned_data[f"phq9_{n}"]) for n in range(1, 10)]

    def safety_answers(self) -> dict[str, bool]:
        return {
            name.removeprefix("cssrs_"): value == "yes"
            for name, value in self.cleaned_data.items()
            if name.startswith("cssrs_")
        }

    @staticmethod
    def typed_is_crisis(data) -> bool:
        """Whether what was posted holds a crisis answer, complete or not: a
        "yes" to intent or PHQ-9 item 9 above 0 counts even with other
        questions still blank."""
        phq9 = [data.get(f"phq9_{n}") for n in range(1, 10)]
        return is_crisis_answer(
            suicide_screen={key: data.get(f"cssrs_{key}") == "yes" for key in CSSRS_QUESTIONS},
            phq9=[int(v) if v in ("0", "1", "2", "3") else None for v in phq9],
        )


def today():
    return timezone.localdate()
