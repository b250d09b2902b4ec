"""The one way a view reaches a treatment course or a measurement.

Clinicians and admins may reach any course, and their access is logged like
access to the patient; anyone else gets 404 (schedulers see no scores).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from clinic.accounts.access import log_staff_access
from clinic.accounts.roles import ADMIN, CLINICIAN, PATIENT, role_of
from clinic.scheduling.models import Course
from screening.outcomes.models import Measurement


def get_course_for(request: HttpRequest, pk) -> Course:
    if role_of(request.user) not in (CLINICIAN, ADMIN):
        raise Http404("No such course.")
    try:
        course = Course.objects.select_related("patient", "plan").get(pk=int(pk))
    except (Course.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such course.") from None
    log_staff_access(request, course.patient)
    return course


def get_measurement_for(request: HttpRequest, course: Course, pk) -> Measurement:
    try:
        return Measurement.objects.get(pk=int(pk), course=course)
    except (Measurement.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such measurement.") from None


def get_checkin_measurement_for(request: HttpRequest, token: str) -> Measurement:
    """A measurement's check-in, only for the patient it was sent to."""
    if "\x00" in token or role_of(request.user) != PATIENT:
        raise Http404("No such check-in.")
    measurement = (
        Measurement.objects.select_related("checkin", "patient", "course")
        .filter(checkin__token=token)
        .first()
    )
    if measurement is None or measurement.patient.user_id != request.user.pk:
        raise Http404("No such check-in.")
    return measurement
