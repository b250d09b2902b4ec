"""Schedule pages for staff, the patient's appointments, check-ins, feeds.

Views stay thin: forms validate input, services change state, selectors read.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from clinic.accounts.access import get_patient_for, patient_for_user
from clinic.accounts.roles import (
    ADMIN,
    CLINICIAN,
    PATIENT,
    SCHEDULER,
    public,
    role_of,
    role_required,
)
from clinic.scheduling import clock, selectors
from clinic.scheduling.access import get_appointment_for, get_checkin_for
from clinic.scheduling.forms import (
    FIRST_DAY,
    LAST_DAY,
    BookForm,
    BookLinkForm,
    CancelForm,
    ChangeRequestForm,
    CheckInForm,
    CourseForm,
    CourseSlotsForm,
    MoveForm,
    SlotsForm,
    StatusForm,
)
from clinic.scheduling.ics import ICS_CONTENT_TYPE, calendar_bytes
from clinic.scheduling.models import (
    Appointment,
    AppointmentType,
    CalendarFeed,
    ChangeRequest,
    PatientCalendarFeed,
)
from clinic.scheduling.services import (
    booking,
    calendar_feeds,
    change_requests,
    checkins,
    courses,
    rules,
)
from screening.coverage.selectors import (
    authorizations_needing_attention,
    patient_authorizations,
    sessions_left_table,
)

STAFF = (SCHEDULER, CLINICIAN, ADMIN)


def _day(request: HttpRequest, value: str | None) -> date:
    """The day asked for in the query string, or today with a message saying
    why when it is not a date the schedule can show."""
    if not value:
        return timezone.localdate()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        messages.warning(request, "That is not a date (use YYYY-MM-DD); showing today.")
        return timezone.localdate()
    if not FIRST_DAY <= day <= LAST_DAY:
        messages.warning(
            request,
            f"The schedule shows {FIRST_DAY.year} to {LAST_DAY.year} only; showing today.",
        )
        return timezone.localdate()
    return day


def _add_booking_errors(form, exc: rules.BookingError) -> None:
    field = "override_reason" if isinstance(exc, rules.OutsideWorkingHours) else None
    for message in exc.messages:
        form.add_error(field if field in form.fields else None, message)


@role_required(*STAFF)
@require_GET
def schedule(request: HttpRequest) -> HttpResponse:
    """Day view (every clinician or room side by side) or week view (one
    clinician or room), with free half-hours linking to the booking form."""
    by = "room" if request.GET.get("by") == "room" else "clinician"
    mode = "week" if request.GET.get("view") == "week" else "day"
    day = _day(request, request.GET.get("date"))
    everyone = selectors.rooms() if by == "room" else selectors.clinicians()
    chosen = None
    if request.GET.get("id"):
        chosen = next((r for r in everyone if str(r.pk) == request.GET["id"]), None)
    if mode == "week":
        monday = day - timedelta(days=day.weekday())
        days = [monday + timedelta(days=i) for i in range(7)]
        resources = [chosen] if chosen else everyone  # "All": each one's week
        step = timedelta(days=7)
    else:
        days = [day]
        resources = [chosen] if chosen else everyone
        step = timedelta(days=1)
    columns, rows = (
        selectors.schedule_grid(days=days, by=by, resources=resources) if resources else ([], [])
    )
    context = {
        "by": by,
        "mode": mode,
        "day": day,
        "days": days,
        "previous": day - step,
        "next": day + step,
        "everyone": everyone,
        "chosen": chosen,
        "columns": columns,
        "rows": rows,
        "requests": selectors.open_change_requests(),
        "role": role_of(request.user),
        "sessions_left": sessions_left_table(
            [a for _label, cells in rows for cell in cells for a in cell.appointments]
        ),
    }
    return render(request, "scheduling/schedule.html", context)


@role_required(SCHEDULER, ADMIN, CLINICIAN)
def book(request: HttpRequest) -> HttpResponse:
    """Book one appointment; prefilled from the grid (?clinician|room&start)
    or from the case page (?patient=<id>&type=<slug>), see BookLinkForm."""
    initial: dict = {}
    if request.method == "GET":
        link = BookLinkForm(request.GET)
        mine = request.user if role_of(request.user) == CLINICIAN else None
        initial = link.booking_initial(clinician=mine)
        if request.GET.get("patient"):
            initial["patient"] = get_patient_for(request, request.GET["patient"])
    form = BookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = booking.appointment_book(
                patient=data["patient"],
                appointment_type=data["appointment_type"],
                start=form.start(),
                end=form.end(),
                clinician=data["clinician"],
                room=data["room"],
                notes=data["notes"],
                override_reason=data["override_reason"],
                booked_by=request.user,
            )
        except rules.BookingError as exc:
            _add_booking_errors(form, exc)
        else:
            messages.success(request, f"Booked: {_describe(appointment)}.")
            for warning in booking.booking_warnings(appointment):
                messages.warning(request, warning)
            return redirect(appointment.get_absolute_url())
    return render(
        request,
        "scheduling/book.html",
        {
            "form": form,
            "picker": _patient_picker(request, form),
            "slots_query": _slots_query(form),
        },
    )


def _slots_query(form) -> str:
    """The booking form's patient and type, for its "find the next free
    slots" link, so neither is lost on the way."""
    if form.is_bound:
        patient = form.data.get("patient", "")
        kind_slug = form.data.get("appointment_type", "")
        kind_slug = kind_slug if re.fullmatch(r"[-\w]{1,50}", kind_slug) else ""
    else:
        chosen, kind_obj = form.initial.get("patient"), form.initial.get("appointment_type")
        patient = getattr(chosen, "pk", "")
        kind_slug = getattr(kind_obj, "slug", "")
    query = {}
    if str(patient).isdigit():
        query["patient"] = patient
    if kind_slug:
        query["type"] = kind_slug
    return urlencode(query)


