"""What a CSV export does per row, counted (issue 14).

The benchmark (``benchmarks/bench_export.py``) compares ``submissions export`` with one SQL
query written straight to ``csv.writer``, the same bytes. These tests hold the export's
share of that to counts, never to timings: the Python and C function calls it makes per
row (each a tenth of a microsecond or more before it does any work) and how many of them
parse or format an instant (the store holds instants as UTC text already, which the file
shows with a ``Z``: reading them into datetimes only to write them out again was a fifth
of the export's calls).
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from typing import TYPE_CHECKING

import attrs

from consultkit.formats.submission_export import export_records
from consultkit.pluginhost.host import PluginHost
from consultkit.testing.factories import T0, make_submission

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from types import FrameType

    from consultkit.domain.submissions import Submission
    from consultkit.storage.protocols import Store

CALLS_PER_ROW = 16
"""Function calls per exported row of the benchmark's shape: 31.7 before this bound, 13.3
with it."""

#: What reads or writes an instant as text (datetime's and pendulum's).
INSTANT_WORK = frozenset({"fromisoformat", "isoformat", "astimezone", "strptime", "parse"})


@attrs.define
class _Counts:
    calls: int = 0
    instants: int = 0


def _count(work: Callable[[], object]) -> _Counts:
    """The Python and C function calls ``work`` makes, counted by a profile hook."""
    counts = _Counts()

    def hook(frame: FrameType, event: str, arg: object) -> None:
        if event == "call":
            counts.calls += 1
            counts.instants += frame.f_code.co_name in INSTANT_WORK
        elif event == "c_call":
            counts.calls += 1
            counts.instants += getattr(arg, "__name__", "") in INSTANT_WORK

    sys.setprofile(hook)
    try:
        work()
    finally:
        sys.setprofile(None)
    return counts


def _submission(n: int, consultation_id: str) -> Submission:
    """The benchmark's shape (two tags, no attachment, nothing erased), with instants on
    every microsecond edge: none, one, the last of a second, and a later update."""
    received = T0 + dt.timedelta(seconds=n, microseconds=(0, 1, 999_999, 120_000)[n % 4])
    return attrs.evolve(
        make_submission(n, consultation_id=consultation_id),
        tags=("C1", "SDG5"),
        attachments=(),
        received_at=received,
        updated_at=received if n % 3 else received + dt.timedelta(days=1, microseconds=n),
    )


def _export(store: Store, consultation_id: str) -> int:
    out = io.StringIO()
    return export_records(out, store.submission_records(consultation_id), format="csv")


def test_an_exported_row_costs_few_calls_and_parses_no_instant(tmp_path: Path) -> None:
    store = PluginHost.load(entry_points=False).open_store(f"sqlite:///{tmp_path / 'ck.sqlite'}")
    try:
        for size in (200, 600):
            store.add_submissions(_submission(n, f"c{size}") for n in range(size))
        _export(store, "c200")  # statements prepared, caches filled: paid once per export
        # The difference between exports of 200 and 600 rows is what each row costs.
        small, large = (_count(lambda c=c: _export(store, c)) for c in ("c200", "c600"))
    finally:
        store.close()
    per_row = (large.calls - small.calls) / 400
    assert per_row <= CALLS_PER_ROW, f"{per_row:.1f} calls per row"
    assert small.instants == large.instants == 0, "an instant was parsed or formatted"
