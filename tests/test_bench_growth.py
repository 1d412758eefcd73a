"""The growth curve's memory check (issue 14): a bounded SQLite cache is not growth with n.

The outbox drain's peak grew x1.7-1.8 from 10k to 100k events on both sides: SQLite's page
caches filling up to their ``cache_size`` while the file grew, in the process that also
enqueued the events. The curve now drains in a process of its own and judges peak memory
without SQLite's own high-water, which each drain reports.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _growth() -> Any:
    spec = importlib.util.spec_from_file_location("_growth", BENCHMARKS / "_growth.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _side(results: dict[int, dict[str, float]]) -> Any:
    return lambda n: results[n]


def test_a_page_cache_filling_to_its_bound_is_not_memory_growth(
    capsys: pytest.CaptureFixture[str],
) -> None:
    growth = _growth()
    caches = {
        10: {"cpu": 1.0, "wall": 1.0, "peak_mb": 40.0, "sqlite_mb": 6.0},
        100: {"cpu": 10.0, "wall": 10.0, "peak_mb": 70.0, "sqlite_mb": 34.0},
    }
    rows = {
        10: {"cpu": 1.0, "wall": 1.0, "peak_mb": 40.0, "sqlite_mb": 6.0},
        100: {"cpu": 10.0, "wall": 10.0, "peak_mb": 70.0, "sqlite_mb": 6.0},
    }
    problems = growth.report("drain", [10, 100], {"cache": _side(caches), "rows": _side(rows)})
    assert problems == ["drain, rows: peak memory grew x1.88 > 1.5"]
    assert "without SQLite's page caches (6 -> 34 MB) x1.06" in capsys.readouterr().out


def test_the_drain_is_measured_in_a_process_that_did_not_enqueue(tmp_path: Path) -> None:
    script = str(BENCHMARKS / "bench_notify.py")

    def child(side: str) -> dict[str, float]:
        done = subprocess.run(
            [sys.executable, script, "--child", side, str(tmp_path), "1000"],
            capture_output=True,
            text=True,
            check=True,
        )
        result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
        return result

    child("seed")
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".sqlite"] == ["1000.sqlite"]
    drained = child("api")
    assert (tmp_path / "api-1000.sqlite").exists()
    if _growth().sqlite_peak_mb() is not None:
        assert drained["sqlite_mb"] > 0