def _patient_picker(request: HttpRequest, form) -> dict:
    """What the patient picker shows: the matches of the search typed in
    `?q=` (the no-JavaScript search) and the patient already chosen, which
    stays checked whatever else is wrong with the form."""
    query = request.GET.get("q", "") if request.method == "GET" else ""
    candidates, more = selectors.patients_search(query=query) if query.strip() else ([], False)
    chosen = (
        getattr(form, "cleaned_data", {}).get("patient")
        if form.is_bound
        else form.initial.get("patient")
    )
    if chosen is not None and chosen not in candidates:
        candidates = [chosen, *candidates]
    return {
        "q": query,
        "searched": bool(query.strip()),
        "candidates": candidates,
        "more": more,
        "chosen": chosen.pk if chosen is not None else None,
        "errors": form["patient"].errors,
        "action": request.path,
        "carry": [
            (key, value)
            for key, values in request.GET.lists()
            if key not in ("q", "patient")
            for value in values
        ],
    }


@role_required(SCHEDULER, ADMIN, CLINICIAN)
@require_GET
def patient_search(request: HttpRequest) -> HttpResponse:
    """The patient picker's matches as the scheduler types (htmx swaps them
    into the booking and course forms)."""
    query = request.GET.get("q", "")
    candidates, more = selectors.patients_search(query=query) if query.strip() else ([], False)
    return render(
        request,
        "scheduling/partials/patient_picker.html#choices",
        {
            "picker": {
                "q": query,
                "searched": bool(query.strip()),
                "candidates": candidates,
                "more": more,
                "chosen": None,
            }
        },
    )


def _describe(appointment: Appointment) -> str:
    start = clock.local(appointment.start)
    return (
        f"{appointment.appointment_type.name} for {appointment.patient.full_name} "
        f"on {start:%a %d %b %Y} at {start:%H:%M} with "
        f"{rules.clinician_label(appointment.clinician)}"
    )


def _appointment_context(
    appointment: Appointment, *, move_form: MoveForm | None = None, **extra
) -> dict:
    """What the appointment page shows (the move form as posted, when it
    failed, with its errors for the summary at the top)."""
    in_course = appointment.course_id is not None
    if move_form is None:
        local_start = clock.local(appointment.start)
        move_form = MoveForm(
            initial={
                "date": local_start.date(),
                "time": local_start.time(),
                "clinician": appointment.clinician_id,
                "room": appointment.room_id,
                "scope": "one",
            },
            in_course=in_course,
        )
    return {
        "appointment": appointment,
        "move_form": move_form,
        "cancel_form": CancelForm(prefix="cancel", initial={"scope": "one"}, in_course=in_course),
        "status_form": StatusForm(),
        "reminders": appointment.reminders.order_by("due_at"),
        "requests": appointment.change_requests.all(),
        "course_items": (
            appointment.course.appointments.select_related("appointment_type").order_by("start")
            if in_course
            else []
        ),
        **extra,
    }


