"""Benchmark: bulk import into PostgreSQL against COPY of the same values, no consultkit inside.

Both sides write into a fresh schema made by the store itself (the same tables, the same
seven indexes), on the server at ``--url`` (default: the test server on 127.0.0.1), in
chunks of 2,000 rows, one transaction each:

* baseline: psycopg 3 ``COPY`` straight into ``submissions`` and ``history``, with the
  stored values computed by the lean pipeline of ``bench_submit.py`` (time-ordered id,
  tracking number, fingerprint, derived idempotency key and its scoped hash, the JSON
  columns): no validation, no conflict handling, no consultkit code in the timer;
* ``Consultkit.import_submissions`` through the ``consultkit-postgres`` store.

``rows_match`` checks before timing that both store the same values (every column but the
random bits of id and tracking number, and the history). Target (issue 14): >= 0.9x the
COPY baseline. The growth curve runs each size and side in its own process (CPU of this
process only: the server's work is on the wall clock).

    python benchmarks/bench_import_postgres.py                 # 100,000 rows; growth 10k, 100k
    python benchmarks/bench_import_postgres.py --sizes 10000 100000 1000000
    python benchmarks/bench_import_postgres.py --smoke         # CI: small, never fails on speed
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
import uuid
from typing import TYPE_CHECKING, Any

import psycopg
from _growth import measure, report, run_child
from bench_submit import (
    CHUNK,
    EXAMPLE,
    NOW,
    _lean_tracking_numbers,
    _raw_row,
    rows,
)
from psycopg import sql

from consultkit.app.application import Consultkit
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock

if TYPE_CHECKING:
    from consultkit.domain.model import Consultation

TARGET = 0.9
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
_COLUMNS = (
    "id, tracking_number, consultation_id, call_id, submitter, submitter_email, title, body,"
    " language, tags, attachments, consent, provenance, status, received_at, updated_at,"
    " fingerprint, idempotency_key, idempotency_hash, receipt_status, erased_at"
)
_HISTORY = "submission_id, at, actor_role, actor_id, from_status, to_status, reason"


class Schema:
    """A fresh schema made by the store (tables, indexes), dropped on exit."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.name = f"ck_bench_{uuid.uuid4().hex[:12]}"
        self.url = f"{server}{'&' if '?' in server else '?'}schema={self.name}"

    def __enter__(self) -> Schema:
        Consultkit.open(self.url).close()
        return self

    def __exit__(self, *_: object) -> None:
        with psycopg.connect(self.server, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.name))
            )


def copy_bulk(schema: Schema, count: int, consultation_id: str) -> float:
    """Rows per second for COPY of the lean pipeline's values, a transaction per chunk."""
    conn = psycopg.connect(schema.server, autocommit=True)
    conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema.name)))
    start = time.perf_counter()
    chunk: list[tuple[Any, ...]] = []

    def flush() -> None:
        with conn.transaction(), conn.cursor() as cur:
            with cur.copy(f"COPY submissions ({_COLUMNS}) FROM STDIN") as copy:
                for row in chunk:
                    copy.write_row(row)
            with cur.copy(f"COPY history ({_HISTORY}) FROM STDIN") as copy:
                for r in chunk:
                    copy.write_row(
                        (r[0], r[14], "system", "bulk-import", None, "submitted", "bulk import")
                    )
        chunk.clear()

    numbers: list[str] = []
    for number, row in enumerate(rows(count), start=1):
        if not numbers:
            numbers = _lean_tracking_numbers(CHUNK)
        digest = hashlib.blake2b(
            f"{number}\x1f{row['call']}\x1f{row['email']}\x1f{row['title']}\x1f{row['body']}".encode(),
            digest_size=16,
        ).hexdigest()
        chunk.append(_raw_row(row, consultation_id, f"import:{digest}", numbers.pop()))
        if len(chunk) >= CHUNK:
            flush()
    if chunk:
        flush()
    elapsed = time.perf_counter() - start
    conn.close()
    return count / elapsed


