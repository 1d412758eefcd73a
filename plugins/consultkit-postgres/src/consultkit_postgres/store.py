"""The PostgreSQL store (``postgresql://``), on psycopg 3.

URL: a libpq URI, ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?PARAMS]``, plus one
parameter of our own, ``schema=NAME`` (default ``consultkit``): the PostgreSQL schema that
holds consultkit's tables, created on first open. Every other parameter goes to libpq
(``sslmode``, ``connect_timeout``, ``application_name``...).

How PostgreSQL is used, and why:

* **One transaction per method**, on a connection taken from a small pool; connections run
  in autocommit mode and each method opens its own ``BEGIN``/``COMMIT`` block, at READ
  COMMITTED, so a method's writes are stored together or not at all.
* **Claims with ``FOR UPDATE SKIP LOCKED``**: a dispatcher locks the due rows it picks and
  skips those another dispatcher is taking, so two never receive the same delivery and
  neither waits for the other.
* **Races settled by constraints**: idempotency keys (their sha256) are UNIQUE per
  consultation and inserted with ``ON CONFLICT DO NOTHING``, so two processes sending the
  same key store one submission and the loser replays the winner's receipt; routing and
  subscriptions use ``ON CONFLICT`` the same way.
* **Chunked bulk loads**: ``add_submissions`` COPYs each chunk into a temporary table and
  inserts it with one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``, committing per chunk.
* **A versioned schema**: ``consultkit_schema_version`` in the store's schema records the
  applied migrations (applied in one transaction under an advisory lock, so concurrent
  first opens are safe); a schema written by a newer plugin is refused.
* Instants are ``timestamptz`` and come back in UTC; payloads, snapshots and documents are
  ``jsonb``; identifiers use the ``"C"`` collation so orderings match Python's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import urllib.parse
import uuid
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from consultkit import StoreError, UnknownItemError
from consultkit.domain.submission_rules import receipt_for
from consultkit.domain.submissions import (
    Actor,
    ActorRole,
    Consent,
    HistoryEntry,
    Provenance,
    Receipt,
    Submission,
    SubmissionStatus,
    Submitter,
)
from consultkit.storage.erasure import ERASED, scrub_payload
from consultkit.storage.protocols import (
    DEFAULT_CHUNK_SIZE,
    Delivery,
    DeliveryFailure,
    DeliveryStatus,
    DeliveryTarget,
    OutboxEvent,
    ScheduleRevision,
    StoreConflictError,
    Subscription,
    Tombstone,
    idempotency_key_hash,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence

Connection = psycopg.Connection[TupleRow]

DEFAULT_SCHEMA = "consultkit"
DEFAULT_CONNECT_TIMEOUT = 10
MAX_IDLE_CONNECTIONS = 4
VERSION_TABLE = "consultkit_schema_version"


# Each migration is a tuple of statements applied in one transaction, in order, with the
# store's schema first on the search_path. Never edit a released migration: append one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE consultations (
            id text COLLATE "C" PRIMARY KEY,
            document jsonb NOT NULL
        )""",
        """CREATE TABLE submissions (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text COLLATE "C" NOT NULL UNIQUE,
            tracking_number text COLLATE "C" NOT NULL UNIQUE,
            consultation_id text COLLATE "C" NOT NULL,
            call_id text COLLATE "C" NOT NULL,
            submitter jsonb,
            submitter_email text,
            title text NOT NULL,
            body text,
            language text NOT NULL,
            tags jsonb NOT NULL,
            attachments jsonb NOT NULL,
            consent jsonb NOT NULL,
            provenance text NOT NULL,
            status text NOT NULL,
            received_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            fingerprint text COLLATE "C" NOT NULL,
            idempotency_key text,
            idempotency_hash text,
            receipt_status text NOT NULL,
            erased_at timestamptz,
            UNIQUE (consultation_id, idempotency_hash)
        )""",
        "CREATE INDEX submissions_order ON submissions (consultation_id, received_at, id)",
        "CREATE INDEX submissions_email ON submissions (consultation_id, submitter_email)",
        "CREATE INDEX submissions_fingerprint ON submissions (consultation_id, fingerprint)",
        """CREATE TABLE history (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            submission_id text COLLATE "C" NOT NULL,
            at timestamptz NOT NULL,
            actor_role text NOT NULL,
            actor_id text NOT NULL,
            from_status text,
            to_status text NOT NULL,
            reason text
        )""",
        "CREATE INDEX history_submission ON history (submission_id, seq)",
        """CREATE TABLE outbox_events (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text COLLATE "C" NOT NULL UNIQUE,
            kind text NOT NULL,
            consultation_id text COLLATE "C" NOT NULL,
            occurred_at timestamptz NOT NULL,
            payload jsonb NOT NULL,
            dedupe_key text UNIQUE,
            submission_id text COLLATE "C",
            routed_at timestamptz
        )""",
        "CREATE INDEX outbox_unrouted ON outbox_events (occurred_at, seq) WHERE routed_at IS NULL",
        "CREATE INDEX outbox_submission ON outbox_events (submission_id)",
        "CREATE INDEX outbox_consultation ON outbox_events (consultation_id)",
        """CREATE TABLE deliveries (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text COLLATE "C" NOT NULL UNIQUE,
            event_id text COLLATE "C" NOT NULL REFERENCES outbox_events (id),
            channel text NOT NULL,
            recipient text NOT NULL,
            language text NOT NULL,
            status text NOT NULL,
            attempts integer NOT NULL DEFAULT 0,
            next_attempt_at timestamptz NOT NULL,
            last_error text,
            claimed_by text,
            lease_until timestamptz,
            UNIQUE (event_id, channel, recipient)
        )""",
        "CREATE INDEX deliveries_due ON deliveries (next_attempt_at, seq) WHERE status = 'pending'",
        "CREATE INDEX deliveries_lease ON deliveries (lease_until, seq) WHERE status = 'claimed'",
        "CREATE INDEX deliveries_status ON deliveries (status, next_attempt_at, seq)",
        """CREATE TABLE subscriptions (
            consultation_id text COLLATE "C" NOT NULL,
            channel text COLLATE "C" NOT NULL,
            address text COLLATE "C" NOT NULL,
            grp text,
            language text NOT NULL,
            created_at timestamptz NOT NULL,
            PRIMARY KEY (consultation_id, channel, address)
        )""",
        """CREATE TABLE schedule_revisions (
            consultation_id text COLLATE "C" NOT NULL,
            number integer NOT NULL,
            published_at timestamptz NOT NULL,
            snapshot jsonb NOT NULL,
            PRIMARY KEY (consultation_id, number)
        )""",
        """CREATE TABLE tombstones (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text COLLATE "C" NOT NULL UNIQUE,
            consultation_id text COLLATE "C" NOT NULL,
            erased_at timestamptz NOT NULL,
            reason text NOT NULL,
            submission_ids text[] NOT NULL,
            kept_text boolean NOT NULL
        )""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


# -- conversions -------------------------------------------------------------------------


def _ts(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"instant {value!r} has no time zone")
    return value.astimezone(dt.UTC)


def _ts_or_none(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else _ts(value)


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def _utc_or_none(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.astimezone(dt.UTC)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _dumps(value: Any) -> str:
    """JSON text for a ``jsonb`` parameter (passed as text and cast with ``::jsonb``)."""
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=_json_default)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"cannot store {value!r:.80}: {exc}; use JSON values") from exc
    if "\\u0000" in text:
        raise StoreError(f"cannot store {value!r:.80}: PostgreSQL jsonb refuses NUL characters")
    return text


_SUBMISSION_NAMES = (
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
)
_JSONB_COLUMNS = frozenset({"submitter", "tags", "attachments", "consent"})
_SUBMISSION_COLUMNS = ", ".join(_SUBMISSION_NAMES)
_INSERT_SUBMISSION = (
    f"INSERT INTO submissions ({_SUBMISSION_COLUMNS}) VALUES ("
    + ", ".join("%s::jsonb" if n in _JSONB_COLUMNS else "%s" for n in _SUBMISSION_NAMES)
    + ")"
)
_SELECT_SUBMISSION = f"SELECT {_SUBMISSION_COLUMNS} FROM submissions"


def _submission_row(s: Submission) -> tuple[Any, ...]:
    who = s.submitter
    submitter = (
        None
        if who is None
        else _dumps(
            {
                "name": who.name,
                "email": who.email,
                "group": who.group,
                "organisation": who.organisation,
                "country": who.country,
            }
        )
    )
    consent = _dumps(
        {
            "publish_text": s.consent.publish_text,
            "publish_name": s.consent.publish_name,
            "publish_organisation": s.consent.publish_organisation,
        }
    )
    return (
        s.id,
        s.tracking_number,
        s.consultation_id,
        s.call_id,
        submitter,
        None if who is None else who.email.strip().lower(),
        s.title,
        s.body,
        s.language,
        _dumps(list(s.tags)),
        _dumps(list(s.attachments)),
        consent,
        str(s.provenance),
        str(s.status),
        _ts(s.received_at),
        _ts(s.updated_at),
        s.fingerprint,
        s.idempotency_key,
        idempotency_key_hash(s.idempotency_key),
        str(s.status),
        _ts_or_none(s.erased_at),
    )


def _submission(row: Sequence[Any]) -> Submission:
    submitter = None if row[4] is None else Submitter(**row[4])
    return Submission(
        id=row[0],
        tracking_number=row[1],
        consultation_id=row[2],
        call_id=row[3],
        submitter=submitter,
        title=row[6],
        body=row[7],
        language=row[8],
        tags=tuple(row[9]),
        attachments=tuple(row[10]),
        consent=Consent(**row[11]),
        provenance=Provenance(row[12]),
        status=SubmissionStatus(row[13]),
        received_at=_utc(row[14]),
        updated_at=_utc(row[15]),
        fingerprint=row[16],
        idempotency_key=row[17],
        erased_at=_utc_or_none(row[20]),
    )


def _history_row(entry: HistoryEntry) -> tuple[Any, ...]:
    return (
        entry.submission_id,
        _ts(entry.at),
        str(entry.actor.role),
        entry.actor.id,
        None if entry.from_status is None else str(entry.from_status),
        str(entry.to_status),
        entry.reason,
    )


_INSERT_HISTORY = (
    "INSERT INTO history (submission_id, at, actor_role, actor_id, from_status, to_status,"
    " reason) VALUES (%s, %s, %s, %s, %s, %s, %s)"
)
_INSERT_EVENT = (
    "INSERT INTO outbox_events (id, kind, consultation_id, occurred_at, payload,"
    " dedupe_key, submission_id) VALUES (%s, %s, %s, %s, %s::jsonb, %s, %s)"
    " ON CONFLICT DO NOTHING"
)
_EVENT_COLUMNS = (
    "e.id, e.kind, e.consultation_id, e.occurred_at, e.payload, e.dedupe_key, e.submission_id"
)
_DELIVERY_SELECT = (
    "SELECT d.id, d.channel, d.recipient, d.language, d.status, d.attempts, d.next_attempt_at,"
    f" d.last_error, d.claimed_by, d.lease_until, {_EVENT_COLUMNS}"
    " FROM deliveries d JOIN outbox_events e ON e.id = d.event_id"
)


def _event_row(event: OutboxEvent) -> tuple[Any, ...]:
    return (
        event.id,
        event.kind,
        event.consultation_id,
        _ts(event.occurred_at),
        _dumps(dict(event.payload)),
        event.dedupe_key,
        event.submission_id,
    )


def _event(row: Sequence[Any]) -> OutboxEvent:
    return OutboxEvent(
        id=row[0],
        kind=row[1],
        consultation_id=row[2],
        occurred_at=_utc(row[3]),
        payload=row[4],
        dedupe_key=row[5],
        submission_id=row[6],
    )


def _delivery(row: Sequence[Any]) -> Delivery:
    return Delivery(
        id=row[0],
        channel=row[1],
        recipient=row[2],
        language=row[3],
        status=DeliveryStatus(row[4]),
        attempts=int(row[5]),
        next_attempt_at=_utc(row[6]),
        last_error=row[7],
        claimed_by=row[8],
        lease_until=_utc_or_none(row[9]),
        event=_event(row[10:]),
    )


def _revision(row: Sequence[Any]) -> ScheduleRevision:
    return ScheduleRevision(
        consultation_id=row[0],
        number=int(row[1]),
        published_at=_utc(row[2]),
        snapshot=row[3],
    )


# -- URLs --------------------------------------------------------------------------------


def parse_url(url: str) -> tuple[str, str]:
    """Split a ``postgresql://`` URL into (libpq URI without ``schema``, schema name)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() != "postgresql":
        raise StoreError(
            f"not a PostgreSQL URL {redact(url)!r}: write "
            "postgresql://USER@HOST:PORT/DATABASE?schema=NAME"
        )
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    schemas = [value for key, value in query if key == "schema"]
    if len(schemas) > 1:
        raise StoreError(f"{redact(url)!r} names the schema twice; give one schema=NAME")
    schema = schemas[0] if schemas else DEFAULT_SCHEMA
    if not schema or len(schema.encode()) > 63 or "\x00" in schema:
        raise StoreError(
            f"bad schema name {schema!r} in {redact(url)!r}: give 1 to 63 bytes, e.g. "
            f"schema={DEFAULT_SCHEMA}"
        )
    rest = [(key, value) for key, value in query if key != "schema"]
    if not any(key == "connect_timeout" for key, _ in rest):
        rest.append(("connect_timeout", str(DEFAULT_CONNECT_TIMEOUT)))
    conninfo = urllib.parse.urlunsplit(
        ("postgresql", parts.netloc, parts.path, urllib.parse.urlencode(rest), "")
    )
    return conninfo, schema


