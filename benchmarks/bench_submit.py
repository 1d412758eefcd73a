"""Benchmark: submitting through consultkit's public API against raw sqlite3 doing the same writes.

Two measurements, each compared in the same run with a raw ``sqlite3`` program that writes
the same rows (submission + history, and for single submissions the receipt outbox event)
into the same schema with the same settings (WAL, ``synchronous=FULL``, ``BEGIN
IMMEDIATE``). Raw code gets the same input rows and must compute the same stored values
(time-ordered id, tracking number, body fingerprint, JSON columns), so the ratio is what
the library adds: validation, values, hooks and the store layer.

1. Bulk import: ``Consultkit.import_submissions`` of N rows (lazily generated, about 1 KB
   of text each) against raw chunked ``executemany`` (2,000 rows per transaction, the
   import's default, for both).
   Target: >= 0.75x raw, and the ``-wal`` file never above about 100 MB (sampled).
2. One durable submission: ``Consultkit.submit`` (rules, validate hook, submission +
   history + idempotency record + outbox event in one transaction, received hook) against
   raw one-transaction-per-row inserts of the same rows. Target: >= 0.7x raw.

    python benchmarks/bench_submit.py           # full: 1,000,000 rows; exit 1 if a target is missed
    python benchmarks/bench_submit.py --smoke   # small sizes for CI; never fails on speed
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import hashlib
import json
import os
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from consultkit.app.application import Consultkit
from consultkit.config.loader import load_consultation
from consultkit.domain.campaigns import fingerprint
from consultkit.domain.clock import FixedClock
from consultkit.domain.submissions import Submitter, new_submission_id, new_tracking_number

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

BULK_TARGET = 0.75
SINGLE_TARGET = 0.7
WAL_LIMIT = 100 * 1024 * 1024
CHUNK = 2_000  # the import default, IMPORT_CHUNK_SIZE; see its comment about the WAL
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
CALL = "official-submissions"
RECEIVED = "2019-12-01T10:00:00+00:00"
NOW = dt.datetime(2019, 12, 2, 10, 0, tzinfo=dt.UTC)
GROUPS = ("governments", "private-sector", "civil-society", "academia-technical")
_SENTENCE = (
    "access connectivity rural schools broadband spectrum policy digital inclusion women"
    " youth capacity building cybersecurity trust ethics data governance open standards"
    " multilingual content e-government e-health e-learning climate resilience innovation"
)
_WORDS = _SENTENCE.split()


def rows(count: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """``count`` import rows, generated lazily; about 1 KB of varied text each."""
    n_words = len(_WORDS)
    for i in range(count):
        k = (i * 7919 + seed) % n_words
        words = [_WORDS[(k + j * (i % 5 + 1)) % n_words] for j in range(140)]
        yield {
            "call": CALL,
            "name": f"Person {i}",
            "email": f"person{i}@example.org",
            "group": GROUPS[i % 4],
            "organisation": f"Org {i % 1000}",
            "country": "CH",
            "title": f"Submission {i} on {words[0]}",
            "body": f"{i}: " + " ".join(words) + ".",
            "language": "en",
            "tags": "C2, SDG4",
            "received_at": RECEIVED,
        }


# -- the raw baseline ---------------------------------------------------------------------

_COLUMNS = (
    "id, tracking_number, consultation_id, call_id, submitter, submitter_email, title, body,"
    " language, tags, attachments, consent, provenance, status, received_at, updated_at,"
    " fingerprint, idempotency_key, idempotency_hash, receipt_status, erased_at"
)
_INSERT = f"INSERT OR IGNORE INTO submissions ({_COLUMNS}) VALUES ({', '.join('?' * 21)})"
_HISTORY = (
    "INSERT INTO history (submission_id, at, actor_role, actor_id, from_status, to_status,"
    " reason) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_EVENT = (
    "INSERT OR IGNORE INTO outbox_events (id, kind, consultation_id, occurred_at, payload,"
    " dedupe_key, submission_id) VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def _raw_connect(path: Path) -> sqlite3.Connection:
    # The schema comes from the store itself, so both sides write the same tables and indexes.
    Consultkit.open(f"sqlite:///{path}", entry_points=False).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


def _raw_row(row: dict[str, Any], consultation_id: str, key: str) -> tuple[Any, ...]:
    received = dt.datetime.fromisoformat(row["received_at"]).astimezone(dt.UTC)
    at = received.isoformat(timespec="microseconds")
    submitter = json.dumps(
        {
            "country": row["country"],
            "email": row["email"],
            "group": row["group"],
            "name": row["name"],
            "organisation": row["organisation"],
        },
        ensure_ascii=False,
    )
    tags = json.dumps([t.strip().upper() for t in row["tags"].split(",")])
    consent = '{"publish_name": false, "publish_organisation": false, "publish_text": false}'
    return (
        new_submission_id(received),
        new_tracking_number(),
        consultation_id,
        row["call"],
        submitter,
        row["email"].lower(),
        row["title"],
        row["body"],
        row["language"],
        tags,
        "[]",
        consent,
        "bulk-import",
        "submitted",
        at,
        at,
        fingerprint(row["body"]),
        key,
        hashlib.sha256(key.encode()).hexdigest(),
        "submitted",
        None,
    )


def raw_bulk(path: Path, count: int, consultation_id: str) -> float:
    """Rows per second for raw chunked executemany of submissions and their history."""
    conn = _raw_connect(path)
    start = time.perf_counter()
    chunk: list[tuple[Any, ...]] = []

    def flush() -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(_INSERT, chunk)
        conn.executemany(
            _HISTORY,
            [
                (r[0], r[14], "system", "bulk-import", None, "submitted", "bulk import")
                for r in chunk
            ],
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        chunk.clear()

    for number, row in enumerate(rows(count), start=1):
        chunk.append(_raw_row(row, consultation_id, f"import:{number}"))
        if len(chunk) >= CHUNK:
            flush()
    if chunk:
        flush()
    elapsed = time.perf_counter() - start
    conn.close()
    return count / elapsed


def raw_single(path: Path, count: int, consultation_id: str) -> float:
    """Submissions per second for raw one-transaction-per-row inserts (read-then-write)."""
    conn = _raw_connect(path)
    start = time.perf_counter()
    for number, row in enumerate(rows(count, seed=1), start=1):
        key = f"single-{number}"
        values = _raw_row(row, consultation_id, key)
        payload = json.dumps(
            {
                "tracking_number": values[1],
                "submitter_email": row["email"],
                "submitter_name": row["name"],
                "language": row["language"],
                "title": row["title"],
            }
        )
        conn.execute("BEGIN IMMEDIATE")
        found = conn.execute(
            "SELECT id FROM submissions WHERE consultation_id = ? AND idempotency_hash = ?",
            (consultation_id, values[18]),
        ).fetchone()
        if found is None:
            conn.execute(_INSERT, values)
            conn.execute(
                _HISTORY,
                (values[0], values[14], "submitter", row["email"], None, "submitted", None),
            )
            conn.execute(
                _EVENT,
                (
                    str(new_submission_id()),
                    "submission.received",
                    consultation_id,
                    values[14],
                    payload,
                    f"submission.received:{values[0]}",
                    values[0],
                ),
            )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return count / elapsed


# -- through the public API ---------------------------------------------------------------


class WalSampler:
    """Samples the size of ``PATH-wal`` every few milliseconds and keeps the maximum."""

    def __init__(self, path: Path, interval: float = 0.02) -> None:
        self.wal = Path(f"{path}-wal")
        self.interval = interval
        self.maximum = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(FileNotFoundError):
                self.maximum = max(self.maximum, self.wal.stat().st_size)
            self._stop.wait(self.interval)

    def __enter__(self) -> WalSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def api_bulk(path: Path, count: int) -> tuple[float, int]:
    """Rows per second through ``import_submissions``, and the largest WAL seen."""
    consultation = load_consultation(EXAMPLE)
    with (
        Consultkit.open(f"sqlite:///{path}", clock=FixedClock(NOW), entry_points=False) as app,
        WalSampler(path) as sampler,
    ):
        start = time.perf_counter()
        report = app.import_submissions(consultation, rows(count), chunk_size=CHUNK)
        elapsed = time.perf_counter() - start
    if report.stored != count or report.refused:
        raise SystemExit(f"import stored {report.stored} of {count}: {report.refused[:3]}")
    return count / elapsed, sampler.maximum


def api_single(path: Path, count: int) -> float:
    """Submissions per second through ``Consultkit.submit`` (one transaction each)."""
    consultation = load_consultation(EXAMPLE)
    with Consultkit.open(f"sqlite:///{path}", clock=FixedClock(NOW), entry_points=False) as app:
        start = time.perf_counter()
        for number, row in enumerate(rows(count, seed=1), start=1):
            app.submit(
                consultation,
                call_id=row["call"],
                submitter=Submitter(
                    name=row["name"],
                    email=row["email"],
                    group=row["group"],
                    organisation=row["organisation"],
                    country=row["country"],
                ),
                title=row["title"],
                body=row["body"],
                language=row["language"],
                tags=("C2", "SDG4"),
                idempotency_key=f"single-{number}",
            )
        elapsed = time.perf_counter() - start
    return count / elapsed


def _fresh(directory: Path, name: str) -> Path:
    path = directory / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def _best(runs: int, measure: Callable[[], float]) -> float:
    return max(measure() for _ in range(runs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes; never fail on speed")
    parser.add_argument("--bulk", type=int, help="rows for the bulk import (default 1,000,000)")
    parser.add_argument("--single", type=int, help="single submissions (default 3,000)")
    parser.add_argument(
        "--dir", type=Path, help="where the database files go (default: a temp dir)"
    )
    args = parser.parse_args(argv)
    bulk_rows = args.bulk or (20_000 if args.smoke else 1_000_000)
    single_rows = args.single or (300 if args.smoke else 3_000)
    consultation_id = load_consultation(EXAMPLE).id
    # Consistent runs: no GC pauses in the timed loops beyond what a long import has anyway.
    gc.collect()

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        directory = Path(tmp)
        # Alternate raw and API so disk cache and thermal state treat them alike.
        raw_bulk_rate = raw_bulk(_fresh(directory, "raw-bulk.sqlite"), bulk_rows, consultation_id)
        _fresh(directory, "raw-bulk.sqlite")
        api_bulk_rate, wal_max = api_bulk(_fresh(directory, "api-bulk.sqlite"), bulk_rows)
        _fresh(directory, "api-bulk.sqlite")
        runs = 1 if args.smoke else 3
        raw_single_rate = _best(
            runs,
            lambda: raw_single(
                _fresh(directory, "raw-single.sqlite"), single_rows, consultation_id
            ),
        )
        api_single_rate = _best(
            runs, lambda: api_single(_fresh(directory, "api-single.sqlite"), single_rows)
        )

    bulk_ratio = api_bulk_rate / raw_bulk_rate
    single_ratio = api_single_rate / raw_single_rate
    print(f"bulk import, {bulk_rows:,} rows, chunks of {CHUNK:,}:")
    print(f"  raw sqlite3 executemany : {raw_bulk_rate:12,.0f} rows/s")
    print(
        f"  import_submissions      : {api_bulk_rate:12,.0f} rows/s"
        f"  ratio {bulk_ratio:.2f} (target >= {BULK_TARGET})"
    )
    print(f"  largest WAL seen        : {wal_max / 1e6:12.1f} MB (limit {WAL_LIMIT / 1e6:.0f} MB)")
    print(f"single durable submission, {single_rows:,} in a row (synchronous=FULL):")
    print(f"  raw one txn per row     : {raw_single_rate:12,.0f} /s")
    print(
        f"  Consultkit.submit       : {api_single_rate:12,.0f} /s"
        f"  ratio {single_ratio:.2f} (target >= {SINGLE_TARGET})"
    )
    if args.smoke:
        return 0
    missed = []
    if bulk_ratio < BULK_TARGET:
        missed.append(f"bulk ratio {bulk_ratio:.2f} < {BULK_TARGET}")
    if wal_max > WAL_LIMIT:
        missed.append(f"WAL {wal_max / 1e6:.0f} MB > {WAL_LIMIT / 1e6:.0f} MB")
    if single_ratio < SINGLE_TARGET:
        missed.append(f"single ratio {single_ratio:.2f} < {SINGLE_TARGET}")
    for line in missed:
        print(f"MISSED: {line}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    os.environ.setdefault("CONSULTKIT_DISABLE_PLUGINS", "")
    sys.exit(main())
