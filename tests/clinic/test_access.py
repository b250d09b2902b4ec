"""Who may see what: landing pages per role, protected URLs, declared access."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from clinic.accounts.roles import CLINICIAN, public, role_required
from tests.clinic.urlwalk import project_routes
from tests.factories.accounts import PASSWORD, UserFactory, totp

PROTECTED = ["/intake/", "/review/", "/schedule/", "/appointments/", "/me/"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", PROTECTED)
def test_anonymous_visitors_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert url in response["Location"]


@pytest.mark.django_db
def test_root_sends_anonymous_visitors_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fixture", "landing"),
    [
        ("patient_user", "/me/"),
        ("clinician", "/review/"),
        ("scheduler", "/schedule/"),
        ("clinic_admin", "/review/"),
    ],
)
def test_each_role_lands_on_its_home_after_login(client, request, fixture, landing):
    user = request.getfixturevalue(fixture)
    response = client.post(
        "/accounts/login/", {"login": user.email.upper(), "password": PASSWORD}, follow=True
    )
    if fixture != "patient_user":
        # Staff are enrolled in TOTP: the second step comes first.
        assert response.redirect_chain[-1][0] == "/accounts/2fa/authenticate/"
        response = client.post("/accounts/2fa/authenticate/", {"code": totp()}, follow=True)
    assert response.redirect_chain[-1][0] == landing
    assert response.status_code == 200
    assert response.context["user"] == user


@pytest.mark.django_db
def test_wrong_password_keeps_the_email_and_says_so(client, clinician):
    response = client.post("/accounts/login/", {"login": clinician.email, "password": "nope"})
    assert response.status_code == 200
    assert clinician.email in response.content.decode()
    assert "not correct" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fixture", "forbidden"),
    [
        ("patient_user", ["/review/", "/schedule/"]),
        ("clinician", ["/intake/", "/appointments/", "/me/"]),
        ("scheduler", ["/review/", "/intake/", "/me/"]),
    ],
)
def test_roles_are_refused_pages_of_other_roles(client, request, fixture, forbidden):
    client.force_login(request.getfixturevalue(fixture))
    for url in forbidden:
        assert client.get(url).status_code == 403, url


@pytest.mark.django_db
def test_account_without_role_is_told_so(client):
    client.force_login(UserFactory())
    response = client.get("/", follow=True)
    assert response.status_code == 403
    assert "no role yet" in response.content.decode()


@pytest.mark.django_db
def test_navigation_shows_only_what_the_role_may_use(client, patient_user, scheduler):
    client.force_login(patient_user)
    page = client.get("/me/").content.decode()
    assert 'href="/intake/"' in page and 'href="/review/"' not in page
    client.force_login(scheduler)
    page = client.get("/schedule/").content.decode()
    assert 'href="/schedule/"' in page and 'href="/review/"' not in page
    assert 'href="/intake/"' not in page


def declares_access(view) -> bool:
    """`role_required(...)` or `public` sets `allowed_roles`; decorators on
    top of them (`require_POST`, `never_cache`, ...) copy it with
    functools.wraps, so a decorated view needs no exemption."""
    return hasattr(view, "allowed_roles")


def test_every_project_view_declares_who_may_see_it():
    undeclared = [route.route for route in project_routes() if not declares_access(route.callback)]
    assert undeclared == []


def test_a_view_with_only_a_method_decorator_does_not_pass():
    def change_something(request):
        return HttpResponse()

    assert not declares_access(require_POST(change_something))
    assert not declares_access(never_cache(require_GET(change_something)))
    assert declares_access(require_POST(role_required(CLINICIAN)(change_something)))
    assert declares_access(never_cache(public(change_something)))
