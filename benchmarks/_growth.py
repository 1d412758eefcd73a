"""Growth curves for the benchmarks: one fresh process per (size, side), time and memory.

A side runs in its own process so its peak resident memory (``ru_maxrss``) is its own;
the child prints one JSON line. Issue 14 asks every bulk path for a curve at 10k, 100k and
1M (smoke: 1k, 10k) that fails at full size when time grows worse than n log n or memory
grows with n on a path that should stream.
"""

from __future__ import annotations

import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

NLOGN_SLACK = 1.25
"""Tolerance over n log n for time (machine noise between sizes)."""
MEMORY_GROWTH = 1.5
"""A streaming path's peak memory at the largest size, over the smallest, at most."""


def peak_mb() -> float:
    """This process's peak resident memory in MB.

    ``VmHWM`` from ``/proc/self/status`` where there is one: ``ru_maxrss`` survives
    ``exec``, so a child started from a big parent would report the parent's peak.
    """
    try:
        with Path("/proc/self/status").open(encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def load_sqlite(path: Path, submissions: Iterable[Any]) -> None:
    """Bulk-store ``submissions`` in a new SQLite store at ``path`` (a benchmark's set-up)."""
    from consultkit.pluginhost.host import PluginHost

    store = PluginHost.load(entry_points=False).open_store(f"sqlite:///{path}")
    try:
        store.add_submissions(submissions)
    finally:
        store.close()


def run_child(work: Callable[[], Any]) -> None:
    """Run ``work`` in this (child) process and print wall, CPU seconds and peak memory."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    work()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(json.dumps({"wall": wall, "cpu": cpu, "peak_mb": peak_mb()}))


def measure(script: str, *args: str) -> dict[str, float]:
    """Run ``script --child ARGS…`` and return what :func:`run_child` printed."""
    done = subprocess.run(
        [sys.executable, script, "--child", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{script} --child {' '.join(args)} failed:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def report(
    title: str, sizes: Sequence[int], sides: dict[str, Callable[[int], dict[str, float]]]
) -> list[str]:
    """Measure every side at every size, print the curve, return what grew too fast."""
    print(f"growth, {title} (CPU s / wall s / peak MB):")
    print(f"  {'rows':>9}" + "".join(f" {name:>26}" for name in sides))
    found: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
    for size in sizes:
        cells = []
        for name, side in sides.items():
            result = side(size)
            found[name].append(result)
            cells.append(f"{result['cpu']:8.2f} /{result['wall']:8.2f} /{result['peak_mb']:6.0f}")
        line = f"  {size:>9,}" + "".join(f" {cell:>26}" for cell in cells)
        if len(sides) == 2:
            # The second side's rate over the first's (the baseline's), in CPU time.
            base, ours = (found[name][-1]["cpu"] for name in sides)
            line += f"  ratio {base / max(ours, 1e-9):.2f}"
        print(line)
    problems = []
    first, last = sizes[0], sizes[-1]
    allowed = (last * math.log(last)) / (first * math.log(first)) * NLOGN_SLACK
    for name, results in found.items():
        grew = results[-1]["cpu"] / max(results[0]["cpu"], 1e-9)
        memory = results[-1]["peak_mb"] / results[0]["peak_mb"]
        print(
            f"  {name}: CPU x{grew:.1f} for x{last / first:.0f} rows"
            f" (n log n allows x{allowed:.1f}), peak memory x{memory:.2f}"
        )
        if grew > allowed:
            problems.append(f"{title}, {name}: CPU grew x{grew:.1f} > n log n x{allowed:.1f}")
        if memory > MEMORY_GROWTH:
            problems.append(f"{title}, {name}: peak memory grew x{memory:.2f} > {MEMORY_GROWTH}")
    return problems
