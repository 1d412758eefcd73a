"""Several processes on one database: 2 submitters racing on idempotency keys, 2 dispatchers."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from consultkit_postgres import PostgresStore

from consultkit.storage.protocols import DeliveryStatus

if TYPE_CHECKING:
    from collections.abc import Sequence

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

WORKER = Path(__file__).with_name("pg_worker.py")
SUBMISSIONS = 60  # as in pg_worker.py


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait(procs: Sequence[subprocess.Popen[str]]) -> None:
    for proc in procs:
        output, _ = proc.communicate(timeout=55)
        assert proc.returncode == 0, output


def test_two_submitters_and_two_dispatchers(pg_url: str, tmp_path: Path) -> None:
    PostgresStore(pg_url).close()  # create the schema before the race
    stop = tmp_path / "stop"
    dispatchers = [
        _start("dispatch", pg_url, str(tmp_path / f"d{i}.json"), str(stop)) for i in (1, 2)
    ]
    submitters = [_start("submit", pg_url, str(tmp_path / f"s{i}.json")) for i in (1, 2)]
    try:
        _wait(submitters)
        stop.touch()
        _wait(dispatchers)
    finally:
        for proc in (*submitters, *dispatchers):
            if proc.poll() is None:
                proc.kill()
                proc.communicate()

    receipts = [r for i in (1, 2) for r in json.loads((tmp_path / f"s{i}.json").read_text())]
    # Each shared key was stored once; the other process got the same submission back.
    by_key: dict[str, set[str]] = {}
    for r in receipts:
        by_key.setdefault(r["key"], set()).add(r["id"])
    assert all(len(ids) == 1 for ids in by_key.values())
    created = Counter(r["key"] for r in receipts if r["created"])
    assert set(created.values()) == {1}
    assert len(created) == len(by_key) == SUBMISSIONS // 2 + 2 * (SUBMISSIONS // 2)

    claims = [c for i in (1, 2) for c in json.loads((tmp_path / f"d{i}.json").read_text())]
    claimed_ids = [c["id"] for c in claims]
    # No delivery was handed to both dispatchers, and none was claimed twice.
    assert len(claimed_ids) == len(set(claimed_ids))
    assert {c["attempts"] for c in claims} == {1}

    with PostgresStore(pg_url) as store:
        stored = list(store.list_submissions("wsis-2020"))
        assert {s.id for s in stored} == {i for ids in by_key.values() for i in ids}
        assert all(len(store.history(s.id)) == 1 for s in stored)
        assert store.unrouted_events(1) == []
        counts = store.delivery_counts()
        assert counts[DeliveryStatus.DONE] == len(stored) == len(claimed_ids)
        assert counts[DeliveryStatus.PENDING] == counts[DeliveryStatus.CLAIMED] == 0
        done = store.list_deliveries(DeliveryStatus.DONE, 1000)
        assert {d.id for d in done} == set(claimed_ids)
