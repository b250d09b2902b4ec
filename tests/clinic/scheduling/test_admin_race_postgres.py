"""The admin's save meets PostgreSQL's exclusion constraint: a clear
conflict message, not an error page."""

from __future__ import annotations

import threading

import pytest
from django.contrib import admin as django_admin
from django.db import connection, connections, transaction

from clinic.scheduling.models import Appointment
from clinic.scheduling.services.booking import appointment_book
from clinic.scheduling.services.rules import BookingConflict
from tests.factories.accounts import PatientFactory, StaffFactory
from tests.factories.scheduling import appointment_type, local_dt, working_week

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_exclusion_constraint_firing_in_the_admin_save_gives_the_message(rf):
    """The admin form changes an appointment's patient; the form's check
    passes, then a row that overlaps for the new patient is written straight
    to the table (no service, so only the constraint can notice). The
    admin's save must give the services' conflict message."""
    assert connection.vendor == "postgresql"
    doctor = StaffFactory(role="clinician", last_name="Okafor")
    other_doctor = StaffFactory(role="clinician", last_name="Brandt")
    working_week(doctor)
    working_week(other_doctor)
    scheduler = StaffFactory(role="scheduler")
    dana = PatientFactory(given_name="Dana", family_name="Reyes")
    marco = PatientFactory(given_name="Marco", family_name="Silva")
    consult = appointment_type("consult")
    appointment = appointment_book(
        patient=dana,
        appointment_type=consult,
        start=local_dt(2030, 3, 4, 10),
        clinician=doctor,
        booked_by=None,
    )
    model_admin = django_admin.site._registry[Appointment]
    request = rf.post(f"/admin/scheduling/appointment/{appointment.pk}/change/")
    request.user = scheduler
    form_class = model_admin.get_form(request, appointment, change=True)
    form = form_class(
        {
            "patient": marco.pk,
            "appointment_type": consult.pk,
            "clinician": doctor.pk,
            "start_0": "2030-03-04",
            "start_1": "10:00",
            "end_0": "2030-03-04",
            "end_1": "11:00",
            "status": "booked",
            "notes": "Booked under the wrong name",
        },
        instance=appointment,
    )
    assert form.is_valid(), form.errors
    # Meanwhile: Marco gets another appointment at 10:30, written without
    # the services (a raw insert, as a racing transaction would commit it).
    Appointment.objects.bulk_create(
        [
            Appointment(
                patient=marco,
                clinician=other_doctor,
                appointment_type=consult,
                start=local_dt(2030, 3, 4, 10, 30),
                end=local_dt(2030, 3, 4, 11, 30),
                status="booked",
            )
        ]
    )
    with pytest.raises(BookingConflict) as refused:
        model_admin.save_model(request, model_admin.save_form(request, form, True), form, True)
    assert refused.value.messages == [
        "M. S. already has an appointment 10:30-11:30 on Mon 4 Mar 2030 (Consult with Dr Brandt)."
    ]
    appointment.refresh_from_db()
    assert appointment.patient == dana
    assert appointment.notes == ""


def test_a_booking_racing_the_admin_view_gives_the_form_error(client):
    """The real race through the admin's change view: another transaction
    has written an overlapping appointment for the new patient but not yet
    committed, so the form's check cannot see it; the admin's save then waits
    on the exclusion constraint until that transaction commits, and fails.
    The page shows the form again with the conflict message."""
    doctor = StaffFactory(role="clinician", last_name="Okafor")
    other_doctor = StaffFactory(role="clinician", last_name="Brandt")
    working_week(doctor)
    scheduler = StaffFactory(role="scheduler")
    dana = PatientFactory(given_name="Dana", family_name="Reyes")
    marco = PatientFactory(given_name="Marco", family_name="Silva")
    consult = appointment_type("consult")
    appointment = appointment_book(
        patient=dana,
        appointment_type=consult,
        start=local_dt(2030, 3, 4, 10),
        clinician=doctor,
        booked_by=None,
    )
    inserted = threading.Event()
    failures: list[BaseException] = []

    def racing_booking():
        try:
            with transaction.atomic():
                Appointment.objects.bulk_create(
                    [
                        Appointment(
                            patient=marco,
                            clinician=other_doctor,
                            appointment_type=consult,
                            start=local_dt(2030, 3, 4, 10, 30),
                            end=local_dt(2030, 3, 4, 11, 30),
                            status="booked",
                        )
                    ]
                )
                inserted.set()
                # Commit once the admin's save waits on this transaction.
                with connection.cursor() as cursor:
                    for _ in range(2000):
                        cursor.execute(
                            "SELECT count(*) FROM pg_stat_activity "
                            "WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                        )
                        if cursor.fetchone()[0]:
                            break
                        cursor.execute("SELECT pg_sleep(0.01)")
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
            inserted.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=racing_booking)
    thread.start()
    assert inserted.wait(timeout=30)
    client.force_login(scheduler)
    client.raise_request_exception = False
    response = client.post(
        f"/admin/scheduling/appointment/{appointment.pk}/change/",
        {
            "patient": marco.pk,
            "appointment_type": consult.pk,
            "clinician": doctor.pk,
            "start_0": "2030-03-04",
            "start_1": "10:00",
            "end_0": "2030-03-04",
            "end_1": "11:00",
            "status": "booked",
            "notes": "Booked under the wrong name",
            "override_reason": "",
            "reminders-TOTAL_FORMS": "0",
            "reminders-INITIAL_FORMS": "0",
        },
    )
    thread.join(timeout=60)
    assert not failures
    page = response.content.decode()
    assert response.status_code == 200, page[:2000]
    assert (
        "M. S. already has an appointment 10:30-11:30 on Mon 4 Mar 2030 (Consult with Dr Brandt)."
        in page
    )
    assert "Booked under the wrong name" in page
    appointment.refresh_from_db()
    assert appointment.patient == dana
    assert Appointment.objects.count() == 2
