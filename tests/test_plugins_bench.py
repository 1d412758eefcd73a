"""The hook benchmark runs (smoke mode) so it cannot rot."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_hooks.py"


def test_bench_hooks_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    namespace = runpy.run_path(str(BENCH))
    assert namespace["main"](["--smoke"]) == 0
    out = capsys.readouterr().out
    assert out.count("ratio") == 4
