"""Per-call quotas: at most N submissions per e-mail address or per organisation.

A call declares ``quota = { per_email = 3, per_organisation = 10 }``. What counts as "the
same" address or organisation is decided here, once, by normalising what people type:

* an address is compared without case or surrounding spaces, without a ``+tag`` after its
  local part (``ana+wsis@example.org`` is ``ana@example.org``), and, at Gmail, without
  the dots Gmail ignores;
* an organisation is compared without case, accents-as-typed (Unicode NFKC), punctuation
  and repeated spaces (``"Red de Bibliotecas, A.C."`` is ``"red de bibliotecas a c"``).

The store keeps a hash of each normalised value beside the submission (never the value
itself: it is personal data, and erasure empties it) and counts under a lock when it
stores a new submission, so two simultaneous submissions cannot both take the last slot.
Withdrawn submissions give their slot back.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Final, Literal

import attrs

from consultkit.i18n import Text, deferred
from consultkit.value_methods import shared_value_methods

if TYPE_CHECKING:
    from collections.abc import Mapping

    from consultkit.domain.submissions import Submitter

QuotaKind = Literal["email", "organisation"]
QUOTA_KINDS: Final[tuple[QuotaKind, ...]] = ("email", "organisation")
"""Every kind of quota, in the order the store takes their locks (a fixed order: no
deadlock between two submissions that share both)."""

_GMAIL: Final = frozenset({"gmail.com", "googlemail.com"})
# Exactly what str.isalnum() refuses (re's \w is isalnum() and "_"), in C: a per-character
# generator was a tenth of the Python work of a durable submission (issue 14).
_NOT_ALNUM: Final = r"[\W_]+"  # compiled on first use by re's cache, not at import


@attrs.frozen(kw_only=True)
@shared_value_methods
class Quota:
    """How many submissions one sender may make to a call (None: no limit of that kind)."""

    per_email: int | None = None
    per_organisation: int | None = None

    def limit(self, kind: QuotaKind) -> int | None:
        return self.per_email if kind == "email" else self.per_organisation


@attrs.frozen(kw_only=True)
@shared_value_methods
class QuotaLimit:
    """One limit a new submission must fit: its kind, its sender's key, the maximum."""

    kind: QuotaKind
    key: str
    """:func:`quota_key` of the sender's normalised address or organisation."""
    limit: int


def normalise_email(address: str) -> str:
    """The address as quotas compare it (see the module docstring)."""
    text = unicodedata.normalize("NFKC", address).strip().casefold()
    local, at, domain = text.rpartition("@")
    if not at or not local:
        return text
    local = local.split("+", 1)[0] or local
    if domain in _GMAIL:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def normalise_organisation(name: str) -> str:
    """The organisation's name as quotas compare it (see the module docstring)."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(re.sub(_NOT_ALNUM, " ", text).split())


def quota_key(kind: QuotaKind, normalised: str) -> str:
    """What the store keeps and counts by: a sha256 of the kind and the normalised value."""
    # Lazy: hashlib loads OpenSSL (2-3 ms), and loading a consultation never counts (issue 14).
    import hashlib

    return hashlib.sha256(f"consultkit-quota:{kind}:{normalised}".encode()).hexdigest()


def quota_keys(submitter: Submitter | None) -> Mapping[QuotaKind, str | None]:
    """The keys a stored submission is counted under (None where there is nothing to count)."""
    if submitter is None:
        return dict.fromkeys(QUOTA_KINDS)
    email = normalise_email(submitter.email)
    organisation = normalise_organisation(submitter.organisation or "")
    return {
        "email": quota_key("email", email) if email else None,
        "organisation": quota_key("organisation", organisation) if organisation else None,
    }


def quota_limits(quota: Quota | None, submitter: Submitter) -> tuple[QuotaLimit, ...]:
    """The limits a submission by ``submitter`` must fit under ``quota`` (a call's)."""
    if quota is None:
        return ()
    keys = quota_keys(submitter)
    limits = []
    for kind in QUOTA_KINDS:
        limit, key = quota.limit(kind), keys[kind]
        if limit is not None and key is not None:
            limits.append(QuotaLimit(kind=kind, key=key, limit=limit))
    return tuple(limits)


def quota_message(limit: QuotaLimit) -> Text:
    """Why a submission was refused by ``limit``: for the sender, naming what to do."""
    if limit.kind == "email":
        return deferred.ngettext(
            "this call takes at most %(num)s submission per e-mail address, and this e-mail"
            " address has sent %(num)s: withdraw one to send another, or ask the organisers",
            "this call takes at most %(num)s submissions per e-mail address, and this e-mail"
            " address has sent %(num)s: withdraw one to send another, or ask the organisers",
            limit.limit,
        )
    return deferred.ngettext(
        "this call takes at most %(num)s submission per organisation, and this organisation"
        " has sent %(num)s: withdraw one to send another, or ask the organisers",
        "this call takes at most %(num)s submissions per organisation, and this organisation"
        " has sent %(num)s: withdraw one to send another, or ask the organisers",
        limit.limit,
    )
