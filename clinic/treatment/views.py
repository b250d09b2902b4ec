"""Treatment sessions: today's list, the chart (saved as typed), vitals and
responses, signing, addenda, the REMS form (page and PDF) and the forms due,
and the patient's own list of sessions that took place."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic.accounts.access import patient_for_user
from clinic.accounts.models import User
from clinic.accounts.roles import (
    ADMIN,
    CLINICIAN,
    PATIENT,
    SCHEDULER,
    public,
    role_of,
    role_required,
)
from clinic.scheduling.access import get_appointment_for
from clinic.treatment import clinical as c
from clinic.treatment import documents as d
from clinic.treatment import selectors
from clinic.treatment import services as svc
from clinic.treatment.access import get_session_for
from clinic.treatment.clinical import Message
from clinic.treatment.forms import AddendumForm, RemsSubmitForm, ResponseForm, VitalForm, now_time
from clinic.treatment.models import TreatmentProtocol, TreatmentSession, VitalSign

CHARTING = (CLINICIAN, ADMIN)
AUTOSAVE_HEADER = "HTTP_X_SESSION_AUTOSAVE"
RESUME_SALT = "treatment-session-resume"
RESUME_MAX_AGE = 60 * 60 * 12


def tr(message) -> str:
    """A message of the clinical rules or services, in the page's language."""
    if isinstance(message, Message):
        return _(message.template) % message.params
    return _(str(message))


def _error_text(exc: Exception) -> str:
    return tr(exc.args[0]) if exc.args else str(exc)


def _is_autosave(request: HttpRequest) -> bool:
    """Saved as typed by the page's script (a header), or by a beacon when
    the tab closes (a query parameter: beacons cannot set headers)."""
    return request.META.get(AUTOSAVE_HEADER) == "1" or request.GET.get("autosave") == "1"


def _day(request: HttpRequest) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return timezone.localdate()
    # Far-off days would overflow the day before and after.
    return day if 1900 <= day.year <= 2200 else timezone.localdate()


@role_required(CLINICIAN, ADMIN, SCHEDULER)
@require_GET
def sessions_today(request: HttpRequest) -> HttpResponse:
    """Today's treatment sessions by room and chair. Schedulers see the
    state and the times; clinicians also what is due next."""
    day = _day(request)
    return render(
        request,
        "treatment/today.html",
        {
            "day": day,
            "groups": selectors.sessions_today(day),
            "clinical": role_of(request.user) in CHARTING,
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
        },
    )


@role_required(*CHARTING)
@require_POST
def session_start(request: HttpRequest, appointment_pk: int) -> HttpResponse:
    """Check the patient in and start the session's chart."""
    appointment = get_appointment_for(request, appointment_pk)
    try:
        session = svc.session_start(appointment=appointment, by=request.user)
    except svc.SessionError as exc:
        messages.error(request, _error_text(exc))
        return redirect(
            reverse("treatment:today") + f"?day={timezone.localtime(appointment.start).date()}"
        )
    return redirect(session.get_absolute_url())


# -- the chart -----------------------------------------------------------------------


def resume_token(session: TreatmentSession, user) -> str:
    return signing.dumps({"s": session.pk, "u": user.pk}, salt=RESUME_SALT)


def _field_rows(session: TreatmentSession, errors: dict[str, str]) -> list[dict]:
    """The document's sections for the template: label, kind, value shown
    (what was typed if it is not valid yet), choices and error."""
    doc, typed = session.document, session.typed
    sections = []
    for section in d.SECTIONS[session.modality]:
        rows = []
        for spec in section.fields:
            if spec.name in typed:
                value = typed[spec.name]
            else:
                raw = doc.get(spec.name)
                value = (
                    {True: "yes", False: "no", None: ""}.get(raw, raw)
                    if isinstance(raw, bool) or raw is None
                    else raw
                )
            rows.append(
                {
                    "name": spec.name,
                    "id": f"f-{spec.name}",
                    "label": _(spec.label),
                    "kind": spec.kind,
                    "value": "" if value is None else str(value),
                    "choices": [(key, _(label)) for key, label in spec.choices],
                    "unit": spec.unit,
                    "help": _(spec.help) if spec.help else "",
                    "required": spec.required,
                    "error": errors.get(spec.name, ""),
                }
            )
        sections.append({"key": section.key, "title": _(section.title), "fields": rows})
    return sections


def _labels(modality: str) -> dict[str, str]:
    labels = {name: _(spec.label) for name, spec in d.FIELDS[modality].items()}
    labels["vitals"] = _("Vitals")
    return labels


