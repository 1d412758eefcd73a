"""Growth curves for the benchmarks: one fresh process per (size, side), time and memory.

A side runs in its own process so its peak resident memory (``ru_maxrss``) is its own;
the child prints one JSON line. Issue 14 asks every bulk path for a curve at 10k, 100k and
1M (smoke: 1k, 10k) that fails at full size when time grows worse than n log n or memory
grows with n on a path that should stream.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
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


@functools.cache
def _sqlite_library() -> ctypes.CDLL | None:
    # The library the sqlite3 module is linked against (one copy per process, so its
    # counters are the module's); None where it is built in statically.
    name = ctypes.util.find_library("sqlite3")
    if name is None:
        return None
    try:
        library = ctypes.CDLL(name)
    except OSError:
        return None
    library.sqlite3_memory_highwater.restype = ctypes.c_int64
    library.sqlite3_memory_highwater.argtypes = [ctypes.c_int]
    return library


def sqlite_peak_mb() -> float | None:
    """The most SQLite's own allocator held at once in this process, in MB (its page
    caches, bounded by each connection's ``cache_size``), or ``None`` where unknown."""
    library = _sqlite_library()
    return None if library is None else library.sqlite3_memory_highwater(0) / 2**20


def load_sqlite(path: Path, submissions: Iterable[Any]) -> None:
    """Bulk-store ``submissions`` in a new SQLite store at ``path`` (a benchmark's set-up)."""
    from consultkit.pluginhost.host import PluginHost

    store = PluginHost.load(entry_points=False).open_store(f"sqlite:///{path}")
    try:
        store.add_submissions(submissions)
    finally:
        store.close()


def run_child(work: Callable[[], Any], *, sqlite_cache: bool = False) -> None:
    """Run ``work`` in this (child) process and print wall, CPU seconds and peak memory.

    With ``sqlite_cache``, also SQLite's own peak (:func:`sqlite_peak_mb`), which
    :func:`report` then judges apart from the rest of the process's memory: a page cache
    fills up to its ``cache_size`` as the file grows, whatever the code holds.
    """
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    work()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result = {"wall": wall, "cpu": cpu, "peak_mb": peak_mb()}
    sqlite_mb = sqlite_peak_mb() if sqlite_cache else None
    if sqlite_mb is not None:
        result["sqlite_mb"] = sqlite_mb
    print(json.dumps(result))


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
        said = f"peak memory x{memory:.2f}"
        if all("sqlite_mb" in r for r in (results[0], results[-1])):
            # SQLite's page caches are bounded by their cache_size, not by n: judged is the
            # rest of the peak (an upper bound on what SQLite held at that moment is taken
            # off, so Python holding rows in proportion to n still shows).
            memory = (results[-1]["peak_mb"] - results[-1]["sqlite_mb"]) / (
                results[0]["peak_mb"] - results[0]["sqlite_mb"]
            )
            caches = " -> ".join(f"{r['sqlite_mb']:.0f}" for r in results)
            said += f"; without SQLite's page caches ({caches} MB) x{memory:.2f}"
        print(
            f"  {name}: CPU x{grew:.1f} for x{last / first:.0f} rows"
            f" (n log n allows x{allowed:.1f}), {said}"
        )
        if grew > allowed:
            problems.append(f"{title}, {name}: CPU grew x{grew:.1f} > n log n x{allowed:.1f}")
        if memory > MEMORY_GROWTH:
            problems.append(f"{title}, {name}: peak memory grew x{memory:.2f} > {MEMORY_GROWTH}")
    return problems
