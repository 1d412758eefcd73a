"""Benchmark: draining pending outbox deliveries vs raw one-transaction-per-row updates.

Both sides run in the same process on the same kind of store (a fresh SQLite file each,
WAL, the store's own settings), so the ratio is meaningful on any machine:

* baseline: ``UPDATE deliveries SET status = 'done' WHERE id = ?`` committed once per row
  (``BEGIN IMMEDIATE``, WAL, ``synchronous=FULL`` like the store), on a store holding the
  same N routed deliveries: the cheapest way to mark N deliveries done one at a time;
* dispatcher: drain N pending (unrouted) outbox events through the public store API, as
  ``consultkit notify run`` does: route them (one transaction per batch of events), then
  claim, send to a no-op notifier and mark done (one transaction per claim and per
  channel's outcomes). Routing is timed too; only enqueueing the events is set-up.

Target: dispatcher rate >= 0.5 x baseline rate. ``--smoke`` runs 500 events and never fails
(CI checks it runs); the full run (10,000 events) exits 1 when under target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from consultkit.app.dispatch import Dispatcher
from consultkit.notify.channels import DeliveryResult
from consultkit.storage.protocols import Delivery, DeliveryStatus, OutboxEvent
from consultkit.storage.sqlite import open_sqlite

if TYPE_CHECKING:
    from collections.abc import Sequence

TARGET = 0.5
T0 = dt.datetime(2020, 1, 20, 9, 0, tzinfo=dt.UTC)


class NoOp:
    channel = "log"

    def send(self, deliveries: Sequence[Delivery]) -> Sequence[DeliveryResult]:
        return [DeliveryResult.success(d.id) for d in deliveries]

    def close(self) -> None:
        """Nothing to release."""


def events(n: int) -> list[OutboxEvent]:
    return [
        OutboxEvent(
            id=f"event-{i:06d}",
            kind="submission.received",
            consultation_id="bench",
            occurred_at=T0,
            payload={
                "submitter_email": f"p{i}@example.org",
                "language": "en",
                "audience": ["submitter"],
            },
            dedupe_key=f"bench:{i}",
        )
        for i in range(n)
    ]


def _routed_store(path: Path, n: int) -> None:
    """A SQLite store holding ``n`` routed events, i.e. ``n`` pending deliveries."""
    store = open_sqlite(f"sqlite:///{path}")
    store.enqueue_events(events(n))
    Dispatcher(store=store, notifiers={}, address_channel="log", now=lambda: T0).route_new()
    store.close()


def baseline(folder: Path, n: int) -> float:
    """Rows per second for one committed UPDATE per delivery row of a consultkit store.

    The connection uses the store's own durability settings (WAL, ``synchronous=FULL``,
    ``BEGIN IMMEDIATE``), so both sides pay the same price per commit.
    """
    path = folder / "raw.sqlite"
    _routed_store(path, n)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    ids = [row[0] for row in conn.execute("SELECT id FROM deliveries WHERE status = 'pending'")]
    assert len(ids) == n
    started = time.perf_counter()
    for delivery_id in ids:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE deliveries SET status = 'done' WHERE id = ?", (delivery_id,))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return n / elapsed


def dispatcher(folder: Path, n: int, batch: int) -> tuple[float, float, float]:
    """(events per second for the whole drain, seconds routing, seconds claim+send+complete)."""
    path = folder / "ck.sqlite"
    store = open_sqlite(f"sqlite:///{path}")
    store.enqueue_events(events(n))
    d = Dispatcher(
        store=store,
        notifiers={"log": NoOp()},
        address_channel="log",
        batch_size=batch,
        now=lambda: T0,
    )
    started = time.perf_counter()
    routed = d.route_new()
    routing = time.perf_counter() - started
    report = d.drain()
    elapsed = time.perf_counter() - started
    assert routed == n, routed
    assert report.delivered == n, report
    assert store.delivery_counts()[DeliveryStatus.DONE] == n
    store.close()
    return n / elapsed, routing, elapsed - routing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small run for CI; never fails")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args(argv)
    n = args.events or (500 if args.smoke else 10_000)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        raw = baseline(folder, n)
        rate, routing, sending = dispatcher(folder, n, args.batch)
    ratio = rate / raw
    print(f"events: {n}, batch: {args.batch}")
    print(f"raw one-transaction-per-row updates: {raw:,.0f} rows/s")
    print(f"dispatcher drain (route, claim, no-op send, complete): {rate:,.0f} events/s")
    print(f"  of which routing {routing:.2f}s, claim+send+complete {sending:.2f}s")
    print(f"ratio: {ratio:.2f}x (target >= {TARGET}x)")
    if not args.smoke and ratio < TARGET:
        print("UNDER TARGET", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
