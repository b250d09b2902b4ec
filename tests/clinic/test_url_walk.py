"""Every URL of the project, generated from the URLconf, as every role and as
the owner and another patient: the answer each gets is written down here, so
a new URL with no expectation, or an answer that changes, fails.

Outcomes: `ok` (a page, a file, or a redirect within what the role may do),
`login` (sent to the login page), `refused` (403), `hidden` (404: the object
is not theirs and its existence is not revealed), `post` (405: the URL takes
only the other method, and the role got past the access check), `bad` (400).

Every response, whatever its outcome, carries `Cache-Control: no-store`.
"""

from __future__ import annotations

import pytest

from clinic.accounts.invitations import invitation_token
from screening.coverage.models import PayerPolicy
from tests.clinic.urlwalk import fill, project_routes
from tests.factories.accounts import InvitationFactory, PatientFactory, StaffFactory
from tests.factories.review import case
from tests.factories.scheduling import (
    AppointmentFactory,
    CalendarFeedFactory,
    ChangeRequestFactory,
    CheckInFactory,
)

ROLES = ("anonymous", "owner", "other_patient", "clinician", "scheduler", "admin")


def _e(anonymous, owner, other_patient, clinician, scheduler, admin) -> dict[str, str]:
    return dict(
        zip(ROLES, (anonymous, owner, other_patient, clinician, scheduler, admin), strict=True)
    )


PATIENT_PAGE = _e("login", "ok", "ok", "refused", "refused", "refused")
PATIENT_OWN = _e("login", "ok", "hidden", "refused", "refused", "refused")
PATIENT_POST = _e("login", "post", "post", "refused", "refused", "refused")
STAFF_PAGE = _e("login", "refused", "refused", "ok", "ok", "ok")
STAFF_POST = _e("login", "refused", "refused", "post", "post", "post")
CLINICAL_PAGE = _e("login", "refused", "refused", "ok", "refused", "ok")
CLINICAL_POST = _e("login", "refused", "refused", "post", "refused", "post")
PUBLIC = _e("ok", "ok", "ok", "ok", "ok", "ok")
PUBLIC_POST = _e("post", "post", "post", "post", "post", "post")

