"""Links and addresses fit to publish: the one check the loader, the feed and the page share.

A consultation file's links (``website``, an organisation's ``url``, a call's or event's
``url``, a place's ``online_url``) end up as clickable links in calendar clients and web
pages. Only ``http``, ``https``, ``mailto`` and ``webcal`` links are kept: a
``javascript:``, ``data:`` or ``vbscript:`` link runs script where it is clicked, and a
line break in a value would start a new property or header. The loader refuses such
values with a located message (:func:`url_problem`); every exporter filters again with
:func:`safe_url`, so a consultation built in code cannot smuggle one in either.
"""

from __future__ import annotations

import re
import unicodedata
import urllib.parse
from typing import Final

from consultkit.i18n import Text, deferred

__all__ = ["SAFE_SCHEMES", "email_problem", "safe_url", "url_problem"]

SAFE_SCHEMES: Final = frozenset({"http", "https", "mailto", "webcal"})
"""The link schemes that are kept; everything else is refused or dropped."""

# One address: no spaces, no brackets or quotes, exactly one "@" and a dot in the domain.
_EMAIL = r"^[^\s@<>()\[\]\",;:\\]+@[^\s@<>()\[\]\",;:\\]+\.[^\s@<>()\[\]\",;:\\]+$"


def _has_control(text: str) -> bool:
    # C0, DEL and C1 (Unicode category Cc): CR and LF among them.
    return any(unicodedata.category(c) == "Cc" for c in text)


def url_problem(url: str) -> Text | None:
    """Why ``url`` may not be published as a link, or ``None`` when it may.

    Surrounding spaces are ignored. A link without a scheme whose first part names a host
    (``www.wsis.org/forum``, as letters often write it) is taken as ``https``.
    """
    text = url.strip()
    if not text:
        return deferred.gettext("the link is empty")
    if _has_control(text):
        return deferred.gettext("the link holds a line break or another control character")
    try:
        scheme = urllib.parse.urlsplit(text).scheme.lower()
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        # The reason is Python's own (``Invalid IPv6 URL``).
        return deferred.gettext("not a link: %(reason)s", reason=str(exc))
    if not scheme:
        if "." in text.split("/", 1)[0]:
            return None
        return deferred.gettext("not a link: it has neither a scheme (https://) nor a host name")
    if scheme not in SAFE_SCHEMES:
        return deferred.gettext(
            "links may use only %(schemes)s, not %(scheme)s",
            schemes=", ".join(sorted(SAFE_SCHEMES)),
            scheme=repr(scheme),
        )
    return None


def safe_url(url: str | None) -> str | None:
    """``url`` if it is fit to publish (a bare host gets ``https://``), else ``None``."""
    if not url or url_problem(url) is not None:
        return None
    text = url.strip()
    # url_problem accepted it, so urlsplit does not raise here.
    return text if urllib.parse.urlsplit(text).scheme else f"https://{text}"


def email_problem(address: str) -> Text | None:
    """Why ``address`` is not one plain e-mail address, or ``None`` when it is."""
    if _has_control(address):
        return deferred.gettext("the address holds a line break or another control character")
    if not re.match(_EMAIL, address):
        return deferred.gettext("%(address)s is not an e-mail address", address=repr(address))
    return None
