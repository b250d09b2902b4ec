"""Site-wide response headers."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    """Every response the app itself makes carries `Cache-Control: no-store`,
    so no browser or proxy keeps a copy of a page with patient data. Public
    static files are served by whitenoise above this middleware and keep
    their long cache lifetimes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, no_store=True)
        if "max-age" in response.get("Cache-Control", ""):
            patch_cache_control(response, max_age=0)
        return response