EXPECTED: dict[str, dict[str, str]] = {
    "home": _e("login", "ok", "ok", "ok", "ok", "ok"),
    "healthz": PUBLIC,
    "patient_home": PATIENT_PAGE,
    "my_data": PATIENT_PAGE,
    "my_data_json": PATIENT_PAGE,
    "no_role": _e("login", "refused", "refused", "refused", "refused", "refused"),
    "session_keepalive": _e("login", "post", "post", "post", "post", "post"),
    "invitation_new": STAFF_PAGE,
    "invitation_patient_send": STAFF_POST,
    "invitation_accept": PUBLIC,
    "invitation_resend": PUBLIC_POST,
    "intake:start": PATIENT_PAGE,
    "intake:review": PATIENT_PAGE,
    "intake:update": PATIENT_POST,
    "intake:detail": PATIENT_OWN,
    "intake:done": PATIENT_OWN,
    "intake:step": PATIENT_PAGE,
    "review:queue": CLINICAL_PAGE,
    "review:to_book": STAFF_PAGE,
    "review:case": STAFF_PAGE,  # schedulers: names and statuses only
    "review:summary": CLINICAL_PAGE,
    "review:assign": CLINICAL_POST,
    "review:acknowledge": CLINICAL_POST,
    "review:add_note": CLINICAL_POST,
    "review:decide": CLINICAL_POST,
    "review:prior_auth": CLINICAL_PAGE,
    "review:prior_auth_record": CLINICAL_POST,
    "review:prior_auth_therapy": CLINICAL_POST,
    "review:prior_auth_score": CLINICAL_POST,
    "review:prior_auth_remove": CLINICAL_POST,
    "review:packet_create": CLINICAL_POST,
    # No packet made yet for this case: not found, for those who may see one.
    "review:packet_pdf": _e("login", "refused", "refused", "hidden", "refused", "hidden"),
    "review:authorization_save": CLINICAL_POST,
    "scheduling:schedule": STAFF_PAGE,
    "scheduling:book": STAFF_PAGE,
    "scheduling:patient_search": STAFF_PAGE,
    "scheduling:type_styles": STAFF_PAGE,
    "scheduling:slots": STAFF_PAGE,
    "scheduling:course": STAFF_PAGE,
    "scheduling:attention": STAFF_PAGE,
    "scheduling:feed_manage": CLINICAL_PAGE,
    "scheduling:appointment": STAFF_PAGE,
    "scheduling:move": STAFF_POST,
    "scheduling:cancel": STAFF_POST,
    "scheduling:status": STAFF_POST,
    "scheduling:request_decide": STAFF_POST,
    "scheduling:appointments": PATIENT_PAGE,
    "scheduling:appointment_ics": PATIENT_OWN,
    "scheduling:change_request": PATIENT_POST,
    "scheduling:checkin": PATIENT_OWN,
    "scheduling:feed": PUBLIC,
    # Treatment sessions (issue 13), walked with ids that name no session
    # (none built here yet): who gets past the access check, then 404.
    "treatment:today": _e("login", "refused", "refused", "ok", "ok", "ok"),
    "treatment:rems_due": _e("login", "refused", "refused", "ok", "ok", "ok"),
    "treatment:mine": _e("login", "ok", "ok", "refused", "refused", "refused"),
    "treatment:start": _e("login", "refused", "refused", "post", "refused", "post"),
    "treatment:session": _e("login", "refused", "refused", "hidden", "hidden", "hidden"),
    "treatment:vitals_add": _e("login", "refused", "refused", "post", "refused", "post"),
    "treatment:vital_respond": _e("login", "refused", "refused", "post", "refused", "post"),
    "treatment:sign": _e("login", "refused", "refused", "post", "refused", "post"),
    "treatment:addendum_add": _e("login", "refused", "refused", "post", "refused", "post"),
    "treatment:rems_form": _e("login", "refused", "refused", "hidden", "refused", "hidden"),
    "treatment:rems_form_pdf": _e("login", "refused", "refused", "hidden", "refused", "hidden"),
    "treatment:rems_submit": _e("login", "refused", "refused", "post", "refused", "post"),
    # Outcomes (issue 15): the clinic's results are clinical; a course or a
    # check-in token that names nothing is not found.
    "outcomes:outcomes": CLINICAL_PAGE,
    "outcomes:report": CLINICAL_PAGE,
    "outcomes:export": CLINICAL_PAGE,
    "outcomes:course": _e("login", "refused", "refused", "hidden", "refused", "hidden"),
    "outcomes:record": CLINICAL_POST,
    "outcomes:correct": CLINICAL_POST,
    "outcomes:checkin": _e("login", "hidden", "hidden", "refused", "refused", "refused"),
    # The patient's own calendar (issue 12): the whole .ics, the private link,
    # and the feed itself, public by its token (one that names nothing: 404).
    "scheduling:calendar_ics": PATIENT_PAGE,
    "scheduling:calendar_link": PATIENT_POST,
    "scheduling:patient_feed": _e("hidden", "hidden", "hidden", "hidden", "hidden", "hidden"),
}


# An empty POST to every URL: who gets past the access check (`ok`, `bad`:
# 400, the form is refused) and whose object is hidden. Views that only take
# GET answer `post` (405) to everyone who may see them.
GET_ONLY_STAFF = _e("login", "refused", "refused", "post", "post", "post")
GET_ONLY_CLINICAL = _e("login", "refused", "refused", "post", "refused", "post")
GET_ONLY_PATIENT = _e("login", "post", "post", "refused", "refused", "refused")
STAFF_FORM = _e("login", "refused", "refused", "ok", "ok", "ok")
CLINICAL_FORM = _e("login", "refused", "refused", "ok", "refused", "ok")
CLINICAL_BAD = _e("login", "refused", "refused", "bad", "refused", "bad")
PATIENT_FORM = _e("login", "ok", "ok", "refused", "refused", "refused")
PATIENT_OWN_FORM = _e("login", "ok", "hidden", "refused", "refused", "refused")
NOBODY_POSTS = _e("post", "post", "post", "post", "post", "post")

