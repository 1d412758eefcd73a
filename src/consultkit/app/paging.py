"""Cursors for paging through submissions: opaque to clients, a keyset underneath.

A cursor names the last submission of a page by its received instant and id, the order the
store lists submissions in, so the next page starts right after it whatever was stored in
between: no submission is repeated or skipped because others arrived (offset paging would
shift). It is base64url JSON: opaque, not secret; a damaged one is refused, never guessed.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Any

import attrs

from consultkit.errors import RuleRefusedError
from consultkit.i18n import deferred

MAX_PAGE = 500
"""The most rows one page holds; there is no limit on the number of pages."""


@attrs.frozen(kw_only=True)
class Page:
    """One page of rows and the cursor of the next (None on the last page)."""

    rows: tuple[dict[str, Any], ...]
    next_cursor: str | None


def encode_cursor(received_at: dt.datetime, submission_id: str) -> str:
    """The cursor that continues after the submission received at ``received_at``."""
    text = json.dumps([received_at.astimezone(dt.UTC).isoformat(), submission_id])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    """The (instant, id) a cursor continues after; :class:`RuleRefusedError` (rule
    ``cursor``) for anything :func:`encode_cursor` did not make."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, submission_id = json.loads(raw)
        instant = dt.datetime.fromisoformat(at)
        if instant.tzinfo is None or not isinstance(submission_id, str):
            raise ValueError(cursor)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise RuleRefusedError(
            "cursor",
            deferred.gettext(
                "this cursor was not given by a previous page: start again without it"
            ),
        ) from None
    return instant, submission_id


def page_size(limit: int) -> int:
    """``limit`` if it is a page size consultkit serves, else :class:`RuleRefusedError`."""
    if not 1 <= limit <= MAX_PAGE:
        raise RuleRefusedError(
            "limit",
            deferred.gettext(
                "a page holds 1 to %(most)s rows, not %(limit)s", most=MAX_PAGE, limit=limit
            ),
        )
    return limit
