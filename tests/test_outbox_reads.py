"""Each event is read once per drain (issue 14): ``route_events`` does not read the events
again, and the claim takes the events routing built only while their rows are unchanged
(the build count itself is in the store contract, ``SqlStoreContract``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from consultkit.errors import UnknownItemError
from consultkit.storage.protocols import DeliveryTarget, OutboxEvent
from consultkit.storage.sqlite import open_sqlite
from consultkit.testing.store_contract import check_claim_after_erasure

if TYPE_CHECKING:
    from pathlib import Path


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


def test_a_claim_rebuilds_an_event_another_process_scrubbed(tmp_path: Path) -> None:
    # The claim hands over a kept event only while its row is unchanged: here another
    # store (another process, say) erases the person between routing and claiming, so
    # the dispatching store's kept events are not dropped by the erasure itself.
    url = f"sqlite:///{tmp_path / 's.db'}"
    dispatching, other = open_sqlite(url), open_sqlite(url)
    try:
        check_claim_after_erasure(dispatching, other)
    finally:
        dispatching.close()
        other.close()
