"""An imported row, and what a bulk import reads from each row's cells.

:mod:`~consultkit.formats.submission_import` reads files into these rows;
``Consultkit.import_submissions`` takes them, or plain mappings read with the same cell
parsers. They live apart from the file reader so that an import of mappings does not load
the reader (issue 14: importing it was most of the import's fixed cost at 10,000 rows).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING, Any, Final

import attrs

from consultkit.errors import InvalidValueError
from consultkit.i18n import deferred

if TYPE_CHECKING:
    from consultkit.domain.submissions import Draft

_TRUE: Final = frozenset({"true", "yes", "y", "1", "on"})
_FALSE: Final = frozenset({"false", "no", "n", "0", "off", ""})


@attrs.frozen(kw_only=True)
class ImportRow:
    """One good row: the draft, where it came from, and the optional fields beside it.

    ``received_at`` keeps the original arrival time of a migrated submission (None: the
    import's instant); ``idempotency_key`` makes a re-run import skip the row.
    """

    line: int
    draft: Draft
    received_at: dt.datetime | None = None
    idempotency_key: str | None = None
    tracking_number: str | None = None

    def import_key(self) -> str:
        """The row's idempotency key, or one derived from its line and content.

        A derived key makes running the same file again skip what was already stored
        (the import resumes) instead of storing everything twice.
        """
        return self.idempotency_key or derived_import_key(self.line, self.draft)

    def as_mapping(self) -> dict[str, Any]:
        """The row in the flat shape of :meth:`Consultkit.import_submissions`."""
        d = self.draft
        who = d.submitter
        row: dict[str, Any] = {
            "call_id": d.call_id,
            "name": who.name,
            "email": who.email,
            "group": who.group,
            "organisation": who.organisation,
            "country": who.country,
            "title": d.title,
            "body": d.body,
            "language": d.language,
            "tags": list(d.tags),
            "attachments": list(d.attachments),
            "consent_publish_text": d.consent.publish_text,
            "consent_publish_name": d.consent.publish_name,
            "consent_publish_organisation": d.consent.publish_organisation,
            "idempotency_key": self.import_key(),
        }
        if self.received_at is not None:
            row["received_at"] = self.received_at
        if self.tracking_number:
            row["tracking_number"] = self.tracking_number
        return row


def derived_import_key(position: int, draft: Draft) -> str:
    """The idempotency key of an imported row that brought none: its position and content.

    Running the same file again derives the same keys, so the import resumes instead of
    storing everything twice.
    """
    return derived_key(position, draft.call_id, draft.submitter.email, draft.title, draft.body)


def derived_key(position: int, call_id: str, email: str, title: str, body: str) -> str:
    """:func:`derived_import_key` of a draft's fields given one by one (no draft built)."""
    digest = hashlib.blake2b(
        f"{position}\x1f{call_id}\x1f{email}\x1f{title}\x1f{body}".encode(), digest_size=16
    ).hexdigest()
    return f"import:{digest}"


def parse_flag(value: object) -> bool:
    """A yes/no cell: true/yes/y/1/on or false/no/n/0/off/empty, any case; a bool as is.

    Raises ``ValueError`` for anything else, so "perhaps" is never read as consent.
    """
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise InvalidValueError(
        deferred.gettext("%(value)s is not true or false (a yes/no value)", value=repr(value))
    )


def parse_instant(text: str) -> dt.datetime:
    """An ISO 8601 instant with an offset (``Z`` or ``+01:00``), as a UTC datetime.

    The standard library parses it: pendulum is about 17x slower in bulk paths
    (reliability notes §4, 5b). Raises ``ValueError`` saying what to write.
    """
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidValueError(
            deferred.gettext("%(text)s is not an ISO 8601 instant", text=repr(text))
        ) from None
    if value.tzinfo is dt.UTC:
        # ``Z`` and ``+00:00`` parse to the UTC singleton: nothing to convert (once per row
        # of a bulk import, issue 14).
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValueError(
            deferred.gettext(
                "%(text)s has no offset: add Z for UTC or e.g. +01:00", text=repr(text)
            )
        )
    return value.astimezone(dt.UTC)
