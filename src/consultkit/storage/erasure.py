"""What erasing a submitter removes from stored JSON, the same for every store backend.

A backend finds the erased submitter's rows in its own way; what counts as identity in an
outbox payload, and what replaces it, is decided here so that erasure means the same thing
in SQLite, PostgreSQL or any plugin store (GDPR Art. 17; reliability notes, S5).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

ERASED = "[erased]"
"""What stands where an identity (an address, a name, a recipient) was."""

IDENTITY_KEYS = frozenset(
    {"email", "name", "submitter", "organisation", "country", "address", "recipient"}
)
"""Keys of outbox payloads that carry a submitter's identity."""

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
    ``linked`` to one of the erased submissions, the submitter's ``names`` (3 characters or
    more, so initials do not wipe unrelated text) are erased too, and the identity keys
    (and, unless ``keep_text``, the text keys) are emptied.
    """
    needles = [address.lower()]
    drop: frozenset[str] = frozenset()
    if linked:
        needles += [n.lower() for n in names if len(n) >= 3]
        drop = IDENTITY_KEYS if keep_text else IDENTITY_KEYS | TEXT_KEYS
    return _scrub(payload, needles, drop)


def _scrub(value: Any, needles: list[str], drop_keys: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {
            key: (None if key in drop_keys else _scrub(item, needles, drop_keys))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrub(item, needles, drop_keys) for item in value]
    if isinstance(value, str):
        lowered = value.lower()
        if any(needle in lowered for needle in needles):
            return ERASED
    return value
