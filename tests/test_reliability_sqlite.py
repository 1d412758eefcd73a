"""Crash and concurrency safety of submitting to SQLite, checked with real processes.

A child process submits in a loop and prints each receipt's tracking number as soon as
``submit`` returns (flushed): that line is the acknowledgement. The parent kills it with
SIGKILL at a random moment and then checks that every acknowledged submission is stored
and nothing is half-written. Bulk imports are killed the same way and then resumed.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from consultkit.app.application import Consultkit
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")]

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"

CHILD = r"""
import datetime as dt, sys
from consultkit.app.application import Consultkit
from consultkit.domain.clock import FixedClock
from consultkit.config.loader import load_consultation
from consultkit.domain.submissions import Submitter

path, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
consultation = load_consultation(sys.argv[4])
clock = FixedClock(dt.datetime(2019, 12, 2, 10, 0, tzinfo=dt.UTC))
with Consultkit.open(f"sqlite:///{path}", clock=clock, entry_points=False) as app:
    print("ready", flush=True)
    for i in range(count):
        receipt = app.submit(
            consultation,
            call_id="official-submissions",
            submitter=Submitter(
                name=f"P {prefix}{i}", email=f"{prefix}{i}@example.org", group="civil-society"
            ),
            title=f"Submission {prefix}{i}",
            body=f"Text number {i} from {prefix}. " * 20,
            idempotency_key=f"{prefix}-{i}",
        )
        print(receipt.tracking_number, flush=True)
"""

IMPORTER = r"""
import datetime as dt, sys
from consultkit.app.application import Consultkit
from consultkit.domain.clock import FixedClock
from consultkit.config.loader import load_consultation

path, total, chunk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
consultation = load_consultation(sys.argv[4])
clock = FixedClock(dt.datetime(2019, 12, 2, 10, 0, tzinfo=dt.UTC))

def rows():
    for i in range(total):
        yield {
            "call": "official-submissions", "name": f"Person {i}", "email": f"p{i}@example.org",
            "group": "civil-society", "title": f"Row {i}", "body": f"Bulk text {i}. " * 30,
            "received_at": "2019-12-01T10:00:00Z",
        }

with Consultkit.open(f"sqlite:///{path}", clock=clock, entry_points=False) as app:
    print("ready", flush=True)
    report = app.import_submissions(consultation, rows(), chunk_size=chunk)
    print(f"done {report.stored} {report.skipped} {len(report.refused)}", flush=True)
"""


def _spawn(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _collect(process: subprocess.Popen[str], lines: list[str]) -> threading.Thread:
    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.strip())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def _kill(process: subprocess.Popen[str], reader: threading.Thread) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    reader.join(timeout=30)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def _wait_ready(lines: list[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while "ready" not in lines:
        assert time.monotonic() < deadline, "child did not start"
        time.sleep(0.01)


def _check_whole(path: Path) -> set[str]:
    """Invariants of a store file after a crash; returns the stored tracking numbers."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        orphans_history = conn.execute(
            "SELECT count(*) FROM history WHERE submission_id NOT IN (SELECT id FROM submissions)"
        ).fetchone()[0]
        without_history = conn.execute(
            "SELECT count(*) FROM submissions WHERE id NOT IN (SELECT submission_id FROM history)"
        ).fetchone()[0]
        orphan_events = conn.execute(
            "SELECT count(*) FROM outbox_events WHERE submission_id IS NOT NULL"
            " AND submission_id NOT IN (SELECT id FROM submissions)"
        ).fetchone()[0]
        # The idempotency record is the key stored with the submission; a key without its
        # receipt event means the transaction was cut in half.
        keyed_without_event = conn.execute(
            "SELECT count(*) FROM submissions WHERE idempotency_key IS NOT NULL"
            " AND provenance != 'bulk-import'"
            " AND id NOT IN"
            " (SELECT submission_id FROM outbox_events WHERE submission_id IS NOT NULL)"
        ).fetchone()[0]
        assert (orphans_history, without_history, orphan_events, keyed_without_event) == (
            0,
            0,
            0,
            0,
        )
        return {row[0] for row in conn.execute("SELECT tracking_number FROM submissions")}
    finally:
        conn.close()