@role_required(*STAFF)
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_appointment_for(request, pk)
    return render(request, "scheduling/appointment.html", _appointment_context(appointment))


@role_required(SCHEDULER, ADMIN, CLINICIAN)
@require_POST
def appointment_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_appointment_for(request, pk)
    form = MoveForm(request.POST, in_course=appointment.course_id is not None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if appointment.course_id and data["scope"] == "following":
                courses.course_edit(
                    appointment=appointment,
                    scope="following",
                    start=form.start(),
                    clinician=data["clinician"],
                    room=data["room"],
                    override_reason=data["override_reason"],
                    edited_by=request.user,
                )
            else:
                booking.appointment_move(
                    appointment=appointment,
                    start=form.start(),
                    clinician=data["clinician"],
                    room=data["room"],
                    override_reason=data["override_reason"],
                    moved_by=request.user,
                )
        except rules.BookingError as exc:
            _add_booking_errors(form, exc)
        else:
            appointment.refresh_from_db()
            messages.success(request, f"Moved: {_describe(appointment)}.")
            return redirect(appointment.get_absolute_url())
    return render(
        request,
        "scheduling/appointment.html",
        _appointment_context(
            appointment,
            move_form=form,
            form_errors=_error_targets(form, "move-form"),
            form_errors_title=_("The appointment was not moved:"),
        ),
        status=400,
    )


def _error_targets(form, form_id: str) -> list[tuple[str, str]]:
    """(element id, message) of each error, for the summary at the top of
    the page: a field's error links to its field, the others to the form."""
    targets = []
    for name, errors in form.errors.items():
        target = form[name].id_for_label if name in form.fields else form_id
        targets.extend((target or form_id, str(message)) for message in errors)
    return targets


@role_required(SCHEDULER, ADMIN, CLINICIAN)
@require_POST
def appointment_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_appointment_for(request, pk)
    form = CancelForm(request.POST, prefix="cancel", in_course=appointment.course_id is not None)
    if not form.is_valid():
        messages.error(request, "Cancelling needs a shorter reason.")
        return redirect(appointment.get_absolute_url())
    try:
        if appointment.course_id and form.cleaned_data["scope"] == "following":
            courses.course_edit(
                appointment=appointment,
                scope="following",
                cancel=True,
                reason=form.cleaned_data["reason"],
                edited_by=request.user,
            )
        else:
            booking.appointment_cancel(
                appointment=appointment,
                cancelled_by=request.user,
                reason=form.cleaned_data["reason"],
            )
    except rules.BookingError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Cancelled.")
    return redirect(appointment.get_absolute_url())


@role_required(SCHEDULER, ADMIN, CLINICIAN)
@require_POST
def appointment_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_appointment_for(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            booking.appointment_set_status(
                appointment=appointment,
                status=form.cleaned_data["status"],
                changed_by=request.user,
            )
        except rules.BookingError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Status updated.")
    if request.POST.get("next") == "attention":
        return redirect("scheduling:attention")
    return redirect(appointment.get_absolute_url())


@role_required(SCHEDULER, ADMIN, CLINICIAN)
@require_POST
def change_request_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(ChangeRequest.objects.select_related("appointment"), pk=pk)
    get_appointment_for(request, change.appointment_id)
    approve = request.POST.get("decision") == "approve"
    try:
        change_requests.change_request_decide(
            change_request=change, approve=approve, decided_by=request.user
        )
    except rules.BookingError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if approve and change.kind == ChangeRequest.Kind.RESCHEDULE:
            messages.info(request, "Approved: now move the appointment to the new time.")
            return redirect(change.appointment.get_absolute_url())
        messages.success(request, "Request approved." if approve else "Request declined.")
    return redirect("scheduling:schedule")


@role_required(*STAFF)
@require_GET
def free_slots(request: HttpRequest) -> HttpResponse:
    """Find the next free starts for a type, clinician and room."""
    # The search's own GET binds the form; the booking form's link
    # (?patient=&type=) only fills it in.
    query = request.GET.copy()
    bound = any(key in query for key in ("appointment_type", "clinician", "after"))
    if "type" in query and "appointment_type" not in query:
        query["appointment_type"] = query.pop("type")[0]
    form = SlotsForm(query if bound else None, initial=_slot_initial(query))
    found = []
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        after = max(
            timezone.now(),
            clock.at_local(data["after"] or timezone.localdate(), datetime.min.time()),
        )
        found = selectors.slots_next_free(
            appointment_type=data["appointment_type"],
            clinician=data["clinician"],
            room=data["room"] if data["appointment_type"].needs_room else None,
            patient=data["patient"],
            after=after,
            count=10,
        )
        found = [
            (
                start,
                urlencode(
                    {
                        **({"patient": data["patient"].pk} if data["patient"] else {}),
                        "type": data["appointment_type"].slug,
                        "clinician": data["clinician"].pk,
                        **({"room": data["room"].pk} if data["room"] else {}),
                        "start": f"{clock.local(start):%Y-%m-%dT%H:%M}",
                    }
                ),
            )
            for start in found
        ]
    patient = form.cleaned_data.get("patient") if form.is_bound and form.is_valid() else None
    if patient is None and not form.is_bound and request.GET.get("patient", "").isdigit():
        patient = get_patient_for(request, request.GET["patient"])
    return render(
        request,
        "scheduling/slots.html",
        {"form": form, "found": found, "searched": form.is_bound, "patient": patient},
    )


def _slot_initial(query) -> dict:
    initial = {}
    if query.get("patient", "").isdigit():
        initial["patient"] = query["patient"]
    if query.get("appointment_type"):
        initial["appointment_type"] = query["appointment_type"]
    return initial


@role_required(SCHEDULER, ADMIN, CLINICIAN)
def course(request: HttpRequest) -> HttpResponse:
    """Apply a course plan: propose a treatment course on free slots, review and
    adjust each one, then book all of them in one transaction."""
    if request.method == "POST":
        data = request.POST
    else:  # "Propose" sends the plan; a patient search (?q=) or link does not
        data = request.GET if "plan" in request.GET else None
    initial = {}
    if request.GET.get("patient"):
        initial["patient"] = get_patient_for(request, request.GET["patient"])
    form = CourseForm(data, initial=initial)
    proposal = []
    slots_form = None
    if form.is_bound and form.is_valid():
        clean = form.cleaned_data
        if request.method == "POST":
            slots_form = CourseSlotsForm(request.POST, plan=clean["plan"])
        if slots_form is not None and "book" in request.POST and slots_form.is_valid():
            try:
                course = courses.course_book(
                    plan=clean["plan"],
                    patient=clean["patient"],
                    clinician=clean["clinician"],
                    room=clean["room"],
                    slots=slots_form.slots(),
                    booked_by=request.user,
                    override_reason=slots_form.cleaned_data["override_reason"],
                )
            except rules.BookingError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                first = course.appointments.order_by("start").first()
                messages.success(
                    request,
                    f"Booked {course.appointments.count()} appointments: {course.name} "
                    f"for {course.patient.full_name}.",
                )
                return redirect(first.get_absolute_url() if first else "scheduling:schedule")
        elif slots_form is not None and "book" in request.POST:
            for errors in slots_form.errors.values():
                for message in errors:
                    form.add_error(None, message)
        proposal = courses.course_propose(
            plan=clean["plan"],
            patient=clean["patient"],
            clinician=clean["clinician"],
            room=clean["room"],
            first_day=clean["first_day"],
            preferred_time=clean["preferred_time"],
        )
        if slots_form is not None:
            # Keep what the reviewer typed over the fresh proposal.
            typed = slots_form.typed_starts()
            for slot in proposal:
                slot.start = typed.get(slot.position, slot.start)
    chosen = form.cleaned_data.get("patient") if form.is_bound and form.is_valid() else None
    chosen = chosen or initial.get("patient")
    return render(
        request,
        "scheduling/course.html",
        {
            "form": form,
            "proposal": proposal,
            "override_reason": slots_form["override_reason"].value() if slots_form else "",
            "picker": _patient_picker(request, form),
            "authorizations": patient_authorizations(chosen) if chosen else [],
        },
    )


@role_required(*STAFF)
@require_GET
def attention(request: HttpRequest) -> HttpResponse:
    items = sorted(
        [*selectors.patients_needing_attention(), *authorizations_needing_attention()],
        key=lambda item: item.since,
    )
    to_close, to_close_total = selectors.appointments_to_close()
    return render(
        request,
        "scheduling/attention.html",
        {
            "items": items,
            "to_close": to_close,
            "to_close_total": to_close_total,
            "days": settings.CLINIC_ATTENTION_DAYS,
        },
    )


@role_required(CLINICIAN, ADMIN)
@never_cache
def feed_manage(request: HttpRequest) -> HttpResponse:
    """The clinician's private calendar feed: create a new URL or revoke it."""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            calendar_feeds.calendar_feed_revoke(clinician=request.user)
            messages.success(request, "Calendar feed revoked: the old address no longer works.")
        else:
            calendar_feeds.calendar_feed_create(clinician=request.user)
            messages.success(request, "New calendar feed address created.")
        return redirect("scheduling:feed_manage")
    feed = CalendarFeed.objects.filter(clinician=request.user, revoked_at__isnull=True).first()
    url = (
        settings.CLINIC_BASE_URL.rstrip("/") + reverse("scheduling:feed", args=[feed.token])
        if feed
        else ""
    )
    return render(request, "scheduling/feed.html", {"feed": feed, "url": url})


@public
@never_cache
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A clinician's appointments from 30 days back to 180 ahead, with only
    the patient's initials and the type. The secret token is the access."""
    if "\x00" in token:  # PostgreSQL cannot even compare it
        raise Http404("No such calendar.")
    feed = (
        CalendarFeed.objects.select_related("clinician")
        .filter(token=token, revoked_at__isnull=True)
        .first()
    )
    if feed is None:
        raise Http404("No such calendar.")
    now = timezone.now()
    items = (
        Appointment.objects.filter(
            clinician=feed.clinician,
            start__gte=now - timedelta(days=30),
            start__lte=now + timedelta(days=180),
        )
        .select_related("patient", "appointment_type", "room")
        .order_by("start")
    )
    body = calendar_bytes(items, for_patient=False, name=f"{settings.CLINIC_NAME} schedule")
    return HttpResponse(body, content_type=ICS_CONTENT_TYPE)


# The patient's pages ---------------------------------------------------------


def _my_appointments_context(request: HttpRequest, **extra) -> dict:
    patient = patient_for_user(request.user)
    page = selectors.patient_appointments_page(patient) if patient else None
    feed = (
        PatientCalendarFeed.objects.filter(patient=patient, revoked_at__isnull=True).first()
        if patient
        else None
    )
    return {
        "page": page,
        "feed_url": (
            settings.CLINIC_BASE_URL.rstrip("/")
            + reverse("scheduling:patient_feed", args=[feed.token])
            if feed
            else ""
        ),
        "clinic_address": settings.CLINIC_ADDRESS,
        "request_form": None,
        "request_for": None,
        **extra,
    }


@role_required(PATIENT)
@require_GET
def my_appointments(request: HttpRequest) -> HttpResponse:
    """Upcoming first (a course as one group with its progress), past ones
    folded away, one calendar file for all and a private subscription."""
    return render(request, "scheduling/my_appointments.html", _my_appointments_context(request))


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=ICS_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@role_required(PATIENT)
@require_GET
def my_appointment_ics(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_appointment_for(request, pk)
    return _ics_response(
        calendar_bytes([appointment], for_patient=True), f"appointment-{appointment.pk}.ics"
    )


def _patient_calendar(patient) -> bytes:
    now = timezone.now()
    items = (
        Appointment.objects.filter(patient=patient, start__gte=now - timedelta(days=30))
        .select_related("patient", "appointment_type", "room")
        .order_by("start")
    )
    return calendar_bytes(items, for_patient=True, name=f"{settings.CLINIC_NAME} appointments")


@role_required(PATIENT)
@require_GET
def my_calendar_ics(request: HttpRequest) -> HttpResponse:
    """Every appointment from 30 days back, in one file ("add all")."""
    patient = patient_for_user(request.user)
    if patient is None:
        raise Http404("No patient record.")
    return _ics_response(_patient_calendar(patient), "appointments.ics")


@role_required(PATIENT)
@require_POST
def my_calendar_feed(request: HttpRequest) -> HttpResponse:
    """Create (or replace) or revoke the patient's private subscription link."""
    patient = patient_for_user(request.user)
    if patient is None:
        raise Http404("No patient record.")
    calendar_feeds.patient_calendar_feed_revoke(patient=patient)
    if request.POST.get("action") == "revoke":
        messages.success(request, _("Calendar link turned off: the old address no longer works."))
    else:
        calendar_feeds.patient_calendar_feed_create(patient=patient)
        messages.success(request, _("Your private calendar link is ready."))
    return redirect(reverse("scheduling:appointments") + "#calendar")


@public
@never_cache
@require_GET
def patient_calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A patient's own appointments for a calendar app; the token is the access."""
    if "\x00" in token:
        raise Http404("No such calendar.")
    feed = (
        PatientCalendarFeed.objects.select_related("patient")
        .filter(token=token, revoked_at__isnull=True)
        .first()
    )
    if feed is None:
        raise Http404("No such calendar.")
    return HttpResponse(_patient_calendar(feed.patient), content_type=ICS_CONTENT_TYPE)


@role_required(PATIENT)
@require_POST
def my_change_request(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_appointment_for(request, pk)
    form = ChangeRequestForm(request.POST, auto_id=f"request-{appointment.pk}-%s")
    if form.is_valid():
        try:
            change_requests.change_request_create(
                appointment=appointment,
                kind=form.cleaned_data["kind"],
                message=form.cleaned_data["message"],
            )
        except rules.BookingError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Thank you. The clinic will reply to your request."))
        return redirect("scheduling:appointments")
    return render(
        request,
        "scheduling/my_appointments.html",
        _my_appointments_context(request, request_form=form, request_for=appointment.pk),
        status=400,
    )


@role_required(PATIENT)
@never_cache
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """The short PHQ-9 and safety check-in before a follow-up."""
    item = get_checkin_for(request, token)
    if item.appointment_id is None:  # a course's measurement: answered on its own page
        return redirect("outcomes:checkin", token=token)
    if item.completed_at is not None:
        return render(
            request,
            "scheduling/checkin_done.html",
            {"checkin": item, "crisis": checkins.checkin_needs_crisis_resources(item)},
        )
    form = CheckInForm(request.POST or None)
    link = settings.CLINIC_BASE_URL.rstrip("/") + reverse(
        "scheduling:appointment", args=[item.appointment_id]
    )
    crisis = False
    if request.method == "POST" and CheckInForm.typed_is_crisis(request.POST):
        # Acted on at once, whether or not every question is answered yet.
        checkins.checkin_crisis_answer_seen(checkin=item, link=link)
        crisis = True
    if request.method == "POST" and form.is_valid():
        item = checkins.checkin_submit(
            checkin=item,
            phq9_answers=form.phq9_answers(),
            safety_answers=form.safety_answers(),
            link=link,
        )
        return render(
            request,
            "scheduling/checkin_done.html",
            {"checkin": item, "crisis": checkins.checkin_needs_crisis_resources(item)},
        )
    return render(
        request, "scheduling/checkin.html", {"form": form, "checkin": item, "crisis": crisis}
    )


@role_required(*STAFF)
@require_GET
def type_styles(request: HttpRequest) -> HttpResponse:
    """The appointment types' colours as a stylesheet (colours are edited in
    the admin; the CSP forbids inline styles)."""
    lines = [
        f".appt-type-{kind.pk} {{ border-left-color: {kind.colour}; }}"
        for kind in AppointmentType.objects.only("pk", "colour")
        if len(kind.colour) == 7 and kind.colour.startswith("#")
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/css")
