"""What a bulk import does before its first row and per row, counted (issue 14).

The benchmark (``benchmarks/bench_submit.py``, measurement 1) compares a bulk import with a
lean pipeline storing the same bytes, each timed in a fresh process. These tests hold the
import's share of that to counts, never to timings: the modules its first call loads
(without bytecode files, as the benchmark runs, each also costs its compilation) and the
Python and C function calls it makes per row (each a tenth of a microsecond or more before
it does any work; the lean pipeline makes 55 per row for the same stored values, checking
no rule).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from consultkit.app.application import Consultkit
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
CALL = "official-submissions"
DURING = dt.datetime(2019, 12, 2, 10, 0, tzinfo=dt.UTC)

CALLS_PER_ROW = 105
"""Function calls per imported row of the benchmark's shape: 126 before this bound, 102
with it."""

_FIRST_IMPORT = """
import json, sys
from consultkit.app.application import Consultkit
from consultkit.config.loader import load_consultation

consultation = load_consultation(sys.argv[1])
with Consultkit.open(f"sqlite:///{sys.argv[2]}", entry_points=False) as app:
    row = {"call": "official-submissions", "name": "A", "email": "a@example.org",
           "group": "civil-society", "title": "T", "body": "B",
           "received_at": "2019-12-01T10:00:00+00:00"}
    before = set(sys.modules)
    assert app.import_submissions(consultation, [row]).stored == 1
    print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_the_first_import_of_mappings_loads_only_the_cell_parsers(tmp_path: Path) -> None:
    # The benchmark's growth child times the first import of a fresh process: a module
    # loaded for one constant (the exporter, with the csv module and its two patterns)
    # was paid inside it.
    done = subprocess.run(
        [sys.executable, "-c", _FIRST_IMPORT, str(EXAMPLE), str(tmp_path / "ck.sqlite")],
        capture_output=True,
        text=True,
        check=True,
    )
    # What it does load is what the stored values need: the cell parsers, the submitting
    # rules, the fingerprint's and key's hashes and the tracking number's random bits
    # (each loaded where it is used, for the command line's start-up).
    assert set(json.loads(done.stdout)) == {
        "consultkit.formats.import_row",
        "consultkit.domain.submission_rules",
        *("hashlib", "_hashlib", "_blake2", "hmac"),
        *("secrets", "base64", "binascii"),
    }


def _rows(first: int, count: int) -> list[dict[str, Any]]:
    """Rows shaped as the benchmark's (and a program's): no consent cells, no fields."""
    return [
        {
            "call": CALL,
            "name": f"Person {i}",
            "email": f"person{i}@example.org",
            "group": "civil-society",
            "organisation": f"Org {i % 10}",
            "country": "CH",
            "title": f"Submission {i}",
            "body": f"{i}: the text of a submission, about schools and broadband.",
            "language": "en",
            "tags": "C2, SDG4",
            "received_at": "2019-12-01T10:00:00+00:00",
        }
        for i in range(first, first + count)
    ]


def _calls(work: Callable[[], object]) -> int:
    """The Python and C function calls ``work`` makes, counted by a profile hook."""
    counted = 0

    def hook(frame: FrameType, event: str, arg: object) -> None:
        nonlocal counted
        if event in ("call", "c_call"):
            counted += 1

    sys.setprofile(hook)
    try:
        work()
    finally:
        sys.setprofile(None)
    return counted


def test_an_imported_row_costs_few_calls(tmp_path: Path) -> None:
    consultation = load_consultation(EXAMPLE)
    with Consultkit.open(
        f"sqlite:///{tmp_path / 'ck.sqlite'}", clock=FixedClock(DURING), entry_points=False
    ) as app:
        # A first import pays for what is built once (rules, caches, statements); the
        # difference between two later ones is what each row costs. Tracking numbers are
        # drawn 256 at a time: 256 and 512 rows take exactly one and two draws whatever
        # earlier tests left in the pool, so the count does not depend on them.
        app.import_submissions(consultation, _rows(0, 50))
        counts = []
        for first, count in ((1_000, 256), (2_000, 512)):
            rows = _rows(first, count)
            counts.append(_calls(lambda rows=rows: app.import_submissions(consultation, rows)))
    per_row = (counts[1] - counts[0]) / 256
    assert per_row <= CALLS_PER_ROW, f"{per_row:.1f} calls per row"
