"""What a drain does per event (issue 14): no work beyond the essential, same outcomes.

The counts fail on the code before the change that cut them; the outcomes pin what the
faster paths must keep (routing's targets, results matched to their deliveries).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from consultkit.app.dispatch import Dispatcher
from consultkit.app.routing import route
from consultkit.i18n import text_from_json
from consultkit.notify.channels import DeliveryResult
from consultkit.storage import sql
from consultkit.storage.protocols import (
    Delivery,
    DeliveryStatus,
    DeliveryTarget,
    OutboxEvent,
    Subscription,
)
from consultkit.storage.sqlite import SqliteStore, open_sqlite

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

T0 = dt.datetime(2020, 1, 20, 9, 0, tzinfo=dt.UTC)
EVENTS = 12


def _event(i: int) -> OutboxEvent:
    return OutboxEvent(
        id=f"ev-{i:03d}",
        kind="submission.received",
        consultation_id="c1",
        occurred_at=T0,
        payload={"submitter_email": f"p{i}@example.org", "language": "fr"},
        dedupe_key=f"k-{i}",
    )


class Accepting:
    channel = "log"

    def send(self, deliveries: Sequence[Delivery]) -> Sequence[DeliveryResult]:
        return [DeliveryResult.success(d.id) for d in deliveries]

    def close(self) -> None:
        """Nothing to release."""


class AnsweringTwiceForTheFirst(Accepting):
    """One answer per delivery, but two for the first and none for the last."""

    def send(self, deliveries: Sequence[Delivery]) -> Sequence[DeliveryResult]:
        ids = [d.id for d in deliveries]
        return [DeliveryResult.success(i) for i in [ids[0], *ids[:-1]]]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = open_sqlite(f"sqlite:///{tmp_path / 's.db'}")
    opened.enqueue_events([_event(i) for i in range(EVENTS)])
    yield opened
    opened.close()


def _dispatcher(store: SqliteStore, notifier: Accepting) -> Dispatcher:
    return Dispatcher(
        store=store,
        notifiers={"log": notifier},
        address_channel="log",
        batch_size=5,
        now=lambda: T0,
        worker="w",
    )


def test_a_drain_decodes_each_payload_without_json_loads(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # json.loads checks for bytes and handles its keywords on every call; a column holds
    # text, so the store calls the decoder itself.
    calls: list[str] = []
    loads = json.loads

    def counting(text: str, **kwargs: object) -> object:
        calls.append(text)
        return loads(text, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(json, "loads", counting)
    report = _dispatcher(store, Accepting()).drain()
    assert report.delivered == EVENTS
    assert calls == []


def test_a_first_claim_reads_no_error_words(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []

    def counting(stored: str | None) -> object:
        calls.append(stored)
        return text_from_json(stored)

    monkeypatch.setattr(sql, "text_from_json", counting)
    assert _dispatcher(store, Accepting()).drain().delivered == EVENTS
    assert calls == []


def test_results_not_one_per_delivery_are_matched_by_id(store: SqliteStore) -> None:
    # The all-accepted path must not take a batch whose answers do not match its
    # deliveries one for one: the delivery left without an answer fails and is retried.
    report = _dispatcher(store, AnsweringTwiceForTheFirst()).drain(max_batches=1)
    assert report.claimed == 5
    assert report.delivered == 4
    assert report.retried == 1
    counts = store.delivery_counts()
    assert counts[DeliveryStatus.DONE] == 4
    assert counts[DeliveryStatus.PENDING] == EVENTS - 4


def _sub(address: str, *, channel: str = "webhook", group: str | None = None) -> Subscription:
    return Subscription(
        consultation_id="c1",
        channel=channel,
        address=address,
        group=group,
        language="ru",
        created_at=T0,
    )


def test_routing_keeps_every_audience_and_the_first_reason() -> None:
    event = OutboxEvent(
        id="e",
        kind="schedule.changed",
        consultation_id="c1",
        occurred_at=T0,
        payload={
            "audience": ["submitter", "organisers", "subscribers", "group:youth"],
            "submitter_email": " Someone@Example.org ",
            "language": "es",
            "organisers": ["someone@example.org", "chair@example.org", "", 3],
            "groups": ["women"],
            "consultation": {"languages": ["fr", "en"], "plugins_off": ["hooks"]},
        },
    )
    subscriptions = [
        _sub("https://all.example/"),
        _sub("https://women.example/", group="women"),
        _sub("https://youth.example/", group="youth"),
        _sub("https://muted.example/", channel="muted"),
        _sub("CHAIR@example.org", channel="email"),
    ]
    targets = route(
        event, subscriptions, address_channel="email", channel_plugins={"muted": "hooks"}
    )
    assert targets == [
        DeliveryTarget(channel="email", recipient="Someone@Example.org", language="es"),
        DeliveryTarget(channel="email", recipient="chair@example.org", language="fr"),
        DeliveryTarget(channel="webhook", recipient="https://all.example/", language="ru"),
        DeliveryTarget(channel="webhook", recipient="https://women.example/", language="ru"),
        DeliveryTarget(channel="webhook", recipient="https://youth.example/", language="ru"),
    ]


def test_a_drain_builds_its_values_without_their_keyword_constructors(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The event, its target, the claimed delivery and the notifier's acceptance are built
    # positionally from fields already in stored form: attrs' keyword __init__ (a dict of
    # keywords, the converters, a setattr per field) ran once per value per event.
    built: list[str] = []
    for cls in (OutboxEvent, DeliveryTarget, Delivery, DeliveryResult):
        init = cls.__init__

        def counting(self: object, *args: object, __init: Any = init, **kwargs: object) -> None:
            built.append(type(self).__name__)
            __init(self, *args, **kwargs)

        monkeypatch.setattr(cls, "__init__", counting)
    report = _dispatcher(store, Accepting()).drain()
    assert report.delivered == EVENTS
    assert built == []


def test_stored_values_equal_the_keyword_built_ones(store: SqliteStore) -> None:
    event = store.unrouted_events(1)[0]
    assert event == _event(0)
    assert event.payload == _event(0).payload
    assert route(event, [], address_channel="log") == [
        DeliveryTarget(channel="log", recipient="p0@example.org", language="fr")
    ]
    _dispatcher(store, Accepting()).route_new()
    (delivery,) = store.claim_deliveries("w", 1, T0, dt.timedelta(minutes=5))
    again = Delivery(**{f.name: getattr(delivery, f.name) for f in attrs.fields(Delivery)})
    assert delivery == again
    assert repr(delivery) == repr(again)
    assert delivery.event == event
    assert delivery.lease_until == T0 + dt.timedelta(minutes=5)
    assert delivery.lease_until.tzinfo is dt.UTC
    assert DeliveryResult.success("x") == DeliveryResult(delivery_id="x", accepted=True)