EXPECTED_POST: dict[str, dict[str, str]] = {
    "home": _e("login", "ok", "ok", "ok", "ok", "ok"),
    "healthz": NOBODY_POSTS,
    "patient_home": PATIENT_FORM,
    "my_data": GET_ONLY_PATIENT,
    "my_data_json": GET_ONLY_PATIENT,
    "no_role": _e("login", "refused", "refused", "refused", "refused", "refused"),
    "session_keepalive": _e("login", "ok", "ok", "ok", "ok", "ok"),
    "invitation_new": STAFF_FORM,
    "invitation_patient_send": STAFF_FORM,
    "invitation_accept": PUBLIC,
    "invitation_resend": PUBLIC,
    "intake:start": PATIENT_FORM,
    "intake:review": PATIENT_FORM,
    "intake:update": PATIENT_FORM,
    "intake:detail": PATIENT_OWN_FORM,
    "intake:done": PATIENT_OWN_FORM,
    "intake:step": PATIENT_FORM,
    "review:queue": GET_ONLY_CLINICAL,
    "review:to_book": GET_ONLY_STAFF,
    "review:case": GET_ONLY_STAFF,
    "review:summary": GET_ONLY_CLINICAL,
    "review:assign": CLINICAL_FORM,
    "review:acknowledge": CLINICAL_FORM,
    "review:add_note": CLINICAL_BAD,
    "review:decide": CLINICAL_BAD,
    "review:prior_auth": GET_ONLY_CLINICAL,
    "review:prior_auth_record": CLINICAL_FORM,
    "review:prior_auth_therapy": CLINICAL_BAD,
    "review:prior_auth_score": CLINICAL_BAD,
    # An empty post names no entry to remove.
    "review:prior_auth_remove": _e("login", "refused", "refused", "hidden", "refused", "hidden"),
    "review:packet_create": CLINICAL_BAD,
    "review:packet_pdf": GET_ONLY_CLINICAL,
    "review:authorization_save": CLINICAL_BAD,
    "scheduling:schedule": GET_ONLY_STAFF,
    "scheduling:book": STAFF_FORM,
    "scheduling:patient_search": GET_ONLY_STAFF,
    "scheduling:type_styles": GET_ONLY_STAFF,
    "scheduling:slots": GET_ONLY_STAFF,
    "scheduling:course": STAFF_FORM,
    "scheduling:attention": GET_ONLY_STAFF,
    "scheduling:feed_manage": CLINICAL_FORM,
    "scheduling:appointment": STAFF_FORM,
    "scheduling:move": _e("login", "refused", "refused", "bad", "bad", "bad"),
    "scheduling:cancel": STAFF_FORM,
    "scheduling:status": STAFF_FORM,
    "scheduling:request_decide": STAFF_FORM,
    "scheduling:appointments": GET_ONLY_PATIENT,
    "scheduling:appointment_ics": GET_ONLY_PATIENT,
    "scheduling:change_request": _e("login", "bad", "hidden", "refused", "refused", "refused"),
    "scheduling:checkin": PATIENT_OWN_FORM,
    "scheduling:feed": NOBODY_POSTS,
    # Treatment sessions (issue 13), walked with ids that name no session
    # (none built here yet): who gets past the access check, then 404.
    "treatment:today": _e("login", "refused", "refused", "post", "post", "post"),
    "treatment:rems_due": _e("login", "refused", "refused", "post", "post", "post"),
    "treatment:mine": _e("login", "post", "post", "refused", "refused", "refused"),
    "treatment:start": _e("login", "refused", "refused", "hidden", "refused", "hidden"),
    "treatment:session": _e("login", "refused", "refused", "hidden", "hidden", "hidden"),
    "treatment:vitals_add": _e("login", "refused", "refused", "hidden", "refused", "hidden"),
    "treatment:vital_respond": _e("login", "refused", "refused", "hidden", "refused", "hidden"),
    "treatment:sign": _e("login", "refused", "refused", "hidden", "refused", "hidden"),
    "treatment:addendum_add": _e("login", "refused", "refused", "hidden", "refused", "hidden"),
    "treatment:rems_form": _e("login", "refused", "refused", "post", "refused", "post"),
    "treatment:rems_form_pdf": _e("login", "refused", "refused", "post", "refused", "post"),
    "treatment:rems_submit": _e("login", "refused", "refused", "hidden", "refused", "hidden"),
    "outcomes:outcomes": GET_ONLY_CLINICAL,
    "outcomes:report": GET_ONLY_CLINICAL,
    "outcomes:export": GET_ONLY_CLINICAL,
    "outcomes:course": GET_ONLY_CLINICAL,
    "outcomes:record": _e("login", "refused", "refused", "hidden", "refused", "hidden"),
    "outcomes:correct": _e("login", "refused", "refused", "hidden", "refused", "hidden"),
    "outcomes:checkin": _e("login", "hidden", "hidden", "refused", "refused", "refused"),
    "scheduling:calendar_ics": GET_ONLY_PATIENT,
    "scheduling:calendar_link": PATIENT_FORM,
    "scheduling:patient_feed": NOBODY_POSTS,
}