def redact(url: str) -> str:
    """``url`` with its password (if any) replaced by ``***``."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


# -- the store ---------------------------------------------------------------------------


class PostgresStore:
    """A :class:`~consultkit.storage.Store` in one PostgreSQL schema (see the module docstring).

    ``url`` is the URL it was opened with, its password (if any) hidden.
    """

    url: str

    def __init__(self, url: str) -> None:
        self.url = redact(url)
        self._conninfo, self.schema = parse_url(url)
        self._lock = threading.Lock()
        self._closed = False
        self._idle: list[Connection] = []
        self._open: set[Connection] = set()
        self._migrate()

    # -- connections

    def _connect(self) -> Connection:
        try:
            conn = psycopg.connect(self._conninfo, autocommit=True)
        except psycopg.Error as exc:
            raise StoreError(
                f"cannot connect to {self.url}: {str(exc).strip()}; check that PostgreSQL "
                "runs there and that the user, password and database are right"
            ) from exc
        try:
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
            conn.execute("SET TIME ZONE 'UTC'")
        except BaseException:
            conn.close()
            raise
        return conn

    def _checkout(self) -> Connection:
        with self._lock:
            self._check_open()
            while self._idle:
                conn = self._idle.pop()
                if not conn.closed and not conn.broken:
                    return conn
                self._open.discard(conn)
        conn = self._connect()
        with self._lock:
            if self._closed:
                conn.close()
                self._check_open()
            self._open.add(conn)
        return conn

    def _checkin(self, conn: Connection) -> None:
        with self._lock:
            reusable = (
                not self._closed
                and not conn.closed
                and not conn.broken
                and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
                and len(self._idle) < MAX_IDLE_CONNECTIONS
            )
            if reusable:
                self._idle.append(conn)
                return
            self._open.discard(conn)
        conn.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[Connection]:
        """One transaction on a pooled connection: committed on success, else rolled back."""
        conn = self._checkout()
        try:
            with conn.transaction():
                yield conn
        except psycopg.Error as exc:
            raise StoreError(f"{self.url}: {str(exc).strip()}") from exc
        finally:
            self._checkin(conn)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"{self.url} is closed; open the store again")

    def close(self) -> None:
        """Close every connection; the store cannot be used afterwards."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            conns = list(self._open)
            self._open.clear()
            self._idle.clear()
        for conn in conns:
            conn.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

    # -- schema

    def _migrate(self) -> None:
        try:
            with self._tx() as conn:
                # Serialise concurrent first opens of the same schema.
                conn.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                    (f"consultkit-postgres:migrate:{self.schema}",),
                )
                exists = conn.execute(
                    "SELECT 1 FROM pg_namespace WHERE nspname = %s", (self.schema,)
                ).fetchone()
                if exists is None:
                    conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(self.schema)))
                conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version integer PRIMARY KEY,"
                    " applied_at timestamptz NOT NULL)"
                )
                row = conn.execute(
                    f"SELECT coalesce(max(version), 0) FROM {VERSION_TABLE}"
                ).fetchone()
                current = int(row[0]) if row else 0
                if current > SCHEMA_VERSION:
                    raise StoreError(
                        f"{self.url} schema {self.schema!r} has version {current}, newer than "
                        f"this consultkit-postgres understands ({SCHEMA_VERSION}); upgrade "
                        "consultkit-postgres to use it"
                    )
                for version in range(current + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS[version - 1]:
                        conn.execute(statement)
                    conn.execute(
                        f"INSERT INTO {VERSION_TABLE} VALUES (%s, now())",
                        (version,),
                    )
        except BaseException:
            self.close()
            raise

    def schema_version(self) -> int:
        """The schema version stored in the database."""
        with self._tx() as conn:
            row = conn.execute(f"SELECT max(version) FROM {VERSION_TABLE}").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    # -- consultations

    def put_consultation(self, consultation_id: str, document: Mapping[str, Any]) -> None:
        """Store (or replace) a consultation's JSON document."""
        text = _dumps(dict(document))
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO consultations (id, document) VALUES (%s, %s::jsonb)"
                " ON CONFLICT (id) DO UPDATE SET document = excluded.document",
                (consultation_id, text),
            )

    def get_consultation(self, consultation_id: str) -> Mapping[str, Any] | None:
        """A consultation's stored document, or ``None``."""
        with self._tx() as conn:
            row = conn.execute(
                "SELECT document FROM consultations WHERE id = %s", (consultation_id,)
            ).fetchone()
        return None if row is None else dict(row[0])

    # -- submissions

    def add_submission(
        self, submission: Submission, entry: HistoryEntry, events: Sequence[OutboxEvent]
    ) -> tuple[Receipt, bool]:
        """Store a submission with its history entry and events, or replay its receipt."""
        if entry.submission_id != submission.id:
            raise ValueError("the history entry is for another submission")
        row = _submission_row(submission)
        event_rows = [_event_row(e) for e in events]
        with self._tx() as conn:
            try:
                # A key already stored (or being stored by a concurrent transaction, which
                # this waits for) makes the insert do nothing; a duplicate id raises.
                inserted = conn.execute(
                    _INSERT_SUBMISSION
                    + " ON CONFLICT (consultation_id, idempotency_hash) DO NOTHING RETURNING id",
                    row,
                ).fetchone()
            except psycopg.errors.UniqueViolation as exc:
                raise StoreError(
                    f"submission {submission.id} (tracking number "
                    f"{submission.tracking_number}) is already stored: "
                    f"{exc.diag.message_primary}; give new submissions new ids"
                ) from exc
            if inserted is None:
                assert submission.idempotency_key is not None  # only that constraint skips
                replay = _receipt_for_key(
                    conn, submission.consultation_id, submission.idempotency_key
                )
                if replay is None:  # pragma: no cover - the conflicting row is committed
                    raise StoreError(f"{self.url}: idempotency conflict without a stored row")
                return replay, False
            conn.execute(_INSERT_HISTORY, _history_row(entry))
            if event_rows:
                with conn.cursor() as cur:
                    cur.executemany(_INSERT_EVENT, event_rows)
        return receipt_for(submission), True

    def add_submissions(
        self, submissions: Iterable[Submission], chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> int:
        """Bulk-store submissions, one transaction per ``chunk_size`` rows; how many were new."""
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        added = 0
        chunk: list[tuple[Any, ...]] = []
        for submission in submissions:
            chunk.append(_submission_row(submission))
            if len(chunk) >= chunk_size:
                added += self._add_chunk(chunk)
                chunk = []
        if chunk:
            added += self._add_chunk(chunk)
        return added

    def _add_chunk(self, rows: list[tuple[Any, ...]]) -> int:
        casts = ", ".join(f"{n}::jsonb" if n in _JSONB_COLUMNS else n for n in _SUBMISSION_NAMES)
        text_columns = ", ".join(
            f"{n} text" if n in _JSONB_COLUMNS else f"{n} {_BULK_TYPES.get(n, 'text')}"
            for n in _SUBMISSION_NAMES
        )
        with self._tx() as conn:
            conn.execute(
                f"CREATE TEMP TABLE consultkit_import (ord bigint, {text_columns}) ON COMMIT DROP"
            )
            with (
                conn.cursor() as cur,
                cur.copy(f"COPY consultkit_import (ord, {_SUBMISSION_COLUMNS}) FROM STDIN") as copy,
            ):
                for n, row in enumerate(rows):
                    copy.write_row((n, *row))
            # New rows get their history entry in the same statement (no per-row round trip).
            result = conn.execute(
                f"WITH new AS (INSERT INTO submissions ({_SUBMISSION_COLUMNS})"
                f" SELECT {casts} FROM consultkit_import ORDER BY ord"
                " ON CONFLICT DO NOTHING RETURNING seq, id, received_at, status)"
                " INSERT INTO history (submission_id, at, actor_role, actor_id, from_status,"
                " to_status, reason) SELECT id, received_at, %s, %s, NULL, status, %s"
                " FROM new ORDER BY seq",
                (str(ActorRole.SYSTEM), "bulk-import", "bulk import"),
            )
            return max(result.rowcount, 0)

    def get_submission(self, submission_id: str) -> Submission | None:
        """The submission with this id, or ``None``."""
        with self._tx() as conn:
            row = conn.execute(
                f"{_SELECT_SUBMISSION} WHERE id = %s",
                (submission_id,),
            ).fetchone()
        return None if row is None else _submission(row)

    def find_by_idempotency_key(self, consultation_id: str, key: str) -> Receipt | None:
        """The receipt stored under ``key`` in ``consultation_id``, or ``None``."""
        with self._tx() as conn:
            return _receipt_for_key(conn, consultation_id, key)

    def find_by_tracking_number(self, tracking_number: str) -> Submission | None:
        """The submission with this tracking number, or ``None``."""
        with self._tx() as conn:
            row = conn.execute(
                f"{_SELECT_SUBMISSION} WHERE tracking_number = %s",
                (tracking_number,),
            ).fetchone()
        return None if row is None else _submission(row)

    def list_submissions(
        self,
        consultation_id: str,
        *,
        call_id: str | None = None,
        status: SubmissionStatus | None = None,
    ) -> Iterator[Submission]:
        """A consultation's submissions by received_at then id, streamed from one snapshot."""
        query = f"{_SELECT_SUBMISSION} WHERE consultation_id = %s"
        params: list[Any] = [consultation_id]
        if call_id is not None:
            query += " AND call_id = %s"
            params.append(call_id)
        if status is not None:
            query += " AND status = %s"
            params.append(str(status))
        query += " ORDER BY received_at, id"
        return self._stream(query, params)

    def _stream(self, query: str, params: Sequence[Any]) -> Iterator[Submission]:
        # A server-side cursor inside one transaction: one snapshot, bounded memory.
        with self._tx() as conn, conn.cursor(name=f"ck_{uuid.uuid4().hex}") as cur:
            cur.itersize = 500
            cur.execute(query, params)
            for row in cur:
                yield _submission(row)

    def history(self, submission_id: str) -> list[HistoryEntry]:
        """A submission's history, oldest first."""
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT submission_id, at, actor_role, actor_id, from_status, to_status, reason"
                " FROM history WHERE submission_id = %s ORDER BY seq",
                (submission_id,),
            ).fetchall()
        return [
            HistoryEntry(
                submission_id=r[0],
                at=_utc(r[1]),
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
        event_rows = [_event_row(e) for e in events]
        with self._tx() as conn:
            row = conn.execute(
                "UPDATE submissions SET status = %s, updated_at = %s"
                f" WHERE id = %s AND status = %s RETURNING {_SUBMISSION_COLUMNS}",
                (str(entry.to_status), _ts(entry.at), submission_id, str(expected)),
            ).fetchone()
            if row is None:
                found = conn.execute(
                    "SELECT status FROM submissions WHERE id = %s", (submission_id,)
                ).fetchone()
                if found is None:
                    raise UnknownItemError(f"no submission {submission_id!r} in {self.url}")
                raise StoreConflictError(
                    f"submission {submission_id} is {found[0]}, not {expected} as expected: "
                    "someone changed it meanwhile; reload it and decide again"
                )
            conn.execute(_INSERT_HISTORY, _history_row(entry))
            if event_rows:
                with conn.cursor() as cur:
                    cur.executemany(_INSERT_EVENT, event_rows)
        return _submission(row)

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
        when = _ts(at)
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT id, submitter FROM submissions WHERE consultation_id = %s"
                " AND submitter_email = %s ORDER BY seq FOR UPDATE",
                (consultation_id, address),
            ).fetchall()
            ids = [r[0] for r in rows]
            if not ids:
                return 0
            names = {str((r[1] or {}).get("name") or "").strip().lower() for r in rows}
            text_update = (
                "" if keep_text else ", title = '', body = NULL, attachments = '[]'::jsonb"
            )
            conn.execute(
                "UPDATE submissions SET submitter = NULL, submitter_email = NULL,"
                f" idempotency_key = NULL, erased_at = %s{text_update} WHERE id = ANY(%s::text[])",
                (when, ids),
            )
            conn.execute(
                "UPDATE history SET actor_id = %s WHERE submission_id = ANY(%s::text[])"
                " AND lower(actor_id) = %s",
                (ERASED, ids, address),
            )
            conn.execute(
                "UPDATE history SET reason = %s WHERE submission_id = ANY(%s::text[])"
                " AND strpos(lower(reason), %s) > 0",
                (ERASED, ids, address),
            )
            events = conn.execute(
                "SELECT seq, payload, submission_id FROM outbox_events"
                " WHERE consultation_id = %s AND (submission_id = ANY(%s::text[])"
                " OR strpos(lower(payload::text), %s) > 0) ORDER BY seq FOR UPDATE",
                (consultation_id, ids, address),
            ).fetchall()
            id_set = set(ids)
            updates = []
            for seq, payload, submission_id in events:
                linked = submission_id in id_set
                cleaned = scrub_payload(
                    payload, address=address, names=names, linked=linked, keep_text=keep_text
                )
                updates.append((_dumps(cleaned), seq))
            if updates:
                with conn.cursor() as cur:
                    cur.executemany(
                        "UPDATE outbox_events SET payload = %s::jsonb WHERE seq = %s", updates
                    )
            # Unsent deliveries to the erased address are dead: nobody is left to send to.
            # The recipient becomes a per-row marker so the UNIQUE constraint still holds.
            conn.execute(
                "UPDATE deliveries SET recipient = %s::text || id,"
                " status = CASE WHEN status IN ('pending', 'claimed') THEN 'dead' ELSE status END,"
                " last_error = CASE WHEN status IN ('pending', 'claimed')"
                "   THEN 'recipient erased' ELSE last_error END,"
                " claimed_by = NULL, lease_until = NULL"
                " WHERE lower(recipient) = %s AND event_id IN"
                " (SELECT id FROM outbox_events WHERE consultation_id = %s)",
                (f"{ERASED}:", address, consultation_id),
            )
            conn.execute(
                "DELETE FROM subscriptions WHERE consultation_id = %s AND lower(address) = %s",
                (consultation_id, address),
            )
            conn.execute(
                "INSERT INTO tombstones (id, consultation_id, erased_at, reason,"
                " submission_ids, kept_text) VALUES (%s, %s, %s, %s, %s::text[], %s)",
                (str(uuid.uuid4()), consultation_id, when, reason, ids, keep_text),
            )
        return len(ids)

    def tombstones(self, consultation_id: str) -> list[Tombstone]:
        """The erasures recorded for a consultation, oldest first."""
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT id, consultation_id, erased_at, reason, submission_ids, kept_text"
                " FROM tombstones WHERE consultation_id = %s ORDER BY seq",
                (consultation_id,),
            ).fetchall()
        return [
            Tombstone(
                id=r[0],
                consultation_id=r[1],
                erased_at=_utc(r[2]),
                reason=r[3],
                submission_ids=tuple(r[4]),
                kept_text=bool(r[5]),
            )
            for r in rows
        ]

    def fingerprint_counts(self, consultation_id: str) -> list[tuple[str, int]]:
        """How many submissions share each fingerprint, most frequent first."""
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT fingerprint, count(*) AS n FROM submissions WHERE consultation_id = %s"
                " GROUP BY fingerprint ORDER BY n DESC, fingerprint",
                (consultation_id,),
            ).fetchall()
        return [(r[0], int(r[1])) for r in rows]

    # -- outbox

    def enqueue_events(self, events: Sequence[OutboxEvent]) -> int:
        """Store events; those whose dedupe key (or id) is stored already are skipped."""
        rows = [_event_row(e) for e in events]
        added = 0
        with self._tx() as conn:
            for row in rows:
                added += max(conn.execute(_INSERT_EVENT, row).rowcount, 0)
        return added

    def unrouted_events(self, limit: int) -> list[OutboxEvent]:
        """Events not routed yet, oldest first."""
        with self._tx() as conn:
            rows = conn.execute(
                f"SELECT {_EVENT_COLUMNS} FROM outbox_events e WHERE routed_at IS NULL"
                " ORDER BY occurred_at, seq LIMIT %s",
                (max(limit, 0),),
            ).fetchall()
        return [_event(r) for r in rows]

    def route_events(
        self, routes: Sequence[tuple[str, Sequence[DeliveryTarget]]], now: dt.datetime
    ) -> int:
        """Route many events in one transaction: a pending delivery per (channel, recipient)."""
        when = _ts(now)
        event_ids = sorted(dict.fromkeys(event_id for event_id, _ in routes))
        if not event_ids:
            return 0
        targets = sorted(
            (event_id, t.channel, t.recipient, t.language)
            for event_id, many in routes
            for t in many
        )
        with self._tx() as conn:
            known = {
                r[0]
                for r in conn.execute(
                    "SELECT id FROM outbox_events WHERE id = ANY(%s::text[])", (event_ids,)
                )
            }
            missing = [event_id for event_id in event_ids if event_id not in known]
            if missing:
                raise UnknownItemError(f"no outbox event {missing[0]!r} in {self.url}")
            created = conn.execute(
                "INSERT INTO deliveries (id, event_id, channel, recipient, language, status,"
                " attempts, next_attempt_at)"
                " SELECT gen_random_uuid()::text, t.event_id, t.channel, t.recipient,"
                " t.language, 'pending', 0, %s"
                " FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[])"
                " AS t (event_id, channel, recipient, language)"
                " ON CONFLICT (event_id, channel, recipient) DO NOTHING",
                (
                    when,
                    [t[0] for t in targets],
                    [t[1] for t in targets],
                    [t[2] for t in targets],
                    [t[3] for t in targets],
                ),
            ).rowcount
            conn.execute(
                "UPDATE outbox_events SET routed_at = %s"
                " WHERE id = ANY(%s::text[]) AND routed_at IS NULL",
                (when, event_ids),
            )
        return max(created, 0)

    def route_event(
        self, event_id: str, targets: Sequence[DeliveryTarget], now: dt.datetime
    ) -> int:
        """Route one event (see :meth:`route_events`)."""
        return self.route_events([(event_id, targets)], now)

    def claim_deliveries(
        self, worker: str, limit: int, now: dt.datetime, lease: dt.timedelta
    ) -> list[Delivery]:
        """Claim due deliveries (pending and due, or with an expired lease) for ``worker``.

        The due rows are locked with ``FOR UPDATE SKIP LOCKED``: rows another dispatcher is
        claiming are skipped, and a row it claimed meanwhile no longer matches when re-read.
        """
        if limit < 1:
            return []
        when = _ts(now)
        until = _ts(now + lease)
        with self._tx() as conn:
            seqs = [
                r[0]
                for r in conn.execute(
                    "SELECT seq FROM deliveries WHERE status = 'pending'"
                    " AND next_attempt_at <= %s ORDER BY next_attempt_at, seq LIMIT %s"
                    " FOR UPDATE SKIP LOCKED",
                    (when, limit),
                )
            ]
            if len(seqs) < limit:
                seqs += [
                    r[0]
                    for r in conn.execute(
                        "SELECT seq FROM deliveries WHERE status = 'claimed'"
                        " AND lease_until <= %s ORDER BY lease_until, seq LIMIT %s"
                        " FOR UPDATE SKIP LOCKED",
                        (when, limit - len(seqs)),
                    )
                ]
            if not seqs:
                return []
            conn.execute(
                "UPDATE deliveries SET status = 'claimed', claimed_by = %s, lease_until = %s,"
                " attempts = attempts + 1 WHERE seq = ANY(%s::bigint[])",
                (worker, until, seqs),
            )
            rows = conn.execute(
                f"{_DELIVERY_SELECT} WHERE d.seq = ANY(%s::bigint[])"
                " ORDER BY d.next_attempt_at, d.seq",
                (seqs,),
            ).fetchall()
        return [_delivery(r) for r in rows]

    def complete_deliveries(
        self, delivery_ids: Sequence[str], worker: str, now: dt.datetime
    ) -> int:
        """Mark done, in one transaction, the deliveries ``worker`` still holds; how many."""
        if not delivery_ids:
            return 0
        with self._tx() as conn:
            changed = conn.execute(
                "UPDATE deliveries SET status = 'done', claimed_by = NULL, lease_until = NULL,"
                " last_error = NULL, next_attempt_at = %s"
                " WHERE id = ANY(%s::text[]) AND status = 'claimed' AND claimed_by = %s",
                (_ts(now), list(delivery_ids), worker),
            ).rowcount
        return max(changed, 0)

    def complete_delivery(self, delivery_id: str, worker: str, now: dt.datetime) -> bool:
        """Mark a delivery done if ``worker`` still holds its claim."""
        return self.complete_deliveries([delivery_id], worker, now) == 1

    def fail_deliveries(
        self, failures: Sequence[DeliveryFailure], worker: str, now: dt.datetime
    ) -> frozenset[str]:
        """Record failures in one transaction: pending again at ``retry_at``, or dead."""
        if not failures:
            return frozenset()
        first: dict[str, DeliveryFailure] = {}
        for f in failures:
            first.setdefault(f.delivery_id, f)  # a second failure of one id finds it released
        chosen = list(first.values())
        with self._tx() as conn:
            rows = conn.execute(
                "UPDATE deliveries d SET status = f.status, last_error = f.error,"
                " next_attempt_at = f.at, claimed_by = NULL, lease_until = NULL"
                " FROM unnest(%s::text[], %s::text[], %s::text[], %s::timestamptz[])"
                " AS f (id, status, error, at)"
                " WHERE d.id = f.id AND d.status = 'claimed' AND d.claimed_by = %s"
                " RETURNING d.id",
                (
                    [f.delivery_id for f in chosen],
                    [
                        str(DeliveryStatus.DEAD if f.retry_at is None else DeliveryStatus.PENDING)
                        for f in chosen
                    ],
                    [f.error for f in chosen],
                    [_ts(f.retry_at or now) for f in chosen],
                    worker,
                ),
            ).fetchall()
        return frozenset(r[0] for r in rows)

    def fail_delivery(
        self,
        delivery_id: str,
        worker: str,
        error: str,
        now: dt.datetime,
        retry_at: dt.datetime | None,
    ) -> bool:
        """Record a failure: pending again at ``retry_at``, or dead when it is ``None``."""
        failure = DeliveryFailure(delivery_id=delivery_id, error=error, retry_at=retry_at)
        return delivery_id in self.fail_deliveries([failure], worker, now)

    def delivery_counts(self) -> Mapping[DeliveryStatus, int]:
        """How many deliveries are in each status."""
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT status, count(*) FROM deliveries GROUP BY status"
            ).fetchall()
        counts = dict.fromkeys(DeliveryStatus, 0)
        for status, n in rows:
            counts[DeliveryStatus(status)] = int(n)
        return counts

    def list_deliveries(self, status: DeliveryStatus, limit: int) -> list[Delivery]:
        """Deliveries in ``status``, by next attempt then creation."""
        with self._tx() as conn:
            rows = conn.execute(
                f"{_DELIVERY_SELECT} WHERE d.status = %s"
                " ORDER BY d.next_attempt_at, d.seq LIMIT %s",
                (str(status), max(limit, 0)),
            ).fetchall()
        return [_delivery(r) for r in rows]

    def retry_dead(self, delivery_ids: Sequence[str] | None, now: dt.datetime) -> int:
        """Make dead deliveries pending again, due ``now``, with a fresh attempt count."""
        query = (
            "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = %s,"
            " claimed_by = NULL, lease_until = NULL WHERE status = 'dead'"
            " AND recipient NOT LIKE %s"
        )
        params: list[Any] = [_ts(now), f"{ERASED}:%"]
        if delivery_ids is not None:
            if not delivery_ids:
                return 0
            query += " AND id = ANY(%s::text[])"
            params.append(list(delivery_ids))
        with self._tx() as conn:
            changed = conn.execute(query, params).rowcount
        return max(changed, 0)

    # -- subscriptions

    def add_subscription(self, subscription: Subscription) -> bool:
        """Store a subscription; ``False`` if it existed (group and language are updated)."""
        s = subscription
        with self._tx() as conn:
            row = conn.execute(
                "INSERT INTO subscriptions (consultation_id, channel, address, grp, language,"
                " created_at) VALUES (%s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (consultation_id, channel, address) DO UPDATE SET"
                " grp = excluded.grp, language = excluded.language"
                " RETURNING (xmax = 0)",
                (s.consultation_id, s.channel, s.address, s.group, s.language, _ts(s.created_at)),
            ).fetchone()
        return bool(row and row[0])

    def remove_subscription(self, consultation_id: str, channel: str, address: str) -> bool:
        """Remove a subscription; ``False`` if there was none."""
        with self._tx() as conn:
            changed = conn.execute(
                "DELETE FROM subscriptions WHERE consultation_id = %s AND channel = %s"
                " AND address = %s",
                (consultation_id, channel, address),
            ).rowcount
        return changed == 1

    def list_subscriptions(
        self, consultation_id: str, group: str | None = None
    ) -> list[Subscription]:
        """A consultation's subscriptions; with ``group``, that group's and group-less ones."""
        query = (
            "SELECT consultation_id, channel, address, grp, language, created_at"
            " FROM subscriptions WHERE consultation_id = %s"
        )
        params: list[Any] = [consultation_id]
        if group is not None:
            query += " AND (grp = %s OR grp IS NULL)"
            params.append(group)
        with self._tx() as conn:
            rows = conn.execute(
                query + " ORDER BY created_at, channel, address",
                params,
            ).fetchall()
        return [
            Subscription(
                consultation_id=r[0],
                channel=r[1],
                address=r[2],
                group=r[3],
                language=r[4],
                created_at=_utc(r[5]),
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
        published = _ts(at or dt.datetime.now(dt.UTC))
        text = _dumps(dict(snapshot))
        event_rows = [_event_row(e) for e in events]
        with self._tx() as conn:
            # Two publishers of one consultation take numbers one after the other.
            conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                (f"consultkit-postgres:schedule:{self.schema}:{consultation_id}",),
            )
            row = conn.execute(
                "INSERT INTO schedule_revisions (consultation_id, number, published_at, snapshot)"
                " SELECT %s, coalesce(max(number), 0) + 1, %s, %s::jsonb"
                " FROM schedule_revisions WHERE consultation_id = %s"
                " RETURNING consultation_id, number, published_at, snapshot",
                (consultation_id, published, text, consultation_id),
            ).fetchone()
            if event_rows:
                with conn.cursor() as cur:
                    cur.executemany(_INSERT_EVENT, event_rows)
        assert row is not None
        return _revision(row)

    def latest_schedule_revision(self, consultation_id: str) -> ScheduleRevision | None:
        """The newest revision, or ``None``."""
        with self._tx() as conn:
            row = conn.execute(
                "SELECT consultation_id, number, published_at, snapshot FROM schedule_revisions"
                " WHERE consultation_id = %s ORDER BY number DESC LIMIT 1",
                (consultation_id,),
            ).fetchone()
        return None if row is None else _revision(row)

    def schedule_revisions(self, consultation_id: str) -> list[ScheduleRevision]:
        """Every revision, oldest first."""
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT consultation_id, number, published_at, snapshot FROM schedule_revisions"
                " WHERE consultation_id = %s ORDER BY number",
                (consultation_id,),
            ).fetchall()
        return [_revision(r) for r in rows]


# Column types of the bulk-import staging table (jsonb columns are staged as text).
_BULK_TYPES = {
    "received_at": "timestamptz",
    "updated_at": "timestamptz",
    "erased_at": "timestamptz",
}


def open_postgres(url: str) -> PostgresStore:
    """Open (creating and migrating the schema if needed) the store at ``url``."""
    return PostgresStore(url)


def _receipt_for_key(conn: Connection, consultation_id: str, key: str) -> Receipt | None:
    found = conn.execute(
        "SELECT tracking_number, id, consultation_id, call_id, received_at, receipt_status"
        " FROM submissions WHERE consultation_id = %s AND idempotency_hash = %s",
        (consultation_id, idempotency_key_hash(key)),
    ).fetchone()
    if found is None:
        return None
    return Receipt(
        tracking_number=found[0],
        submission_id=found[1],
        consultation_id=found[2],
        call_id=found[3],
        received_at=_utc(found[4]),
        status=SubmissionStatus(found[5]),
        replayed=True,
    )
