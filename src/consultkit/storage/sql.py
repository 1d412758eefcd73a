"""A shared base for SQL store backends: every method's SQL once, parameterised by a dialect.

This is a public module for backend authors. :class:`SqlStore` implements the whole
:class:`~consultkit.storage.protocols.Store` protocol (and a few extras: consultation
documents, erasure tombstones) over the tables every consultkit SQL schema has. A backend
subclasses it and provides only what differs between databases:

* a :class:`Dialect`: the placeholder style, the insert-or-ignore form, the row locks a
  claim takes, the lists of ids a statement may hold, and the adapters for instants, JSON
  and id lists;
* connection handling: ``_write()`` and ``_read()``, context managers that yield a
  DB-API connection inside one transaction (``_write`` a transaction that takes the write
  lock before it reads, e.g. ``BEGIN IMMEDIATE`` on SQLite), and ``close()``;
* the bulk load of one chunk of submissions, ``_add_chunk(rows)`` (``executemany`` on
  SQLite, ``COPY`` on PostgreSQL), and optionally ``_stream`` (how a listing is read in
  bounded memory) and ``_serialise`` (a lock taken before numbering a schedule revision);
* its schema and migrations.

The built-in :class:`~consultkit.storage.sqlite.SqliteStore` and the PostgreSQL plugin
(``plugins/consultkit-postgres``) are the two examples. Both pass
:class:`consultkit.testing.store_contract.SqlStoreContract`.

SQL here is written with ``?`` placeholders; :meth:`Dialect.sql` turns it into the
database's own style. Dialect fragments (``{d.json}``, ``{d.insert_ignore}``...) are put
in with f-strings, so each statement reads as one piece of SQL.
"""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
import functools
import json
import operator
import uuid
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self

import attrs

from consultkit.domain.instants import instant_text
from consultkit.domain.quotas import QUOTA_KINDS, QuotaLimit, quota_keys
from consultkit.domain.submissions import (
    Actor,
    ActorRole,
    Consent,
    HistoryEntry,
    Provenance,
    Receipt,
    Submission,
    SubmissionRecord,
    SubmissionRecordStream,
    SubmissionStatus,
    SubmissionVersion,
    Submitter,
    Verification,
    submission_record,
    version_of,
)
from consultkit.errors import StoreError, UnknownItemError
from consultkit.i18n import Text, text_from_json, text_to_json
from consultkit.storage.erasure import ERASED, RECIPIENT_ERASED, scrub_payload, scrub_reason
from consultkit.storage.protocols import (
    DEFAULT_CHUNK_SIZE,
    QuotaReachedError,
    StoreConflictError,
    idempotency_key_hash,
)
from consultkit.storage.records import (
    ApiToken,
    Delivery,
    DeliveryFailure,
    DeliveryStatus,
    DeliveryTarget,
    OutboxEvent,
    ScheduleRevision,
    Subscription,
    Tombstone,
    stored_delivery,
    stored_event,
)

# Start-up (issue 14): the submitting rules (receipt_for, with the tag vocabularies and the
# field checks) and the review scores load in the methods that store a submission or a
# review, so a verb that only reads a store (history, stats, the lists) does not pay for
# them; tests/test_startup_imports.py holds every verb to it.
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

    from consultkit.domain.review.scores import Review, ReviewAssignment


class Cursor(Protocol):
    """The part of a DB-API cursor the base uses (``sqlite3`` and psycopg 3 both fit)."""

    @property
    def rowcount(self) -> int:
        """Rows the last statement changed."""

    def fetchone(self) -> Any:
        """The next row, or ``None``."""

    def fetchall(self) -> Any:
        """Every remaining row."""

    def fetchmany(self, size: int = ..., /) -> Any:
        """Up to ``size`` rows."""

    def executemany(self, sql: Any, params: Any, /) -> Any:
        """Run ``sql`` once per parameter row."""

    def close(self) -> Any:
        """Release the cursor."""


class Connection(Protocol):
    """The part of a DB-API connection the base uses, inside a transaction it did not open."""

    def execute(self, sql: Any, params: Any = ..., /) -> Cursor:
        """Run one statement."""

    def cursor(self) -> Cursor:
        """A new cursor."""


class Closeable(Protocol):
    """A connection, as far as closing it goes."""

    def close(self) -> Any:
        """Close it."""


class Dialect(abc.ABC):
    """What differs between SQL databases, as far as :class:`SqlStore` is concerned.

    The class attributes are SQL fragments put into statements; the methods adapt values
    on their way in and out. Subclass it once per database (a module-level instance is
    enough: it holds no state but a cache).
    """

    name: ClassVar[str]
    """The database, for messages."""

    placeholder: ClassVar[str] = "?"
    """The parameter marker (``?`` for qmark, ``%s`` for format style)."""

    insert_ignore: ClassVar[str]
    """Starts an insert that skips rows conflicting with a unique constraint, with
    :attr:`ignore_conflicts` at its end (``INSERT OR IGNORE INTO`` / ``INSERT INTO`` +
    ``ON CONFLICT DO NOTHING``)."""

    ignore_conflicts: ClassVar[str] = ""

    json: ClassVar[str] = "?"
    """A JSON parameter (``?`` for a text column, ``?::jsonb`` for PostgreSQL's jsonb)."""

    empty_json_list: ClassVar[str] = "'[]'"
    """The literal ``[]`` in a JSON column."""

    json_as_text: ClassVar[str] = "{}"
    """A JSON column (the ``{}``) selected as its JSON text (``{}::text`` for ``jsonb``)."""

    empty_json_object: ClassVar[str] = "'{}'"
    """The literal ``{}`` in a JSON column."""

    id_list: ClassVar[str] = "?"
    """A parameter holding a list of ids (see :meth:`dump_ids`)."""

    position: ClassVar[str] = "instr"
    """The function ``f(text, part)`` giving where ``part`` starts in ``text`` (0: nowhere)."""

    lock_rows: ClassVar[str] = ""
    """Appended to a SELECT whose rows the transaction will change (``FOR UPDATE``), where
    the database locks rows rather than the whole store."""

    claim_rows: ClassVar[str] = ""
    """Appended to the SELECT that picks deliveries to claim (``FOR UPDATE SKIP LOCKED``),
    so concurrent claimers skip each other's rows instead of waiting or sharing them."""

    orders_locks: ClassVar[bool] = False
    """Whether to write rows in a sorted order so that concurrent transactions take row
    locks in the same order and cannot deadlock (needless where writers are serialised)."""

    max_ids: ClassVar[int] = 500
    """How many ids one :meth:`in_ids` list may hold."""

    integrity_errors: ClassVar[tuple[type[BaseException], ...]] = ()
    """The exceptions a violated unique constraint raises."""

    def sql(self, text: str) -> str:
        """``text`` (written with ``?`` placeholders) in this database's parameter style."""
        if self.placeholder == "?":
            return text
        return _converted(text, self.placeholder)

    def in_ids(self, column: str, ids: Sequence[str]) -> tuple[str, list[Any]]:
        """A condition that ``column`` is one of ``ids``, and its parameters."""
        return f"{column} IN ({','.join('?' * len(ids))})", list(ids)

    @abc.abstractmethod
    def dump_instant(self, value: dt.datetime) -> Any:
        """An aware instant as a parameter; a naive one is refused (``ValueError``)."""

    @abc.abstractmethod
    def load_instant(self, value: Any) -> dt.datetime:
        """An instant read from a column, as an aware UTC datetime."""

    def dump_json(self, value: Any) -> str:
        """JSON text for a JSON parameter; datetimes become ISO strings, tuples lists."""
        try:
            return _JSON.encode(value)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"cannot store {value!r:.80}: {exc}; use JSON values") from exc

    @abc.abstractmethod
    def load_json(self, value: Any) -> Any:
        """A JSON column's value as Python data."""

    @abc.abstractmethod
    def dump_ids(self, ids: Sequence[str]) -> Any:
        """A list of ids as an :attr:`id_list` parameter."""

    @abc.abstractmethod
    def load_ids(self, value: Any) -> Iterable[Any]:
        """A list of ids read from a column."""

    def json_text(self, column: str, key: str) -> str:
        """SQL for the text at ``key`` of the JSON object in ``column`` (NULL when absent)."""
        return f"json_extract({column}, '$.{key}')"

    def describe(self, error: BaseException) -> str:
        """What a database error says, for a message to a person."""
        return str(error).strip()

    def dump_instant_or_none(self, value: dt.datetime | None) -> Any:
        """:meth:`dump_instant`, or ``None``."""
        return None if value is None else self.dump_instant(value)

    def load_instant_or_none(self, value: Any) -> dt.datetime | None:
        """:meth:`load_instant`, or ``None``."""
        return None if value is None else self.load_instant(value)

    def instant_text(self, value: Any) -> str:
        """An instant read from a column as an export writes it
        (:func:`~consultkit.domain.instants.instant_text`: UTC with a ``Z``).

        By default through :meth:`load_instant`; a database that stores instants as text
        overrides it to give that text without a datetime (issue 14: the export's
        submission records, :meth:`SqlStore.submission_records`).
        """
        return instant_text(self.load_instant(value))


