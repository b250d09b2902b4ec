"""Bad input gets a clear answer, never a server error: every page, as every
role, with odd query strings and odd ids."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

ODD_QUERIES = [
    "",
    "?page=abc",
    "?page=-1",
    "?page=99999999999999999999",
    "?q=%00",
    "?q=" + "x" * 3000,
    "?status=nope&flag=%27;drop&severity=9&modality=zzz&assigned=who",
    "?date=garbage&view=xyz&clinician=abc&room=-5",
    "?date=0001-01-01",
    "?date=9999-12-31",
    "?patient=abc&type=nope",
    "?patient=999999&type=consult",
    "?since=yesterday",
    "?day=garbage",
    "?day=9999-12-31",
    "?day=0001-01-01",
]

PAGES = [
    "/",
    "/me/",
    "/intake/",
    "/intake/review/",
    "/intake/step/about/",
    "/intake/step/nope/",
    "/intake/999999/",
    "/review/",
    "/review/to-book/",
    "/review/999999/",
    "/review/999999/summary/",
    "/schedule/",
    "/schedule/book/",
    "/schedule/slots/",
    "/schedule/course/",
    "/schedule/attention/",
    "/schedule/patients/",
    "/schedule/appointment/999999/",
    "/appointments/",
    "/appointments/999999/ics/",
    "/check-in/not-a-token/",
    "/calendar/not-a-token.ics",
    "/invitations/new/",
    "/healthz",
    "/sessions/",
    "/sessions/rems-due/",
    "/sessions/mine/",
    "/sessions/999999/",
    "/sessions/999999/rems-form/",
    "/sessions/999999/rems-form.pdf",
]


def every_page() -> list[str]:
    """PAGES, plus every URL of the URLconf with ids and tokens that name
    nothing (so a new URL is swept without being listed)."""
    from tests.clinic.urlwalk import fill, project_routes

    unknown = {"*": {"token": "not-a-token", "key": "nope"}}
    routes = list(project_routes())
    # Every other parameter is an id: one that names nothing.
    unknown["*"].update(
        {name: 999999 for route in routes for name in route.params if name not in unknown["*"]}
    )
    generated = [fill(route, unknown) for route in routes]
    return list(dict.fromkeys(PAGES + generated))


# The odd queries in parts, so that the suite's processes share the sweep.
PARTS = 4


@pytest.mark.parametrize("part", range(PARTS))
@pytest.mark.parametrize(
    "fixture", [None, "patient_user", "clinician", "scheduler", "clinic_admin"]
)
def test_no_page_answers_500_to_odd_input(client, request, fixture, part):
    if fixture:
        client.force_login(request.getfixturevalue(fixture))
    failures = []
    for page in every_page():
        for query in ODD_QUERIES[part::PARTS]:
            response = client.get(page + query)
            if response.status_code >= 500:
                failures.append(f"{page}{query[:60]} -> {response.status_code}")
    assert failures == []


@pytest.mark.parametrize("fixture", ["patient_user", "clinician", "scheduler"])
def test_odd_posts_get_a_clear_answer(client, request, fixture):
    client.force_login(request.getfixturevalue(fixture))
    junk = {"code": "\x00", "note": "\x00" * 5, "decision": "zzz", "start": "31/31/31"}
    failures = []
    for page in [
        "/intake/step/about/",
        "/intake/step/feeling/",
        "/intake/review/",
        "/review/999999/decide/",
        "/schedule/book/",
        "/schedule/course/",
        "/invitations/new/",
    ]:
        response = client.post(page, junk)
        if response.status_code >= 500:
            failures.append(f"{page} -> {response.status_code}")
    assert failures == []
