"""The admin's security findings: patient record takeover, the admin login,
reads of patient data logged, odd filters, calendar feeds."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from clinic.accounts.models import Patient
from clinic.admin_site import ClinicModelAdminMixin, patient_path
from clinic.scheduling.models import CalendarFeed
from tests.factories.accounts import PASSWORD, PatientFactory, StaffFactory, UserFactory
from tests.factories.review import case
from tests.factories.scheduling import CalendarFeedFactory, CheckInFactory

pytestmark = pytest.mark.django_db


def change_form_data(client, url: str) -> dict:
    """What the admin's change form would post back unchanged."""
    page = client.get(url)
    assert page.status_code == 200, url
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        data[name] = "" if value is None else value
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
    return data


def patient_url(patient: Patient) -> str:
    return reverse("admin:accounts_patient_change", args=[patient.pk])


def test_a_scheduler_cannot_point_a_patient_record_at_another_login_or_email(client, scheduler):
    victim = PatientFactory(email="victim@example.org", with_login=True)
    original_login = victim.user
    attacker = UserFactory(email="attacker@example.org")
    client.force_login(scheduler)
    data = change_form_data(client, patient_url(victim))
    assert "user" not in data and "email" not in data  # shown read-only
    data.update({"user": attacker.pk, "email": "attacker@example.org", "phone": "555 0100"})
    response = client.post(patient_url(victim), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    victim.refresh_from_db()
    assert victim.phone == "555 0100"  # other fields still edit
    assert victim.user == original_login
    assert victim.email == "victim@example.org"


def test_a_login_is_never_moved_to_another_record_even_by_an_admin(client, clinic_admin):
    owner = PatientFactory(with_login=True)
    other = PatientFactory()
    client.force_login(clinic_admin)
    data = change_form_data(client, patient_url(other))
    data["user"] = owner.user.pk
    assert client.post(patient_url(other), data).status_code == 302
    other.refresh_from_db()
    owner.refresh_from_db()
    assert other.user is None and owner.user is not None


def test_an_admin_changes_a_patients_email_only_with_a_reason_that_is_recorded(
    client, clinic_admin
):
    patient = PatientFactory(email="old@example.org")
    client.force_login(clinic_admin)
    data = change_form_data(client, patient_url(patient))
    data["email"] = "new@example.org"
    refused = client.post(patient_url(patient), data)
    assert refused.status_code == 200
    assert "Say why the email changes" in refused.content.decode()
    patient.refresh_from_db()
    assert patient.email == "old@example.org"

    data["email_change_reason"] = "Patient phoned from the number on file"
    assert client.post(patient_url(patient), data).status_code == 302
    patient.refresh_from_db()
    assert patient.email == "new@example.org"
    entry = LogEntry.objects.get_for_object(patient).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == clinic_admin
    assert entry.additional_data["email_change_reason"] == "Patient phoned from the number on file"
    assert entry.additional_data["old_email"] == "old@example.org"


def test_the_admin_login_page_sends_to_the_sites_login(client):
    response = client.get("/admin/login/?next=/admin/screening/intake/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/screening/intake/"
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    # An outside "next" is not followed.
    outside = client.get("/admin/login/?next=https://evil.example/")
    assert outside["Location"] == "/accounts/login/?next=/admin/"


def test_a_password_posted_to_the_admin_login_does_not_log_in(client, clinic_admin):
    """The probe's finding: with TOTP on, a password alone gave the admin."""
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": clinic_admin.email, "password": PASSWORD, "next": "/admin/"},
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/admin/").status_code == 302


def test_logged_in_staff_without_admin_access_are_refused_not_looped(client, clinician):
    client.force_login(clinician)
    assert client.get("/admin/login/?next=/admin/").status_code == 403
    client.force_login(StaffFactory(role="scheduler"))
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/admin/"


def _access_rows(patient: Patient):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Patient),
        object_pk=str(patient.pk),
        action=LogEntry.Action.ACCESS,
    )