@functools.lru_cache(maxsize=1024)
def _converted(text: str, placeholder: str) -> str:
    # Literal percent signs must be doubled where "%s" marks parameters.
    return text.replace("%", "%%").replace("?", placeholder)


# Rows share a few consent flags, tag lists and empty values: a bulk import dumped the same
# JSON for each of a million rows (issue 14). Failures (a NUL in a tag) are not cached.
@functools.lru_cache(maxsize=4096)
def _json_list(dialect: Dialect, items: tuple[Any, ...]) -> str:
    return dialect.dump_json(list(items))


@functools.lru_cache(maxsize=64)
def _json_object(dialect: Dialect, pairs: tuple[tuple[str, Any], ...]) -> str:
    return dialect.dump_json(dict(pairs))


@functools.lru_cache(maxsize=16)
def _consent_json(dialect: Dialect, text: bool, name: bool, organisation: bool) -> str:
    # Eight values in all: each is encoded once, keyed by the three flags of a record.
    return dialect.dump_json(
        attrs.asdict(
            Consent(publish_text=text, publish_name=name, publish_organisation=organisation)
        )
    )


def _submitter_json(
    dialect: Dialect,
    name: str | None,
    email: str | None,
    group: str,
    organisation: str | None,
    country: str | None,
) -> str:
    """The submitter column: what ``dump_json`` writes for the submitter's five fields.

    With the base encoder the object is written from a template, its values escaped by the
    encoder's own string function (sorted keys, ``ensure_ascii=False``: the same text);
    the encoder's generic walk over a new dict was a tenth of a bulk-imported row's cost
    (issue 14). A dialect with its own ``dump_json`` gets the dict.
    """
    if type(dialect).dump_json is Dialect.dump_json:
        text = _encode_string
        try:
            return _SUBMITTER_TEMPLATE % (  # the keys sorted, as the encoder sorts them
                "null" if country is None else text(country),
                "null" if email is None else text(email),
                text(group),
                "null" if name is None else text(name),
                "null" if organisation is None else text(organisation),
            )
        except TypeError:  # not text: the encoder says what it cannot store
            pass
    values = (country, email, group, name, organisation)
    return dialect.dump_json(dict(zip(_SUBMITTER_KEYS, values, strict=True)))


_SUBMITTER_KEYS = ("country", "email", "group", "name", "organisation")
_SUBMITTER_TEMPLATE = "{" + ", ".join(f'"{k}": %s' for k in _SUBMITTER_KEYS) + "}"


def utc_instant_for_storage(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC; a naive datetime is refused, since its instant is unknown."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"instant {value!r} has no time zone")
    return value.astimezone(dt.UTC)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


# The string escaping the encoder below uses (``ensure_ascii=False``), in C where available.
_encode_string: Callable[[str], str] = json.encoder.encode_basestring

# One encoder for every value: ``json.dumps`` with options builds a new one per call, a
# third of the cost of a bulk-imported row's submitter column (issue 14).
_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=_json_default)


def _version_content(version: SubmissionVersion) -> dict[str, Any]:
    return {
        "title": version.title,
        "body": version.body,
        "language": version.language,
        "tags": list(version.tags),
        "attachments": list(version.attachments),
        "consent": attrs.asdict(version.consent),
        "fields": dict(version.fields),
        "fingerprint": version.fingerprint,
    }


def _content_of(data: Mapping[str, Any]) -> dict[str, Any]:
    return {**data, "consent": Consent(**data["consent"])}


# Records (issue 14): lists, consent flags and empty fields repeat across rows, so each
# distinct JSON text is decoded once per read (the values are tuples: safe to share).
_DECODED_LIMIT = 4096


def _decoded(cache: dict[str, Any], text: str, decode: Callable[[str], Any]) -> Any:
    if len(cache) >= _DECODED_LIMIT:  # every row different: stop remembering
        cache.clear()
    value = cache[text] = decode(text)
    return value