def test_every_project_url_has_an_expectation():
    names = {route.name for route in project_routes()}
    for table in (EXPECTED, EXPECTED_POST):
        assert names - set(table) == set(), "add the new URL's expected answers"
        assert set(table) - names == set(), "remove the expectations of URLs that are gone"


@pytest.fixture
def world(db):
    owner = PatientFactory(with_login=True, family_name="Owner")
    other = PatientFactory(with_login=True, family_name="Other")
    intake = case("high", patient=owner)
    flag = intake.flags.first()
    clinician = StaffFactory(role="clinician")
    appointment = AppointmentFactory(patient=owner, clinician=clinician)
    change = ChangeRequestFactory(appointment=appointment)
    checkin = CheckInFactory(patient=owner)
    feed = CalendarFeedFactory(clinician=clinician)
    invitation = InvitationFactory(patient=PatientFactory())
    values = {
        "*": {
            "pk": intake.pk,
            "token": "x",
            "key": "about",
            "flag_pk": flag.pk,
            "policy_pk": PayerPolicy.objects.order_by("pk").first().pk,
        },
        "invitation_patient_send": {"pk": owner.pk},
        "invitation_accept": {"token": invitation_token(invitation)},
        "invitation_resend": {"token": invitation_token(invitation)},
        "scheduling:appointment": {"pk": appointment.pk},
        "scheduling:move": {"pk": appointment.pk},
        "scheduling:cancel": {"pk": appointment.pk},
        "scheduling:status": {"pk": appointment.pk},
        "scheduling:request_decide": {"pk": change.pk},
        "scheduling:appointment_ics": {"pk": appointment.pk},
        "scheduling:change_request": {"pk": appointment.pk},
        "scheduling:checkin": {"token": checkin.token},
        "scheduling:feed": {"token": feed.token},
    }
    # Parameters no object is built for yet: an id that names nothing.
    values["?"] = {name: 999999 for route in project_routes() for name in route.params}
    users = {
        "anonymous": None,
        "owner": owner.user,
        "other_patient": other.user,
        "clinician": clinician,
        "scheduler": StaffFactory(role="scheduler"),
        "admin": StaffFactory(role="admin"),
    }
    return values, users


def outcome(response) -> str:
    status = response.status_code
    if status in (301, 302) and response["Location"].startswith("/accounts/login/"):
        return "login"
    if status < 400:
        return "ok"
    return {400: "bad", 403: "refused", 404: "hidden", 405: "post"}.get(status, str(status))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_expected(client, world, role):
    values, users = world
    if users[role] is not None:
        client.force_login(users[role])
    client.raise_request_exception = False
    wrong, cacheable = [], []
    for route in project_routes():
        url = fill(route, values)
        response = client.get(url)
        got = outcome(response)
        if got != EXPECTED[route.name][role]:
            wrong.append(f"{route.name} {url}: {got}, expected {EXPECTED[route.name][role]}")
        if "no-store" not in response.get("Cache-Control", ""):
            cacheable.append(url)
    assert wrong == []
    assert cacheable == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_an_empty_post_from_each_role_as_expected(client, world, role):
    values, users = world
    if users[role] is not None:
        client.force_login(users[role])
    client.raise_request_exception = False
    wrong = []
    for route in project_routes():
        url = fill(route, values)
        got = outcome(client.post(url, {}))
        if got != EXPECTED_POST[route.name][role]:
            wrong.append(
                f"POST {route.name} {url}: {got}, expected {EXPECTED_POST[route.name][role]}"
            )
    assert wrong == []
