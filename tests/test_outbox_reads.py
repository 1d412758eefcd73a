"""Each event is read once per drain (issue 14): ``route_events`` does not read the events
again, and the claim takes the events routing built instead of building them again."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from consultkit.app.dispatch import Dispatcher
from consultkit.errors import UnknownItemError
from consultkit.notify.channels import DeliveryResult
from consultkit.storage.memory import MemoryStore
from consultkit.storage.protocols import DeliveryTarget, OutboxEvent, Subscription
from consultkit.storage.sqlite import open_sqlite
from consultkit.testing.factories import make_event, make_submission, received_entry

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from consultkit.storage.protocols import Delivery

T0 = dt.datetime(2020, 1, 20, 9, 0, tzinfo=dt.UTC)


def _event(i: int) -> OutboxEvent:
    return OutboxEvent(
        id=f"ev-{i}",
        kind="submission.received",
        consultation_id="c1",
        occurred_at=T0,
        payload={"submitter_email": f"p{i}@example.org"},
        dedupe_key=f"k-{i}",
    )


def test_route_events_does_not_read_the_events_again(tmp_path: Path) -> None:
    store = open_sqlite(f"sqlite:///{tmp_path / 's.db'}")
    try:
        store.enqueue_events([_event(i) for i in range(5)])
        batch = store.unrouted_events(10)
        statements: list[str] = []
        store._writer.set_trace_callback(statements.append)
        routes = [(e.id, [DeliveryTarget(channel="email", recipient="a@b.c")]) for e in batch]
        assert store.route_events(routes, T0) == 5
        store._writer.set_trace_callback(None)
        reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert reads == []  # one read per event: the unrouted_events above
        assert store.unrouted_events(10) == []
        # Routing again is harmless, and an unknown event is still refused.
        assert store.route_events(routes, T0) == 0
        with pytest.raises(UnknownItemError):
            store.route_events([("nope", [])], T0)
    finally:
        store.close()


class _NoOp:
    channel = "email"

    def send(self, deliveries: Sequence[Delivery]) -> Sequence[DeliveryResult]:
        return [DeliveryResult.success(d.id) for d in deliveries]

    def close(self) -> None:
        """Nothing to release."""


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_a_drain_builds_each_event_once(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 14: the claim used to read and parse every event again (two builds per event);
    # it now takes the one routing built, while the row it reads is unchanged.
    store = MemoryStore() if kind == "memory" else open_sqlite(f"sqlite:///{tmp_path / 's.db'}")
    try:
        store.enqueue_events(
            [
                attrs.evolve(e, payload={**e.payload, "audience": ["submitter", "subscribers"]})
                for e in (_event(i) for i in range(25))
            ]
        )
        for i in range(3):
            store.add_subscription(
                Subscription(
                    consultation_id="c1",
                    channel="email",
                    address=f"s{i}@example.org",
                    created_at=T0,
                )
            )
        built: list[str] = []
        event = store._event

        def counted(row: Sequence[Any]) -> OutboxEvent:
            built.append(row[0])
            return event(row)

        monkeypatch.setattr(store, "_event", counted)
        # Batches of 10 events (40 deliveries each) claimed 10 at a time: an event's
        # deliveries span claims, which still take the built event.
        dispatcher = Dispatcher(
            store=store, notifiers={"email": _NoOp()}, batch_size=10, now=lambda: T0
        )
        report = dispatcher.drain()
        assert (report.routed, report.delivered) == (25, 100)
        assert sorted(built) == sorted(f"ev-{i}" for i in range(25))
    finally:
        store.close()


def test_a_claim_rebuilds_an_event_another_process_scrubbed(tmp_path: Path) -> None:
    # The claim hands over a kept event only while its row is unchanged: here another
    # store (another process, say) erases the person between routing and claiming.
    url = f"sqlite:///{tmp_path / 's.db'}"
    dispatcher_store, other = open_sqlite(url), open_sqlite(url)
    try:
        mine = make_submission(1, email="ana@example.org", name="Ana Pérez")
        other.add_submission(mine, received_entry(mine), [make_event(submission=mine)])
        (event,) = dispatcher_store.unrouted_events(10)
        assert "Ana Pérez" in repr(event.payload)
        target = DeliveryTarget(channel="email", recipient="org@example.org")
        assert dispatcher_store.route_events([(event.id, [target])], T0) == 1
        other.erase_submitter("wsis-2020", "ana@example.org", keep_text=True, reason="r", at=T0)
        (claimed,) = dispatcher_store.claim_deliveries("w1", 10, T0, dt.timedelta(minutes=5))
        assert claimed.event.id == event.id
        assert "ana" not in repr(claimed.event.payload).lower()
    finally:
        dispatcher_store.close()
        other.close()
