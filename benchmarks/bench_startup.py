"""Start-up of every CLI verb as a process, compared with importing click in the same run.

Absolute times vary between machines, so the targets are ratios measured side by side,
in CPU time (user + system of the child process, from ``resource.getrusage``), so other
work on a shared machine does not skew them:

- ``consultkit --version`` at most 2x ``python -c "import click"``;
- every verb (a cheap real invocation: the example consultation, a ``memory://`` store,
  and the plugins installed in this environment loaded as usual) at most 3x
  (issue 14: plugins register cheaply and import their heavy modules when first used).
  Verbs that plugins add are timed with ``--help`` (asking for them loads every plugin).

The ``floor`` line is a process importing exactly the third-party and standard-library
modules every verb cannot avoid (:data:`FLOOR`: the mandated libraries, without consultkit);
each verb's ratio to it, beside its ratio to ``import click``, is what consultkit itself
adds. The floor is shown, not a target: the 3x target stays as issue 14 states it.

Runs are interleaved (one of each per round) so that machine noise hits all alike, and
the median of each is compared. ``--smoke`` does one round of each and never fails; the
full mode exits 1 when a ratio exceeds its target. ``--wall`` compares wall-clock time.

    python benchmarks/bench_startup.py [--rounds N] [--smoke] [--wall]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "wsis2020" / "consultation.toml")
CK = [sys.executable, "-m", "consultkit"]
MEMORY = ["--store", "memory://"]
SUBMISSION = [
    *("--call", "official-submissions", "--group", "civil-society", "--name", "A"),
    *("--email", "a@example.org", "--title", "T", "--body", "B"),
]


# Cheap real invocations of the built-in verbs, by the name printed. Every other verb of
# the click group (a plugin's, or one added later without an entry here) is timed with
# ``VERB --help``, which imports its command module: that is where a verb's start-up cost
# hides when its module imports heavy code at the top (see docs/architecture.md).
def invocations(output: str) -> dict[str, list[str]]:
    """Name -> arguments after ``consultkit``; ``output`` is a scratch directory."""
    return {
        "--version": ["--version"],
        "validate": ["validate", EXAMPLE],
        "timeline": ["timeline", EXAMPLE],
        "plugins": ["plugins"],
        "submit": ["--now", "2019-12-01T10:00:00Z", "submit", EXAMPLE, *SUBMISSION, *MEMORY],
        "submissions list": ["submissions", "list", EXAMPLE, *MEMORY],
        "stats": ["stats", EXAMPLE, *MEMORY],
        "calendar": ["calendar", EXAMPLE],
        "publish": ["publish", EXAMPLE, *MEMORY, "-o", output],
        "history": ["history", EXAMPLE, *MEMORY],
        "notify status": ["notify", "status", *MEMORY],
        "remind": ["remind", EXAMPLE, *MEMORY],
        "subscribers list": ["subscribers", "list", EXAMPLE, *MEMORY],
    }


def verbs() -> list[str]:
    """Every command of the ``consultkit`` group: built-in, and from installed plugins."""
    import click

    from consultkit.cli import cli

    return cli.list_commands(click.Context(cli))


def commands(output: str) -> dict[str, list[str]]:
    """Name -> argv for ``import click`` and every verb (see :func:`invocations`)."""
    known = invocations(output)
    found = verbs()
    stale = {name for name in known if name != "--version" and name.split()[0] not in found}
    if stale:
        raise SystemExit(f"no such verbs any more: {sorted(stale)}; update invocations()")
    todo = {
        "import click": [sys.executable, "-c", "import click"],
        "floor": [sys.executable, "-c", FLOOR_CODE],
    }
    todo["--version"] = [*CK, *known["--version"]]
    for verb in found:
        mine = [name for name in known if name.split()[0] == verb]
        for name in mine or [f"{verb} --help"]:
            todo[name] = [*CK, *(known[name] if mine else [verb, "--help"])]
    return todo


# What a verb that reads a consultation and prints a table of dates must import whatever
# consultkit does (docs/architecture.md, "Start-up"): the mandated libraries alone.
FLOOR = (
    "click",
    "attrs",
    "cattrs",
    "pendulum",
    "tomllib",
    "pluggy",
    "sqlite3",
    "rich.console",
    "rich.table",
    "babel.dates",
)
FLOOR_CODE = "import " + ", ".join(FLOOR)

TARGETS = {"--version": 2.0}
VERB_TARGET = 3.0


def _time(command: list[str], *, wall: bool) -> float:
    """Seconds the process took: CPU (user + system) unless ``wall``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, check=False, capture_output=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.decode(errors='replace')}")
    if wall:
        return elapsed
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11, help="rounds in full mode")
    parser.add_argument("--smoke", action="store_true", help="one round, never fail")
    parser.add_argument("--wall", action="store_true", help="wall-clock instead of CPU time")
    parser.add_argument("--only", nargs="*", help="time only these names (and the baselines)")
    args = parser.parse_args(argv)
    rounds = 1 if args.smoke else args.rounds
    # The plugins installed here are what is measured; a blocklist would hide their cost.
    os.environ.pop("CONSULTKIT_DISABLE_PLUGINS", None)
    # Installed code runs from byte-code caches (pip compiles it); compiling consultkit's
    # sources in every run, as PYTHONDONTWRITEBYTECODE made the children do, is not start-up.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as output:
        todo = commands(output)
        if args.only:
            keep = {"import click", "floor", *args.only}
            todo = {k: v for k, v in todo.items() if k in keep}
        for command in todo.values():  # warm the file cache and byte-code
            _time(command, wall=args.wall)
        samples: dict[str, list[float]] = {name: [] for name in todo}
        for _ in range(rounds):
            for name, command in todo.items():
                samples[name].append(_time(command, wall=args.wall))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    base = medians.pop("import click")
    floor = medians.pop("floor")
    failed = False
    clock = "wall" if args.wall else "CPU"
    print(f"rounds: {rounds}, {clock} time, median; ratios to import click, and to the floor")
    print(f"{'import click':<24} {base * 1000:8.1f} ms")
    print(f"{'floor':<24} {floor * 1000:8.1f} ms  ratio {floor / base:5.2f}  ({FLOOR_CODE})")
    for name, value in medians.items():
        target = TARGETS.get(name, VERB_TARGET)
        ratio = value / base
        verdict = "ok" if ratio <= target else "TOO SLOW"
        failed = failed or ratio > target
        print(
            f"{name:<24} {value * 1000:8.1f} ms  ratio {ratio:5.2f} (<= {target}) {verdict:<8}"
            f"  floor x{value / floor:4.2f}"
        )
    return 1 if failed and not args.smoke else 0


if __name__ == "__main__":
    sys.exit(main())