def _strings(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


def _consent(text: str) -> tuple[bool, bool, bool]:
    consent = json.loads(text)
    return (
        bool(consent.get("publish_text")),
        bool(consent.get("publish_name")),
        bool(consent.get("publish_organisation")),
    )


_STATUSES: Mapping[str, SubmissionStatus] = {s.value: s for s in SubmissionStatus}
_PROVENANCES: Mapping[str, Provenance] = {p.value: p for p in Provenance}
_VERIFICATIONS: Mapping[str, Verification] = {v.value: v for v in Verification}


def executemany(conn: Connection, sql: str, rows: Sequence[Sequence[Any]]) -> int:
    """Run ``sql`` once per row in one round of the driver; returns the rows changed."""
    if not rows:
        return 0
    if len(rows) == 1:  # a receipt's one event: no cursor of its own (issue 14)
        return max(conn.execute(sql, rows[0]).rowcount, 0)
    with contextlib.closing(conn.cursor()) as cursor:
        cursor.executemany(sql, rows)
        return max(cursor.rowcount, 0)


SUBMISSION_COLUMNS = (
    "id",
    "tracking_number",
    "consultation_id",
    "call_id",
    "submitter",
    "submitter_email",
    "title",
    "body",
    "language",
    "tags",
    "attachments",
    "consent",
    "provenance",
    "status",
    "received_at",
    "updated_at",
    "fingerprint",
    "idempotency_key",
    "idempotency_hash",
    "receipt_status",
    "erased_at",
    "fields",
    "verification",
    "quota_email",
    "quota_organisation",
    "held",
)
"""The columns of ``submissions`` a row from :meth:`SqlStore._submission_row` fills, in order."""

JSON_SUBMISSION_COLUMNS = frozenset({"submitter", "tags", "attachments", "consent", "fields"})
"""The submission columns holding JSON."""

BULK_IMPORT_ENTRY = (str(ActorRole.SYSTEM), "bulk-import", "bulk import")
"""The actor role, actor id and reason of the history entry of a bulk-loaded submission."""

_COLUMNS = ", ".join(SUBMISSION_COLUMNS)
_UNCOUNTED: Mapping[str, None] = dict.fromkeys(QUOTA_KINDS)
# Calling an enum by value runs Python code in EnumType: a few µs for every claimed
# delivery (issue 14); the dict answers known values, the call still refuses others.
_DELIVERY_STATUSES: Mapping[str, DeliveryStatus] = {str(s): s for s in DeliveryStatus}
_EVENT_COLUMNS = (
    "e.id, e.kind, e.consultation_id, e.occurred_at, e.payload, e.dedupe_key, e.submission_id"
)
_DELIVERY_SELECT = (
    "SELECT d.id, d.channel, d.recipient, d.language, d.status, d.attempts, d.next_attempt_at,"
    f" d.last_error, d.claimed_by, d.lease_until, {_EVENT_COLUMNS}, d.last_error_words"
    " FROM deliveries d JOIN outbox_events e ON e.id = d.event_id"
)


@functools.cache
def _insert_submission_sql(d: Dialect) -> str:
    # Built once per dialect, not once per durable submission (issue 14).
    values = ", ".join(d.json if n in JSON_SUBMISSION_COLUMNS else "?" for n in SUBMISSION_COLUMNS)
    return d.sql(f"INSERT INTO submissions ({_COLUMNS}) VALUES ({values})")


def _stored_error(error: str | Text) -> tuple[str, str | None]:
    """A failure's English for programs and logs, and its words to render for a reader.

    The outbox is written before anyone reads it, so it keeps the message and its values
    (``notify status`` words them in its reader's language); a plain string, such as a
    server's own reply, has no words to keep.
    """
    english = str(error)[:2000]
    return english, text_to_json(error) if isinstance(error, Text) else None


_REVISION_COLUMNS = "consultation_id, number, published_at, snapshot"
_ASSIGNMENT_COLUMNS = "consultation_id, round, submission_id, reviewer_id, assigned_at"
_REVIEW_COLUMNS = (
    "consultation_id, round, submission_id, reviewer_id, at, scores, passed, abstained,"
    " confidence, comment"
)
_TOKEN_COLUMNS = "name, consultation_id, token_hash, created_at, revoked_at"  # noqa: S105


class SqlStore(abc.ABC):
    """A :class:`~consultkit.storage.protocols.Store` over SQL, given a dialect and connections.

    See the module docstring for what a subclass provides. Every public method is one
    transaction, begun by ``_write()`` when it may write and by ``_read()`` otherwise.
    """

    url: str
    dialect: ClassVar[Dialect]

    # -- what a backend provides

    @abc.abstractmethod
    def _write(self) -> contextlib.AbstractContextManager[Connection]:
        """One write transaction, holding the write lock from its start; commits on exit."""

    @abc.abstractmethod
    def _read(self) -> contextlib.AbstractContextManager[Connection]:
        """One read-only transaction (ideally on a connection other than the writer's)."""

    @abc.abstractmethod
    def _add_chunk(self, rows: list[tuple[Any, ...]]) -> int:
        """Store one chunk of submission rows in one transaction; how many were new.

        Rows already stored (same id or idempotency key) are skipped; each new one gets a
        history entry :data:`BULK_IMPORT_ENTRY` at its ``received_at``, in row order.
        """

    @abc.abstractmethod
    def _detach(self) -> Sequence[Closeable]:
        """Every open connection, forgotten by the store so :meth:`close` can close them.

        Called once, holding ``_lock``, after ``_closed`` is set.
        """

    # -- life cycle

    _lock: contextlib.AbstractContextManager[Any]
    """Guards ``_closed`` and the backend's connections; set by the backend."""

    _closed: bool = False

    _recent_events: Mapping[str, tuple[tuple[Any, ...], OutboxEvent]] = MappingProxyType({})
    """The last :meth:`unrouted_events` batch by id: each event and the row it came from."""

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"{self.url} is closed; open the store again")

    def close(self) -> None:
        """Close every connection; the store cannot be used afterwards (closing twice is fine)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            connections = self._detach()
        for conn in connections:
            conn.close()

    def _stream(self, sql: str, params: Sequence[Any]) -> Iterator[Sequence[Any]]:
        """The rows ``sql`` selects, read 500 at a time from one snapshot (bounded memory)."""
        with self._read() as conn:
            cursor = conn.execute(sql, params)
            try:
                while rows := cursor.fetchmany(500):
                    yield from rows
            finally:
                cursor.close()

    def _serialise(self, conn: Connection, kind: str, key: str) -> None:  # noqa: B027 (optional hook)
        """Wait, inside the transaction, until no other transaction holds the lock (kind, key).

        Nothing by default: a backend whose ``_write`` serialises writers already has it.
        """

    # -- conversions

    def _submission_row(self, s: Submission, *, counted: bool = True) -> tuple[Any, ...]:
        """The row of ``s``; ``counted`` fills its quota keys (bulk loads leave them empty:
        imported submissions are not counted toward quotas, and hashing costs per row)."""
        row = self._record_row(submission_record(s))
        if not counted:
            return row
        keys = quota_keys(s.submitter)
        return (*row[:-3], keys["email"], keys["organisation"], row[-1])

    def _record_row(self, r: SubmissionRecord) -> tuple[Any, ...]:
        """The row of a flat submission, its quota keys empty: the one conversion of a
        submission's values to stored bytes (a bulk import builds records, issue 14)."""
        d = self.dialect
        # One unpacking instead of 27 attribute reads (once per row of a bulk import).
        (id_, tracking_number, consultation_id, call_id, group, language, status, received_at,
         updated_at, title, body, tags, attachments, name, email, organisation, country,
         publish_text, publish_name, publish_organisation, provenance, fingerprint, key,
         erased_at, verification, held, fields) = r  # fmt: skip
        # A record without a group is one without a submitter (erased).
        submitter = (
            None if group is None else _submitter_json(d, name, email, group, organisation, country)
        )
        received = d.dump_instant(received_at)
        status_text = str(status)
        return (
            id_,
            tracking_number,
            consultation_id,
            call_id,
            submitter,
            None if email is None else email.strip().lower(),
            title,
            body,
            language,
            _json_list(d, tags),
            _json_list(d, attachments),
            _consent_json(d, publish_text, publish_name, publish_organisation),
            str(provenance),
            status_text,
            received,
            received if updated_at == received_at else d.dump_instant(updated_at),
            fingerprint,
            key,
            idempotency_key_hash(key, email),
            status_text,
            None if erased_at is None else d.dump_instant(erased_at),
            d.dump_json(dict(fields)) if fields else _json_object(d, ()),
            str(verification),
            None,
            None,
            held,
        )

    def _submission(self, row: Sequence[Any]) -> Submission:
        d = self.dialect
        return Submission(
            id=row[0],
            tracking_number=row[1],
            consultation_id=row[2],
            call_id=row[3],
            submitter=None if row[4] is None else Submitter(**d.load_json(row[4])),
            title=row[6],
            body=row[7],
            language=row[8],
            tags=tuple(d.load_json(row[9])),
            attachments=tuple(d.load_json(row[10])),
            consent=Consent(**d.load_json(row[11])),
            provenance=Provenance(row[12]),
            status=SubmissionStatus(row[13]),
            received_at=d.load_instant(row[14]),
            updated_at=d.load_instant(row[15]),
            fingerprint=row[16],
            idempotency_key=row[17],
            erased_at=d.load_instant_or_none(row[20]),
            fields=d.load_json(row[21]),
            verification=Verification(row[22]),
            held=row[25],
        )

    def _history_row(self, entry: HistoryEntry) -> tuple[Any, ...]:
        return (
            entry.submission_id,
            self.dialect.dump_instant(entry.at),
            str(entry.actor.role),
            entry.actor.id,
            None if entry.from_status is None else str(entry.from_status),
            str(entry.to_status),
            entry.reason,
        )

    def _event_row(self, event: OutboxEvent) -> tuple[Any, ...]:
        d = self.dialect
        return (
            event.id,
            event.kind,
            event.consultation_id,
            d.dump_instant(event.occurred_at),
            d.dump_json(dict(event.payload)),
            event.dedupe_key,
            event.submission_id,
        )

    def _event(self, row: Sequence[Any]) -> OutboxEvent:
        d = self.dialect
        # Positionally, unconverted: the dialect gives UTC instants and a payload decoded
        # for this event alone (issue 14).
        return stored_event(
            row[0], row[1], row[2], d.load_instant(row[3]), d.load_json(row[4]), row[5], row[6]
        )

    def _delivery(self, row: Sequence[Any]) -> Delivery:
        d = self.dialect
        return Delivery(
            id=row[0],
            channel=row[1],
            recipient=row[2],
            language=row[3],
            status=_DELIVERY_STATUSES.get(row[4]) or DeliveryStatus(row[4]),
            attempts=int(row[5]),
            next_attempt_at=d.load_instant(row[6]),
            last_error=row[7],
            last_error_words=text_from_json(row[17]),
            claimed_by=row[8],
            lease_until=d.load_instant_or_none(row[9]),
            event=self._event(row[10:17]),
        )

    def _revision(self, row: Sequence[Any]) -> ScheduleRevision:
        return ScheduleRevision(
            consultation_id=row[0],
            number=int(row[1]),
            published_at=self.dialect.load_instant(row[2]),
            snapshot=self.dialect.load_json(row[3]),
        )

    # -- statements used by several methods

    def _insert_submission_sql(self) -> str:
        return _insert_submission_sql(self.dialect)

    def _insert_history(self, conn: Connection, entry: HistoryEntry) -> None:
        conn.execute(
            self.dialect.sql(
                "INSERT INTO history (submission_id, at, actor_role, actor_id, from_status,"
                " to_status, reason) VALUES (?, ?, ?, ?, ?, ?, ?)"
            ),
            self._history_row(entry),
        )

    def _insert_events(self, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> int:
        d = self.dialect
        return executemany(
            conn,
            d.sql(
                f"{d.insert_ignore} outbox_events (id, kind, consultation_id, occurred_at,"
                f" payload, dedupe_key, submission_id) VALUES (?, ?, ?, ?, {d.json}, ?, ?)"
                f"{d.ignore_conflicts}"
            ),
            rows,
        )

    def _select_submission(self, conn: Connection, column: str, value: str) -> Submission | None:
        row = conn.execute(
            self.dialect.sql(f"SELECT {_COLUMNS} FROM submissions WHERE {column} = ?"), (value,)
        ).fetchone()
        return None if row is None else self._submission(row)

    def _receipt_for_key(
        self, conn: Connection, consultation_id: str, key: str, email: str | None
    ) -> Receipt | None:
        found = conn.execute(
            self.dialect.sql(
                "SELECT tracking_number, id, consultation_id, call_id, received_at,"
                " receipt_status FROM submissions"
                " WHERE consultation_id = ? AND idempotency_hash = ?"
            ),
            (consultation_id, idempotency_key_hash(key, email)),
        ).fetchone()
        if found is None:
            return None
        return Receipt(
            tracking_number=found[0],
            submission_id=found[1],
            consultation_id=found[2],
            call_id=found[3],
            received_at=self.dialect.load_instant(found[4]),
            status=SubmissionStatus(found[5]),
            replayed=True,
        )

    # -- consultations (beyond the protocol)

    def put_consultation(self, consultation_id: str, document: Mapping[str, Any]) -> None:
        """Store (or replace) a consultation's JSON document."""
        d = self.dialect
        text = d.dump_json(dict(document))
        with self._write() as conn:
            conn.execute(
                d.sql(
                    f"INSERT INTO consultations (id, document) VALUES (?, {d.json})"
                    " ON CONFLICT (id) DO UPDATE SET document = excluded.document"
                ),
                (consultation_id, text),
            )

    def get_consultation(self, consultation_id: str) -> Mapping[str, Any] | None:
        """A consultation's stored document, or ``None``."""
        with self._read() as conn:
            row = conn.execute(
                self.dialect.sql("SELECT document FROM consultations WHERE id = ?"),
                (consultation_id,),
            ).fetchone()
        return None if row is None else dict(self.dialect.load_json(row[0]))

    # -- submissions

    def add_submission(
        self,
        submission: Submission,
        entry: HistoryEntry,
        events: Sequence[OutboxEvent],
        *,
        limits: Sequence[QuotaLimit] = (),
    ) -> tuple[Receipt, bool]:
        """Store a submission with its history entry and events, or replay its receipt."""
        if entry.submission_id != submission.id:
            raise ValueError("the history entry is for another submission")
        d = self.dialect
        row = self._submission_row(submission)
        event_rows = [self._event_row(e) for e in events]
        key = submission.idempotency_key
        email = None if submission.submitter is None else submission.submitter.email
        with self._write() as conn:
            if key is not None and limits:
                # A retry is replayed before a full quota could refuse it. Without a
                # quota the insert's conflict clause below is the check (issue 14: one
                # statement fewer per submission).
                replay = self._receipt_for_key(conn, submission.consultation_id, key, email)
                if replay is not None:
                    return replay, False
            for limit in limits:
                self._check_quota(conn, submission, limit)
            try:
                # A key stored meanwhile by a concurrent transaction (which this waits for,
                # where writers are not serialised) makes the insert do nothing; a
                # duplicate id or tracking number raises.
                inserted = conn.execute(
                    self._insert_submission_sql()
                    + d.sql(" ON CONFLICT (consultation_id, idempotency_hash) DO NOTHING"),
                    row,
                ).rowcount
            except d.integrity_errors as exc:
                raise StoreError(
                    f"submission {submission.id} (tracking number "
                    f"{submission.tracking_number}) is already stored: {d.describe(exc)}; "
                    "give new submissions new ids"
                ) from exc
            if inserted == 0:
                assert key is not None  # only the idempotency constraint skips
                replay = self._receipt_for_key(conn, submission.consultation_id, key, email)
                if replay is None:  # pragma: no cover - the conflicting row is committed
                    raise StoreError(f"{self.url}: idempotency conflict without a stored row")
                return replay, False
            self._insert_history(conn, entry)
            self._insert_events(conn, event_rows)
        from consultkit.domain.submission_rules import receipt_for

        return receipt_for(submission), True

    def _check_quota(self, conn: Connection, submission: Submission, limit: QuotaLimit) -> None:
        """Raise :class:`QuotaReachedError` if ``limit`` has no slot left for ``submission``.

        Runs inside the storing transaction after taking the quota's lock (SQLite's
        ``BEGIN IMMEDIATE`` already serialises writers), so a slot counted free here cannot
        be taken by another transaction before this one commits.
        """
        column = f"quota_{limit.kind}"
        self._serialise(
            conn, "quota", f"{submission.consultation_id}:{submission.call_id}:{column}:{limit.key}"
        )
        taken = conn.execute(
            self.dialect.sql(
                f"SELECT count(*) FROM submissions WHERE consultation_id = ? AND call_id = ?"
                f" AND {column} = ? AND status <> ?"
            ),
            (
                submission.consultation_id,
                submission.call_id,
                limit.key,
                str(SubmissionStatus.WITHDRAWN),
            ),
        ).fetchone()[0]
        if taken >= limit.limit:
            raise QuotaReachedError(limit)

    def add_submissions(
        self, submissions: Iterable[Submission], chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> int:
        """Bulk-store submissions in chunks of ``chunk_size`` rows; returns how many were new."""
        return self.add_submission_records(map(submission_record, submissions), chunk_size)

    def add_submission_records(
        self, records: Iterable[SubmissionRecord], chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> int:
        """:meth:`add_submissions` of flat submissions (what a bulk import builds)."""
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        added = 0
        row = self._record_row
        chunk: list[tuple[Any, ...]] = []
        for record in records:
            chunk.append(row(record))
            if len(chunk) >= chunk_size:
                added += self._add_chunk(chunk)
                chunk = []
        if chunk:
            added += self._add_chunk(chunk)
        return added

    def get_submission(self, submission_id: str) -> Submission | None:
        """The submission with this id, or ``None``."""
        with self._read() as conn:
            return self._select_submission(conn, "id", submission_id)

    def find_by_idempotency_key(
        self, consultation_id: str, key: str, submitter_email: str | None
    ) -> Receipt | None:
        """The receipt stored under ``submitter_email``'s ``key`` in ``consultation_id``."""
        with self._read() as conn:
            return self._receipt_for_key(conn, consultation_id, key, submitter_email)

    def find_by_tracking_number(self, tracking_number: str) -> Submission | None:
        """The submission with this tracking number, or ``None``."""
        with self._read() as conn:
            return self._select_submission(conn, "tracking_number", tracking_number)

    def list_submissions(
        self,
        consultation_id: str,
        *,
        call_id: str | None = None,
        status: SubmissionStatus | None = None,
        after: tuple[dt.datetime, str] | None = None,
        limit: int | None = None,
    ) -> Iterator[Submission]:
        """A consultation's submissions by received_at then id, streamed from one snapshot."""
        sql = f"SELECT {_COLUMNS} FROM submissions WHERE consultation_id = ?"
        params: list[Any] = [consultation_id]
        if call_id is not None:
            sql += " AND call_id = ?"
            params.append(call_id)
        if status is not None:
            sql += " AND status = ?"
            params.append(str(status))
        if after is not None:
            at = self.dialect.dump_instant(after[0])
            sql += " AND (received_at > ? OR (received_at = ? AND id > ?))"
            params += [at, at, after[1]]
        sql += " ORDER BY received_at, id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return map(self._submission, self._stream(self.dialect.sql(sql), params))

    def _records_sql(self) -> str:
        d = self.dialect
        text, as_text = d.json_text, d.json_as_text.format
        return (
            "SELECT id, tracking_number, consultation_id, call_id,"
            f" {text('submitter', 'group')}, language, status, received_at, updated_at,"
            f" title, body, {as_text('tags')}, {as_text('attachments')},"
            f" {text('submitter', 'name')}, {text('submitter', 'email')},"
            f" {text('submitter', 'organisation')}, {text('submitter', 'country')},"
            f" {as_text('consent')}, provenance, fingerprint, idempotency_key, erased_at,"
            f" verification, held, {as_text('fields')}"
            " FROM submissions WHERE consultation_id = ?"
        )

    def submission_records(
        self, consultation_id: str, *, status: SubmissionStatus | None = None
    ) -> SubmissionRecordStream[str]:
        """The listing's submissions flat, read column by column (no Submission built),
        their instants as the export's text (:meth:`Dialect.instant_text`)."""
        sql = self._records_sql()
        params: list[Any] = [consultation_id]
        if status is not None:
            sql += " AND status = ?"
            params.append(str(status))
        sql += " ORDER BY received_at, id"
        return SubmissionRecordStream.of_text(self._records(self.dialect.sql(sql), params))

    def _records(self, sql: str, params: Sequence[Any]) -> Iterator[SubmissionRecord[str]]:
        text_of = self.dialect.instant_text
        statuses, provenances, levels = _STATUSES, _PROVENANCES, _VERIFICATIONS
        lists: dict[str, tuple[str, ...]] = {}
        consents: dict[str, tuple[bool, bool, bool]] = {}
        # What SubmissionRecord._make does, without the Python call per row that it (or the
        # class's own __new__) costs: the tuple below has every field, in order.
        new = tuple.__new__
        for r in self._stream(sql, params):
            tags = lists.get(r[11])
            if tags is None:
                tags = _decoded(lists, r[11], _strings)
            attachments = lists.get(r[12])
            if attachments is None:
                attachments = _decoded(lists, r[12], _strings)
            flags = consents.get(r[17])
            if flags is None:
                flags = _decoded(consents, r[17], _consent)
            received = text_of(r[7])
            # Most submissions were never changed: their two instants are one value.
            updated = received if r[8] == r[7] else text_of(r[8])
            yield new(
                SubmissionRecord,
                (
                    *r[:6],
                    statuses[r[6]],
                    received,
                    updated,
                    *r[9:11],
                    tags,
                    attachments,
                    *r[13:17],
                    *flags,
                    provenances[r[18]],
                    r[19],
                    r[20],
                    None if r[21] is None else text_of(r[21]),
                    levels[r[22]],
                    r[23],
                    {} if r[24] == "{}" else json.loads(r[24]),
                ),
            )

    def history(self, submission_id: str) -> list[HistoryEntry]:
        """A submission's history, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                self.dialect.sql(
                    "SELECT submission_id, at, actor_role, actor_id, from_status, to_status,"
                    " reason FROM history WHERE submission_id = ? ORDER BY seq"
                ),
                (submission_id,),
            ).fetchall()
        return [
            HistoryEntry(
                submission_id=r[0],
                at=self.dialect.load_instant(r[1]),
                actor=Actor(role=ActorRole(r[2]), id=r[3]),
                from_status=None if r[4] is None else SubmissionStatus(r[4]),
                to_status=SubmissionStatus(r[5]),
                reason=r[6],
            )
            for r in rows
        ]

    def change_status(
        self,
        submission_id: str,
        expected: SubmissionStatus,
        entry: HistoryEntry,
        events: Sequence[OutboxEvent],
    ) -> Submission:
        """Compare-and-set the status; record ``entry`` and ``events`` in the same transaction."""
        if entry.submission_id != submission_id:
            raise ValueError("the history entry is for another submission")
        d = self.dialect
        event_rows = [self._event_row(e) for e in events]
        with self._write() as conn:
            # An organiser's decision releases a hold: they have looked at the submission.
            release = ", held = NULL" if entry.actor.role is ActorRole.ORGANISER else ""
            changed = conn.execute(
                d.sql(
                    f"UPDATE submissions SET status = ?, updated_at = ?{release}"
                    " WHERE id = ? AND status = ?"
                ),
                (str(entry.to_status), d.dump_instant(entry.at), submission_id, str(expected)),
            ).rowcount
            if not changed:
                found = conn.execute(
                    d.sql("SELECT status FROM submissions WHERE id = ?"), (submission_id,)
                ).fetchone()
                if found is None:
                    raise UnknownItemError(f"no submission {submission_id!r} in {self.url}")
                raise StoreConflictError(
                    f"submission {submission_id} is {found[0]}, not {expected} as expected: "
                    "someone changed it meanwhile; reload it and decide again"
                )
            self._insert_history(conn, entry)
            self._insert_events(conn, event_rows)
            stored = self._select_submission(conn, "id", submission_id)
        assert stored is not None
        return stored

    def edit_submission(
        self, previous: Submission, updated: Submission, events: Sequence[OutboxEvent]
    ) -> int:
        """Replace ``previous`` with ``updated``, keeping ``previous`` as an earlier version.

        Compare-and-set on the status and the last change of ``previous``: a submission
        changed meanwhile raises :class:`StoreConflictError`. Returns the new version's
        number; the kept version, the new content and ``events`` are one transaction.
        """
        if previous.id != updated.id:
            raise ValueError("an edit replaces a submission with a version of itself")
        d = self.dialect
        event_rows = [self._event_row(e) for e in events]
        with self._write() as conn:
            self._serialise(conn, "submission", previous.id)
            kept = conn.execute(
                d.sql("SELECT count(*) FROM submission_versions WHERE submission_id = ?"),
                (previous.id,),
            ).fetchone()[0]
            changed = conn.execute(
                d.sql(
                    "UPDATE submissions SET title = ?, body = ?, language = ?,"
                    f" tags = {d.json}, attachments = {d.json}, consent = {d.json},"
                    f" fields = {d.json}, fingerprint = ?, updated_at = ?"
                    " WHERE id = ? AND status = ? AND updated_at = ? AND erased_at IS NULL"
                ),
                (
                    updated.title,
                    updated.body,
                    updated.language,
                    d.dump_json(list(updated.tags)),
                    d.dump_json(list(updated.attachments)),
                    d.dump_json(attrs.asdict(updated.consent)),
                    d.dump_json(dict(updated.fields)),
                    updated.fingerprint,
                    d.dump_instant(updated.updated_at),
                    previous.id,
                    str(previous.status),
                    d.dump_instant(previous.updated_at),
                ),
            ).rowcount
            if not changed:
                if self._select_submission(conn, "id", previous.id) is None:
                    raise UnknownItemError(f"no submission {previous.id!r} in {self.url}")
                raise StoreConflictError(
                    f"submission {previous.tracking_number} changed meanwhile: reload it and"
                    " edit again"
                )
            version = version_of(previous, version=int(kept) + 1, replaced_at=updated.updated_at)
            conn.execute(
                d.sql(
                    "INSERT INTO submission_versions (submission_id, version, replaced_at,"
                    f" content) VALUES (?, ?, ?, {d.json})"
                ),
                (
                    version.submission_id,
                    version.version,
                    d.dump_instant(version.replaced_at),
                    d.dump_json(_version_content(version)),
                ),
            )
            self._insert_events(conn, event_rows)
        return version.version + 1

    def versions(self, submission_id: str) -> list[SubmissionVersion]:
        """The earlier versions of a submission, oldest first (empty if never edited)."""
        d = self.dialect
        with self._read() as conn:
            rows = conn.execute(
                d.sql(
                    "SELECT version, replaced_at, content FROM submission_versions"
                    " WHERE submission_id = ? ORDER BY version"
                ),
                (submission_id,),
            ).fetchall()
        return [
            SubmissionVersion(
                submission_id=submission_id,
                version=int(row[0]),
                replaced_at=d.load_instant(row[1]),
                **_content_of(d.load_json(row[2])),
            )
            for row in rows
        ]

    def set_verification(
        self, submission_id: str, level: Verification, at: dt.datetime
    ) -> Submission:
        """Record how far a submission's sender was verified; returns the new value."""
        d = self.dialect
        with self._write() as conn:
            changed = conn.execute(
                d.sql("UPDATE submissions SET verification = ?, updated_at = ? WHERE id = ?"),
                (str(level), d.dump_instant(at), submission_id),
            ).rowcount
            if not changed:
                raise UnknownItemError(f"no submission {submission_id!r} in {self.url}")
            stored = self._select_submission(conn, "id", submission_id)
        assert stored is not None
        return stored

    def erase_submitter(
        self,
        consultation_id: str,
        email: str,
        *,
        keep_text: bool,
        reason: str,
        at: dt.datetime,
    ) -> int:
        """Erase one submitter's identity everywhere in a consultation; keep a tombstone."""
        address = email.strip().lower()
        if not address:
            raise ValueError("an e-mail address is needed to find the submitter")
        # The events kept for the next claim may hold the person: a claim would rebuild
        # them from the scrubbed rows anyway, but nothing erased should stay in memory.
        self._recent_events = MappingProxyType({})
        d = self.dialect
        when = d.dump_instant(at)
        with self._write() as conn:
            rows = conn.execute(
                d.sql(
                    "SELECT id, submitter FROM submissions WHERE consultation_id = ?"
                    f" AND submitter_email = ? ORDER BY seq{d.lock_rows}"
                ),
                (consultation_id, address),
            ).fetchall()
            ids = [r[0] for r in rows]
            if not ids:
                return 0
            # The name and the organisation: both identify the person (a short name such as
            # "Wu" included), in payloads and in the reasons of their history.
            names = {
                str(who.get(field) or "").strip().lower()
                for r in rows
                for who in [d.load_json(r[1]) or {}]
                for field in ("name", "organisation")
            } - {""}
            in_ids, id_params = d.in_ids("id", ids)
            text_update = (
                "" if keep_text else f", title = '', body = NULL, attachments = {d.empty_json_list}"
            )
            # A call's fields may name people (speakers, organisers) and say where they
            # work: erasure empties them whether or not the text is kept.
            text_update += f", fields = {d.empty_json_object}"
            conn.execute(
                d.sql(
                    # The key's hash goes too: a key is the submitter's, and an erased
                    # submitter's key must not answer with the erased tracking number.
                    "UPDATE submissions SET submitter = NULL, submitter_email = NULL,"
                    " idempotency_key = NULL, idempotency_hash = NULL,"
                    # Quota keys are hashes of the address and organisation: they go too.
                    " quota_email = NULL, quota_organisation = NULL,"
                    f" erased_at = ?{text_update} WHERE {in_ids}"
                ),
                (when, *id_params),
            )
            in_ids, id_params = d.in_ids("submission_id", ids)
            # Earlier versions hold texts and field values (people) of the person: gone too.
            conn.execute(d.sql(f"DELETE FROM submission_versions WHERE {in_ids}"), id_params)
            # A reviewer's comment is free text about the submission that may quote or name
            # its submitter: it goes, whatever keep_text says. The scores stay: they are the
            # reviewer's judgement, not the submitter's data, and keep a ranking explainable.
            conn.execute(
                d.sql(f"UPDATE reviews SET comment = NULL WHERE {in_ids}"),
                id_params,
            )
            conn.execute(
                d.sql(f"UPDATE history SET actor_id = ? WHERE {in_ids} AND lower(actor_id) = ?"),
                (ERASED, *id_params, address),
            )
            reasons = conn.execute(
                d.sql(
                    f"SELECT seq, reason FROM history WHERE {in_ids} AND reason IS NOT NULL"
                    f" ORDER BY seq{d.lock_rows}"
                ),
                id_params,
            ).fetchall()
            executemany(
                conn,
                d.sql("UPDATE history SET reason = ? WHERE seq = ?"),
                [
                    (ERASED, seq)
                    for seq, reason in reasons
                    if scrub_reason(reason, address=address, names=names) != reason
                ],
            )
            events = conn.execute(
                d.sql(
                    "SELECT seq, payload, submission_id FROM outbox_events"
                    f" WHERE consultation_id = ? AND ({in_ids}"
                    f" OR {d.position}(lower(CAST(payload AS TEXT)), ?) > 0)"
                    f" ORDER BY seq{d.lock_rows}"
                ),
                (consultation_id, *id_params, address),
            ).fetchall()
            id_set = set(ids)
            updates = [
                (
                    d.dump_json(
                        scrub_payload(
                            d.load_json(payload),
                            address=address,
                            names=names,
                            linked=submission_id in id_set,
                            keep_text=keep_text,
                        )
                    ),
                    seq,
                )
                for seq, payload, submission_id in events
            ]
            executemany(
                conn, d.sql(f"UPDATE outbox_events SET payload = {d.json} WHERE seq = ?"), updates
            )
            # Unsent deliveries to the erased address are dead: there is nobody left to send
            # to. The recipient is replaced by a per-row marker so UNIQUE still holds.
            conn.execute(
                d.sql(
                    "UPDATE deliveries SET recipient = CAST(? AS TEXT) || id,"
                    " status = CASE WHEN status IN ('pending', 'claimed') THEN 'dead'"
                    " ELSE status END,"
                    " last_error = CASE WHEN status IN ('pending', 'claimed')"
                    "   OR last_error IS NOT NULL THEN CAST(? AS TEXT) END,"
                    " last_error_words = CASE WHEN status IN ('pending', 'claimed')"
                    "   OR last_error IS NOT NULL THEN CAST(? AS TEXT) END,"
                    " claimed_by = NULL, lease_until = NULL"
                    " WHERE lower(recipient) = ? AND event_id IN"
                    " (SELECT id FROM outbox_events WHERE consultation_id = ?)"
                ),
                (
                    f"{ERASED}:",
                    *_stored_error(RECIPIENT_ERASED),
                    address,
                    consultation_id,
                ),
            )
            conn.execute(
                d.sql("DELETE FROM subscriptions WHERE consultation_id = ? AND lower(address) = ?"),
                (consultation_id, address),
            )
            conn.execute(
                d.sql(
                    "INSERT INTO tombstones (id, consultation_id, erased_at, reason,"
                    f" submission_ids, kept_text) VALUES (?, ?, ?, ?, {d.id_list}, ?)"
                ),
                (str(uuid.uuid4()), consultation_id, when, reason, d.dump_ids(ids), keep_text),
            )
        return len(ids)

    def tombstones(self, consultation_id: str) -> list[Tombstone]:
        """The erasures recorded for a consultation, oldest first (beyond the protocol)."""
        d = self.dialect
        with self._read() as conn:
            rows = conn.execute(
                d.sql(
                    "SELECT id, consultation_id, erased_at, reason, submission_ids, kept_text"
                    " FROM tombstones WHERE consultation_id = ? ORDER BY seq"
                ),
                (consultation_id,),
            ).fetchall()
        return [
            Tombstone(
                id=r[0],
                consultation_id=r[1],
                erased_at=d.load_instant(r[2]),
                reason=r[3],
                submission_ids=d.load_ids(r[4]),
                kept_text=bool(r[5]),
            )
            for r in rows
        ]

    def count_submissions(
        self, consultation_id: str
    ) -> list[tuple[str, str | None, str, str, str, bool, int]]:
        """How many submissions share each (call, group, language, status, verification,
        held): one GROUP BY."""
        group = self.dialect.json_text("submitter", "group")
        with self._read() as conn:
            rows = conn.execute(
                self.dialect.sql(
                    f"SELECT call_id, {group}, language, status, verification,"
                    " held IS NOT NULL, count(*) FROM submissions WHERE consultation_id = ?"
                    " GROUP BY call_id, 2, language, status, verification, 6"
                ),
                (consultation_id,),
            ).fetchall()
        return [(r[0], r[1], r[2], r[3], r[4], bool(r[5]), int(r[6])) for r in rows]

    _CAMPAIGN_COUNTS: ClassVar[str] = (
        # The first copy's title by window function; a backend may say it more cheaply.
        "SELECT fingerprint, n, title FROM (SELECT fingerprint, title,"
        " count(*) OVER (PARTITION BY fingerprint) AS n, row_number() OVER"
        " (PARTITION BY fingerprint ORDER BY received_at, id) AS r"
        " FROM submissions WHERE consultation_id = ?) AS copies"
        " WHERE n > 1 AND r = 1 ORDER BY n DESC, fingerprint"
    )

    def campaign_counts(self, consultation_id: str) -> list[tuple[str, int, str]]:
        """Fingerprints shared by two or more submissions, with the first one's title."""
        with self._read() as conn:
            rows = conn.execute(
                self.dialect.sql(self._CAMPAIGN_COUNTS), (consultation_id,)
            ).fetchall()
        return [(r[0], int(r[1]), r[2]) for r in rows]

    def campaign_texts(self, consultation_id: str) -> Iterator[tuple[str, int, str]]:
        """Each distinct text once, most copied first (then by fingerprint), streamed."""
        # The first stored copy (seq, the primary key), read after the GROUP BY: joining on
        # the smallest id went through the id index for each text (issue 14, half this
        # query's time at a million submissions).
        sql = (
            "SELECT f.fingerprint, f.n, (SELECT s.body FROM submissions s WHERE s.seq = f.first)"
            " FROM (SELECT fingerprint, count(*) AS n, min(seq) AS first FROM submissions"
            " WHERE consultation_id = ? AND body IS NOT NULL GROUP BY fingerprint) AS f"
            " ORDER BY f.n DESC, f.fingerprint"
        )
        for fp, n, body in self._stream(self.dialect.sql(sql), (consultation_id,)):
            yield fp, int(n), body

    def submission_fingerprints(self, consultation_id: str) -> Iterator[tuple[str, str]]:
        """``(id, fingerprint)`` of each submission with a body, in listing order, streamed."""
        sql = (
            "SELECT id, fingerprint FROM submissions WHERE consultation_id = ?"
            " AND body IS NOT NULL ORDER BY received_at, id"
        )
        for row in self._stream(self.dialect.sql(sql), (consultation_id,)):
            yield row[0], row[1]  # a plain pair, whatever row type the driver gives

    # -- outbox

    def enqueue_events(self, events: Sequence[OutboxEvent]) -> int:
        """Store events; those whose dedupe key (or id) is stored already are skipped."""
        rows = [self._event_row(e) for e in events]
        with self._write() as conn:
            return self._insert_events(conn, rows)

    def unrouted_events(self, limit: int) -> list[OutboxEvent]:
        """Events not routed yet, oldest first (none when ``limit`` is below 1)."""
        with self._read() as conn:
            rows = conn.execute(
                self.dialect.sql(
                    f"SELECT {_EVENT_COLUMNS} FROM outbox_events e WHERE routed_at IS NULL"
                    " ORDER BY occurred_at, seq LIMIT ?"
                ),
                (max(limit, 0),),
            ).fetchall()
        events = [self._event(r) for r in rows]
        # The dispatcher claims these events' deliveries next (``Dispatcher.drain``): kept
        # with the rows they were built from, so the claim hands over the event whose row
        # it reads unchanged instead of parsing it again (issue 14). A changed row (an
        # erasure scrubbed the payload meanwhile) is built afresh. Only the last batch is
        # kept, so memory stays flat whatever the backlog.
        self._recent_events = {e.id: (tuple(r), e) for r, e in zip(rows, events, strict=True)}
        return events

    def route_events(
        self, routes: Sequence[tuple[str, Sequence[DeliveryTarget]]], now: dt.datetime
    ) -> int:
        """Route many events in one transaction: a pending delivery per (channel, recipient)."""
        d = self.dialect
        when = d.dump_instant(now)
        event_ids = list(dict.fromkeys(event_id for event_id, _ in routes))
        if not event_ids:
            return 0
        rows = [
            (str(uuid.uuid4()), event_id, t.channel, t.recipient, t.language, when)
            for event_id, many in routes
            for t in many
        ]
        if d.orders_locks:
            event_ids.sort()
            rows.sort(key=operator.itemgetter(slice(1, 5)))
        with self._write() as conn:
            # Mark first: the events were just read to be routed, so when every one is
            # marked they all exist and none is read again (issue 14). Only when some were
            # not marked (routed already, or unknown) are they looked up, to refuse unknowns.
            marked = executemany(
                conn,
                d.sql("UPDATE outbox_events SET routed_at = ? WHERE id = ? AND routed_at IS NULL"),
                [(when, event_id) for event_id in event_ids],
            )
            if marked < len(event_ids):
                known: set[str] = set()
                for i in range(0, len(event_ids), d.max_ids):
                    in_ids, params = d.in_ids("id", event_ids[i : i + d.max_ids])
                    known.update(
                        r[0]
                        for r in conn.execute(
                            d.sql(f"SELECT id FROM outbox_events WHERE {in_ids}"), params
                        ).fetchall()
                    )
                missing = [event_id for event_id in event_ids if event_id not in known]
                if missing:
                    raise UnknownItemError(f"no outbox event {missing[0]!r} in {self.url}")
            created = executemany(
                conn,
                d.sql(
                    f"{d.insert_ignore} deliveries (id, event_id, channel, recipient, language,"
                    f" status, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?)"
                    f"{d.ignore_conflicts}"
                ),
                rows,
            )
        return created

    def claim_deliveries(
        self, worker: str, limit: int, now: dt.datetime, lease: dt.timedelta
    ) -> list[Delivery]:
        """Claim due deliveries (pending and due, or with an expired lease) for ``worker``.

        With the dialect's :attr:`~Dialect.claim_rows` (``FOR UPDATE SKIP LOCKED``), rows
        another claimer is taking are skipped; elsewhere the write lock serialises claimers.
        """
        if limit < 1:
            return []
        d = self.dialect
        when = d.dump_instant(now)
        until = d.dump_instant(now + lease)
        with self._write() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    d.sql(
                        "SELECT id FROM deliveries WHERE status = 'pending'"
                        " AND next_attempt_at <= ? ORDER BY next_attempt_at, seq LIMIT ?"
                        f"{d.claim_rows}"
                    ),
                    (when, limit),
                ).fetchall()
            ]
            if len(ids) < limit:
                ids += [
                    r[0]
                    for r in conn.execute(
                        d.sql(
                            "SELECT id FROM deliveries WHERE status = 'claimed'"
                            " AND lease_until <= ? ORDER BY lease_until, seq LIMIT ?"
                            f"{d.claim_rows}"
                        ),
                        (when, limit - len(ids)),
                    ).fetchall()
                ]
            if not ids:
                return []
            in_ids, params = d.in_ids("id", ids)
            conn.execute(
                d.sql(
                    "UPDATE deliveries SET status = 'claimed', claimed_by = ?, lease_until = ?,"
                    f" attempts = attempts + 1 WHERE {in_ids}"
                ),
                (worker, until, *params),
            )
            in_ids, params = d.in_ids("d.id", ids)
            rows = conn.execute(
                d.sql(f"{_DELIVERY_SELECT} WHERE {in_ids} ORDER BY d.next_attempt_at, d.seq"),
                params,
            ).fetchall()
        recent = self._recent_events
        claimed: list[Delivery] = []
        # One claim gives its deliveries one lease and they were routed together, so their
        # instants and status repeat: converted once per batch, not once per row (issue 14).
        lease_until = d.load_instant(until)  # as a read of the column just written gives it
        status = DeliveryStatus.CLAIMED
        for r in rows:
            row = tuple(r[10:17])
            seen = recent.get(row[0])
            claimed.append(
                stored_delivery(
                    r[0],
                    seen[1] if seen is not None and seen[0] == row else self._event(row),
                    r[1],
                    r[2],
                    r[3],
                    status,
                    int(r[5]),
                    d.load_instant(r[6]),
                    r[7],
                    # A first claim has no error: no call for it (issue 14).
                    None if r[17] is None else text_from_json(r[17]),
                    worker,
                    lease_until,
                )
            )
        return claimed

    def complete_deliveries(
        self, delivery_ids: Sequence[str], worker: str, now: dt.datetime
    ) -> int:
        """Mark done, in one transaction, the deliveries ``worker`` still holds; how many."""
        if not delivery_ids:
            return 0
        d = self.dialect
        when = d.dump_instant(now)
        with self._write() as conn:
            return executemany(
                conn,
                d.sql(
                    "UPDATE deliveries SET status = 'done', claimed_by = NULL, lease_until = NULL,"
                    " last_error = NULL, last_error_words = NULL, next_attempt_at = ?"
                    " WHERE id = ? AND status = 'claimed' AND claimed_by = ?"
                ),
                [(when, delivery_id, worker) for delivery_id in delivery_ids],
            )

    def fail_deliveries(
        self, failures: Sequence[DeliveryFailure], worker: str, now: dt.datetime
    ) -> frozenset[str]:
        """Record failures in one transaction: pending again at ``retry_at``, or dead."""
        if not failures:
            return frozenset()
        d = self.dialect
        sql = d.sql(
            "UPDATE deliveries SET status = ?, last_error = ?, last_error_words = ?,"
            " next_attempt_at = ?,"
            " claimed_by = NULL, lease_until = NULL, attempts = attempts - ?"
            " WHERE id = ? AND status = 'claimed' AND claimed_by = ?"
        )
        recorded: set[str] = set()
        with self._write() as conn:
            # One statement per row (not executemany) to learn which claims were still held;
            # the cost is in the commit, which stays one. A second failure of one id finds
            # it released.
            for f in failures:
                status = DeliveryStatus.DEAD if f.retry_at is None else DeliveryStatus.PENDING
                at = d.dump_instant(f.retry_at or now)
                # An attempt not made is given back (claiming counted it).
                given_back = 0 if f.attempted else 1
                error, words = _stored_error(f.error)
                params = (str(status), error, words, at, given_back, f.delivery_id, worker)
                if conn.execute(sql, params).rowcount:
                    recorded.add(f.delivery_id)
        return frozenset(recorded)

    def delivery_counts(self) -> Mapping[DeliveryStatus, int]:
        """How many deliveries are in each status."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT status, count(*) FROM deliveries GROUP BY status"
            ).fetchall()
        counts = dict.fromkeys(DeliveryStatus, 0)
        for status, n in rows:
            counts[DeliveryStatus(status)] = int(n)
        return counts

    def list_deliveries(self, status: DeliveryStatus, limit: int) -> list[Delivery]:
        """Deliveries in ``status``, by next attempt then creation (none if ``limit`` < 1)."""
        with self._read() as conn:
            rows = conn.execute(
                self.dialect.sql(
                    f"{_DELIVERY_SELECT} WHERE d.status = ?"
                    " ORDER BY d.next_attempt_at, d.seq LIMIT ?"
                ),
                (str(status), max(limit, 0)),
            ).fetchall()
        return [self._delivery(r) for r in rows]

    def retry_dead(self, delivery_ids: Sequence[str] | None, now: dt.datetime) -> int:
        """Make dead deliveries pending again, due ``now``, with a fresh attempt count.

        Deliveries whose recipient was erased stay dead: there is nobody to send to.
        """
        d = self.dialect
        sql = (
            "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?,"
            " claimed_by = NULL, lease_until = NULL WHERE status = 'dead'"
            " AND recipient NOT LIKE ?"
        )
        params: list[Any] = [d.dump_instant(now), f"{ERASED}:%"]
        if delivery_ids is not None:
            if not delivery_ids:
                return 0
            in_ids, id_params = d.in_ids("id", delivery_ids)
            sql += f" AND {in_ids}"
            params.extend(id_params)
        with self._write() as conn:
            return max(conn.execute(d.sql(sql), params).rowcount, 0)

    # -- organisers' API tokens

    def _token(self, row: Sequence[Any]) -> ApiToken:
        d = self.dialect
        return ApiToken(
            name=row[0],
            consultation_id=row[1],
            token_hash=row[2],
            created_at=d.load_instant(row[3]),
            revoked_at=d.load_instant_or_none(row[4]),
        )

    def add_token(self, token: ApiToken) -> bool:
        """Store a token; ``False`` if its consultation has one of that name already."""
        d = self.dialect
        with self._write() as conn:
            return bool(
                conn.execute(
                    d.sql(
                        f"{d.insert_ignore} api_tokens (name, consultation_id, token_hash,"
                        f" created_at, revoked_at) VALUES (?, ?, ?, ?, ?){d.ignore_conflicts}"
                    ),
                    (
                        token.name,
                        token.consultation_id,
                        token.token_hash,
                        d.dump_instant(token.created_at),
                        d.dump_instant_or_none(token.revoked_at),
                    ),
                ).rowcount
            )

    def find_token(self, token_hash: str) -> ApiToken | None:
        """The token with this hash, or ``None``."""
        with self._read() as conn:
            row = conn.execute(
                self.dialect.sql(f"SELECT {_TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = ?"),
                (token_hash,),
            ).fetchone()
        return None if row is None else self._token(row)

    def list_tokens(self, consultation_id: str) -> list[ApiToken]:
        """A consultation's tokens, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                self.dialect.sql(
                    f"SELECT {_TOKEN_COLUMNS} FROM api_tokens WHERE consultation_id = ?"
                    " ORDER BY created_at, name"
                ),
                (consultation_id,),
            ).fetchall()
        return [self._token(row) for row in rows]

    def revoke_token(self, consultation_id: str, name: str, at: dt.datetime) -> bool:
        """Revoke a token; ``False`` if there is none or it was revoked already."""
        d = self.dialect
        with self._write() as conn:
            return bool(
                conn.execute(
                    d.sql(
                        "UPDATE api_tokens SET revoked_at = ? WHERE consultation_id = ?"
                        " AND name = ? AND revoked_at IS NULL"
                    ),
                    (d.dump_instant(at), consultation_id, name),
                ).rowcount
            )

    # -- subscriptions

    def add_subscription(self, subscription: Subscription) -> bool:
        """Store a subscription; ``False`` if it existed (group and language are updated)."""
        s = subscription
        d = self.dialect
        with self._write() as conn:
            created = conn.execute(
                d.sql(
                    f"{d.insert_ignore} subscriptions (consultation_id, channel, address, grp,"
                    f" language, created_at) VALUES (?, ?, ?, ?, ?, ?){d.ignore_conflicts}"
                ),
                (
                    s.consultation_id,
                    s.channel,
                    s.address,
                    s.group,
                    s.language,
                    d.dump_instant(s.created_at),
                ),
            ).rowcount
            if not created:
                conn.execute(
                    d.sql(
                        "UPDATE subscriptions SET grp = ?, language = ?"
                        " WHERE consultation_id = ? AND channel = ? AND address = ?"
                    ),
                    (s.group, s.language, s.consultation_id, s.channel, s.address),
                )
        return bool(created)

    def remove_subscription(self, consultation_id: str, channel: str, address: str) -> bool:
        """Remove a subscription; ``False`` if there was none."""
        with self._write() as conn:
            changed = conn.execute(
                self.dialect.sql(
                    "DELETE FROM subscriptions WHERE consultation_id = ? AND channel = ?"
                    " AND address = ?"
                ),
                (consultation_id, channel, address),
            ).rowcount
        return changed == 1

    def list_subscriptions(
        self, consultation_id: str, group: str | None = None
    ) -> list[Subscription]:
        """A consultation's subscriptions; with ``group``, that group's and group-less ones."""
        d = self.dialect
        sql = (
            "SELECT consultation_id, channel, address, grp, language, created_at"
            " FROM subscriptions WHERE consultation_id = ?"
        )
        params: list[Any] = [consultation_id]
        if group is not None:
            sql += " AND (grp = ? OR grp IS NULL)"
            params.append(group)
        with self._read() as conn:
            rows = conn.execute(
                d.sql(sql + " ORDER BY created_at, channel, address"), params
            ).fetchall()
        return [
            Subscription(
                consultation_id=r[0],
                channel=r[1],
                address=r[2],
                group=r[3],
                language=r[4],
                created_at=d.load_instant(r[5]),
            )
            for r in rows
        ]

    # -- review

    def add_review_assignments(self, assignments: Sequence[ReviewAssignment]) -> int:
        """Store assignments, skipping pairs already stored; returns how many were new."""
        d = self.dialect
        rows = [
            (
                a.consultation_id,
                a.round,
                a.submission_id,
                a.reviewer_id,
                d.dump_instant(a.assigned_at),
            )
            for a in assignments
        ]
        with self._write() as conn:
            added = 0
            for row in rows:
                added += max(
                    conn.execute(
                        d.sql(
                            f"{d.insert_ignore} review_assignments ({_ASSIGNMENT_COLUMNS})"
                            f" VALUES (?, ?, ?, ?, ?){d.ignore_conflicts}"
                        ),
                        row,
                    ).rowcount,
                    0,
                )
        return added

    def review_assignments(
        self, consultation_id: str, round: str, reviewer_id: str | None = None
    ) -> list[ReviewAssignment]:
        """A round's assignments (only ``reviewer_id``'s if given), by submission, reviewer."""
        from consultkit.domain.review.scores import ReviewAssignment

        d = self.dialect
        sql = (
            f"SELECT {_ASSIGNMENT_COLUMNS} FROM review_assignments"
            " WHERE consultation_id = ? AND round = ?"
        )
        params: list[Any] = [consultation_id, round]
        if reviewer_id is not None:
            sql += " AND reviewer_id = ?"
            params.append(reviewer_id)
        with self._read() as conn:
            rows = conn.execute(
                d.sql(sql + " ORDER BY submission_id, reviewer_id"), params
            ).fetchall()
        return [
            ReviewAssignment(
                consultation_id=r[0],
                round=r[1],
                submission_id=r[2],
                reviewer_id=r[3],
                assigned_at=d.load_instant(r[4]),
            )
            for r in rows
        ]

    def save_review(self, review: Review) -> None:
        """Store a review, replacing the reviewer's earlier one for that submission and round."""
        d = self.dialect
        r = review
        with self._write() as conn:
            conn.execute(
                d.sql(
                    f"INSERT INTO reviews ({_REVIEW_COLUMNS})"
                    f" VALUES (?, ?, ?, ?, ?, {d.json}, ?, ?, ?, ?)"
                    " ON CONFLICT (consultation_id, round, submission_id, reviewer_id)"
                    " DO UPDATE SET at = excluded.at, scores = excluded.scores,"
                    " passed = excluded.passed, abstained = excluded.abstained,"
                    " confidence = excluded.confidence, comment = excluded.comment"
                ),
                (
                    r.consultation_id,
                    r.round,
                    r.submission_id,
                    r.reviewer_id,
                    d.dump_instant(r.at),
                    d.dump_json(dict(r.scores)),
                    None if r.passed is None else int(r.passed),
                    int(r.abstained),
                    r.confidence,
                    r.comment,
                ),
            )

    def reviews(self, consultation_id: str, round: str) -> list[Review]:
        """A round's reviews, by submission, then reviewer."""
        from consultkit.domain.review.scores import Review

        d = self.dialect
        with self._read() as conn:
            rows = conn.execute(
                d.sql(
                    f"SELECT {_REVIEW_COLUMNS} FROM reviews WHERE consultation_id = ?"
                    " AND round = ? ORDER BY submission_id, reviewer_id"
                ),
                (consultation_id, round),
            ).fetchall()
        return [
            Review(
                consultation_id=r[0],
                round=r[1],
                submission_id=r[2],
                reviewer_id=r[3],
                at=d.load_instant(r[4]),
                scores=d.load_json(r[5]),
                passed=None if r[6] is None else bool(r[6]),
                abstained=bool(r[7]),
                confidence=r[8],
                comment=r[9],
            )
            for r in rows
        ]

    # -- schedule

    def save_schedule_revision(
        self,
        consultation_id: str,
        snapshot: Mapping[str, Any],
        events: Sequence[OutboxEvent],
        *,
        at: dt.datetime | None = None,
    ) -> ScheduleRevision:
        """Store the next revision (numbered from 1) and its events together."""
        d = self.dialect
        published = utc_instant_for_storage(at or dt.datetime.now(dt.UTC))
        text = d.dump_json(dict(snapshot))
        event_rows = [self._event_row(e) for e in events]
        with self._write() as conn:
            # Two publishers of one consultation take numbers one after the other.
            self._serialise(conn, "schedule", consultation_id)
            number = int(
                conn.execute(
                    d.sql(
                        "SELECT coalesce(max(number), 0) FROM schedule_revisions"
                        " WHERE consultation_id = ?"
                    ),
                    (consultation_id,),
                ).fetchone()[0]
                + 1
            )
            conn.execute(
                d.sql(
                    f"INSERT INTO schedule_revisions ({_REVISION_COLUMNS})"
                    f" VALUES (?, ?, ?, {d.json})"
                ),
                (consultation_id, number, d.dump_instant(published), text),
            )
            self._insert_events(conn, event_rows)
        return ScheduleRevision(
            consultation_id=consultation_id,
            number=number,
            published_at=published,
            snapshot=json.loads(text),
        )

    def latest_schedule_revision(self, consultation_id: str) -> ScheduleRevision | None:
        """The newest revision, or ``None``."""
        with self._read() as conn:
            row = conn.execute(
                self.dialect.sql(
                    f"SELECT {_REVISION_COLUMNS} FROM schedule_revisions"
                    " WHERE consultation_id = ? ORDER BY number DESC LIMIT 1"
                ),
                (consultation_id,),
            ).fetchone()
        return None if row is None else self._revision(row)

    def schedule_revisions(self, consultation_id: str) -> list[ScheduleRevision]:
        """Every revision, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                self.dialect.sql(
                    f"SELECT {_REVISION_COLUMNS} FROM schedule_revisions"
                    " WHERE consultation_id = ? ORDER BY number"
                ),
                (consultation_id,),
            ).fetchall()
        return [self._revision(r) for r in rows]

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"


__all__ = [
    "BULK_IMPORT_ENTRY",
    "JSON_SUBMISSION_COLUMNS",
    "SUBMISSION_COLUMNS",
    "Closeable",
    "Connection",
    "Cursor",
    "Dialect",
    "SqlStore",
    "executemany",
    "utc_instant_for_storage",
]