def _prompts(session: TreatmentSession) -> list[str]:
    """Prompts of the day: motor threshold (TMS), MoCA (ECT), pre-dose BP."""
    doc = session.document
    prompts = []
    if session.modality == c.TMS:
        try:
            mt_date = datetime.date.fromisoformat(doc.get("motor_threshold_date") or "")
        except ValueError:
            mt_date = None
        why = c.motor_threshold_due(
            last_determined=mt_date,
            today=svc.session_day(session),
            medicines_changed=doc.get("medicines_changed") is True,
        )
        if why and doc.get("mt_determined_today") is not True:
            if mt_date is None:
                reason = _("no motor threshold recorded in this course")
            elif doc.get("medicines_changed") is True:
                reason = _("medicines changed since it was determined")
            else:
                days = (svc.session_day(session) - mt_date).days
                reason = _("last determined %(days)s days ago") % {"days": days}
            prompts.append(
                _("Determine the resting motor threshold today: %(why)s.") % {"why": reason}
            )
    if session.modality == c.ECT:
        done = [
            s.document.get("moca_timepoint")
            for s in TreatmentSession.objects.filter(patient=session.patient, modality=c.ECT)
            .exclude(pk=session.pk)
            .only("document")
            if s.document.get("moca_timepoint")
        ]
        due = c.moca_due(
            session_number=doc.get("session_number"),
            done=done,
            course_complete=doc.get("course_complete") is True,
        )
        if due and doc.get("moca_timepoint") != due:
            names = {
                c.MOCA_BASELINE: _("a baseline MoCA"),
                c.MOCA_BEFORE_THIRD: _("a MoCA before the third session"),
                c.MOCA_AFTER_COURSE: _("a MoCA after the course"),
            }
            prompts.append(_("Cognition: %(which)s is due.") % {"which": names[due]})
    return prompts


def _chart_context(
    request,
    session: TreatmentSession,
    *,
    errors=None,
    vital_form=None,
    addendum_form=None,
    submit_form=None,
) -> dict:
    vitals = list(session.vitals.select_related("responded_by", "recorded_by"))
    protocol = TreatmentProtocol.objects.filter(modality=session.modality).first()
    if errors is None:
        _values, typed_errors = d.validate_fields(session.modality, session.typed)
        errors = {name: tr(message) for name, message in typed_errors}
    problems = svc.sign_problems(session, vitals)
    labels = _labels(session.modality)
    due, due_at = selectors.due_of(session, vitals, protocol.vitals_minutes if protocol else [])
    facts = svc.session_facts(session, vitals)
    high_s, high_d = svc.treatment_threshold()
    context = {
        "session": session,
        "patient": session.patient,
        "sections": _field_rows(session, errors),
        "errors": errors,
        "error_list": [(name, labels.get(name, name), message) for name, message in errors.items()],
        "problems": [(name, labels.get(name, name), tr(message)) for name, message in problems],
        "vitals": vitals,
        "vital_form": vital_form or _vital_form(session, vitals),
        "response_form": ResponseForm(),
        "addendum_form": addendum_form or AddendumForm(),
        "submit_form": submit_form or RemsSubmitForm(),
        "addenda": list(session.addenda.select_related("author")),
        "computed": d.computed(session.modality, session.document),
        "due_label": selectors.DUE_LABELS.get(due, "") if due else "",
        "due_at": due_at,
        "predose_high": facts.predose_bp_high,
        "threshold": f"{high_s}/{high_d}",
        "limits": svc.current_limits()[0],
        "prompts": _prompts(session),
        "resume": resume_token(session, request.user),
        "rems": session.modality == c.ESKETAMINE,
        "submission": getattr(session, "rems_submission", None)
        if hasattr(session, "rems_submission")
        else None,
        "concomitant": svc.concomitant_prefill(session.patient)[1]
        if session.modality == c.ESKETAMINE
        else {},
        "billing_code": session.billing_code,
        "timepoints": _timepoints(session, vitals, protocol),
    }
    return context


def _timepoints(session: TreatmentSession, vitals: list[VitalSign], protocol) -> list[dict]:
    """The protocol's vitals time points after the start (IV ketamine), each
    with its time once the infusion has started and whether it is done."""
    if session.modality != c.IV_KETAMINE or protocol is None:
        return []
    start = timezone.localtime(session.dosed_at).time() if session.dosed_at else None
    checks = sum(1 for v in vitals if v.phase == VitalSign.Phase.CHECK)
    later = sorted(m for m in protocol.vitals_minutes if m > 0)
    return [
        {
            "minutes": minutes,
            "at": c.add_minutes(start, minutes) if start else None,
            "done": index < checks,
        }
        for index, minutes in enumerate(later)
    ]


def _vital_form(session: TreatmentSession, vitals: list[VitalSign]) -> VitalForm:
    """A new reading's form: what was being typed, or now and the likely phase."""
    draft = session.typed.get(svc.VITALS_DRAFT_KEY)
    if draft:
        form = VitalForm(draft)
        form.is_valid()  # show what is wrong with it, as it was typed
        return form
    return VitalForm(initial={"taken_at": now_time(), "phase": _default_phase(session, vitals)})


