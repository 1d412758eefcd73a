"""The SQLite store (``sqlite:///PATH``), the default backend, on the standard library's sqlite3.

URL: ``sqlite:///consultkit.sqlite`` or ``sqlite:///./data/ck.sqlite`` is relative to the
current directory; ``sqlite:////srv/ck.sqlite`` (four slashes) is absolute, as in
SQLAlchemy.

How SQLite is used, and why (see docs/storage.md for measurements):

* **WAL journal**: readers never block the writer nor the writer readers, so exports and
  listings run beside intake (the FCC ECFS 2014 lesson: keep reads off the write path).
  Reads use their own connections; the writer connection is used only for writes.
* **synchronous=FULL**: a receipt promises the submission is stored, so each commit is
  durable across power loss, not only across a crash. It costs about 150 µs per commit
  here (about 5,000 submissions/s with their outbox row), three orders of magnitude above
  the busiest consultation on record.
* **BEGIN IMMEDIATE for every write**: the connection runs with ``isolation_level=None``
  and each write transaction takes the write lock up front, so a read-then-write
  transaction cannot fail with ``SQLITE_BUSY_SNAPSHOT``, which ``busy_timeout`` does not
  retry (measured: 7-14 % failures with deferred transactions, none with IMMEDIATE).
* **busy_timeout** lets concurrent writers (other processes) queue instead of failing.
* **Chunked bulk loads** commit every 10,000 rows, so the WAL stays small and can be
  checkpointed between chunks (one huge transaction grew it to 2 GB).
* **A versioned schema**: ``schema_version`` records the applied migrations; a database
  written by a newer consultkit is refused instead of being misread.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from consultkit.errors import StoreError, UnknownItemError
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

BUSY_TIMEOUT_MS = 15_000
_MAX_IN = 500  # ids per "IN (?, ...)" list, well under SQLite's oldest variable limit (999)

# Each migration is a tuple of statements applied in one transaction, in order. Never edit
# a released migration: append a new one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE consultations (
            id TEXT PRIMARY KEY,
            document TEXT NOT NULL
        )""",
        """CREATE TABLE submissions (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            tracking_number TEXT NOT NULL UNIQUE,
            consultation_id TEXT NOT NULL,
            call_id TEXT NOT NULL,
            submitter TEXT,
            submitter_email TEXT,
            title TEXT NOT NULL,
            body TEXT,
            language TEXT NOT NULL,
            tags TEXT NOT NULL,
            attachments TEXT NOT NULL,
            consent TEXT NOT NULL,
            provenance TEXT NOT NULL,
            status TEXT NOT NULL,
            received_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            idempotency_key TEXT,
            idempotency_hash TEXT,
            receipt_status TEXT NOT NULL,
            erased_at TEXT,
            UNIQUE (consultation_id, idempotency_hash)
        )""",
        "CREATE INDEX submissions_order ON submissions (consultation_id, received_at, id)",
        "CREATE INDEX submissions_email ON submissions (consultation_id, submitter_email)",
        "CREATE INDEX submissions_fingerprint ON submissions (consultation_id, fingerprint)",
        """CREATE TABLE history (
            seq INTEGER PRIMARY KEY,
            submission_id TEXT NOT NULL,
            at TEXT NOT NULL,
            actor_role TEXT NOT NULL,
            actor_id TEXT NOT NULL,
            from_status TEXT,
            to_status TEXT NOT NULL,
            reason TEXT
        )""",
        "CREATE INDEX history_submission ON history (submission_id, seq)",
        """CREATE TABLE outbox_events (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            consultation_id TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            payload TEXT NOT NULL,
            dedupe_key TEXT UNIQUE,
            submission_id TEXT,
            routed_at TEXT
        )""",
        """CREATE INDEX outbox_unrouted ON outbox_events (occurred_at, seq)
           WHERE routed_at IS NULL""",
        "CREATE INDEX outbox_submission ON outbox_events (submission_id)",
        """CREATE TABLE deliveries (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            event_id TEXT NOT NULL REFERENCES outbox_events (id),
            channel TEXT NOT NULL,
            recipient TEXT NOT NULL,
            language TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            claimed_by TEXT,
            lease_until TEXT,
            UNIQUE (event_id, channel, recipient)
        )""",
        "CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at, seq)",
        "CREATE INDEX deliveries_lease ON deliveries (status, lease_until)",
        """CREATE TABLE subscriptions (
            consultation_id TEXT NOT NULL,
            channel TEXT NOT NULL,
            address TEXT NOT NULL,
            grp TEXT,
            language TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (consultation_id, channel, address)
        )""",
        """CREATE TABLE schedule_revisions (
            consultation_id TEXT NOT NULL,
            number INTEGER NOT NULL,
            published_at TEXT NOT NULL,
            snapshot TEXT NOT NULL,
            PRIMARY KEY (consultation_id, number)
        )""",
        """CREATE TABLE tombstones (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            consultation_id TEXT NOT NULL,
            erased_at TEXT NOT NULL,
            reason TEXT NOT NULL,
            submission_ids TEXT NOT NULL,
            kept_text INTEGER NOT NULL
        )""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


# -- conversions -------------------------------------------------------------------------


def _ts(value: dt.datetime) -> str:
    # Fixed-width UTC text sorts in time order, so SQL can compare and order instants.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"instant {value!r} has no time zone")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _ts_or_none(value: dt.datetime | None) -> str | None:
    return None if value is None else _ts(value)


def _dt(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _dt_or_none(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _dumps(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_json_default)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"cannot store {value!r:.80}: {exc}; use JSON values") from exc


_SUBMISSION_COLUMNS = (
    "id, tracking_number, consultation_id, call_id, submitter, submitter_email, title, body,"
    " language, tags, attachments, consent, provenance, status, received_at, updated_at,"
    " fingerprint, idempotency_key, idempotency_hash, receipt_status, erased_at"
)
_INSERT_SUBMISSION = (
    f"INSERT INTO submissions ({_SUBMISSION_COLUMNS}) VALUES ({', '.join('?' * 21)})"
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
    submitter = None if row[4] is None else Submitter(**json.loads(row[4]))
    return Submission(
        id=row[0],
        tracking_number=row[1],
        consultation_id=row[2],
        call_id=row[3],
        submitter=submitter,
        title=row[6],
        body=row[7],
        language=row[8],
        tags=tuple(json.loads(row[9])),
        attachments=tuple(json.loads(row[10])),
        consent=Consent(**json.loads(row[11])),
        provenance=Provenance(row[12]),
        status=SubmissionStatus(row[13]),
        received_at=_dt(row[14]),
        updated_at=_dt(row[15]),
        fingerprint=row[16],
        idempotency_key=row[17],
        erased_at=_dt_or_none(row[20]),
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
    " reason) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_EVENT = (
    "INSERT OR IGNORE INTO outbox_events (id, kind, consultation_id, occurred_at, payload,"
    " dedupe_key, submission_id) VALUES (?, ?, ?, ?, ?, ?, ?)"
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
        occurred_at=_dt(row[3]),
        payload=json.loads(row[4]),
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
        attempts=row[5],
        next_attempt_at=_dt(row[6]),
        last_error=row[7],
        claimed_by=row[8],
        lease_until=_dt_or_none(row[9]),
        event=_event(row[10:]),
    )


def _revision(row: Sequence[Any]) -> ScheduleRevision:
    return ScheduleRevision(
        consultation_id=row[0],
        number=row[1],
        published_at=_dt(row[2]),
        snapshot=json.loads(row[3]),
    )


# -- the store ---------------------------------------------------------------------------


def path_from_url(url: str) -> Path:
    """The file a ``sqlite:///PATH`` URL names (``sqlite:////abs`` for an absolute path)."""
    prefix = "sqlite:///"
    if not url.lower().startswith(prefix):
        raise StoreError(
            f"not a SQLite URL {url!r}: write sqlite:///relative/path.sqlite or "
            "sqlite:////absolute/path.sqlite"
        )
    path = url[len(prefix) :]
    if not path or path.endswith("/"):
        raise StoreError(f"no file name in {url!r}: write e.g. sqlite:///consultkit.sqlite")
    return Path(path)


