"""Reliability: failing channels lose nothing, killed dispatchers redeliver, no shared batch."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import pytest

from consultkit.app.application import Consultkit
from consultkit.app.dispatch import Dispatcher
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.submissions import Submitter
from consultkit.notify.channels import DeliveryResult
from consultkit.storage.protocols import Delivery, DeliveryStatus, OutboxEvent
from consultkit.storage.sqlite import open_sqlite

if TYPE_CHECKING:
    from collections.abc import Sequence

EXAMPLE = Path(__file__).parents[1] / "examples" / "wsis2020" / "consultation.toml"
T0 = dt.datetime(2020, 1, 20, 9, 0, tzinfo=dt.UTC)


@attrs.define
class Switchable:
    """An e-mail notifier that raises until it is switched on."""

    channel: str = "email"
    working: bool = False
    sent: list[Delivery] = attrs.field(factory=list)

    def send(self, deliveries: Sequence[Delivery]) -> Sequence[DeliveryResult]:
        if not self.working:
            raise RuntimeError("SMTP relay is down")
        self.sent.extend(deliveries)
        return [DeliveryResult.success(d.id) for d in deliveries]

    def close(self) -> None:
        """Nothing to release."""


def test_a_raising_notifier_never_loses_an_acknowledged_submission(tmp_path: Path) -> None:
    consultation = load_consultation(EXAMPLE)
    clock = FixedClock(T0)
    with Consultkit.open(
        f"sqlite:///{tmp_path / 'ck.sqlite'}", clock=clock, entry_points=False
    ) as app:
        receipt = app.submit(
            consultation,
            call_id="official-submissions",
            submitter=Submitter(name="Ana Pérez", email="ana@example.org", group="civil-society"),
            title="Inclusión digital",
            body="Propuesta sobre inclusión digital.",
            language="es",
        )
        assert receipt.tracking_number
        notifier = Switchable()
        dispatcher = Dispatcher(store=app.store, notifiers={"email": notifier}, now=lambda: T0)
        report = dispatcher.drain()
        assert report.delivered == 0 and report.retried >= 1
        assert app.store.get_submission(receipt.submission_id) is not None
        assert app.store.delivery_counts()[DeliveryStatus.PENDING] >= 1
        notifier.working = True
        later = T0 + dt.timedelta(hours=2)
        dispatcher.now = lambda: later
        assert dispatcher.drain().delivered >= 1
    (receipt_mail,) = [d for d in notifier.sent if d.recipient == "ana@example.org"]
    assert receipt_mail.language == "es"
    assert receipt_mail.event.kind == "submission.received"
    assert receipt_mail.event.payload["tracking_number"] == receipt.tracking_number


WORKER = textwrap.dedent(
    """
    import datetime as dt, os, sys, time
    from consultkit.notify.channels import DeliveryResult
    from consultkit.storage.sqlite import open_sqlite
    from consultkit.app.dispatch import Dispatcher

    db, log, lease, batch = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])

    class Slow:
        channel = "log"
        def send(self, deliveries):
            results = []
            with open(log, "a") as out:
                for d in deliveries:
                    time.sleep(0.002)
                    out.write(f"{d.event.id} {d.id}\\n")
                    out.flush()
                    os.fsync(out.fileno())  # the receiver has it, even if we die now
                    results.append(DeliveryResult.success(d.id))
            return results
        def close(self):
            pass

    store = open_sqlite(f"sqlite:///{db}")
    dispatcher = Dispatcher(store=store, notifiers={"log": Slow()}, address_channel="log",
                            batch_size=batch, lease=dt.timedelta(seconds=lease))
    print(dispatcher.drain(), flush=True)
    """
)


def _events(n: int) -> list[OutboxEvent]:
    return [
        OutboxEvent(
            id=f"event-{i:05d}",
            kind="submission.received",
            consultation_id="c",
            occurred_at=T0,
            payload={
                "submitter_email": f"p{i}@example.org",
                "language": "en",
                "audience": ["submitter"],
            },
            dedupe_key=f"k{i}",
        )
        for i in range(n)
    ]


def _run_worker(
    script: Path, db: Path, log: Path, lease: float, batch: int
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(script), str(db), str(log), str(lease), str(batch)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_killed_dispatcher_redelivers_with_the_same_event_ids(tmp_path: Path) -> None:
    db, log, script = tmp_path / "ck.sqlite", tmp_path / "sent.log", tmp_path / "worker.py"
    script.write_text(WORKER)
    store = open_sqlite(f"sqlite:///{db}")
    store.enqueue_events(_events(300))
    store.close()
    proc = _run_worker(script, db, log, lease=1.0, batch=50)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (
        not log.exists() or len(log.read_text().splitlines()) < 60
    ):
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)  # reap it and close its pipes
    sent_before = log.read_text().splitlines()
    assert 0 < len(sent_before) < 300, "the worker must die mid-run"
    time.sleep(1.1)  # let the dead worker's lease expire
    again = _run_worker(script, db, log, lease=30.0, batch=50)
    _out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err.decode()
    lines = [line.split() for line in log.read_text().splitlines()]
    event_ids = [event for event, _ in lines]
    assert set(event_ids) == {f"event-{i:05d}" for i in range(300)}  # every event at least once
    by_delivery: dict[str, set[str]] = {}
    for event, delivery in lines:
        by_delivery.setdefault(delivery, set()).add(event)
    assert all(len(events) == 1 for events in by_delivery.values())  # a duplicate is the same event
    store = open_sqlite(f"sqlite:///{db}")
    assert store.delivery_counts()[DeliveryStatus.DONE] == 300
    store.close()


@pytest.mark.slow
def test_two_dispatchers_never_deliver_the_same_claimed_batch(tmp_path: Path) -> None:
    db, log, script = tmp_path / "ck.sqlite", tmp_path / "sent.log", tmp_path / "worker.py"
    script.write_text(WORKER)
    store = open_sqlite(f"sqlite:///{db}")
    store.enqueue_events(_events(400))
    # Route first so both workers race only on claiming.
    Dispatcher(store=store, notifiers={}, address_channel="log").route_new()
    store.close()
    workers = [_run_worker(script, db, log, lease=60.0, batch=20) for _ in range(2)]
    for worker in workers:
        _out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err.decode()
    lines = [line.split() for line in log.read_text().splitlines()]
    deliveries = [d for _, d in lines]
    assert len(deliveries) == 400 and len(set(deliveries)) == 400
    store = open_sqlite(f"sqlite:///{db}")
    assert store.delivery_counts()[DeliveryStatus.DONE] == 400
    store.close()


def test_threads_on_separate_connections_share_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    store = open_sqlite(url)
    store.enqueue_events(_events(200))
    Dispatcher(store=store, notifiers={}, address_channel="log").route_new()
    seen: list[tuple[str, str]] = []
    lock = threading.Lock()

    @attrs.define
    class Record:
        name: str
        channel: str = "log"

        def send(self, deliveries: Sequence[Delivery]) -> Sequence[DeliveryResult]:
            with lock:
                seen.extend((self.name, d.id) for d in deliveries)
            return [DeliveryResult.success(d.id) for d in deliveries]

        def close(self) -> None:
            """Nothing to release."""

    def work(name: str) -> None:
        own = open_sqlite(url)
        Dispatcher(
            store=own,
            notifiers={"log": Record(name)},
            address_channel="log",
            batch_size=10,
            worker=name,
        ).drain()
        own.close()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    ids = [d for _, d in seen]
    assert len(ids) == 200 and len(set(ids)) == 200
    assert json.dumps(store.delivery_counts()[DeliveryStatus.DONE]) == "200"
    store.close()
    assert (tmp_path / "ck.sqlite").exists()