def _default_phase(session: TreatmentSession, vitals: list[VitalSign]) -> str:
    if not any(v.phase == VitalSign.Phase.PRE_DOSE for v in vitals):
        return VitalSign.Phase.PRE_DOSE
    if session.dosed_at is None:
        return VitalSign.Phase.PRE_DOSE
    return VitalSign.Phase.CHECK


@public
@never_cache
@require_http_methods(["GET", "POST"])
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The chart. Public only in this: what was posted after the login timed
    out is kept (see `_keep_after_timeout`) before asking to log in again."""
    if request.method == "POST" and not request.user.is_authenticated:
        return _keep_after_timeout(request, pk)
    return _session_detail(request, pk)


def _keep_after_timeout(request: HttpRequest, pk: int) -> HttpResponse:
    login = redirect_to_login(reverse("treatment:session", args=[pk]))
    try:
        data = signing.loads(
            request.POST.get("resume", ""), salt=RESUME_SALT, max_age=RESUME_MAX_AGE
        )
        session_pk, user_pk = int(data["s"]), int(data["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return login
    session = TreatmentSession.objects.filter(pk=session_pk, signed_at__isnull=True).first()
    user = User.objects.filter(pk=user_pk, is_active=True).first()
    if session is None or session_pk != pk or user is None or role_of(user) not in CHARTING:
        return login
    svc.session_keep_typed(session=session, raw=request.POST)
    if _is_autosave(request):
        return JsonResponse({"saved": True, "session": "ended"})
    messages.info(
        request, _("Your login had ended. What you typed is kept: log in again to carry on.")
    )
    return login


@role_required(CLINICIAN, ADMIN, SCHEDULER)
def _session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_session_for(request, pk)
    if role_of(request.user) == SCHEDULER:
        if request.method == "POST":
            raise Http404("No such page.")
        return render(request, "treatment/session_times.html", {"session": session})
    if request.method == "GET":
        return render(request, "treatment/session.html", _chart_context(request, session))
    autosave = _is_autosave(request)
    try:
        errors = svc.session_save(session=session, raw=request.POST, by=request.user)
    except svc.SessionError as exc:
        if autosave:
            return JsonResponse({"saved": False, "error": _error_text(exc)}, status=409)
        messages.error(request, _error_text(exc))
        return redirect(session.get_absolute_url())
    session.refresh_from_db()
    if autosave:
        return JsonResponse(
            {
                "saved": True,
                "state": session.state,
                "errors": {name: tr(message) for name, message in errors},
                "computed": {
                    k: v
                    for k, v in d.computed(session.modality, session.document).items()
                    if v is not None
                },
            }
        )
    if errors:
        messages.warning(
            request, _("Saved. Some answers need your attention: they are kept as typed.")
        )
        return render(
            request,
            "treatment/session.html",
            _chart_context(request, session, errors={n: tr(m) for n, m in errors}),
        )
    messages.success(request, _("Saved."))
    return redirect(session.get_absolute_url())


@role_required(*CHARTING)
@require_POST
def vitals_add(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_session_for(request, pk)
    if _is_autosave(request):  # the vitals being typed: kept, not yet added
        try:
            svc.vitals_draft_keep(session=session, raw=request.POST)
        except svc.SessionError as exc:
            return JsonResponse({"saved": False, "error": _error_text(exc)}, status=409)
        return JsonResponse({"saved": True})
    form = VitalForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        taken = datetime.datetime.combine(
            svc.session_day(session), data["taken_at"], tzinfo=timezone.get_current_timezone()
        )
        try:
            vital = svc.vitals_record(
                session=session,
                taken_at=taken,
                phase=data["phase"],
                by=request.user,
                **{
                    k: data[k]
                    for k in ("systolic", "diastolic", "heart_rate", "spo2", "respiratory_rate")
                },
            )
        except svc.SessionError as exc:
            messages.error(request, _error_text(exc))
            return redirect(session.get_absolute_url())
        svc.vitals_draft_clear(session)
        if vital.out_of_limits:
            messages.warning(request, _("This reading is outside the limits: record a response."))
        elif vital.predose_high:
            messages.warning(
                request,
                _(
                    "The pre-dose blood pressure is at or above the treatment threshold: "
                    "record a decision before dosing."
                ),
            )
        else:
            messages.success(request, _("Vitals recorded."))
        return redirect(session.get_absolute_url() + "#vitals")
    return render(
        request,
        "treatment/session.html",
        _chart_context(request, session, vital_form=form),
        status=200,
    )


@role_required(*CHARTING)
@require_POST
def vital_respond(request: HttpRequest, pk: int, vital_pk: int) -> HttpResponse:
    session = get_session_for(request, pk)
    vital = session.vitals.filter(pk=vital_pk).first() if str(vital_pk).isdigit() else None
    if vital is None:
        raise Http404("No such reading.")
    form = ResponseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was done about this reading."))
        return redirect(session.get_absolute_url() + f"#vital-{vital.pk}")
    try:
        svc.vital_respond(vital=vital, response=form.cleaned_data["response"], by=request.user)
    except (svc.SessionError, ValidationError) as exc:
        messages.error(
            request, exc.messages[0] if isinstance(exc, ValidationError) else _error_text(exc)
        )
    else:
        messages.success(request, _("Response recorded."))
    return redirect(session.get_absolute_url() + "#vitals")


@role_required(*CHARTING)
@require_POST
def session_sign(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_session_for(request, pk)
    try:
        svc.session_sign(session=session, by=request.user)
    except svc.SignRefused:
        messages.error(request, _("The session cannot be signed yet: see what is missing."))
        return redirect(session.get_absolute_url() + "#sign")
    except svc.SessionError as exc:
        messages.error(request, _error_text(exc))
        return redirect(session.get_absolute_url())
    messages.success(
        request, _("Signed. The session can no longer be changed; corrections are addenda.")
    )
    return redirect(session.get_absolute_url())


@role_required(*CHARTING)
@require_POST
def addendum_add(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_session_for(request, pk)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            svc.addendum_add(session=session, by=request.user, **form.cleaned_data)
        except svc.SessionError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Addendum added."))
            return redirect(session.get_absolute_url() + "#addenda")
    return render(
        request, "treatment/session.html", _chart_context(request, session, addendum_form=form)
    )


# -- the REMS form -------------------------------------------------------------------------


def _rems_session(request: HttpRequest, pk: int) -> TreatmentSession:
    session = get_session_for(request, pk)
    if session.modality != c.ESKETAMINE:
        raise Http404("Only esketamine sessions have a REMS form.")
    return session


def _rems_context(session: TreatmentSession) -> dict:
    return {
        "session": session,
        "form_sections": selectors.rems_form(session),
        "submission": getattr(session, "rems_submission", None)
        if hasattr(session, "rems_submission")
        else None,
        "due_on": c.rems_due_date(svc.session_day(session)),
    }


@role_required(*CHARTING)
@require_GET
def rems_form(request: HttpRequest, pk: int) -> HttpResponse:
    session = _rems_session(request, pk)
    context = _rems_context(session)
    context["submit_form"] = RemsSubmitForm()
    return render(request, "treatment/rems_form.html", context)


@role_required(*CHARTING)
@require_GET
def rems_form_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from django.contrib.staticfiles import finders
    from weasyprint import CSS, HTML

    session = _rems_session(request, pk)
    html = render_to_string("treatment/rems_form_pdf.html", _rems_context(session), request=request)
    stylesheet = finders.find("css/rems-form-pdf.css")
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(
        stylesheets=[CSS(filename=stylesheet)] if stylesheet else None
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    day = svc.session_day(session).isoformat()
    response["Content-Disposition"] = (
        f'inline; filename="rems-monitoring-form-{session.pk}-{day}.pdf"'
    )
    return response


@role_required(*CHARTING)
@require_POST
def rems_submit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _rems_session(request, pk)
    form = RemsSubmitForm(request.POST)
    if form.is_valid():
        try:
            svc.rems_submit(session=session, by=request.user, **form.cleaned_data)
        except (svc.SessionError, ValidationError) as exc:
            messages.error(
                request, exc.messages[0] if isinstance(exc, ValidationError) else _error_text(exc)
            )
        else:
            messages.success(request, _("Recorded: the REMS form was submitted."))
            return redirect("treatment:rems_due")
        return redirect("treatment:rems_form", pk=session.pk)
    context = _rems_context(session)
    context["submit_form"] = form
    return render(request, "treatment/rems_form.html", context)


@role_required(CLINICIAN, ADMIN, SCHEDULER)
@require_GET
def rems_due(request: HttpRequest) -> HttpResponse:
    """REMS monitoring forms not yet submitted, oldest first."""
    return render(
        request,
        "treatment/rems_due.html",
        {"forms": selectors.rems_forms_due(), "clinical": role_of(request.user) in CHARTING},
    )


# -- the patient's view ----------------------------------------------------------------------


@role_required(PATIENT)
@require_GET
def my_sessions(request: HttpRequest) -> HttpResponse:
    """The patient's treatment sessions that took place (signed): the date
    and the treatment, nothing of the chart."""
    patient = patient_for_user(request.user)
    sessions = (
        TreatmentSession.objects.filter(patient=patient, signed_at__isnull=False)
        .select_related("appointment")
        .order_by("-appointment__start")
        if patient
        else []
    )
    return render(request, "treatment/my_sessions.html", {"sessions": sessions})
