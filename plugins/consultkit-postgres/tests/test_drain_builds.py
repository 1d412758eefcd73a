"""A drain builds each outbox event once on PostgreSQL too (issue 14)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest
from consultkit_postgres import PostgresStore

from consultkit.app.dispatch import Dispatcher
from consultkit.notify.channels import DeliveryResult
from consultkit.storage.protocols import OutboxEvent, Subscription

if TYPE_CHECKING:
    from collections.abc import Sequence

    from consultkit.storage.protocols import Delivery

pytestmark = pytest.mark.postgres

T0 = dt.datetime(2020, 1, 20, 9, 0, tzinfo=dt.UTC)


class _Accepting:
    channel = "email"

    def send(self, deliveries: Sequence[Delivery]) -> Sequence[DeliveryResult]:
        return [DeliveryResult.success(d.id) for d in deliveries]

    def close(self) -> None:
        """Nothing to release."""


def test_a_drain_builds_each_event_once(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = PostgresStore(pg_url)
    try:
        store.enqueue_events(
            [
                OutboxEvent(
                    id=f"ev-{i}",
                    kind="submission.received",
                    consultation_id="c1",
                    occurred_at=T0,
                    payload={
                        "submitter_email": f"p{i}@example.org",
                        "audience": ["submitter", "subscribers"],
                    },
                    dedupe_key=f"k-{i}",
                )
                for i in range(25)
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
        dispatcher = Dispatcher(
            store=store, notifiers={"email": _Accepting()}, batch_size=10, now=lambda: T0
        )
        report = dispatcher.drain()
        assert (report.routed, report.delivered) == (25, 100)
        assert sorted(built) == sorted(f"ev-{i}" for i in range(25))
    finally:
        store.close()