class SqliteStore:
    """A :class:`~consultkit.storage.Store` in one SQLite file (see the module docstring)."""

    url: str

    def __init__(self, url: str, *, path: str | None = None) -> None:
        self.url = url
        self._lock = threading.RLock()
        self._closed = False
        self._readers: list[sqlite3.Connection] = []
        if path is None:
            file = path_from_url(url)
            parent = file.parent if str(file.parent) else Path()
            if not parent.is_dir():
                raise StoreError(
                    f"cannot open {url}: directory {str(parent)!r} does not exist; "
                    "create it or choose another path"
                )
            self._path = str(file)
        else:
            self._path = path
        self._writer = self._connect()
        self._migrate()

    # -- connections

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self._path,
                isolation_level=None,  # autocommit: we issue BEGIN IMMEDIATE ourselves
                check_same_thread=False,  # guarded by self._lock
                timeout=BUSY_TIMEOUT_MS / 1000,
            )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() not in {"wal", "memory"}:
                raise StoreError(
                    f"cannot use {self.url}: SQLite refused WAL mode (got {mode}); "
                    "put the file on a local disk (WAL does not work on network filesystems)"
                )
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot open {self.url}: {exc}; check that it is a consultkit SQLite "
                "database on a local disk, or choose another path"
            ) from exc
        return conn

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction on the writer connection, begun IMMEDIATE."""
        with self._lock:
            self._check_open()
            conn = self._writer
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreError(
                    f"{self.url} is busy ({exc}) after waiting {BUSY_TIMEOUT_MS // 1000} s; "
                    "another process holds a long write transaction, try again"
                ) from exc
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A reader connection (never the writer), returned to the pool afterwards."""
        with self._lock:
            self._check_open()
            conn = self._readers.pop() if self._readers else None
        if conn is None:
            conn = self._connect()
        try:
            yield conn
        finally:
            with self._lock:
                if self._closed:
                    conn.close()
                else:
                    self._readers.append(conn)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"{self.url} is closed; open the store again")

    def close(self) -> None:
        """Close every connection."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for conn in self._readers:
                conn.close()
            self._readers.clear()
            self._writer.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

    # -- schema

    def _migrate(self) -> None:
        try:
            with self._write() as conn:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version "
                    "(version INTEGER NOT NULL, applied_at TEXT NOT NULL)"
                )
                current = conn.execute(
                    "SELECT coalesce(max(version), 0) FROM schema_version"
                ).fetchone()[0]
                if current > SCHEMA_VERSION:
                    raise StoreError(
                        f"{self.url} has schema version {current}, newer than this consultkit "
                        f"understands ({SCHEMA_VERSION}); upgrade consultkit to use it"
                    )
                now = _ts(dt.datetime.now(dt.UTC))
                for version in range(current + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS[version - 1]:
                        conn.execute(statement)
                    conn.execute("INSERT INTO schema_version VALUES (?, ?)", (version, now))
        except sqlite3.DatabaseError as exc:
            self._writer.close()
            raise StoreError(
                f"cannot open {self.url}: {exc}; is it a consultkit SQLite database?"
            ) from exc
        except BaseException:
            self._writer.close()
            raise

    def schema_version(self) -> int:
        """The schema version stored in the file."""
        with self._read() as conn:
            row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0])

    # -- consultations

    def put_consultation(self, consultation_id: str, document: Mapping[str, Any]) -> None:
        """Store (or replace) a consultation's JSON document."""
        text = _dumps(dict(document))
        with self._write() as conn:
            conn.execute(
                "INSERT INTO consultations (id, document) VALUES (?, ?) "
                "ON CONFLICT (id) DO UPDATE SET document = excluded.document",
                (consultation_id, text),
            )

    def get_consultation(self, consultation_id: str) -> Mapping[str, Any] | None:
        """A consultation's stored document, or ``None``."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT document FROM consultations WHERE id = ?", (consultation_id,)
            ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    # -- submissions

    def add_submission(
        self, submission: Submission, entry: HistoryEntry, events: Sequence[OutboxEvent]
    ) -> tuple[Receipt, bool]:
        """Store a submission with its history entry and events, or replay its receipt."""
        if entry.submission_id != submission.id:
            raise ValueError("the history entry is for another submission")
        row = _submission_row(submission)
        event_rows = [_event_row(e) for e in events]
        with self._write() as conn:
            if submission.idempotency_key is not None:
                replay = _receipt_for_key(
                    conn, submission.consultation_id, submission.idempotency_key
                )
                if replay is not None:
                    return replay, False
            try:
                conn.execute(_INSERT_SUBMISSION, row)
            except sqlite3.IntegrityError as exc:
                raise StoreError(
                    f"submission {submission.id} (tracking number "
                    f"{submission.tracking_number}) is already stored: {exc}; "
                    "give new submissions new ids"
                ) from exc
            conn.execute(_INSERT_HISTORY, _history_row(entry))
            conn.executemany(_INSERT_EVENT, event_rows)
        return receipt_for(submission), True

    def add_submissions(
        self, submissions: Iterable[Submission], chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> int:
        """Bulk-store submissions in chunks of ``chunk_size`` rows; returns how many were new."""
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
        with self._write() as conn:
            before = conn.execute("SELECT coalesce(max(seq), 0) FROM submissions").fetchone()[0]
            conn.executemany(_INSERT_SUBMISSION.replace("INSERT", "INSERT OR IGNORE", 1), rows)
            # New rows are exactly those past the previous highest seq in this transaction,
            # so one statement writes their history entries (no per-row round trips).
            added: int = conn.execute(
                "INSERT INTO history (submission_id, at, actor_role, actor_id, from_status,"
                " to_status, reason) SELECT id, received_at, ?, ?, NULL, status, ?"
                " FROM submissions WHERE seq > ? ORDER BY seq",
                (str(ActorRole.SYSTEM), "bulk-import", "bulk import", before),
            ).rowcount
        # Between chunks, let the WAL be copied back so it stays bounded.
        with self._lock:
            self._writer.execute("PRAGMA wal_checkpoint(PASSIVE)")
        return added

    def get_submission(self, submission_id: str) -> Submission | None:
        """The submission with this id, or ``None``."""
        with self._read() as conn:
            row = conn.execute(f"{_SELECT_SUBMISSION} WHERE id = ?", (submission_id,)).fetchone()
        return None if row is None else _submission(row)

    def find_by_idempotency_key(self, consultation_id: str, key: str) -> Receipt | None:
        """The receipt stored under ``key`` in ``consultation_id``, or ``None``."""
        with self._read() as conn:
            return _receipt_for_key(conn, consultation_id, key)

    def find_by_tracking_number(self, tracking_number: str) -> Submission | None:
        """The submission with this tracking number, or ``None``."""
        with self._read() as conn:
            row = conn.execute(
                f"{_SELECT_SUBMISSION} WHERE tracking_number = ?", (tracking_number,)
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
        sql = f"{_SELECT_SUBMISSION} WHERE consultation_id = ?"
        params: list[Any] = [consultation_id]
        if call_id is not None:
            sql += " AND call_id = ?"
            params.append(call_id)
        if status is not None:
            sql += " AND status = ?"
            params.append(str(status))
        sql += " ORDER BY received_at, id"
        return self._stream(sql, params)

    def _stream(self, sql: str, params: Sequence[Any]) -> Iterator[Submission]:
        with self._read() as conn:
            cursor = conn.execute(sql, params)
            try:
                while rows := cursor.fetchmany(500):
                    for row in rows:
                        yield _submission(row)
            finally:
                cursor.close()

    def history(self, submission_id: str) -> list[HistoryEntry]:
        """A submission's history, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT submission_id, at, actor_role, actor_id, from_status, to_status, reason"
                " FROM history WHERE submission_id = ? ORDER BY seq",
                (submission_id,),
            ).fetchall()
        return [
            HistoryEntry(
                submission_id=r[0],
                at=_dt(r[1]),
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
        with self._write() as conn:
            found = conn.execute(
                "SELECT status FROM submissions WHERE id = ?", (submission_id,)
            ).fetchone()
            if found is None:
                raise UnknownItemError(f"no submission {submission_id!r} in {self.url}")
            if found[0] != str(expected):
                raise StoreConflictError(
                    f"submission {submission_id} is {found[0]}, not {expected} as expected: "
                    "someone changed it meanwhile; reload it and decide again"
                )
            conn.execute(
                "UPDATE submissions SET status = ?, updated_at = ? WHERE id = ?",
                (str(entry.to_status), _ts(entry.at), submission_id),
            )
            conn.execute(_INSERT_HISTORY, _history_row(entry))
            conn.executemany(_INSERT_EVENT, event_rows)
            row = conn.execute(f"{_SELECT_SUBMISSION} WHERE id = ?", (submission_id,)).fetchone()
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
        with self._write() as conn:
            rows = conn.execute(
                "SELECT id, submitter FROM submissions"
                " WHERE consultation_id = ? AND submitter_email = ? ORDER BY seq",
                (consultation_id, address),
            ).fetchall()
            ids = [r[0] for r in rows]
            if not ids:
                return 0
            names = {json.loads(r[1]).get("name", "").strip().lower() for r in rows}
            marks = ",".join("?" * len(ids))
            text_update = "" if keep_text else ", title = '', body = NULL, attachments = '[]'"
            conn.execute(
                "UPDATE submissions SET submitter = NULL, submitter_email = NULL,"
                f" idempotency_key = NULL, erased_at = ?{text_update} WHERE id IN ({marks})",
                (when, *ids),
            )
            conn.execute(
                f"UPDATE history SET actor_id = ? WHERE submission_id IN ({marks})"
                " AND lower(actor_id) = ?",
                (ERASED, *ids, address),
            )
            conn.execute(
                f"UPDATE history SET reason = ? WHERE submission_id IN ({marks})"
                " AND instr(lower(reason), ?) > 0",
                (ERASED, *ids, address),
            )
            events = conn.execute(
                "SELECT seq, payload, submission_id FROM outbox_events"
                f" WHERE consultation_id = ? AND (submission_id IN ({marks})"
                " OR instr(lower(payload), ?) > 0)",
                (consultation_id, *ids, address),
            ).fetchall()
            id_set = set(ids)
            for seq, payload, submission_id in events:
                linked = submission_id in id_set
                cleaned = scrub_payload(
                    json.loads(payload),
                    address=address,
                    names=names,
                    linked=linked,
                    keep_text=keep_text,
                )
                conn.execute(
                    "UPDATE outbox_events SET payload = ? WHERE seq = ?", (_dumps(cleaned), seq)
                )
            # Unsent deliveries to the erased address are dead: there is nobody left to send
            # to. The recipient is replaced by a per-row marker so UNIQUE still holds.
            conn.execute(
                "UPDATE deliveries SET recipient = ? || id,"
                " status = CASE WHEN status IN ('pending', 'claimed') THEN 'dead' ELSE status END,"
                " last_error = CASE WHEN status IN ('pending', 'claimed')"
                "   THEN 'recipient erased' ELSE last_error END,"
                " claimed_by = NULL, lease_until = NULL"
                " WHERE lower(recipient) = ? AND event_id IN"
                " (SELECT id FROM outbox_events WHERE consultation_id = ?)",
                (f"{ERASED}:", address, consultation_id),
            )
            conn.execute(
                "DELETE FROM subscriptions WHERE consultation_id = ? AND lower(address) = ?",
                (consultation_id, address),
            )
            conn.execute(
                "INSERT INTO tombstones (id, consultation_id, erased_at, reason,"
                " submission_ids, kept_text) VALUES (?, ?, ?, ?, ?, ?)",
                (str(uuid.uuid4()), consultation_id, when, reason, _dumps(ids), int(keep_text)),
            )
        return len(ids)

    def tombstones(self, consultation_id: str) -> list[Tombstone]:
        """The erasures recorded for a consultation, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT id, consultation_id, erased_at, reason, submission_ids, kept_text"
                " FROM tombstones WHERE consultation_id = ? ORDER BY seq",
                (consultation_id,),
            ).fetchall()
        return [
            Tombstone(
                id=r[0],
                consultation_id=r[1],
                erased_at=_dt(r[2]),
                reason=r[3],
                submission_ids=tuple(json.loads(r[4])),
                kept_text=bool(r[5]),
            )
            for r in rows
        ]

    def fingerprint_counts(self, consultation_id: str) -> list[tuple[str, int]]:
        """How many submissions share each fingerprint, most frequent first."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT fingerprint, count(*) AS n FROM submissions WHERE consultation_id = ?"
                " GROUP BY fingerprint ORDER BY n DESC, fingerprint",
                (consultation_id,),
            ).fetchall()
        return [(r[0], int(r[1])) for r in rows]

    # -- outbox

    def enqueue_events(self, events: Sequence[OutboxEvent]) -> int:
        """Store events; those whose dedupe key (or id) is stored already are skipped."""
        rows = [_event_row(e) for e in events]
        with self._write() as conn:
            before = conn.total_changes
            conn.executemany(_INSERT_EVENT, rows)
            return conn.total_changes - before

    def unrouted_events(self, limit: int) -> list[OutboxEvent]:
        """Events not routed yet, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_EVENT_COLUMNS} FROM outbox_events e WHERE routed_at IS NULL"
                " ORDER BY occurred_at, seq LIMIT ?",
                (limit,),
            ).fetchall()
        return [_event(r) for r in rows]

    def route_events(
        self, routes: Sequence[tuple[str, Sequence[DeliveryTarget]]], now: dt.datetime
    ) -> int:
        """Route many events in one transaction: a pending delivery per (channel, recipient)."""
        when = _ts(now)
        event_ids = list(dict.fromkeys(event_id for event_id, _ in routes))
        if not event_ids:
            return 0
        rows = [
            (str(uuid.uuid4()), event_id, t.channel, t.recipient, t.language, when)
            for event_id, targets in routes
            for t in targets
        ]
        with self._write() as conn:
            known: set[str] = set()
            for i in range(0, len(event_ids), _MAX_IN):
                chunk = event_ids[i : i + _MAX_IN]
                known.update(
                    r[0]
                    for r in conn.execute(
                        f"SELECT id FROM outbox_events WHERE id IN ({','.join('?' * len(chunk))})",
                        chunk,
                    )
                )
            missing = [event_id for event_id in event_ids if event_id not in known]
            if missing:
                raise UnknownItemError(f"no outbox event {missing[0]!r} in {self.url}")
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO deliveries (id, event_id, channel, recipient, language,"
                " status, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?)",
                rows,
            )
            created = conn.total_changes - before
            conn.executemany(
                "UPDATE outbox_events SET routed_at = ? WHERE id = ? AND routed_at IS NULL",
                [(when, event_id) for event_id in event_ids],
            )
        return created

    def route_event(
        self, event_id: str, targets: Sequence[DeliveryTarget], now: dt.datetime
    ) -> int:
        """Route one event (see :meth:`route_events`)."""
        return self.route_events([(event_id, targets)], now)

    def claim_deliveries(
        self, worker: str, limit: int, now: dt.datetime, lease: dt.timedelta
    ) -> list[Delivery]:
        """Claim due deliveries (pending and due, or with an expired lease) for ``worker``."""
        if limit < 1:
            return []
        when = _ts(now)
        until = _ts(now + lease)
        with self._write() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?"
                    " ORDER BY next_attempt_at, seq LIMIT ?",
                    (when, limit),
                ).fetchall()
            ]
            if len(ids) < limit:
                ids += [
                    r[0]
                    for r in conn.execute(
                        "SELECT id FROM deliveries WHERE status = 'claimed' AND lease_until <= ?"
                        " ORDER BY lease_until, seq LIMIT ?",
                        (when, limit - len(ids)),
                    ).fetchall()
                ]
            if not ids:
                return []
            marks = ",".join("?" * len(ids))
            conn.execute(
                "UPDATE deliveries SET status = 'claimed', claimed_by = ?, lease_until = ?,"
                f" attempts = attempts + 1 WHERE id IN ({marks})",
                (worker, until, *ids),
            )
            rows = conn.execute(
                f"{_DELIVERY_SELECT} WHERE d.id IN ({marks}) ORDER BY d.next_attempt_at, d.seq",
                ids,
            ).fetchall()
        return [_delivery(r) for r in rows]

    def complete_deliveries(
        self, delivery_ids: Sequence[str], worker: str, now: dt.datetime
    ) -> int:
        """Mark done, in one transaction, the deliveries ``worker`` still holds; how many."""
        if not delivery_ids:
            return 0
        when = _ts(now)
        with self._write() as conn:
            before = conn.total_changes
            conn.executemany(
                "UPDATE deliveries SET status = 'done', claimed_by = NULL, lease_until = NULL,"
                " last_error = NULL, next_attempt_at = ?"
                " WHERE id = ? AND status = 'claimed' AND claimed_by = ?",
                [(when, delivery_id, worker) for delivery_id in delivery_ids],
            )
            return conn.total_changes - before

    def complete_delivery(self, delivery_id: str, worker: str, now: dt.datetime) -> bool:
        """Mark a delivery done if ``worker`` still holds its claim."""
        return self.complete_deliveries([delivery_id], worker, now) == 1

    def fail_deliveries(
        self, failures: Sequence[DeliveryFailure], worker: str, now: dt.datetime
    ) -> frozenset[str]:
        """Record failures in one transaction: pending again at ``retry_at``, or dead."""
        if not failures:
            return frozenset()
        rows = [
            (
                str(DeliveryStatus.DEAD if f.retry_at is None else DeliveryStatus.PENDING),
                f.error,
                _ts(f.retry_at or now),
                f.delivery_id,
                worker,
            )
            for f in failures
        ]
        recorded: set[str] = set()
        with self._write() as conn:
            # One statement per row (not executemany) to learn which claims were still held;
            # the cost is in the commit, which stays one.
            for row in rows:
                if conn.execute(
                    "UPDATE deliveries SET status = ?, last_error = ?, next_attempt_at = ?,"
                    " claimed_by = NULL, lease_until = NULL"
                    " WHERE id = ? AND status = 'claimed' AND claimed_by = ?",
                    row,
                ).rowcount:
                    recorded.add(row[3])
        return frozenset(recorded)

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
        with self._read() as conn:
            rows = conn.execute(
                "SELECT status, count(*) FROM deliveries GROUP BY status"
            ).fetchall()
        counts = dict.fromkeys(DeliveryStatus, 0)
        for status, n in rows:
            counts[DeliveryStatus(status)] = int(n)
        return counts

    def list_deliveries(self, status: DeliveryStatus, limit: int) -> list[Delivery]:
        """Deliveries in ``status``, by next attempt then creation."""
        with self._read() as conn:
            rows = conn.execute(
                f"{_DELIVERY_SELECT} WHERE d.status = ? ORDER BY d.next_attempt_at, d.seq LIMIT ?",
                (str(status), limit),
            ).fetchall()
        return [_delivery(r) for r in rows]

    def retry_dead(self, delivery_ids: Sequence[str] | None, now: dt.datetime) -> int:
        """Make dead deliveries pending again, due ``now``, with a fresh attempt count."""
        sql = (
            "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?,"
            " claimed_by = NULL, lease_until = NULL WHERE status = 'dead'"
            f" AND recipient NOT LIKE '{ERASED}:%'"
        )
        params: list[Any] = [_ts(now)]
        if delivery_ids is not None:
            if not delivery_ids:
                return 0
            sql += f" AND id IN ({','.join('?' * len(delivery_ids))})"
            params.extend(delivery_ids)
        with self._write() as conn:
            return int(conn.execute(sql, params).rowcount)

    # -- subscriptions

    def add_subscription(self, subscription: Subscription) -> bool:
        """Store a subscription; ``False`` if it existed (group and language are updated)."""
        s = subscription
        with self._write() as conn:
            exists = conn.execute(
                "SELECT 1 FROM subscriptions WHERE consultation_id = ? AND channel = ?"
                " AND address = ?",
                (s.consultation_id, s.channel, s.address),
            ).fetchone()
            conn.execute(
                "INSERT INTO subscriptions (consultation_id, channel, address, grp, language,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET"
                " grp = excluded.grp, language = excluded.language",
                (s.consultation_id, s.channel, s.address, s.group, s.language, _ts(s.created_at)),
            )
        return exists is None

    def remove_subscription(self, consultation_id: str, channel: str, address: str) -> bool:
        """Remove a subscription; ``False`` if there was none."""
        with self._write() as conn:
            changed = conn.execute(
                "DELETE FROM subscriptions WHERE consultation_id = ? AND channel = ?"
                " AND address = ?",
                (consultation_id, channel, address),
            ).rowcount
        return changed == 1

    def list_subscriptions(
        self, consultation_id: str, group: str | None = None
    ) -> list[Subscription]:
        """A consultation's subscriptions; with ``group``, that group's and group-less ones."""
        sql = (
            "SELECT consultation_id, channel, address, grp, language, created_at"
            " FROM subscriptions WHERE consultation_id = ?"
        )
        params: list[Any] = [consultation_id]
        if group is not None:
            sql += " AND (grp = ? OR grp IS NULL)"
            params.append(group)
        with self._read() as conn:
            rows = conn.execute(sql + " ORDER BY created_at, channel, address", params).fetchall()
        return [
            Subscription(
                consultation_id=r[0],
                channel=r[1],
                address=r[2],
                group=r[3],
                language=r[4],
                created_at=_dt(r[5]),
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
        published = at or dt.datetime.now(dt.UTC)
        text = _dumps(dict(snapshot))
        event_rows = [_event_row(e) for e in events]
        with self._write() as conn:
            number = (
                conn.execute(
                    "SELECT coalesce(max(number), 0) FROM schedule_revisions"
                    " WHERE consultation_id = ?",
                    (consultation_id,),
                ).fetchone()[0]
                + 1
            )
            conn.execute(
                "INSERT INTO schedule_revisions VALUES (?, ?, ?, ?)",
                (consultation_id, number, _ts(published), text),
            )
            conn.executemany(_INSERT_EVENT, event_rows)
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
                "SELECT * FROM schedule_revisions WHERE consultation_id = ?"
                " ORDER BY number DESC LIMIT 1",
                (consultation_id,),
            ).fetchone()
        return None if row is None else _revision(row)

    def schedule_revisions(self, consultation_id: str) -> list[ScheduleRevision]:
        """Every revision, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT * FROM schedule_revisions WHERE consultation_id = ? ORDER BY number",
                (consultation_id,),
            ).fetchall()
        return [_revision(r) for r in rows]


def open_sqlite(url: str) -> SqliteStore:
    """Open (creating and migrating if needed) the SQLite store at ``url``."""
    return SqliteStore(url)


def _receipt_for_key(conn: sqlite3.Connection, consultation_id: str, key: str) -> Receipt | None:
    found = conn.execute(
        "SELECT tracking_number, id, consultation_id, call_id, received_at,"
        " receipt_status FROM submissions"
        " WHERE consultation_id = ? AND idempotency_hash = ?",
        (consultation_id, idempotency_key_hash(key)),
    ).fetchone()
    if found is None:
        return None
    return Receipt(
        tracking_number=found[0],
        submission_id=found[1],
        consultation_id=found[2],
        call_id=found[3],
        received_at=_dt(found[4]),
        status=SubmissionStatus(found[5]),
        replayed=True,
    )
