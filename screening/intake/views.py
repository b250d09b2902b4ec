"""The patient's intake: one page per step, review and submit, the
confirmation and a printable copy of what was sent."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from clinic.accounts.access import patient_for_user
from clinic.accounts.models import Patient
from clinic.accounts.roles import PATIENT, public, role_required
from screening.engine import DocumentError
from screening.engine.document import MAX_LIST_ITEMS
from screening.intake.access import get_intake_for
from screening.intake.forms import typed_is_urgent
from screening.intake.steps import (
    STEP_BY_KEY,
    STEPS,
    dose_confirmations,
    filled_step,
    plain_message,
    step_summary,
)
from screening.models import Intake, Medication
from screening.services import intake as svc

AUTOSAVE_HEADER = "HTTP_X_INTAKE_AUTOSAVE"
RESUME_SALT = "intake-resume"
RESUME_MAX_AGE = 60 * 60 * 24


def _patient(request: HttpRequest) -> Patient:
    patient = patient_for_user(request.user)
    if patient is None:
        raise Http404("No patient record is linked to this login.")
    return patient


def _activate_language(request: HttpRequest, patient: Patient) -> None:
    """The patient's language, unless they chose one with the switcher."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    language = (patient.preferred_language or "").split("-")[0]
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language


def _progress(intake: Intake, current: str) -> list[dict]:
    states = svc.step_states(intake)
    return [
        {
            "key": step.key,
            "title": step.title,
            "number": number,
            "state": states.get(step.key, ""),
            "current": step.key == current,
            "reopened": step.key in (intake.reopened_steps or []),
        }
        for number, step in enumerate(STEPS, start=1)
    ]


def _medication_names() -> list[tuple[str, str]]:
    """(name, generic) for the searchable list: each generic and brand name."""
    names: dict[str, str] = {}
    for generic, brands in Medication.objects.values_list("generic", "brand_names"):
        names[generic] = generic
        for brand in brands or []:
            names.setdefault(brand, generic)
    return sorted(names.items(), key=lambda item: item[0].casefold())


def _neighbours(key: str) -> tuple[str | None, str | None]:
    keys = [step.key for step in STEPS]
    i = keys.index(key)
    return (keys[i - 1] if i > 0 else None, keys[i + 1] if i + 1 < len(keys) else None)


def _step_url(key: str) -> str:
    if key == svc.REVIEW_STEP:
        return reverse("intake:review")
    return reverse("intake:step", args=[key])


def _context(request, intake: Intake, key: str, **extra) -> dict:
    previous, following = _neighbours(key)
    return {
        "intake": intake,
        "step": STEP_BY_KEY[key],
        "progress": _progress(intake, key),
        "previous_url": _step_url(previous) if previous else None,
        "show_crisis": intake.shows_crisis_resources,
        "step_number": svc.STEP_KEYS.index(key) + 1,
        "step_count": len(svc.STEP_KEYS),
        "review_days": settings.CLINIC_REVIEW_WORKING_DAYS,
        **extra,
    }


@role_required(PATIENT)
@never_cache
def intake_start(request: HttpRequest) -> HttpResponse:
    """Resume the draft at its first incomplete step; with no draft, show
    what was submitted (or start the first intake)."""
    patient = _patient(request)
    _activate_language(request, patient)
    draft = svc.intake_draft_of(patient)
    if draft is None:
        submitted = list(patient.intakes.filter(status=Intake.Status.SUBMITTED))
        if submitted:
            return render(
                request,
                "intake/status.html",
                {"submitted": submitted, "review_days": settings.CLINIC_REVIEW_WORKING_DAYS},
            )
        draft = svc.intake_start(patient=patient)
    return redirect(_step_url(svc.first_incomplete_step(draft)))


def _is_autosave(request: HttpRequest) -> bool:
    """The page's autosave: a header on fetch, a field when the page sends
    what is typed as it is closed (navigator.sendBeacon sets no headers)."""
    return request.META.get(AUTOSAVE_HEADER) == "1" or request.POST.get("autosave") == "1"


def resume_token(intake: Intake, key: str) -> str:
    """Signed (intake, step), put in each step's form so that answers posted
    after the session timed out are still kept."""
    return signing.dumps(
        {"i": intake.pk, "s": key, "t": timezone.now().timestamp()}, salt=RESUME_SALT
    )


