"""Benchmark: CSV export with formula neutralising against a plain ``csv.writer`` dump.

Both read the same submissions from the same SQLite store (through its read connection)
and write the same columns to a file; the plain dump skips neutralising. Timings are the process's
CPU time (both jobs are CPU-bound in-process), so other work on a shared machine does not
skew the ratio. Target: the
export runs at >= 0.8x the plain dump's rows per second (reliability notes §4 measured
0.90x for the raw defang alone). The ratio is what is compared, so the figure holds
across machines. Rows carry 1-2 KB of text and 5 % of titles start with ``=``.

    python benchmarks/bench_export.py           # full run (200,000 rows); exit 1 if under target
    python benchmarks/bench_export.py --smoke   # a quick run for CI; never fails on speed
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from _growth import measure, report, run_child

from consultkit.domain.submissions import Consent, Provenance, Submission, Submitter
from consultkit.formats.submission_export import FULL_COLUMNS, export_records
from consultkit.pluginhost.host import PluginHost

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

TARGET = 0.9
HEADER = (
    "id",
    "tracking_number",
    "consultation_id",
    "call_id",
    "group",
    "language",
    "status",
    "received_at",
    "updated_at",
    "title",
    "body",
    "tags",
    "attachments",
    "submitter_name",
    "submitter_email",
    "submitter_organisation",
    "submitter_country",
    "consent_publish_text",
    "consent_publish_name",
    "consent_publish_organisation",
    "provenance",
    "fingerprint",
    "idempotency_key",
    "erased_at",
    "verification",
    "held",
)  # FULL_COLUMNS, written out: the baseline uses no consultkit code
CONSULTATION = "bench"
T0 = dt.datetime(2019, 6, 4, 14, tzinfo=dt.UTC)


def _submissions(count: int, seed: int = 7) -> Iterator[Submission]:
    rng = random.Random(seed)
    words = [f"word{i}" for i in range(500)]
    texts = [" ".join(rng.choices(words, k=rng.randint(150, 300))) for _ in range(200)]
    for n in range(count):
        body = texts[n % len(texts)]
        title = f"=SUM(A{n})" if n % 20 == 0 else f"Proposal {n}"
        at = T0 + dt.timedelta(seconds=n)
        yield (
            Submission(
                id=f"{n:08d}-{rng.getrandbits(64):016x}",
                tracking_number=f"CK-{n:012d}",
                consultation_id=CONSULTATION,
                call_id="official-submissions",
                submitter=Submitter(
                    name=f"Person {n}",
                    email=f"person{n}@example.org",
                    group="civil-society",
                    organisation="Example NGO",
                    country="CH",
                ),
                title=title,
                body=body,
                language="en",
                tags=("C1", "SDG5"),
                consent=Consent(publish_text=True),
                provenance=Provenance.BULK_IMPORT,
                received_at=at,
                updated_at=at,
                fingerprint=hashlib.sha256(body.encode()).hexdigest(),
            )
        )


# Stored instants are fixed-width UTC text with microseconds; the export writes the same
# instant with a Z, and without the fraction when it is zero (``datetime.isoformat``).
def _instant_sql(column: str) -> str:
    return f"replace(replace({column}, '.000000+00:00', 'Z'), '+00:00', 'Z')"


def _list_sql(column: str) -> str:
    return f"(SELECT group_concat(value, ';') FROM json_each({column}))"


def _flag_sql(key: str) -> str:
    return f"CASE json_extract(consent, '$.{key}') WHEN 1 THEN 'true' ELSE 'false' END"


#: The export's columns (FULL_COLUMNS) computed by SQLite from the stored row.
PLAIN_SQL = (
    "SELECT id, tracking_number, consultation_id, call_id,"
    " json_extract(submitter, '$.group'), language, status,"
    f" {_instant_sql('received_at')}, {_instant_sql('updated_at')}, title, body,"
    f" {_list_sql('tags')}, {_list_sql('attachments')},"
    " json_extract(submitter, '$.name'), json_extract(submitter, '$.email'),"
    " json_extract(submitter, '$.organisation'), json_extract(submitter, '$.country'),"
    f" {_flag_sql('publish_text')}, {_flag_sql('publish_name')},"
    f" {_flag_sql('publish_organisation')}, provenance, fingerprint, idempotency_key,"
    f" {_instant_sql('erased_at')}, verification, held"
    " FROM submissions WHERE consultation_id = ? ORDER BY received_at, id"
)
FORMULA = frozenset("=+-@\t\r")


def _plain(database: Path, path: Path, _store: object) -> int:
    """The baseline: SQL straight to ``csv.writer``, the same bytes as the export.

    No consultkit code: one query computes every column from the stored row, and the loop
    does the one thing SQL does not, the formula neutralising every cell gets (issue 14:
    the old baseline built full submission objects through the store, so it shared the
    export's slowest part and flattered the ratio).
    """
    count = 0
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(HEADER)
            for row in conn.execute(PLAIN_SQL, (CONSULTATION,)):
                writer.writerow(
                    ["'" + v if v.__class__ is str and v[:1] in FORMULA else v for v in row]
                )
                count += 1
    finally:
        conn.close()
    return count


def _export(_database: Path, path: Path, store: object) -> int:
    with path.open("w", encoding="utf-8", newline="") as out:
        # What `submissions export` runs: the store's flat records, no submission objects.
        return export_records(out, store.submission_records(CONSULTATION), format="csv")  # type: ignore[attr-defined]


def run(rows: int, repeat: int) -> float:
    """Return the median ratio export rate / plain rate over ``repeat`` alternating runs."""
    assert HEADER == FULL_COLUMNS, "the baseline's header lags the export's columns"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        host = PluginHost.load(entry_points=False)
        database = folder / "bench.sqlite"
        store = host.open_store(f"sqlite:///{database}")
        try:
            started = time.perf_counter()
            stored = store.add_submissions(_submissions(rows))
            print(f"loaded {stored} rows in {time.perf_counter() - started:.1f} s")
            ratios = []
            for attempt in range(repeat):
                timings = {}
                # Alternate which goes first so cache warmth favours neither.
                order = [("plain", _plain), ("export", _export)]
                if attempt % 2:
                    order.reverse()
                for name, job in order:
                    started = time.process_time()
                    written = job(database, folder / f"{name}.csv", store)
                    timings[name] = time.process_time() - started
                    assert written == rows, (name, written)
                plain_rate = rows / timings["plain"]
                export_rate = rows / timings["export"]
                ratios.append(export_rate / plain_rate)
                print(
                    f"run {attempt + 1}: plain {plain_rate:,.0f} rows/s,"
                    f" neutralised {export_rate:,.0f} rows/s, ratio {export_rate / plain_rate:.2f}"
                )
            neutralised = (folder / "export.csv").read_text(encoding="utf-8")
            if (folder / "plain.csv").read_bytes() != (folder / "export.csv").read_bytes():
                raise SystemExit("the baseline's file differs from the export's: fix the baseline")
            assert "\r\n'=SUM(A0)" in neutralised.replace(",'=SUM", "\r\n'=SUM"), "not neutralised"
        finally:
            store.close()
    return statistics.median(ratios)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small and quick; never fails")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--sizes", type=int, nargs="*", help="growth sizes (default 10k 100k)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0
    rows = args.rows or (2_000 if args.smoke else 200_000)
    repeat = args.repeat or (1 if args.smoke else 3)
    ratio = run(rows, repeat)
    print(f"median ratio {ratio:.2f} (target >= {TARGET})")
    with tempfile.TemporaryDirectory() as tmp:
        sizes = args.sizes or ([1_000, 10_000] if args.smoke else [10_000, 100_000])

        def side(name: str) -> Callable[[int], dict[str, float]]:
            def one(count: int) -> dict[str, float]:
                database = Path(tmp) / f"growth-{count}.sqlite"
                if not database.exists():
                    measure(__file__, "load", str(database), str(count))
                return measure(__file__, name, str(database), str(count))

            return one

        grew = report(
            "CSV export (SQLite)", sizes, {"plain": side("plain"), "export": side("export")}
        )
    if args.smoke:
        return 0
    return 0 if ratio >= TARGET and not grew else 1


def _child(side: str, database: str, count: str) -> None:
    """One side of the growth curve in this process (``load`` is the set-up)."""
    host = PluginHost.load(entry_points=False)
    store = host.open_store(f"sqlite:///{database}")
    output = Path(f"{database}.{side}.csv")
    try:
        if side == "load":
            run_child(lambda: store.add_submissions(_submissions(int(count))))
        else:
            job = _plain if side == "plain" else _export
            run_child(lambda: job(Path(database), output, store))
    finally:
        store.close()
        output.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
