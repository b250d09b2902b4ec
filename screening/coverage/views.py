"""Prior authorization pages: the checklist and packet preview for one
policy, the clinician's additions, the packet PDF, and authorizations.
Clinicians and admins only (schedulers see status and sessions left on the
schedule pages and the limited case page)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clinic.accounts.roles import ADMIN, CLINICIAN, role_required
from screening.coverage import selectors, services
from screening.coverage.forms import (
    AuthorizationForm,
    PacketForm,
    RecordForm,
    ScoreForm,
    TherapyForm,
)
from screening.coverage.models import Authorization, Packet, PayerPolicy
from screening.coverage.packet import cover_letter_draft, packet_context
from screening.engine.coverage import CONTINUATION, INITIAL
from screening.review.access import get_case_for

FULL = (CLINICIAN, ADMIN)


def _policy(pk) -> PayerPolicy:
    try:
        return PayerPolicy.objects.prefetch_related("criteria").get(pk=pk)
    except (PayerPolicy.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such policy.") from None


def _full_case(request: HttpRequest, pk):
    found = get_case_for(request, pk)
    if not found.full:
        raise Http404("No such case.")
    return found


def _trials(facts) -> list[tuple[str, str]]:
    if facts is None:
        return []
    keys: list[tuple[str, str]] = []
    for t in facts.doc.antidepressant_trials:
        key = selectors.trial_key(t.medication)
        if key not in {k for k, _ in keys}:
            keys.append((key, " ".join(t.medication.split())))
    return keys


def _page(request: HttpRequest, found, policy: PayerPolicy, status: int = 200, **forms):
    intake = found.intake
    context = packet_context(intake, policy)
    facts = context["facts"]
    record = context["record"]
    context.update(
        {
            "case": found,
            "intake": intake,
            "patient": intake.patient,
            "policies": selectors.active_policies(),
            "prior_auth_authorizations": selectors.patient_authorizations(intake.patient),
            "record_form": forms.get("record_form")
            or RecordForm(instance=record, trials=_trials(facts)),
            "therapy_form": forms.get("therapy_form") or TherapyForm(),
            "score_form": forms.get("score_form") or ScoreForm(),
            "packet_form": forms.get("packet_form")
            or PacketForm(
                initial={
                    "cover_letter": cover_letter_draft(context),
                    "sessions_requested": policy.sessions_requested,
                }
            ),
            "authorization_form": forms.get("authorization_form")
            or AuthorizationForm(initial={"payer": policy.payer, "status": "requested"}),
            "packets": list(
                Packet.objects.filter(intake=intake, policy=policy)
                .select_related("created_by")
                .defer("pdf")
            ),
        }
    )
    return render(request, "coverage/prior_auth.html", context, status=status)


@role_required(*FULL)
@require_GET
def prior_auth(request: HttpRequest, pk: int, policy_pk: int) -> HttpResponse:
    found = _full_case(request, pk)
    return _page(request, found, _policy(policy_pk))


def _back(pk: int, policy_pk: int, anchor: str = "") -> HttpResponse:
    url = reverse("review:prior_auth", args=[pk, policy_pk])
    return redirect(url + (f"#{anchor}" if anchor else ""))


@role_required(*FULL)
@require_POST
def record_save(request: HttpRequest, pk: int, policy_pk: int) -> HttpResponse:
    found = _full_case(request, pk)
    policy = _policy(policy_pk)
    facts = selectors.case_facts(found.intake).facts
    record = selectors.record_for(found.intake.patient)
    form = RecordForm(request.POST, instance=record, trials=_trials(facts))
    if not form.is_valid():
        return _page(request, found, policy, status=400, record_form=form)
    services.record_update(
        patient=found.intake.patient,
        by=request.user,
        values={name: form.cleaned_data[name] for name in services.RECORD_FIELDS},
        trial_details=form.trial_details(),
    )
    messages.success(request, _("Prior-authorization details saved."))
    return _back(pk, policy_pk, "record")


@role_required(*FULL)
@require_POST
def therapy_add(request: HttpRequest, pk: int, policy_pk: int) -> HttpResponse:
    found = _full_case(request, pk)
    policy = _policy(policy_pk)
    form = TherapyForm(request.POST)
    if not form.is_valid():
        return _page(request, found, policy, status=400, therapy_form=form)
    services.record_add_therapy(patient=found.intake.patient, by=request.user, **form.cleaned_data)
    messages.success(request, _("Psychotherapy added."))
    return _back(pk, policy_pk, "record")


@role_required(*FULL)
@require_POST
def score_add(request: HttpRequest, pk: int, policy_pk: int) -> HttpResponse:
    found = _full_case(request, pk)
    policy = _policy(policy_pk)
    form = ScoreForm(request.POST)
    if not form.is_valid():
        return _page(request, found, policy, status=400, score_form=form)
    services.record_add_score(patient=found.intake.patient, by=request.user, **form.cleaned_data)
    messages.success(request, _("Score added."))
    return _back(pk, policy_pk, "record")


@role_required(*FULL)
@require_POST
def entry_remove(request: HttpRequest, pk: int, policy_pk: int) -> HttpResponse:
    found = _full_case(request, pk)
    _policy(policy_pk)
    try:
        index = int(request.POST.get("index", ""))
    except ValueError:
        raise Http404("No such entry.") from None
    if not services.record_remove_entry(
        patient=found.intake.patient,
        by=request.user,
        list_name=request.POST.get("list", ""),
        index=index,
    ):
        raise Http404("No such entry.")
    messages.success(request, _("Entry removed."))
    return _back(pk, policy_pk, "record")


@role_required(*FULL)
@require_POST
def packet_create(request: HttpRequest, pk: int, policy_pk: int) -> HttpResponse:
    found = _full_case(request, pk)
    policy = _policy(policy_pk)
    form = PacketForm(request.POST)
    stage = CONTINUATION if request.POST.get("stage") == CONTINUATION else INITIAL
    if not form.is_valid():
        return _page(request, found, policy, status=400, packet_form=form)
    services.packet_generate(
        intake=found.intake,
        policy=policy,
        by=request.user,
        context=packet_context(found.intake, policy),
        cover_letter=form.cleaned_data["cover_letter"],
        sessions_requested=form.cleaned_data["sessions_requested"],
        stage=stage,
    )
    messages.success(request, _("Packet generated and kept."))
    return redirect("review:packet_pdf", pk, policy_pk)


@role_required(*FULL)
@require_GET
def packet_pdf(request: HttpRequest, pk: int, policy_pk: int) -> HttpResponse:
    """The latest packet generated for this case and policy (or one by ?packet=)."""
    found = _full_case(request, pk)
    packets = Packet.objects.filter(intake=found.intake, policy_id=policy_pk)
    wanted = request.GET.get("packet", "")
    if wanted:
        valid = wanted.isascii() and wanted.isdigit() and len(wanted) <= 12
        packets = packets.filter(pk=int(wanted)) if valid else packets.none()
    packet = packets.first()
    if packet is None:
        raise Http404("No packet generated yet.")
    response = HttpResponse(bytes(packet.pdf), content_type="application/pdf")
    name = f"prior-auth-{found.intake.pk}-{policy_pk}-{packet.pk}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@role_required(*FULL)
@require_POST
def authorization_save(request: HttpRequest, pk: int, policy_pk: int) -> HttpResponse:
    found = _full_case(request, pk)
    policy = _policy(policy_pk)
    instance = None
    wanted = request.POST.get("authorization", "")
    if wanted:
        valid = wanted.isascii() and wanted.isdigit() and len(wanted) <= 12
        instance = Authorization.objects.filter(
            pk=int(wanted) if valid else 0, patient=found.intake.patient
        ).first()
        if instance is None:
            raise Http404("No such authorization.")
    form = AuthorizationForm(request.POST, instance=instance)
    if not form.is_valid():
        return _page(request, found, policy, status=400, authorization_form=form)
    authorization = form.save(commit=False)
    authorization.patient = found.intake.patient
    authorization.treatment = policy.treatment
    authorization.policy = policy
    try:
        services.authorization_save(authorization=authorization, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return _page(request, found, policy, status=400, authorization_form=form)
    messages.success(request, _("Authorization saved."))
    return _back(pk, policy_pk, "authorizations")