@pytest.mark.parametrize("fixture", ["clinic_admin", "scheduler"])
def test_admin_pages_with_patient_data_write_the_access_log(client, request, fixture):
    user = request.getfixturevalue(fixture)
    intake = case("high")
    patient = intake.patient
    flag = intake.flags.first()
    checkin = CheckInFactory(patient=PatientFactory(family_name="Checked"))
    client.force_login(user)
    pages = [
        (patient, reverse("admin:accounts_patient_change", args=[patient.pk])),
        (patient, reverse("admin:accounts_patient_changelist")),
        (patient, reverse("admin:screening_intake_change", args=[intake.pk])),
        (patient, reverse("admin:screening_intake_changelist")),
        (patient, reverse("admin:screening_flag_change", args=[flag.pk])),
        (patient, reverse("admin:screening_flag_changelist")),
        (checkin.patient, reverse("admin:scheduling_checkin_change", args=[checkin.pk])),
        (checkin.patient, reverse("admin:scheduling_checkin_changelist")),
    ]
    for who, url in pages:
        before = _access_rows(who).count()
        response = client.get(url)
        if response.status_code == 403:
            assert fixture == "scheduler"  # schedulers never see clinical content
            continue
        assert response.status_code == 200, url
        rows = _access_rows(who)
        assert rows.count() == before + 1, url
        row = rows.order_by("-timestamp", "-pk").first()
        assert row.actor == user
        assert row.additional_data["path"] == url
        assert row.additional_data["read"].startswith("admin ")


def test_a_patient_list_logs_each_patient_shown_in_one_insert(
    client, clinic_admin, django_assert_max_num_queries
):
    patients = [PatientFactory() for _ in range(3)]
    client.force_login(clinic_admin)
    client.get(reverse("admin:accounts_patient_changelist"))
    assert all(_access_rows(p).count() == 1 for p in patients)


def test_every_model_admin_that_leads_to_a_patient_is_logged():
    """Derived, not listed: any registered model with a path to a patient."""
    leads = {
        model._meta.label: patient_path(model)
        for model in admin.site._registry
        if patient_path(model) is not None
    }
    assert leads["accounts.Patient"] == ""
    assert leads["screening.Intake"] == "patient"
    assert leads["screening.Flag"] == "intake__patient"
    assert leads["scheduling.CheckIn"] in {"patient", "appointment__patient"}
    for model_admin in admin.site._registry.values():
        assert isinstance(model_admin, ClinicModelAdminMixin), model_admin


ODD_FILTERS = ["?status=%00", "?patient=abc", "?q=%00", "?o=%00", "?e=%00", "?patient__id=x%00"]


@pytest.mark.parametrize("query", ODD_FILTERS)
def test_no_admin_list_answers_500_to_odd_filters(client, clinic_admin, query):
    """Every registered ModelAdmin's list, with filters the database cannot
    compare (the probe's ?status=%00 and Series' ?patient=abc)."""
    client.force_login(clinic_admin)
    client.raise_request_exception = False
    failures = []
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url + query, follow=True)
        if response.status_code >= 500:
            failures.append(f"{url}{query} -> {response.status_code}")
    assert failures == []


def test_a_nul_in_an_admin_filter_is_removed_with_a_message(client, clinic_admin):
    client.force_login(clinic_admin)
    response = client.get("/admin/screening/intake/?status=sub%00mitted", follow=True)
    assert response.redirect_chain[0][0] == "/admin/screening/intake/?status=submitted"
    assert "cannot be used; it was removed" in response.content.decode()


def test_a_scheduler_cannot_revive_or_reassign_a_calendar_feed(client, scheduler):
    feed = CalendarFeedFactory()
    feed.revoked_at = feed.created_at
    feed.save()
    thief = StaffFactory(role="clinician")
    client.force_login(scheduler)
    url = reverse("admin:scheduling_calendarfeed_change", args=[feed.pk])
    page = client.get(url)
    assert page.status_code == 200  # may look
    assert 'name="clinician"' not in page.content.decode()
    client.post(url, {"clinician": thief.pk, "revoked_at_0": "", "revoked_at_1": ""})
    feed.refresh_from_db()
    assert feed.clinician != thief and feed.revoked_at is not None
    assert client.get(reverse("admin:scheduling_calendarfeed_add")).status_code == 403
    assert CalendarFeed.objects.count() == 1


def _foreign_key_names(model) -> list[str]:
    return [f.name for f in model._meta.get_fields() if f.many_to_one and f.concrete]


@pytest.mark.parametrize("value", ["abc", "%00", "-1", "99999999999999999999"])
def test_no_admin_add_page_answers_500_to_odd_initial_values(client, clinic_admin, value):
    """The probe's Series add page with ?patient=abc, for every registered
    ModelAdmin and each of its foreign keys."""
    client.force_login(clinic_admin)
    client.raise_request_exception = False
    failures = []
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
        query = "&".join(f"{name}={value}" for name in _foreign_key_names(model))
        response = client.get(f"{url}?{query}", follow=True)
        if response.status_code >= 500:
            failures.append(f"{url}?{query} -> {response.status_code}")
    assert failures == []
