"""Run ``consultkit ARGS...`` in a fresh interpreter and read what a probe printed after it.

The start-up tests (tests/test_startup_*.py, tests/test_value_methods.py) look at a verb's
process from inside: code before the verb sets up a spy, code after it prints one line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs ``consultkit ARGS...`` (the probe's arguments) in the probe's process.
RUN_VERB = """
import runpy, sys
sys.argv = ["consultkit", *sys.argv[1:]]
try:
    runpy.run_module("consultkit", run_name="__main__")
except SystemExit as exc:
    if exc.code not in (0, None):
        raise
"""


def probe_line(before: str, after: str, arguments: list[str], prefix: str) -> str:
    """Run ``before``, the verb, then ``after``; return its last line, without ``prefix``."""
    env = {k: v for k, v in os.environ.items() if k != "CONSULTKIT_DISABLE_PLUGINS"}
    done = subprocess.run(
        [sys.executable, "-c", before + RUN_VERB + after, *arguments],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip().splitlines()[-1]
    assert line.startswith(prefix), done.stdout
    return line.removeprefix(prefix)
