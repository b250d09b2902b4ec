"""On PostgreSQL the database itself refuses to change what is signed:
a signed session, its vitals, addenda and REMS submissions, whoever asks."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from clinic.treatment import services as svc
from clinic.treatment.models import Addendum, RemsSubmission, TreatmentSession, VitalSign
from tests.factories.treatment import complete_session, started_session

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _signed():
    session = complete_session("esketamine")
    return svc.session_sign(session=session, by=session.started_by)


def test_a_signed_session_refuses_update_and_delete():
    session = _signed()
    with pytest.raises(DatabaseError, match="signed treatment session"), transaction.atomic():
        TreatmentSession.objects.filter(pk=session.pk).update(document={})
    with (
        pytest.raises(DatabaseError, match="signed treatment session"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM treatment_treatmentsession WHERE id = %s", [session.pk])
    session.refresh_from_db()
    assert session.document["lot_number"] == "LOT-9911"


def test_an_unsigned_session_may_change():
    session = started_session("tms")
    TreatmentSession.objects.filter(pk=session.pk).update(document={"coil": "H1"})
    session.refresh_from_db()
    assert session.document == {"coil": "H1"}


def test_the_vitals_of_a_signed_session_refuse_every_change():
    session = _signed()
    vital = session.vitals.first()
    with pytest.raises(DatabaseError, match="vitals of a signed"), transaction.atomic():
        VitalSign.objects.filter(pk=vital.pk).update(systolic=200)
    with pytest.raises(DatabaseError, match="vitals of a signed"), transaction.atomic():
        VitalSign.objects.filter(pk=vital.pk).delete()
    with pytest.raises(DatabaseError, match="vitals of a signed"), transaction.atomic():
        VitalSign.objects.create(
            session=session,
            taken_at=vital.taken_at,
            phase="as_needed",
            recorded_by=vital.recorded_by,
        )
    assert session.vitals.count() == 3


def test_addenda_and_submissions_are_append_only():
    session = _signed()
    addendum = svc.addendum_add(session=session, reason="r", body="b", by=session.started_by)
    submission = svc.rems_submit(
        session=session, method="fax", confirmation="", by=session.started_by
    )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Addendum.objects.filter(pk=addendum.pk).update(body="changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        RemsSubmission.objects.filter(pk=submission.pk).delete()
