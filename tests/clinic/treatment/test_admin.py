"""The admin of treatment sessions: the REMS certification and enrolments,
the protocols, the vitals limits with their history; sessions read-only."""

from __future__ import annotations

import pytest

from clinic.treatment.models import TreatmentProtocol, VitalsLimits, VitalsLimitsChange
from tests.factories.treatment import complete_session, seed_protocols

pytestmark = pytest.mark.django_db

PAGES = [
    "remscertification",
    "remsenrollment",
    "treatmentprotocol",
    "vitalslimitschange",
    "treatmentsession",
    "vitalsign",
    "addendum",
    "remssubmission",
]


def test_every_admin_page_answers(client, clinic_admin):
    session = complete_session("esketamine")
    client.force_login(clinic_admin)
    for model in PAGES:
        assert client.get(f"/admin/treatment/{model}/").status_code == 200, model
    assert client.get(f"/admin/treatment/treatmentsession/{session.pk}/change/").status_code == 200
    assert client.get("/admin/treatment/vitalslimits/", follow=True).status_code == 200
    assert client.get("/admin/treatment/remscertification/add/").status_code == 200


def test_sessions_cannot_be_changed_or_deleted_in_the_admin(client, clinic_admin):
    session = complete_session("tms")
    client.force_login(clinic_admin)
    response = client.post(
        f"/admin/treatment/treatmentsession/{session.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    session.refresh_from_db()


def test_limits_edited_with_history_and_bad_values_named(client, clinic_admin):
    VitalsLimits.objects.get_or_create(pk=1)
    client.force_login(clinic_admin)
    url = "/admin/treatment/vitalslimits/1/change/"
    values = {
        "systolic_high": 170,
        "diastolic_high": 110,
        "heart_rate_low": 50,
        "heart_rate_high": 120,
        "spo2_low": 92,
    }
    response = client.post(url, values, follow=True)
    assert "version 2" in response.content.decode()
    change = VitalsLimitsChange.objects.get()
    assert (change.field, change.old_value, change.new_value, change.changed_by) == (
        "systolic_high",
        180,
        170,
        clinic_admin,
    )
    response = client.post(url, {**values, "heart_rate_low": 130})
    assert response.status_code == 200
    assert "must be below heart_rate_high" in response.content.decode()
    assert VitalsLimits.objects.get().version == 2


def test_protocol_time_points_are_checked(client, clinic_admin):
    seed_protocols()
    protocol = TreatmentProtocol.objects.get(modality="iv_ketamine")
    client.force_login(clinic_admin)
    url = f"/admin/treatment/treatmentprotocol/{protocol.pk}/change/"
    data = {
        "modality": "iv_ketamine",
        "appointment_type": protocol.appointment_type_id,
        "max_mg_per_kg": "1",
        "max_total_mg": "150",
    }
    response = client.post(url, {**data, "vitals_minutes": '["x"]'})
    assert "Give a list of whole minutes" in response.content.decode()
    client.post(url, {**data, "vitals_minutes": "[60, 0, 20, 40]"})
    protocol.refresh_from_db()
    assert protocol.vitals_minutes == [0, 20, 40, 60]
