"""Keep the secret tokens of links out of the logs.

Calendar feeds, check-ins, invitations and password-reset links carry their
secret in the path, so a request line in an access or error log would be a
working link. `RedactSecretTokens` is a logging filter that replaces each such
token with `[redacted]`. The token-bearing routes are found in the URLconf
(any route whose parameters are named in `SECRET_PARAMETERS`), so a new link of
that kind is covered without a list to keep.
"""

from __future__ import annotations

import logging
import re
from functools import cache

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

SECRET_PARAMETERS = frozenset({"token", "key", "uidb36", "uidb64"})
REDACTED = "[redacted]"


def _strip_anchors(regex: str) -> str:
    if regex.startswith("^"):
        regex = regex[1:]
    for end in (r"\Z", "$"):
        if regex.endswith(end):
            regex = regex[: -len(end)]
    return regex


def _token_routes(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        regex = prefix + _strip_anchors(entry.pattern.regex.pattern)
        if isinstance(entry, URLResolver):
            yield from _token_routes(entry, regex)
        elif isinstance(entry, URLPattern) and SECRET_PARAMETERS & set(
            entry.pattern.regex.groupindex
        ):
            yield regex


@cache
def secret_route_patterns() -> tuple[re.Pattern, ...]:
    """One compiled pattern per token-bearing route, matching inside a log line."""
    patterns = []
    for regex in _token_routes(get_resolver()):
        # A path starts at "/" in a log line and a token never spans a space,
        # quote or query string.
        loose = regex.replace(".+", "[^\\s\"'?]+").replace("[^/]+", "[^/\\s\"'?]+")
        patterns.append(re.compile("/" + loose))
    return tuple(patterns)


def redact(text: str) -> str:
    """`text` with the secret part of every token-bearing path replaced."""
    if "/" not in text or not apps.ready:
        # Before Django is set up (gunicorn's master process) there are no
        # routes, and no requests either.
        return text
    for pattern in secret_route_patterns():
        names = SECRET_PARAMETERS & set(pattern.groupindex)

        def _replace(match: re.Match, names=names) -> str:
            found = match.group(0)
            start = match.start(0)
            # Replace from the last group backwards so offsets stay right.
            spans = sorted((match.span(name) for name in names if match.group(name)), reverse=True)
            for begin, end in spans:
                found = found[: begin - start] + REDACTED + found[end - start :]
            return found

        text = pattern.sub(_replace, text)
    return text


class RedactSecretTokens(logging.Filter):
    """A logging filter: the record's message, with secret tokens redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
