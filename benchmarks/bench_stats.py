"""Benchmark: ``consultkit stats`` against one SQL GROUP BY, with a growth curve.

Both read the same SQLite store. The baseline is what the counts need and nothing of
consultkit's own code: one ``GROUP BY call, group, language, status, verification, held``
(the per-dimension counts and the group x call pairs fold from its few rows) and one
``GROUP BY fingerprint``
with the title of each campaign's first submission. ``Consultkit.statistics`` (what the CLI
verb prints) must give the same counts, checked after each timing.

Each size runs in fresh processes: one loads the store (set-up), then one per side reads
it, reporting its CPU time (user + system) and its peak resident memory (``VmHWM``),
so a side's memory is its own. Issue 14 measured 2.6 s CPU against 0.7 s at 100k: the
stats build a full submission object, body included, for every row.

Targets (full run): stats >= 0.8x the GROUP BY's rate at the largest size; peak memory
at the largest size within 1.5x of that at the smallest (a read path that streams).
``--smoke`` (1k, 10k) never fails.

    python benchmarks/bench_stats.py           # 10k and 100k (add --sizes 10000 100000 1000000)
    python benchmarks/bench_stats.py --smoke
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from _growth import load_sqlite, peak_mb

if TYPE_CHECKING:
    from collections.abc import Iterator

TARGET = 0.8
MEMORY_GROWTH = 1.5
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
T0 = dt.datetime(2019, 12, 1, 10, tzinfo=dt.UTC)
GROUPS = ("governments", "private-sector", "civil-society", "academia-technical")
CALLS = ("official-submissions", "workshop-requests")

GROUP_BY = (
    "SELECT call_id, json_extract(submitter, '$.group'), language, status, verification,"
    " held IS NOT NULL, count(*) FROM submissions WHERE consultation_id = ?"
    " GROUP BY 1, 2, 3, 4, 5, 6"
)
# SQLite takes a bare column (title) from the row that min() picked: the first received.
CAMPAIGNS = (
    "SELECT fingerprint, count(*) AS n, title, min(received_at || id) FROM submissions"
    " WHERE consultation_id = ? GROUP BY fingerprint HAVING n > 1 ORDER BY n DESC, fingerprint"
)


def _submissions(count: int) -> Iterator[Any]:
    from consultkit.domain.campaigns import fingerprint
    from consultkit.domain.submissions import Consent, Provenance, Submission, Submitter

    rng = random.Random(count)
    words = [f"word{i}" for i in range(500)]
    letters = [" ".join(rng.choices(words, k=200)) for _ in range(20)]
    for n in range(count):
        # 40 % of the texts come from 20 campaign letters: the stats count campaigns.
        body = letters[n % 20] if n % 5 < 2 else " ".join(rng.choices(words, k=200))
        at = T0 + dt.timedelta(seconds=n)
        yield Submission(
            id=f"{n:012d}-{rng.getrandbits(64):016x}",
            tracking_number=f"CK-{n:016d}",
            consultation_id="wsis-forum-2020-ocp",
            call_id=CALLS[n % 7 == 0],
            submitter=Submitter(
                name=f"Person {n}",
                email=f"person{n}@example.org",
                group=GROUPS[n % 4],
                organisation="Example",
                country="CH",
            ),
            title=f"Proposal {n}",
            body=body,
            language=("en", "es")[n % 3 == 0],
            tags=("C1",),
            consent=Consent(),
            provenance=Provenance.BULK_IMPORT,
            received_at=at,
            updated_at=at,
            fingerprint=fingerprint(body),
        )


def load(path: Path, count: int) -> None:
    load_sqlite(path, _submissions(count))


def _counts_sql(path: Path) -> dict[str, Any]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        calls: Counter[str] = Counter()
        groups: Counter[str] = Counter()
        languages: Counter[str] = Counter()
        statuses: Counter[str] = Counter()
        verifications: Counter[str] = Counter()
        pairs: Counter[str] = Counter()
        total = held = 0
        query = conn.execute(GROUP_BY, ("wsis-forum-2020-ocp",))
        for call, group, language, status, verification, is_held, n in query:
            total += n
            verifications[verification] += n
            held += n if is_held else 0
            calls[call] += n
            groups[group] += n
            languages[language] += n
            statuses[status] += n
            pairs[f"{group}/{call}"] += n
        campaigns = [
            [fp, n, title] for fp, n, title, _ in conn.execute(CAMPAIGNS, ("wsis-forum-2020-ocp",))
        ]
    finally:
        conn.close()
    return {
        "total": total,
        "calls": dict(calls),
        "groups": dict(groups),
        "languages": dict(languages),
        "statuses": dict(statuses),
        "verifications": dict(verifications),
        "held": held,
        "pairs": dict(pairs),
        "campaigns": campaigns,
    }


def _counts_api(path: Path) -> dict[str, Any]:
    from consultkit.app.application import Consultkit
    from consultkit.config.loader import load_consultation

    consultation = load_consultation(EXAMPLE)
    with Consultkit.open(f"sqlite:///{path}", entry_points=False) as app:
        started = time.process_time()
        stats = app.statistics(consultation)
        _counts_api.elapsed = time.process_time() - started  # type: ignore[attr-defined]
    return {
        "total": stats.total,
        "calls": {c.key: c.count for c in stats.by_call if c.count},
        "groups": {c.key: c.count for c in stats.by_group if c.count},
        "languages": {c.key: c.count for c in stats.by_language if c.count},
        "statuses": {c.key: c.count for c in stats.by_status if c.count},
        "verifications": {c.key: c.count for c in stats.by_verification if c.count},
        "held": stats.held,
        "pairs": {f"{g}/{c}": n for g, c, n in stats.by_group_and_call},
        "campaigns": [[c.fingerprint, c.count, c.title] for c in stats.campaigns],
    }


def child(side: str, path: Path, count: int) -> None:
    """Run one side in this process; print its CPU seconds, peak memory and counts."""
    if side == "load":
        load(path, count)
        return
    if side == "sql":
        started = time.process_time()
        counts = _counts_sql(path)
        elapsed = time.process_time() - started
    else:
        counts = _counts_api(path)  # times only the stats call, not the imports
        elapsed = _counts_api.elapsed  # type: ignore[attr-defined]
    peak = peak_mb()
    print(json.dumps({"cpu": elapsed, "peak_mb": peak, "counts": counts}))


def _run(side: str, path: Path, count: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", side, str(path), str(count)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout) if side != "load" else {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="1k and 10k; never fails")
    parser.add_argument("--sizes", type=int, nargs="*", help="sizes (default 10k, 100k)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        side, path, count = args.child
        child(side, Path(path), int(count))
        return 0
    sizes = args.sizes or ([1_000, 10_000] if args.smoke else [10_000, 100_000])
    results = []
    print(
        f"{'rows':>9} {'stats CPU s':>12} {'GROUP BY CPU s':>15} {'ratio':>6}"
        f" {'stats peak MB':>14} {'GROUP BY peak MB':>17}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for count in sizes:
            path = Path(tmp) / f"stats-{count}.sqlite"
            _run("load", path, count)
            sql = _run("sql", path, count)
            api = _run("api", path, count)
            if sql["counts"] != api["counts"]:
                raise SystemExit(f"at {count}: the GROUP BY counts differ from the stats")
            ratio = sql["cpu"] / api["cpu"] if api["cpu"] else float("inf")
            results.append((count, api, sql, ratio))
            print(
                f"{count:>9,} {api['cpu']:>12.2f} {sql['cpu']:>15.2f} {ratio:>6.2f}"
                f" {api['peak_mb']:>14.0f} {sql['peak_mb']:>17.0f}"
            )
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    growth = results[-1][1]["peak_mb"] / results[0][1]["peak_mb"]
    print(
        f"ratio = stats rate / GROUP BY rate (target >= {TARGET});"
        f" stats peak memory {results[0][0]:,} -> {results[-1][0]:,}: x{growth:.2f}"
        f" (target <= {MEMORY_GROWTH})"
    )
    if args.smoke:
        return 0
    missed = results[-1][3] < TARGET or growth > MEMORY_GROWTH
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