def test_sigkill_during_submissions_loses_nothing_acknowledged(tmp_path: Path) -> None:
    path = tmp_path / "crash.sqlite"
    rng = random.Random(20200203)
    acknowledged: set[str] = set()
    for round_number in range(4):
        lines: list[str] = []
        child = _spawn(CHILD, str(path), f"r{round_number}", "100000", str(EXAMPLE))
        reader = _collect(child, lines)
        _wait_ready(lines)
        time.sleep(rng.uniform(0.2, 0.8))
        _kill(child, reader)
        receipts = {line for line in lines if line.startswith("CK-")}
        assert receipts, "the child acknowledged nothing before it was killed"
        acknowledged |= receipts
        stored = _check_whole(path)
        missing = acknowledged - stored
        assert not missing, f"acknowledged but lost after SIGKILL: {sorted(missing)[:5]}"
        # At most the one submission in flight may be stored without having been printed.
        assert len(stored - acknowledged) <= round_number + 1
    # The file still works after the crashes.
    consultation = load_consultation(EXAMPLE)
    clock = FixedClock(dt.datetime(2019, 12, 2, 11, 0, tzinfo=dt.UTC))
    with Consultkit.open(f"sqlite:///{path}", clock=clock, entry_points=False) as app:
        assert len(list(app.list_submissions(consultation))) == len(_check_whole(path))


def test_sigkill_during_bulk_import_then_resume(tmp_path: Path) -> None:
    path = tmp_path / "import.sqlite"
    total, chunk = 40_000, 2_000
    lines: list[str] = []
    child = _spawn(IMPORTER, str(path), str(total), str(chunk), str(EXAMPLE))
    reader = _collect(child, lines)
    _wait_ready(lines)
    # Kill once a few chunks have committed, but long before the end.
    deadline = time.monotonic() + 60
    while True:
        time.sleep(0.05)
        conn = sqlite3.connect(path)
        try:
            count = conn.execute("SELECT count(*) FROM submissions").fetchone()[0]
        except sqlite3.OperationalError:
            count = 0
        finally:
            conn.close()
        if count >= 3 * chunk or time.monotonic() > deadline:
            break
    time.sleep(random.Random(7).uniform(0.0, 0.3))
    _kill(child, reader)
    assert not any(line.startswith("done") for line in lines), "import finished before the kill"

    stored = _check_whole(path)
    assert 0 < len(stored) < total
    assert len(stored) % chunk == 0, "a chunk was half-written"

    lines = []
    child = _spawn(IMPORTER, str(path), str(total), str(chunk), str(EXAMPLE))
    reader = _collect(child, lines)
    code = child.wait(timeout=300)
    reader.join(timeout=30)
    assert child.stderr is not None
    errors = child.stderr.read()
    child.stderr.close()
    assert child.stdout is not None
    child.stdout.close()
    assert code == 0, errors
    done = next(line for line in lines if line.startswith("done"))
    _, added, skipped, refused = done.split()
    assert int(added) == total - len(stored)
    assert int(skipped) == len(stored)
    assert refused == "0"
    assert len(_check_whole(path)) == total


@pytest.mark.parametrize("processes", [2, 4])
def test_concurrent_writers_never_see_locked(tmp_path: Path, processes: int) -> None:
    path = tmp_path / f"shared-{processes}.sqlite"
    per_process = 300
    # Create the schema first so the children race on writes, not on migration.
    with Consultkit.open(f"sqlite:///{path}", entry_points=False):
        pass
    children = [
        _spawn(CHILD, str(path), f"w{n}-", str(per_process), str(EXAMPLE)) for n in range(processes)
    ]
    receipts: set[str] = set()
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        assert "locked" not in err.lower() and "Traceback" not in err
        got = [line for line in out.splitlines() if line.startswith("CK-")]
        assert len(got) == per_process
        receipts.update(got)
    assert len(receipts) == processes * per_process
    assert _check_whole(path) == receipts
