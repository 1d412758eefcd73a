"""Store URLs in messages: the password never shows.

A store URL may carry a password (``postgresql://user:secret@host/db`` or
``?password=secret``). Every error that names a URL goes through :func:`redact_url`, and
every message that quotes a driver's error through :func:`scrub` (libpq quotes parts of
the connection string, e.g. ``invalid percent-encoded token: "se%zzcret"``).
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Final

__all__ = ["redact_url", "scrub", "secrets_in"]

MASK: Final = "***"
# libpq's secret connection parameters, as URL query keys.
_SENSITIVE_QUERY: Final = r"(?i)([?&](?:password|sslpassword)=)([^&#]*)"


def _userinfo_password(url: str) -> tuple[int, int] | None:
    """Where the password of ``url``'s user information is (start, end), if it has one."""
    start = url.find("://")
    if start < 0:
        return None
    start += 3
    end = len(url)
    for stop in "/?#":
        found = url.find(stop, start)
        if found >= 0:
            end = min(end, found)
    at = url.rfind("@", start, end)
    if at < 0:
        return None
    colon = url.find(":", start, at)
    return None if colon < 0 else (colon + 1, at)


def secrets_in(url: str) -> list[str]:
    """The passwords ``url`` carries, as written and percent-decoded (longest first)."""
    found: list[str] = []
    where = _userinfo_password(url)
    if where is not None:
        found.append(url[where[0] : where[1]])
    found += [m.group(2) for m in re.finditer(_SENSITIVE_QUERY, url)]
    every = {s for raw in found for s in (raw, urllib.parse.unquote(raw)) if s}
    return sorted(every, key=len, reverse=True)


def redact_url(url: str) -> str:
    """``url`` with every password replaced by ``***`` (never raises, even on a bad URL)."""
    where = _userinfo_password(url)
    if where is not None and where[0] != where[1]:
        url = url[: where[0]] + MASK + url[where[1] :]
    return re.sub(_SENSITIVE_QUERY, lambda m: m.group(1) + MASK if m.group(2) else m.group(0), url)


def scrub(text: str, url: str) -> str:
    """``text`` with every password of ``url`` (as written or decoded) replaced by ``***``."""
    for secret in secrets_in(url):
        text = text.replace(secret, MASK)
    return text