def api_bulk(schema: Schema, count: int, consultation: Consultation) -> float:
    """Rows per second through ``import_submissions`` on the PostgreSQL store."""
    with Consultkit.open(schema.url, clock=FixedClock(NOW)) as app:
        start = time.perf_counter()
        result = app.import_submissions(consultation, rows(count), chunk_size=CHUNK)
        elapsed = time.perf_counter() - start
    if result.stored != count or result.refused:
        raise SystemExit(f"import stored {result.stored} of {count}: {result.refused[:3]}")
    return count / elapsed


_COMPARED = (
    "SELECT consultation_id, call_id, submitter, submitter_email, title, body, language, tags,"
    " attachments, consent, provenance, status, received_at, updated_at, fingerprint,"
    " idempotency_key, idempotency_hash, receipt_status, erased_at, length(id),"
    " substr(id, 15, 1), length(tracking_number) FROM {}.submissions ORDER BY seq"
)
_HISTORY_COMPARED = (
    "SELECT at, actor_role, actor_id, from_status, to_status, reason FROM {}.history ORDER BY seq"
)


def rows_match(server: str, count: int, consultation: Consultation) -> None:
    """Exit unless the COPY baseline stores what ``import_submissions`` stores."""
    with Schema(server) as lean, Schema(server) as ours:
        copy_bulk(lean, count, consultation.id)
        api_bulk(ours, count, consultation)
        found = []
        with psycopg.connect(server) as conn:
            for schema in (lean, ours):
                name = sql.Identifier(schema.name)
                found.append(
                    (
                        conn.execute(sql.SQL(_COMPARED).format(name)).fetchall(),
                        conn.execute(sql.SQL(_HISTORY_COMPARED).format(name)).fetchall(),
                    )
                )
    if found[0] != found[1]:
        raise SystemExit("the COPY baseline stores other values than the import: fix it")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("CONSULTKIT_TEST_POSTGRES") or DEFAULT_URL)
    parser.add_argument("--smoke", action="store_true", help="small sizes; never fail on speed")
    parser.add_argument("--rows", type=int, help="rows for the comparison (default 100,000)")
    parser.add_argument("--sizes", type=int, nargs="*", help="growth sizes (default 10k 100k)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    consultation = load_consultation(EXAMPLE)
    if args.child:
        side, count = args.child[0], int(args.child[1])
        with Schema(args.url) as schema:
            if side == "raw":
                run_child(lambda: copy_bulk(schema, count, consultation.id))
            else:
                run_child(lambda: api_bulk(schema, count, consultation))
        return 0
    try:
        psycopg.connect(args.url, connect_timeout=5).close()
    except psycopg.Error as exc:
        print(f"PostgreSQL is not reachable at {args.url}: {exc}; skipped", file=sys.stderr)
        return 0 if args.smoke and not os.environ.get("CI") else 1
    count = args.rows or (5_000 if args.smoke else 100_000)
    rows_match(args.url, 300, consultation)
    with Schema(args.url) as lean:
        lean_rate = copy_bulk(lean, count, consultation.id)
    with Schema(args.url) as ours:
        api_rate = api_bulk(ours, count, consultation)
    ratio = api_rate / lean_rate
    print(f"PostgreSQL bulk import, {count:,} rows, chunks of {CHUNK:,}:")
    print(f"  COPY of the same values : {lean_rate:12,.0f} rows/s")
    print(
        f"  import_submissions      : {api_rate:12,.0f} rows/s"
        f"  ratio {ratio:.2f} (target >= {TARGET})"
    )
    sizes = args.sizes or ([1_000, 5_000] if args.smoke else [10_000, 100_000])
    os.environ["CONSULTKIT_TEST_POSTGRES"] = args.url  # the children's server
    grew = report(
        "bulk import (PostgreSQL; CPU of the client process)",
        sizes,
        {
            "COPY baseline": lambda n: measure(__file__, "raw", str(n)),
            "import_submissions": lambda n: measure(__file__, "api", str(n)),
        },
    )
    if args.smoke:
        return 0
    missed = list(grew)
    if ratio < TARGET:
        missed.append(f"ratio {ratio:.2f} < {TARGET}")
    for line in missed:
        print(f"MISSED: {line}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
