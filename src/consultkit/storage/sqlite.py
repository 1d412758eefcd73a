"""The SQLite store (``sqlite:///PATH``), the default backend, on the standard library's sqlite3.

URL: ``sqlite:///consultkit.sqlite`` or ``sqlite:///./data/ck.sqlite`` is relative to the
current directory; ``sqlite:////srv/ck.sqlite`` (four slashes) is absolute, as in
SQLAlchemy.

The SQL of every store method is the shared base, :mod:`consultkit.storage.sql`; this
module holds what is SQLite's own: the dialect, the connections, the schema and the bulk
load of a chunk.

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
* **Erased means gone from the files** (issue 9, finding 5): ``secure_delete`` makes SQLite
  overwrite deleted and replaced content with zeros (some builds leave it off), and an
  erasure ends with a ``TRUNCATE`` checkpoint, so the WAL, which keeps the old pages for as
  long as any process holds the store open, no longer holds them either.
* **A new store file is 0600** (issue 9, finding 6): it holds names and addresses, so it is
  created readable by its owner only, whatever the umask; SQLite gives the ``-wal`` and
  ``-shm`` files the database file's mode.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from consultkit.errors import StoreError
from consultkit.i18n import deferred
from consultkit.reasons import os_reason
from consultkit.storage.private_files import create_private
from consultkit.storage.protocols import idempotency_key_hash
from consultkit.storage.sql import BULK_IMPORT_ENTRY, Dialect, SqlStore, utc_instant_for_storage

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

BUSY_TIMEOUT_MS = 15_000
WRITER_CACHE_KIB = 32 * 1024
"""The writer connection's page cache (SQLite's default is 2 MB). A bulk import inserts
into four indexes with random keys (tracking number, idempotency hash, e-mail,
fingerprint); with 2 MB their pages missed the cache from about 20,000 rows on and were
read again from the file for every row (issue 14: system time grew 17x from 100k to 1M
rows). Pages are only allocated when used, so a small store never takes 32 MB."""

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
    (
        # Idempotency keys become their submitter's (issue 9, finding 8): rehash the keys
        # stored as sha256(key) with their submitter's address, and drop the binding of
        # erased submissions (their key is gone; their hash must not answer any more).
        """UPDATE submissions SET idempotency_hash = CASE
               WHEN idempotency_key IS NULL OR erased_at IS NOT NULL THEN NULL
               ELSE consultkit_idempotency_hash(idempotency_key, submitter_email) END""",
    ),
    (
        # Calls with their own fields (issue 12): the values, as one JSON object per
        # submission; submissions made before have none.
        "ALTER TABLE submissions ADD COLUMN fields TEXT NOT NULL DEFAULT '{}'",
    ),
    (
        # Review and selection (issue 12): who reviews what in each round, and the
        # reviews given. Reviewers are known here by id only; their names, addresses
        # and organisations stay in the organisers' private reviewers file.
        """CREATE TABLE review_assignments (
            consultation_id TEXT NOT NULL,
            round TEXT NOT NULL,
            submission_id TEXT NOT NULL REFERENCES submissions(id),
            reviewer_id TEXT NOT NULL,
            assigned_at TEXT NOT NULL,
            PRIMARY KEY (consultation_id, round, submission_id, reviewer_id)
        )""",
        "CREATE INDEX review_assignments_reviewer"
        " ON review_assignments (consultation_id, round, reviewer_id)",
        """CREATE TABLE reviews (
            consultation_id TEXT NOT NULL,
            round TEXT NOT NULL,
            submission_id TEXT NOT NULL REFERENCES submissions(id),
            reviewer_id TEXT NOT NULL,
            at TEXT NOT NULL,
            scores TEXT NOT NULL,
            passed INTEGER,
            abstained INTEGER NOT NULL,
            confidence INTEGER,
            comment TEXT,
            PRIMARY KEY (consultation_id, round, submission_id, reviewer_id)
        )""",
    ),
    (
        # Editing until the deadline (issue 12): the content each edit replaced.
        """CREATE TABLE submission_versions (
            submission_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            replaced_at TEXT NOT NULL,
            content TEXT NOT NULL,
            PRIMARY KEY (submission_id, version)
        )""",
    ),
    (
        # Verification levels (issue 10): how far each sender was verified; submissions
        # made before were never asked to confirm anything.
        "ALTER TABLE submissions ADD COLUMN verification TEXT NOT NULL DEFAULT 'none'",
    ),
    (
        # Per-call quotas (issue 10): hashes of the normalised address and organisation,
        # counted per call when a submission is stored; older rows are not counted.
        "ALTER TABLE submissions ADD COLUMN quota_email TEXT",
        "ALTER TABLE submissions ADD COLUMN quota_organisation TEXT",
        """CREATE INDEX submissions_quota_email ON submissions
           (consultation_id, call_id, quota_email) WHERE quota_email IS NOT NULL""",
        """CREATE INDEX submissions_quota_organisation ON submissions
           (consultation_id, call_id, quota_organisation) WHERE quota_organisation IS NOT NULL""",
    ),
    (
        # Screening (issue 10): why plugins hold a submission for review, until a decision.
        "ALTER TABLE submissions ADD COLUMN held TEXT",
    ),
    (
        # Organisers' bearer tokens for the organiser API (issue 10): hashes only.
        """CREATE TABLE api_tokens (
            name TEXT NOT NULL,
            consultation_id TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT,
            PRIMARY KEY (consultation_id, name)
        )""",
    ),
    (
        # A delivery's failure in words to render for its reader (issue 11): the message id
        # and its values as JSON, beside the English ``last_error`` programs read.
        "ALTER TABLE deliveries ADD COLUMN last_error_words TEXT",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class SqliteDialect(Dialect):
    """SQLite: ``?`` placeholders, instants as fixed-width UTC ISO 8601 text, JSON as text.

    Fixed-width UTC text sorts in time order, so SQL compares and orders instants. Writers
    are serialised by ``BEGIN IMMEDIATE``, so no row locks are taken.
    """

    name: ClassVar[str] = "SQLite"
    insert_ignore: ClassVar[str] = "INSERT OR IGNORE INTO"
    max_ids: ClassVar[int] = 500  # well under SQLite's oldest limit of 999 variables
    integrity_errors: ClassVar[tuple[type[BaseException], ...]] = (sqlite3.IntegrityError,)

    def dump_instant(self, value: dt.datetime) -> str:
        """``value`` as UTC ISO 8601 text with microseconds."""
        if value.tzinfo is dt.UTC and type(value) is dt.datetime:
            # What every stored value object holds already (consultkit.domain.instants):
            # no conversion, once per row of a bulk import (issue 14).
            return value.isoformat(timespec="microseconds")
        return utc_instant_for_storage(value).isoformat(timespec="microseconds")

    def load_instant(self, value: Any) -> dt.datetime:
        """An instant stored by :meth:`dump_instant`."""
        return _load_instant(value)

    def instant_text(self, value: Any) -> str:
        """The export's text of an instant stored by :meth:`dump_instant`, cut from the
        stored text: ``2019-06-04T14:00:00.000000+00:00`` is ``2019-06-04T14:00:00Z``.

        ``dump_instant`` writes ``isoformat(timespec="microseconds")`` of a UTC datetime,
        so the text is ``isoformat()``'s with the fraction always there; the export's form
        drops a zero fraction as ``isoformat()`` does (issue 14: parsing the text into a
        datetime to format it again was most of an exported row's instant work). Text in
        any other form is read as an instant first.
        """
        text: str = value
        if text[19:20] == "." and text[26:] == "+00:00":
            return text[:19] + "Z" if text[20:26] == "000000" else text[:26] + "Z"
        return super().instant_text(text)

    def load_json(self, value: Any) -> Any:
        """JSON text as Python data."""
        return _decode_json(value)

    def dump_ids(self, ids: Sequence[str]) -> str:
        """A JSON list of ids."""
        return self.dump_json(list(ids))

    def load_ids(self, value: Any) -> list[Any]:
        """A JSON list of ids."""
        return list(json.loads(value))


SQLITE = SqliteDialect()

# Columns hold text, so ``json.loads``'s checks for bytes and its keyword handling are
# skipped: it runs once per outbox event drained (issue 14).
_decode_json = json.JSONDecoder().decode


# A claimed batch shares its instants (the deliveries routed together are due together,
# and one claim gives them one lease): parsed once, not once per delivery (issue 14).
# Datetimes are immutable, so sharing them is safe.
@functools.lru_cache(maxsize=1024)
def _load_instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


# -- the store ---------------------------------------------------------------------------


def path_from_url(url: str) -> Path:
    """The file a ``sqlite:///PATH`` URL names (``sqlite:////abs`` for an absolute path)."""
    prefix = "sqlite:///"
    if not url.lower().startswith(prefix):
        raise StoreError(
            deferred.gettext(
                "not a SQLite URL %(url)r: write sqlite:///relative/path.sqlite or"
                " sqlite:////absolute/path.sqlite",
                url=url,
            )
        )
    path = url[len(prefix) :]
    if not path or path.endswith("/"):
        raise StoreError(
            deferred.gettext(
                "no file name in %(url)r: write e.g. sqlite:///consultkit.sqlite", url=url
            )
        )
    return Path(path)


# SQLite's primary result codes (https://sqlite.org/rescode.html).
_SQLITE_IOERR = 10
_SQLITE_FULL = 13
#: Less free space than this on the store's file system, with SQLITE_IOERR: a full disk.
_NEARLY_FULL_BYTES = 1024 * 1024


def _nearly_full(path: str) -> bool:
    # Asked only after an I/O error: shutil (8 ms with bz2 and lzma) is not paid by every
    # verb that opens a store (issue 14).
    import shutil

    try:
        return shutil.disk_usage(Path(path).resolve().parent).free < _NEARLY_FULL_BYTES
    except OSError:
        return False


class SqliteStore(SqlStore):
    """A :class:`~consultkit.storage.protocols.Store` in one SQLite file (see the module doc)."""

    url: str
    dialect: ClassVar[Dialect] = SQLITE
    _CAMPAIGN_COUNTS: ClassVar[str] = (
        # One pass: SQLite takes a bare column (title) from the row min() picked, and
        # fixed-width instants make received_at || id order like (received_at, id).
        "SELECT fingerprint, count(*) AS n, title, min(received_at || id) FROM submissions"
        " WHERE consultation_id = ? GROUP BY fingerprint HAVING n > 1"
        " ORDER BY n DESC, fingerprint"
    )

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
                    deferred.gettext(
                        "cannot open %(url)s: directory %(directory)r does not exist;"
                        " create it or choose another path",
                        url=url,
                        directory=str(parent),
                    )
                )
            self._path = str(file)
            try:
                create_private(file)
            except OSError as exc:
                raise StoreError(
                    deferred.gettext(
                        "cannot create %(url)s: %(reason)s; check the directory's"
                        " permissions or choose another path",
                        url=url,
                        reason=os_reason(exc),
                    )
                ) from exc
        else:
            self._path = path
        self._writer = self._connect()
        self._writer.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
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
                    deferred.gettext(
                        "cannot use %(url)s: SQLite refused WAL mode (got %(mode)s); put the"
                        " file on a local disk (WAL does not work on network filesystems)",
                        url=self.url,
                        mode=mode,
                    )
                )
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA secure_delete = ON")
            # Used by migration 2; Python's hash, so SQL and the store agree on every byte.
            conn.create_function(
                "consultkit_idempotency_hash", 2, idempotency_key_hash, deterministic=True
            )
        except sqlite3.Error as exc:
            raise self._disk_full(exc) or StoreError(
                deferred.gettext(
                    "cannot open %(url)s: %(reason)s; check that it is a consultkit SQLite"
                    " database on a local disk, or choose another path",
                    url=self.url,
                    reason=str(exc),
                )
            ) from exc
        return conn

    def _disk_full(self, exc: sqlite3.Error) -> StoreError | None:
        """The error for people when ``exc`` means the disk is full, else None.

        SQLite says SQLITE_FULL, or SQLITE_IOERR ("disk I/O error") when the WAL cannot
        grow; the latter is read as a full disk only when the file system says so.
        """
        code = getattr(exc, "sqlite_errorcode", None)
        primary = None if code is None else code & 0xFF
        if primary == _SQLITE_FULL or (primary == _SQLITE_IOERR and _nearly_full(self._path)):
            return StoreError(
                deferred.gettext(
                    "the disk is full at %(directory)s: free space and retry;"
                    " nothing was half-written",
                    directory=str(Path(self._path).resolve().parent),
                )
            )
        return None

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
                    deferred.gettext(
                        "%(url)s is busy (%(reason)s) after waiting %(seconds)s s; another"
                        " process holds a long write transaction, try again",
                        url=self.url,
                        reason=str(exc),
                        seconds=BUSY_TIMEOUT_MS // 1000,
                    )
                ) from exc
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    # A failed ROLLBACK (a full disk again) must not hide the first error;
                    # SQLite rolls back the journal itself when it next opens the file.
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                full = self._disk_full(exc) if isinstance(exc, sqlite3.Error) else None
                if full is not None:
                    raise full from exc
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

    def _detach(self) -> list[sqlite3.Connection]:
        readers, self._readers = self._readers, []
        return [*readers, self._writer]

    # -- schema

    def _up_to_date(self) -> bool:
        """Whether the schema is current, read without taking the write lock.

        Most opens find nothing to migrate: a plain read (no ``BEGIN IMMEDIATE``) lets them
        open without waiting for, or blocking, a writer (issue 14: each CLI verb opens the
        store once). A new or older database returns False and is migrated under the lock.
        """
        try:
            row = self._writer.execute("SELECT max(version) FROM schema_version").fetchone()
        except sqlite3.OperationalError:  # no such table: a new database
            return False
        return row is not None and row[0] == SCHEMA_VERSION

    def _migrate(self) -> None:
        try:
            if self._up_to_date():
                return
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
                        deferred.gettext(
                            "%(url)s has schema version %(version)s, newer than this"
                            " consultkit understands (%(known)s); upgrade consultkit to use it",
                            url=self.url,
                            version=current,
                            known=SCHEMA_VERSION,
                        )
                    )
                now = SQLITE.dump_instant(dt.datetime.now(dt.UTC))
                for version in range(current + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS[version - 1]:
                        conn.execute(statement)
                    conn.execute("INSERT INTO schema_version VALUES (?, ?)", (version, now))
        except sqlite3.DatabaseError as exc:
            self._writer.close()
            raise self._disk_full(exc) or StoreError(
                deferred.gettext(
                    "cannot open %(url)s: %(reason)s; is it a consultkit SQLite database?",
                    url=self.url,
                    reason=str(exc),
                )
            ) from exc
        except BaseException:
            self._writer.close()
            raise

    def schema_version(self) -> int:
        """The schema version stored in the file."""
        with self._read() as conn:
            row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0])

    def _add_chunk(self, rows: list[tuple[Any, ...]]) -> int:
        with self._write() as conn:
            before = conn.execute("SELECT coalesce(max(seq), 0) FROM submissions").fetchone()[0]
            conn.executemany(
                self._insert_submission_sql().replace("INSERT", "INSERT OR IGNORE", 1), rows
            )
            # New rows are exactly those past the previous highest seq in this transaction,
            # so one statement writes their history entries (no per-row round trips).
            added: int = conn.execute(
                "INSERT INTO history (submission_id, at, actor_role, actor_id, from_status,"
                " to_status, reason) SELECT id, received_at, ?, ?, NULL, status, ?"
                " FROM submissions WHERE seq > ? ORDER BY seq",
                (*BULK_IMPORT_ENTRY, before),
            ).rowcount
        # Between chunks, let the WAL be copied back so it stays bounded.
        with self._lock:
            self._writer.execute("PRAGMA wal_checkpoint(PASSIVE)")
        return added

    def erase_submitter(
        self,
        consultation_id: str,
        email: str,
        *,
        keep_text: bool,
        reason: str,
        at: dt.datetime,
    ) -> int:
        """Erase as the SQL base does, then copy the WAL back and empty it (module doc).

        The checkpoint runs even when nothing matched, so running an erasure again after
        a long read blocked the first one's checkpoint finishes the job.
        """
        erased = super().erase_submitter(
            consultation_id, email, keep_text=keep_text, reason=reason, at=at
        )
        with self._lock:
            self._check_open()
            # TRUNCATE waits (busy_timeout) for readers to finish, then leaves a WAL of
            # zero bytes: the pre-erasure pages are nowhere in the files any more.
            busy = self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        if busy:
            raise StoreError(
                deferred.gettext(
                    "%(url)s: the erasure is stored, but a long read elsewhere kept the old"
                    " pages in the WAL; run the same erasure again once that process is done",
                    url=self.url,
                )
            )
        return erased


def open_sqlite(url: str) -> SqliteStore:
    """Open (creating and migrating if needed) the SQLite store at ``url``."""
    return SqliteStore(url)
