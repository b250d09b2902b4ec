"""The admin: policy and dose-table edits are recorded and bump the version;
intakes, results, flags and the change history are read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from screening.models import Medication, PolicyChange, ScreeningPolicy
from screening.services.policy import current_knowledge, current_policy
from tests.factories.screening import IntakeFactory

pytestmark = pytest.mark.django_db

POLICY_URL = reverse("admin:screening_screeningpolicy_change", args=[1])


def _policy_form(**changes):
    row = ScreeningPolicy.objects.values().get()
    data = {k: v for k, v in row.items() if k not in {"id", "version", "updated_at"}}
    data.update(changes)
    return data


def test_policy_list_goes_to_the_one_row(client, clinic_admin):
    client.force_login(clinic_admin)
    response = client.get(reverse("admin:screening_screeningpolicy_changelist"))
    assert response.status_code == 302 and response.url == POLICY_URL
    page = client.get(POLICY_URL)
    assert page.status_code == 200
    assert b"bp_high_systolic" in page.content and b"No changes yet." in page.content


def test_policy_edit_in_the_admin_is_recorded(client, clinic_admin):
    client.force_login(clinic_admin)
    response = client.post(POLICY_URL, _policy_form(bp_high_systolic=135, min_trial_weeks=8))
    assert response.status_code == 302
    policy, version = current_policy()
    assert (policy.bp_high_systolic, policy.min_trial_weeks, version) == (135, 8, 2)
    changes = {
        c.field: (c.old_value, c.new_value, c.changed_by, c.version)
        for c in PolicyChange.objects.all()
    }
    assert changes == {
        "bp_high_systolic": (140, 135, clinic_admin, 2),
        "min_trial_weeks": (6.0, 8.0, clinic_admin, 2),
    }
    page = client.get(POLICY_URL)
    assert b"v2: bp_high_systolic 140" in page.content


def test_bad_policy_edit_shows_the_error_and_changes_nothing(client, clinic_admin):
    client.force_login(clinic_admin)
    response = client.post(POLICY_URL, _policy_form(bp_crisis_systolic=130))
    assert response.status_code == 200
    assert b"must not be below bp_high_systolic" in response.content
    assert current_policy()[1] == 1 and not PolicyChange.objects.exists()


def test_policy_cannot_be_added_or_deleted_and_history_is_read_only(client, clinic_admin):
    client.force_login(clinic_admin)
    assert client.get(reverse("admin:screening_screeningpolicy_add")).status_code == 403
    assert (
        client.get(reverse("admin:screening_screeningpolicy_delete", args=[1])).status_code == 403
    )
    client.post(POLICY_URL, _policy_form(dast10_cutoff=4))
    change = PolicyChange.objects.get()
    listing = client.get(reverse("admin:screening_policychange_changelist"))
    assert listing.status_code == 200 and b"dast10_cutoff" in listing.content
    assert (
        client.post(
            reverse("admin:screening_policychange_delete", args=[change.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert PolicyChange.objects.count() == 1


def test_dose_table_edit_in_the_admin_is_recorded(client, clinic_admin):
    client.force_login(clinic_admin)
    med = Medication.objects.get(generic="sertraline")
    url = reverse("admin:screening_medication_change", args=[med.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"Zoloft" in page.content
    response = client.post(
        url,
        {
            "generic": "sertraline",
            "brand_names": "Zoloft, Lustral",
            "classes": ["antidepressant"],
            "min_dose_mg": "100",
            "min_dose_older_mg": "25",
            "max_dose_mg": "200",
            "max_dose_source": med.max_dose_source,
        },
    )
    assert response.status_code == 302
    med.refresh_from_db()
    assert med.brand_names == ["Zoloft", "Lustral"] and med.min_dose_mg == 100
    assert current_policy()[1] == 2
    fields = set(PolicyChange.objects.values_list("field", flat=True))
    assert fields == {"medication:sertraline.brand_names", "medication:sertraline.min_dose_mg"}
    assert current_knowledge().generic("lustral") == "sertraline"


def test_a_labelled_maximum_needs_its_source_in_the_admin(client, clinic_admin):
    """Issue 9: each maximum daily dose names the label it comes from."""
    client.force_login(clinic_admin)
    med = Medication.objects.get(generic="sertraline")
    url = reverse("admin:screening_medication_change", args=[med.pk])
    data = {
        "generic": "sertraline",
        "brand_names": "Zoloft",
        "classes": ["antidepressant"],
        "min_dose_mg": "50",
        "min_dose_older_mg": "25",
        "max_dose_mg": "250",
        "max_dose_source": "",
    }
    page = client.post(url, data).content.decode()
    assert "Name the label the maximum comes from." in page
    med.refresh_from_db()
    assert med.max_dose_mg == 200
    data["max_dose_source"] = "Zoloft US prescribing information, 2.1 (2026 revision)"
    assert client.post(url, data).status_code == 302
    med.refresh_from_db()
    assert (med.max_dose_mg, med.max_dose_source) == (250, data["max_dose_source"])
    assert "medication:sertraline.max_dose_mg" in set(
        PolicyChange.objects.values_list("field", flat=True)
    )


def test_dose_table_edit_with_a_clashing_brand_is_refused(client, clinic_admin):
    client.force_login(clinic_admin)
    med = Medication.objects.get(generic="sertraline")
    response = client.post(
        reverse("admin:screening_medication_change", args=[med.pk]),
        {
            "generic": "sertraline",
            "brand_names": "Zoloft, Prozac",
            "classes": ["antidepressant"],
            "min_dose_mg": "50",
        },
    )
    assert response.status_code == 200
    assert b"Prozac" in response.content
    assert current_policy()[1] == 1


def test_intake_result_and_flag_pages_are_read_only(client, clinic_admin):
    intake = IntakeFactory(screened=True)
    client.force_login(clinic_admin)
    listing = client.get(reverse("admin:screening_intake_changelist") + "?source__exact=web")
    assert listing.status_code == 200 and str(intake.patient).encode() in listing.content
    page = client.get(reverse("admin:screening_intake_change", args=[intake.pk]))
    assert page.status_code == 200
    assert b"clinic-intake/1" in page.content and b"Effexor XR" in page.content
    assert b'name="_save"' not in page.content
    flag = intake.flags.get(code="trd_likely")
    flags = client.get(reverse("admin:screening_flag_changelist") + "?code=trd_likely")
    assert flags.status_code == 200 and b"trd_likely" in flags.content
    assert client.get(reverse("admin:screening_flag_change", args=[flag.pk])).status_code == 200
    result = intake.current_result
    page = client.get(reverse("admin:screening_screeningresult_change", args=[result.pk]))
    assert page.status_code == 200 and b"clinic-screening/1" in page.content
    assert client.get(reverse("admin:screening_flag_add")).status_code == 403


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:screening_intake_changelist",
        "admin:screening_flag_changelist",
        "admin:screening_screeningresult_changelist",
        "admin:screening_policychange_changelist",
        "admin:screening_medication_changelist",
    ],
)
def test_admin_lists_take_the_same_queries_for_1_and_3_intakes(client, clinic_admin, url_name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from screening.services.policy import policy_update

    client.force_login(clinic_admin)
    url = reverse(url_name)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    IntakeFactory(screened=True)
    policy_update(changes={"dast10_cutoff": 4}, by=clinic_admin)
    one = queries()
    IntakeFactory(screened=True)
    IntakeFactory(screened=True)
    policy_update(changes={"dast10_cutoff": 5, "bp_recent_days": 60}, by=clinic_admin)
    assert queries() == one
