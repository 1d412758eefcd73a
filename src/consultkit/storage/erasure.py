"""What erasing a submitter removes from stored JSON, the same for every store backend.

A backend finds the erased submitter's rows in its own way; what counts as identity in an
outbox payload, and what replaces it, is decided here so that erasure means the same thing
in SQLite, PostgreSQL or any plugin store (GDPR Art. 17; reliability notes, S5).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

import attrs

from consultkit.domain.submissions import SUBMITTER_IDENTITY
from consultkit.i18n import deferred
from consultkit.value_methods import shared_value_methods

if TYPE_CHECKING:
    from collections.abc import Iterable

ERASED = "[erased]"
"""What stands where an identity (an address, a name, a recipient) was."""

RECIPIENT_ERASED: Final = deferred.gettext("recipient erased")
"""Why a delivery to an erased address is dead: its error, worded for each reader (its
English, ``str()``, is the error programs read); it replaces any earlier error, which may
have named the address."""

IDENTITY_KEYS = frozenset(
    {
        "email",
        "name",
        "submitter",
        "organisation",
        "country",
        "address",
        "recipient",
        # The values of a call's own fields: the store empties them on erasure (they may
        # name people and say where they work), so a payload's copy goes too.
        "fields",
        # The flat keys consultkit's own submission events write (consultkit.events): taken
        # from their one definition, so a key the payload gains cannot be missed here.
        *SUBMITTER_IDENTITY,
    }
)
"""Keys of outbox payloads that carry a submitter's identity."""

REASON_KEYS = frozenset({"reason"})
"""Keys of outbox payloads holding a history reason: erased when it names the submitter."""

MIN_NEEDLE = 3
"""Names shorter than this are found in free text only as whole words, and only in reasons:
elsewhere an initial would wipe unrelated text ("an idea")."""

TEXT_KEYS = frozenset({"title", "body", "text", "attachments", "excerpt"})
"""Keys of outbox payloads that carry a submission's text (removed unless it is kept)."""


def scrub_payload(
    payload: Any,
    *,
    address: str,
    names: Iterable[str],
    linked: bool,
    keep_text: bool,
) -> Any:
    """A copy of an outbox payload with the erased submitter's identity removed.

    Every string holding ``address`` becomes :data:`ERASED`, in any payload. In a payload
    ``linked`` to one of the erased submissions, the submitter's ``names`` (their name and
    organisation; 3 characters or more, so initials do not wipe unrelated text) are erased
    too, a reason naming them in any way is erased (:func:`scrub_reason`), and the identity
    keys (and, unless ``keep_text``, the text keys) are emptied.
    """
    address = address.strip().lower()
    needles = [address] if address else []
    drop: frozenset[str] = frozenset()
    reasons: list[str] = []
    if linked:
        reasons = [n.strip().lower() for n in names if n.strip()]
        needles += [n for n in reasons if len(n) >= MIN_NEEDLE]
        drop = IDENTITY_KEYS if keep_text else IDENTITY_KEYS | TEXT_KEYS
        reasons = [address, *reasons] if address else reasons
    return _scrub(payload, _Rules(address=address, needles=needles, drop=drop, reasons=reasons))


def without_identity(payload: Any) -> Any:
    """A payload as erasing its own submitter would leave it, text kept.

    For copies of payloads kept outside the store, which erasure cannot reach (the log
    channel's file): the submitter is read from the payload's own identity keys
    (:data:`~consultkit.domain.submissions.SUBMITTER_IDENTITY`).
    """
    if not isinstance(payload, dict):
        return payload
    identity = {key: payload.get(key) for key in SUBMITTER_IDENTITY}
    address = str(identity.pop("submitter_email", None) or "")
    names = [str(value) for value in identity.values() if value]
    return scrub_payload(payload, address=address, names=names, linked=True, keep_text=True)


def scrub_reason(reason: str | None, *, address: str, names: Iterable[str]) -> str | None:
    """A history reason of an erased submission, or :data:`ERASED` if it names the submitter.

    A reason is short free text about that one submission ("withdrawn at Wu's request"), so
    here even a short name counts when it stands as a word: erasing a reason too many is
    the safe side of a right to erasure (GDPR Art. 17).
    """
    if reason is None:
        return None
    needles = [n.strip().lower() for n in (address, *names) if n.strip()]
    return ERASED if _mentions(reason, needles) else reason


def _mentions(text: str, needles: list[str]) -> bool:
    lowered = text.lower()
    for needle in needles:
        if len(needle) >= MIN_NEEDLE:
            if needle in lowered:
                return True
        elif re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", lowered):
            return True
    return False


@attrs.frozen(kw_only=True)
@shared_value_methods
class _Rules:
    address: str
    needles: list[str]
    drop: frozenset[str]
    reasons: list[str]


def _scrub(value: Any, rules: _Rules) -> Any:
    if isinstance(value, dict):
        return {key: _scrub_item(key, item, rules) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, rules) for item in value]
    if isinstance(value, str):
        lowered = value.lower()
        if any(needle in lowered for needle in rules.needles):
            return ERASED
    return value


def _scrub_item(key: str, item: Any, rules: _Rules) -> Any:
    if key in rules.drop:
        # The address rule holds in every payload, so an address under an identity key
        # reads [erased] like everywhere else; any other identity is emptied.
        holds_address = (
            isinstance(item, str) and bool(rules.address) and rules.address in item.lower()
        )
        return ERASED if holds_address else None
    if key in REASON_KEYS and isinstance(item, str) and _mentions(item, rules.reasons):
        return ERASED
    return _scrub(item, rules)