@public
@never_cache
@require_http_methods(["GET", "POST"])
def intake_step(request: HttpRequest, key: str) -> HttpResponse:
    """A step of the intake, for its patient only. Public only in this: a
    form posted after the session timed out is kept (see `_keep_after_timeout`)
    before the patient is asked to log in again."""
    if request.method == "POST" and not request.user.is_authenticated:
        return _keep_after_timeout(request, key)
    return _intake_step(request, key)


def _keep_after_timeout(request: HttpRequest, key: str) -> HttpResponse:
    """Keep what was typed (never marked complete, never validated as the
    patient's answers until they log in and save it), then ask to log in."""
    login_url = redirect_to_login(_step_url(key) if key in STEP_BY_KEY else "/intake/")
    try:
        data = signing.loads(
            request.POST.get("resume", ""), salt=RESUME_SALT, max_age=RESUME_MAX_AGE
        )
        pk, step, issued_at = int(data["i"]), data["s"], float(data["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return login_url
    intake = Intake.objects.filter(pk=pk, status=Intake.Status.DRAFT).first()
    if intake is None or step != key or key not in svc.STEP_SECTIONS:
        return login_url
    if not svc.resume_token_is_live(intake, issued_at):
        return login_url  # issued in a session the patient ended by logging out
    _act_on_urgent_answer(intake, key, request.POST)
    svc.intake_keep_timed_out_post(intake=intake, step=key, typed=request.POST.lists())
    if _is_autosave(request):
        return JsonResponse({"saved": True, "session": "ended", "crisis": _crisis(intake)})
    messages.info(
        request,
        _("Your session had ended. What you typed is kept: please log in again to carry on."),
    )
    return login_url


@role_required(PATIENT)
def _intake_step(request: HttpRequest, key: str) -> HttpResponse:
    step = STEP_BY_KEY.get(key)
    if step is None or key == svc.REVIEW_STEP:
        raise Http404("No such step.")
    patient = _patient(request)
    _activate_language(request, patient)
    intake = svc.intake_draft_of(patient)
    if intake is None:
        return redirect("intake:start")
    common = {
        "document": intake.document,
        "patient": patient,
        "patient_name": svc.patient_name_for(intake),
    }
    if request.method == "GET":
        typed = svc.typed_values(intake, key)
        if typed is not None:
            data = QueryDict(mutable=True)
            for name, values in typed.items():
                data.setlist(name, values)
            filled = filled_step(step, data=data, **common)
            filled.is_valid()
        else:
            filled = filled_step(step, **common)
        return _render_step(request, intake, filled)

    action = request.POST.get("action", "next")
    autosave = _is_autosave(request)
    # Before anything else: an urgent answer is acted on whether or not the
    # step is valid or complete, whatever button (or autosave) sent it.
    _act_on_urgent_answer(intake, key, request.POST)
    if action.startswith("add:"):
        data = request.POST.copy()
        prefix = action.removeprefix("add:")
        total = f"{prefix}-TOTAL_FORMS"
        if any(spec.prefix == prefix for spec in step.lists) and data.get(total, "").isdigit():
            data[total] = str(min(int(data[total]) + 1, MAX_LIST_ITEMS))
        svc.intake_save_typed(intake=intake, step=key, typed=data.lists(), attention=False)
        filled = filled_step(step, data=data, **common)
        return _render_step(request, intake, filled)

    filled = filled_step(step, data=request.POST, **common)
    if filled.is_valid():
        try:
            svc.intake_save_step(intake=intake, step=key, sections=filled.sections)
            svc.intake_record_dose_confirmations(
                intake=intake, step=key, confirmations=dose_confirmations(filled)
            )
        except DocumentError as exc:  # the form missed something the engine caught
            for path, message in exc.errors:
                filled.add_general_error(plain_message(message) + f" ({path})")
        else:
            if autosave:
                return JsonResponse(
                    {"saved": True, "state": svc.COMPLETE, "crisis": _crisis(intake)}
                )
            return _after_save(request, key, action)
    svc.intake_save_typed(
        intake=intake, step=key, typed=request.POST.lists(), attention=not autosave
    )
    if autosave:
        return JsonResponse(
            {"saved": True, "state": intake.step_state.get(key, ""), "crisis": _crisis(intake)}
        )
    if action in ("back", "later"):
        previous, _following = _neighbours(key)
        messages.warning(request, _attention_message(step))
        if action == "later":
            return redirect("patient_home")
        return redirect(_step_url(previous or key))
    return _render_step(request, intake, filled, status=200)


def _act_on_urgent_answer(intake: Intake, key: str, data) -> None:
    """A crisis answer reached the server: alert the on-call
    clinicians (once per intake), so the crisis resources show from now on."""
    if key in svc.SAFETY_STEPS and typed_is_urgent(key, data):
        svc.intake_raise_safety_alert(intake=intake)


def _attention_message(step) -> str:
    """The step left with answers to check, named and linked."""
    link = format_html('<a class="alert-link" href="{}">{}</a>', _step_url(step.key), step.title)
    return format_html(
        _("Your answers were kept. {step} needs your attention: please check it when you can."),
        step=link,
    )


def _crisis(intake: Intake) -> bool:
    return intake.shows_crisis_resources


def _after_save(request: HttpRequest, key: str, action: str) -> HttpResponse:
    previous, following = _neighbours(key)
    if action == "back" and previous:
        return redirect(_step_url(previous))
    if action == "later":
        messages.success(request, _("Your answers are saved. You can come back at any time."))
        return redirect("patient_home")
    if action == "stay":
        messages.success(request, _("Your answers are saved."))
        return redirect(_step_url(key))
    return redirect(_step_url(following or key))


def _render_step(request, intake: Intake, filled, *, status: int = 200) -> HttpResponse:
    step = filled.step
    errors = filled.error_list() if filled.is_bound else []
    context = _context(
        request,
        intake,
        step.key,
        filled=filled,
        form=filled.form,
        lists=filled.lists,
        errors=errors,
        medication_names=_medication_names() if step.key in ("treatments", "medicines") else [],
        state=svc.step_states(intake).get(step.key, ""),
        kept_after_timeout=svc.kept_after_timeout(intake, step.key),
        patient_name=filled.patient_name,
        resume_token=resume_token(intake, step.key),
    )
    return render(request, "intake/step.html", context, status=status)


@role_required(PATIENT)
@never_cache
@require_http_methods(["GET", "POST"])
def intake_review(request: HttpRequest) -> HttpResponse:
    patient = _patient(request)
    _activate_language(request, patient)
    intake = svc.intake_draft_of(patient)
    if intake is None:
        return redirect("intake:start")
    submit_errors: list[tuple[str, str, str]] = []
    if request.method == "POST":
        try:
            svc.intake_submit(intake=intake)
        except svc.IntakeError:
            messages.error(request, _("Some steps still need your answers."))
        except DocumentError as exc:
            for step_key, errs in svc.errors_by_step(exc.errors).items():
                for _path, message in errs:
                    submit_errors.append(
                        (step_key, str(STEP_BY_KEY[step_key].title), plain_message(message))
                    )
            intake.refresh_from_db()
        else:
            return redirect("intake:done", pk=intake.pk)
    states = svc.step_states(intake)
    incomplete = [STEP_BY_KEY[k] for k, state in states.items() if state != svc.COMPLETE]
    summaries = [
        step_summary(step, intake.document, patient)
        for step in STEPS
        if step.form_class or step.lists
    ]
    return render(
        request,
        "intake/review.html",
        _context(
            request,
            intake,
            svc.REVIEW_STEP,
            summaries=summaries,
            incomplete=incomplete,
            submit_errors=submit_errors,
        ),
    )


@role_required(PATIENT)
@never_cache
def intake_done(request: HttpRequest, pk: int) -> HttpResponse:
    intake = get_intake_for(request, pk)
    if intake.is_draft:
        return redirect("intake:start")
    _activate_language(request, intake.patient)
    return render(
        request,
        "intake/done.html",
        {
            "intake": intake,
            "review_days": settings.CLINIC_REVIEW_WORKING_DAYS,
            "show_crisis": intake.shows_crisis_resources,
        },
    )


@role_required(PATIENT)
@never_cache
def intake_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """What the patient submitted, to read or print. No flags, ever."""
    intake = get_intake_for(request, pk)
    if intake.is_draft:
        return redirect("intake:start")
    _activate_language(request, intake.patient)
    summaries = [
        step_summary(step, intake.document, intake.patient)
        for step in STEPS
        if step.form_class or step.lists
    ]
    return render(request, "intake/detail.html", {"intake": intake, "summaries": summaries})


@role_required(PATIENT)
@require_POST
def intake_update(request: HttpRequest) -> HttpResponse:
    """Start a new version pre-filled from the last submitted one."""
    patient = _patient(request)
    try:
        draft = svc.intake_start_update(patient=patient, by=request.user)
    except svc.IntakeError:
        return redirect("intake:start")
    return redirect(_step_url(svc.first_incomplete_step(draft)))
