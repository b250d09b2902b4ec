"""Every URL of the project, generated from the URLconf, with real objects
for its parameters: used by the role walk and the no-store walk."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

PROJECT_MODULES = ("clinic", "screening")


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    route: str  # the pattern, e.g. "review/<int:pk>/"
    params: tuple[str, ...]
    callback: object


def project_routes(
    resolver: URLResolver | None = None,
    prefix: str = "",
    namespace: str = "",
    outer: tuple[str, ...] = (),
):
    """The project's own routes (not allauth's, Django's or the admin's)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            module = getattr(entry.urlconf_module, "__name__", "")
            if module.startswith(PROJECT_MODULES):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                params = outer + tuple(entry.pattern.regex.groupindex)
                yield from project_routes(entry, prefix + str(entry.pattern), inner, params)
        elif isinstance(entry, URLPattern) and entry.callback.__module__.startswith(
            PROJECT_MODULES
        ):
            yield Route(
                name=f"{namespace}{entry.name}",
                route=prefix + str(entry.pattern),
                params=outer + tuple(entry.pattern.regex.groupindex),
                callback=entry.callback,
            )


def fill(route: Route, values: dict[str, dict[str, object]]) -> str:
    """The route's path with each parameter taken from `values[route.name]`
    (or `values["*"]` for parameters every route shares)."""
    from django.urls import reverse

    given = {**values.get("*", {}), **values.get(route.name, {})}
    kwargs = {name: given.get(name, values.get("?", {}).get(name)) for name in route.params}
    return reverse(route.name, kwargs=kwargs)
