"""Start-up time of the command line, compared with importing click in the same run.

Absolute times vary between machines, so the targets are ratios measured side by side:

- ``consultkit --version`` at most 2x ``python -c "import click"``;
- ``consultkit validate examples/wsis2020/consultation.toml`` at most 4x.

Runs are interleaved (one of each per round) so that machine noise hits all three alike,
and the median of each is compared. ``--smoke`` does a few rounds and never fails; the
full mode exits 1 when a ratio exceeds its target.

    python benchmarks/bench_startup.py [--rounds N] [--smoke]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "wsis2020" / "consultation.toml"

COMMANDS: dict[str, list[str]] = {
    "import click": [sys.executable, "-c", "import click"],
    "consultkit --version": [sys.executable, "-m", "consultkit", "--version"],
    "consultkit validate": [sys.executable, "-m", "consultkit", "validate", str(EXAMPLE)],
}
TARGETS = {"consultkit --version": 2.0, "consultkit validate": 4.0}


def _time(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21, help="rounds in full mode")
    parser.add_argument("--smoke", action="store_true", help="a few rounds, never fail")
    args = parser.parse_args(argv)
    rounds = 3 if args.smoke else args.rounds
    for command in COMMANDS.values():  # warm the file cache and byte-code
        _time(command)
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(rounds):
        for name, command in COMMANDS.items():
            samples[name].append(_time(command))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    base = medians["import click"]
    failed = False
    print(f"rounds: {rounds}")
    print(f"{'import click':<24} {base * 1000:8.1f} ms")
    for name, target in TARGETS.items():
        ratio = medians[name] / base
        verdict = "ok" if ratio <= target else "TOO SLOW"
        failed = failed or ratio > target
        timing = f"{name:<24} {medians[name] * 1000:8.1f} ms"
        print(f"{timing}  ratio {ratio:4.2f} (target <= {target}) {verdict}")
    return 1 if failed and not args.smoke else 0


if __name__ == "__main__":
    sys.exit(main())
