"""The outbox dispatcher on the real memory and SQLite stores: delivered, retried, dead-lettered."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from consultkit.app.dispatch import Dispatcher, DispatchReport
from consultkit.notify.backoff import Backoff
from consultkit.notify.channels import DeliveryResult
from consultkit.storage.memory import open_memory
from consultkit.storage.protocols import Delivery, DeliveryStatus, OutboxEvent, Store, Subscription
from consultkit.storage.sqlite import open_sqlite

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

T0 = dt.datetime(2020, 1, 20, 9, 0, tzinfo=dt.UTC)


@attrs.define
class Clock:
    """A clock the test moves by hand."""

    at: dt.datetime = T0

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, delta: dt.timedelta) -> None:
        self.at += delta


@attrs.define
class Recording:
    """A notifier that records what it accepted, or fails in a chosen way."""

    channel: str = "email"
    sent: list[Delivery] = attrs.field(factory=list)
    raises: bool = False
    refuse: DeliveryResult | None = None
    closed: int = 0

    def send(self, deliveries: Sequence[Delivery]) -> Sequence[DeliveryResult]:
        if self.raises:
            raise ConnectionError("mail server down")
        if self.refuse is not None:
            return [attrs.evolve(self.refuse, delivery_id=d.id) for d in deliveries]
        self.sent.extend(deliveries)
        return [DeliveryResult.success(d.id) for d in deliveries]

    def close(self) -> None:
        self.closed += 1


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened: Store = (
        open_memory("memory://")
        if request.param == "memory"
        else open_sqlite(f"sqlite:///{tmp_path / 'ck.sqlite'}")
    )
    yield opened
    opened.close()


def receipt_event(n: int, *, language: str = "es", email: str | None = None) -> OutboxEvent:
    return OutboxEvent(
        id=f"e{n}",
        kind="submission.received",
        consultation_id="wsis2020",
        occurred_at=T0,
        payload={
            "tracking_number": f"T{n}",
            "title": f"Submission {n}",
            "submitter_email": email or f"person{n}@example.org",
            "language": language,
        },
        dedupe_key=f"submission.received:s{n}",
    )


def dispatcher(store: Store, clock: Clock, **notifiers: Any) -> Dispatcher:
    return Dispatcher(
        store=store,
        notifiers=notifiers or {"email": Recording()},
        backoff=Backoff(base=dt.timedelta(seconds=10), cap=dt.timedelta(minutes=5), max_attempts=3),
        batch_size=7,
        now=clock,
        worker="w1",
    )


def test_each_event_is_routed_and_delivered_once(store: Store) -> None:
    clock = Clock()
    store.enqueue_events([receipt_event(n) for n in range(20)])
    email = Recording()
    report = dispatcher(store, clock, email=email).drain()
    assert report.routed == 20 and report.delivered == 20 and report.claimed == 20
    assert sorted(d.event.id for d in email.sent) == sorted(f"e{n}" for n in range(20))
    assert {d.language for d in email.sent} == {"es"}
    assert store.delivery_counts()[DeliveryStatus.DONE] == 20
    # A second drain finds nothing to do.
    assert dispatcher(store, clock, email=email).drain().claimed == 0
    assert len(email.sent) == 20


def test_a_raising_notifier_leaves_events_pending_until_it_works(store: Store) -> None:
    clock = Clock()
    store.enqueue_events([receipt_event(1), receipt_event(2)])
    broken = Recording(raises=True)
    report = dispatcher(store, clock, email=broken).drain()
    assert report.delivered == 0 and report.retried == 2
    counts = store.delivery_counts()
    assert counts[DeliveryStatus.PENDING] == 2 and counts[DeliveryStatus.DONE] == 0
    (pending, *_) = store.list_deliveries(DeliveryStatus.PENDING, 10)
    assert "mail server down" in (pending.last_error or "")
    # Not due yet: the back-off holds them back.
    working = Recording()
    assert dispatcher(store, clock, email=working).drain().claimed == 0
    clock.advance(dt.timedelta(minutes=10))
    assert dispatcher(store, clock, email=working).drain().delivered == 2
    assert {d.event.id for d in working.sent} == {"e1", "e2"}


def test_dead_letter_after_max_attempts_then_manual_retry(store: Store) -> None:
    clock = Clock()
    store.enqueue_events([receipt_event(1)])
    broken = Recording(raises=True)
    for _ in range(3):
        dispatcher(store, clock, email=broken).drain()
        clock.advance(dt.timedelta(hours=1))
    assert store.delivery_counts()[DeliveryStatus.DEAD] == 1
    (dead,) = store.list_deliveries(DeliveryStatus.DEAD, 10)
    assert dead.attempts == 3 and "mail server down" in (dead.last_error or "")
    assert store.retry_dead(None, clock()) == 1
    working = Recording()
    assert dispatcher(store, clock, email=working).drain().delivered == 1


def test_a_permanent_failure_is_dead_lettered_at_once(store: Store) -> None:
    clock = Clock()
    store.enqueue_events([receipt_event(1)])
    refusing = Recording(refuse=DeliveryResult.failure("x", "550 no such user", retry=False))
    report = dispatcher(store, clock, email=refusing).drain()
    assert report.dead == 1
    assert store.delivery_counts()[DeliveryStatus.DEAD] == 1


def test_retry_after_hint_is_respected(store: Store) -> None:
    clock = Clock()
    store.enqueue_events([receipt_event(1)])
    hint = DeliveryResult.failure("x", "429", retry_after=dt.timedelta(minutes=4))
    dispatcher(store, clock, email=Recording(refuse=hint)).drain()
    (pending,) = store.list_deliveries(DeliveryStatus.PENDING, 10)
    assert pending.next_attempt_at >= clock() + dt.timedelta(minutes=4)


def test_a_channel_without_notifier_keeps_its_deliveries(store: Store) -> None:
    clock = Clock()
    store.enqueue_events([receipt_event(1)])
    report = dispatcher(store, clock, log=Recording(channel="log")).drain()
    assert report.retried == 1
    (pending,) = store.list_deliveries(DeliveryStatus.PENDING, 10)
    assert "no notifier" in (pending.last_error or "")


def test_one_broken_channel_does_not_block_another(store: Store) -> None:
    clock = Clock()
    store.add_subscription(
        Subscription(
            consultation_id="wsis2020",
            channel="webhook",
            address="https://h.example/x",
            created_at=T0,
        )
    )
    event = OutboxEvent(
        id="sched",
        kind="schedule.changed",
        consultation_id="wsis2020",
        occurred_at=T0,
        payload={"audience": ["subscribers", "organisers"], "organisers": ["org@example.org"]},
    )
    store.enqueue_events([event])
    email, hook = Recording(raises=True), Recording(channel="webhook")
    report = dispatcher(store, clock, email=email, webhook=hook).drain()
    assert report.delivered == 1 and report.retried == 1
    assert [d.recipient for d in hook.sent] == ["https://h.example/x"]


def test_close_closes_each_notifier_once(store: Store) -> None:
    shared = Recording()
    d = dispatcher(store, Clock(), email=shared, log=shared)
    d.close()
    assert shared.closed == 1


@attrs.define
class Counting:
    """A store wrapper that counts calls to the outbox's write methods."""

    inner: Store
    calls: dict[str, int] = attrs.field(factory=dict)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.inner, name)
        if name in {
            "route_event",
            "route_events",
            "claim_deliveries",
            "complete_delivery",
            "complete_deliveries",
            "fail_delivery",
            "fail_deliveries",
        }:

            def counted(*args: Any, **kwargs: Any) -> Any:
                self.calls[name] = self.calls.get(name, 0) + 1
                return value(*args, **kwargs)

            return counted
        return value


