"""Several processes on one SQLite file: every row stored, no 'database is locked'.

The measured failure this guards against: deferred read-then-write transactions fail with
``SQLITE_BUSY_SNAPSHOT`` regardless of ``busy_timeout``; the store's ``BEGIN IMMEDIATE``
must make that impossible.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import multiprocessing.connection
import multiprocessing.queues
import multiprocessing.synchronize
import traceback
from typing import TYPE_CHECKING, Any

import pytest

from consultkit.storage.protocols import DeliveryTarget
from consultkit.storage.sqlite import SqliteStore
from consultkit.testing.factories import T0, make_event, make_submission, received_entry

if TYPE_CHECKING:
    from pathlib import Path

# The multiprocessing submodules are imported up front, at collection: imported lazily
# later, after another test imported pygal, its meta-path finder raises ImportWarning
# (an error under filterwarnings=error) while importing them.
# fork: the workers are plain functions of this module, which spawn could not re-import
# under pytest's importlib mode.
CTX = multiprocessing.get_context("fork")


def _run(target: Any, workers: int, *args: Any) -> list[str]:
    barrier = CTX.Barrier(workers)
    errors = CTX.Queue()
    processes = [
        CTX.Process(target=_guarded, args=(target, errors, barrier, n, *args))
        for n in range(workers)
    ]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=120)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    problems += [f"exit code {p.exitcode}" for p in processes if p.exitcode != 0]
    return problems


def _guarded(target: Any, errors: Any, barrier: Any, n: int, *args: Any) -> None:
    try:
        target(barrier, n, *args)
    except BaseException:
        errors.put(traceback.format_exc())
        raise


def _write_many(barrier: Any, worker: int, url: str, count: int) -> None:
    store = SqliteStore(url)
    barrier.wait()
    for i in range(count):
        s = make_submission(worker * 100_000 + i, key=f"w{worker}-{i}")
        # Each submit reads (the idempotency check) then writes: the racy shape.
        store.add_submission(s, received_entry(s), [make_event(submission=s)])
    store.close()


def _same_key(barrier: Any, worker: int, url: str, rounds: int) -> None:
    store = SqliteStore(url)
    barrier.wait()
    for r in range(rounds):
        # One submitter retrying: keys are a submitter's own (issue 9, finding 8).
        s = make_submission(worker * 1000 + r, key=f"retry-{r}", email="same@example.org")
        store.add_submission(s, received_entry(s), [make_event(submission=s)])
    store.close()


def _claim_all(barrier: Any, worker: int, url: str, out: Any) -> None:
    store = SqliteStore(url)
    barrier.wait()
    mine: list[str] = []
    while batch := store.claim_deliveries(f"w{worker}", 7, T0, dt.timedelta(minutes=5)):
        for d in batch:
            mine.append(d.id)
            store.complete_deliveries([d.id], f"w{worker}", T0)
    out.put(mine)
    store.close()


@pytest.mark.slow
@pytest.mark.parametrize("workers", [2, 4])
def test_concurrent_writers_store_every_row(tmp_path: Path, workers: int) -> None:
    url = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    SqliteStore(url).close()  # migrate once up front
    count = 150
    assert _run(_write_many, workers, url, count) == []
    with SqliteStore(url) as store:
        stored = list(store.list_submissions("wsis-2020"))
        assert len(stored) == workers * count
        assert len(store.unrouted_events(workers * count + 10)) == workers * count


@pytest.mark.slow
def test_the_same_idempotency_key_from_two_processes_stores_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    SqliteStore(url).close()
    rounds = 60
    assert _run(_same_key, 2, url, rounds) == []
    with SqliteStore(url) as store:
        stored = list(store.list_submissions("wsis-2020"))
        assert len(stored) == rounds
        assert sorted(s.idempotency_key or "" for s in stored) == sorted(
            f"retry-{r}" for r in range(rounds)
        )
        assert len(store.unrouted_events(1000)) == rounds  # replays enqueue nothing


@pytest.mark.slow
def test_concurrent_dispatchers_never_share_a_delivery(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    with SqliteStore(url) as store:
        event = make_event()
        store.enqueue_events([event])
        targets = [DeliveryTarget(channel="email", recipient=f"r{i}@x.org") for i in range(200)]
        store.route_events([(event.id, targets)], T0)
    out = CTX.Queue()
    assert _run(_claim_all, 3, url, out) == []
    claimed: list[str] = []
    for _ in range(3):
        claimed += out.get(timeout=10)
    assert len(claimed) == 200
    assert len(set(claimed)) == 200


@pytest.mark.parametrize("url_kind", ["memory", "sqlite"])
def test_threads_sharing_one_store_object(tmp_path: Path, url_kind: str) -> None:
    import threading

    from consultkit.storage.memory import MemoryStore

    store = (
        MemoryStore() if url_kind == "memory" else SqliteStore(f"sqlite:///{tmp_path / 't.sqlite'}")
    )
    failures: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(50):
                s = make_submission(
                    worker * 1000 + i, key=f"k{i % 25}-{worker % 2}", email="same@example.org"
                )
                store.add_submission(s, received_entry(s), [])
                list(store.list_submissions("wsis-2020"))  # readers interleave with writers
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert failures == []
        # Keys repeat across threads (25 per parity): exactly one submission per key.
        assert len(list(store.list_submissions("wsis-2020"))) == 50
    finally:
        store.close()
