"""Read paths stream: their peak memory does not grow with the number of submissions.

Issue 14 measured ``submissions list`` at 1,186 MB for 100k submissions as JSON and
2,544 MB as a table: every row was held before printing. Each command runs in its own
process over stores of two sizes; its peak resident memory (``VmHWM``) at ten times the
rows must stay within 1.5x (plus a few MB for the interpreter's own noise).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from consultkit.pluginhost.host import PluginHost
from consultkit.testing.factories import make_submission

EXAMPLE = str(Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml")
SMALL, LARGE = 400, 4_000
BODY = "Bridge the digital divide with community networks. " * 40  # 2 KB, as real answers

# Runs the CLI in this process, then reports its peak resident memory on stderr.
_MEASURE = """
import sys
from consultkit.cli import cli
try:
    cli.main(sys.argv[1:], prog_name="consultkit")
except SystemExit as done:
    if done.code:
        raise
with open("/proc/self/status") as status:
    peak = next(line for line in status if line.startswith("VmHWM:"))
print("PEAK", int(peak.split()[1]) // 1024, file=sys.stderr)
"""


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[int, str]:
    host = PluginHost.load(entry_points=False)
    urls = {}
    for size in (SMALL, LARGE):
        url = f"sqlite:///{tmp_path_factory.mktemp('read') / f'{size}.sqlite'}"
        store = host.open_store(url)
        try:
            store.add_submissions(
                attrs.evolve(
                    make_submission(n, consultation_id="wsis-forum-2020-ocp", body=BODY + str(n)),
                    call_id="official-submissions",
                )
                for n in range(size)
            )
        finally:
            store.close()
        urls[size] = url
    return urls


def _peak_mb(*args: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *args],
        capture_output=True,
        text=True,
        check=True,
        env={"COLUMNS": "120", "PATH": "/usr/bin:/bin"},
    )
    assert done.stdout.strip()
    return int(done.stderr.rsplit("PEAK", 1)[1])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
@pytest.mark.parametrize(
    "command",
    [
        ["submissions", "list", "--format", "json"],
        ["submissions", "list"],
        ["submissions", "export", "--format", "csv"],
        ["stats", "--format", "json"],
        ["submissions", "campaigns", "--exact-only"],
    ],
    ids=" ".join,
)
def test_peak_memory_does_not_grow_with_the_submissions(
    stores: dict[int, str], command: list[str]
) -> None:
    small, large = (_peak_mb(*command, EXAMPLE, "--store", stores[n]) for n in (SMALL, LARGE))
    assert large <= 1.5 * small + 5, f"{small} MB at {SMALL:,}, {large} MB at {LARGE:,}"