def test_outcomes_are_written_one_transaction_per_batch(store: Store) -> None:
    clock = Clock()
    store.enqueue_events([receipt_event(n) for n in range(21)])
    # Every third receipt goes to an address the channel refuses for good.
    refused = {f"person{n}@example.org" for n in range(0, 21, 3)}

    @attrs.define
    class Picky:
        channel: str = "email"

        def send(self, deliveries: Sequence[Delivery]) -> Sequence[DeliveryResult]:
            return [
                DeliveryResult.failure(d.id, "550 no such user", retry=False)
                if d.recipient in refused
                else DeliveryResult.success(d.id)
                for d in deliveries
            ]

        def close(self) -> None:
            """Nothing to release."""

    counting = Counting(store)
    report = dispatcher(counting, clock, email=Picky()).drain()  # type: ignore[arg-type]
    assert (report.routed, report.claimed, report.delivered, report.dead) == (21, 21, 14, 7)
    # 21 events in batches of 7: three routing, three claim, three complete and three
    # fail transactions (plus the claim that finds nothing), never one per delivery.
    assert counting.calls == {
        "route_events": 3,
        "claim_deliveries": 4,
        "complete_deliveries": 3,
        "fail_deliveries": 3,
    }
    counts = store.delivery_counts()
    assert (counts[DeliveryStatus.DONE], counts[DeliveryStatus.DEAD]) == (14, 7)


def test_outcomes_of_a_lost_claim_are_not_recorded(store: Store) -> None:
    clock = Clock()
    store.enqueue_events([receipt_event(n) for n in range(4)])
    lease = dt.timedelta(minutes=5)

    @attrs.define
    class Slow:
        """Sends so slowly that the lease expires and another worker takes the batch."""

        channel: str = "email"
        taken: list[Delivery] = attrs.field(factory=list)

        def send(self, deliveries: Sequence[Delivery]) -> Sequence[DeliveryResult]:
            clock.advance(lease)
            self.taken = store.claim_deliveries("w2", 10, clock(), lease)
            return [
                DeliveryResult.success(d.id) if n % 2 else DeliveryResult.failure(d.id, "421 later")
                for n, d in enumerate(deliveries)
            ]

        def close(self) -> None:
            """Nothing to release."""

    slow = Slow()
    d = dispatcher(store, clock, email=slow)
    d.route_new()
    report = d.dispatch_batch()
    assert (report.claimed, report.lost_claims) == (4, 4)
    assert (report.delivered, report.retried, report.dead) == (0, 0, 0)
    assert len(slow.taken) == 4
    claimed = store.list_deliveries(DeliveryStatus.CLAIMED, 10)
    assert {x.claimed_by for x in claimed} == {"w2"}
    assert all(x.last_error is None for x in claimed)


def test_a_report_leaves_its_errors_to_be_worded_by_its_reader() -> None:
    # Issue 11: error_lines() wrote English lines nobody showed; `notify run` words
    # report.errors in its reader's language, the one way to tell them.
    assert not hasattr(DispatchReport, "error_lines")
