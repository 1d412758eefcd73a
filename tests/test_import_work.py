"""What a bulk import does before its first row and per row, counted (issue 14).

The benchmark (``benchmarks/bench_submit.py``, measurement 1) compares a bulk import with a
lean pipeline storing the same bytes, each timed in a fresh process. These tests hold the
import's share of that to counts, never to timings: the modules its first call loads
(without bytecode files, as the benchmark runs, each also costs its compilation).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"

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
    assert json.loads(done.stdout) == ["consultkit.formats.import_row"]
