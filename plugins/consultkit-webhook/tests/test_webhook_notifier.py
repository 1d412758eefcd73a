"""consultkit-webhook against a real HTTP server on loopback (http.server in a thread)."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
import time
from typing import TYPE_CHECKING, Any, ClassVar

import pytest
from consultkit_webhook import SignatureError, sign, verify, webhook_notifier

from consultkit.app.dispatch import Dispatcher
from consultkit.notify.backoff import Backoff
from consultkit.storage.memory import open_memory
from consultkit.storage.protocols import DeliveryStatus, OutboxEvent, Subscription
from consultkit.testing import NotifierContract
from consultkit.testing.factories import make_delivery, make_event

if TYPE_CHECKING:
    from collections.abc import Iterator

    from consultkit.notify import Notifier
    from consultkit.storage.protocols import Delivery

SECRET = "s3cret"
T0 = dt.datetime(2020, 1, 20, 9, 0, tzinfo=dt.UTC)


class Receiver(http.server.BaseHTTPRequestHandler):
    """Answers from a per-path script: a list of (status, delay seconds, headers)."""

    script: ClassVar[dict[str, list[tuple[int, float, dict[str, str]]]]] = {}
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        steps = self.script.get(self.path) or [(200, 0.0, {})]
        status, delay, headers = steps.pop(0) if len(steps) > 1 else steps[0]
        ok = True
        try:
            verify(
                SECRET,
                body,
                self.headers["Consultkit-Timestamp"],
                self.headers["Consultkit-Signature"],
            )
        except SignatureError:
            ok = False
        self.received.append(
            {
                "path": self.path,
                "body": json.loads(body),
                "signed": ok,
                "status": status,
                "event_id": self.headers["Consultkit-Event-Id"],
            }
        )
        if delay:
            time.sleep(delay)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


@pytest.fixture
def server() -> Iterator[str]:
    Receiver.script = {}
    Receiver.received = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    httpd.daemon_threads = True
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def delivery(url: str, n: int = 0) -> Delivery:
    event = make_event(
        "schedule.changed",
        consultation_id="wsis2020",
        at=T0,
        payload={"revision": 2, "changes": [{"ref": "phase:phase-2", "change": "moved"}]},
        event_id=f"event-{n}",
    )
    return make_delivery(event, n=n, channel="webhook", recipient=url, delivery_id=f"d{n}")


def notifier(timeout: float = 2.0) -> Any:
    return webhook_notifier({"secret": SECRET, "timeout": str(timeout)})


class TestWebhookContract(NotifierContract):
    """consultkit's notifier contract, against the receiver above."""

    retry_after = dt.timedelta(seconds=120)
    answers: ClassVar[dict[str, tuple[int, float, dict[str, str]]]] = {
        "retry": (503, 0.0, {}),
        "permanent": (400, 0.0, {}),
        "throttle": (429, 0.0, {"Retry-After": "120"}),
    }

    @pytest.fixture
    def notifier(self) -> Notifier:
        return webhook_notifier({"secret": SECRET, "timeout": "2"})

    @pytest.fixture
    def recipient(self, server: str) -> str:
        return f"{server}/contract"

    def make_channel_fail(self, request: pytest.FixtureRequest, how: str) -> None:
        Receiver.script["/contract"] = [self.answers[how]]


def test_signed_json_arrives(server: str) -> None:
    results = notifier().send([delivery(f"{server}/a", 0), delivery(f"{server}/a", 1)])
    assert [r.accepted for r in results] == [True, True]
    first = Receiver.received[0]
    assert first["signed"] and first["event_id"] == "event-0"
    assert first["body"]["kind"] == "schedule.changed"
    assert first["body"]["payload"]["revision"] == 2


@pytest.mark.parametrize(
    ("status", "retry"),
    [
        (500, True),
        (503, True),
        (408, True),
        (429, True),
        (400, False),
        (401, False),
        (404, False),
        (410, False),
    ],
)
def test_answers_decide_retry_or_dead_letter(server: str, status: int, retry: bool) -> None:
    Receiver.script["/x"] = [(status, 0.0, {})]
    (result,) = notifier().send([delivery(f"{server}/x")])
    assert not result.accepted and result.retry is retry
    assert str(status) in (result.error or "")


def test_retry_after_is_passed_on(server: str) -> None:
    Receiver.script["/busy"] = [(429, 0.0, {"Retry-After": "120"})]
    (result,) = notifier().send([delivery(f"{server}/busy")])
    assert result.retry and result.retry_after == dt.timedelta(seconds=120)


def test_a_slow_receiver_times_out_and_is_retried(server: str) -> None:
    Receiver.script["/slow"] = [(200, 1.5, {})]
    started = time.monotonic()
    (result,) = notifier(timeout=0.3).send([delivery(f"{server}/slow")])
    assert time.monotonic() - started < 1.4
    assert not result.accepted and result.retry
    assert "timed out" in (result.error or "").lower() or "timeout" in (result.error or "").lower()


def test_not_a_url_is_dead_lettered() -> None:
    (result,) = notifier().send([delivery("mailto:someone@example.org")])
    assert not result.accepted and result.retry is False


def test_nobody_listening_is_retried() -> None:
    (result,) = notifier().send([delivery("http://127.0.0.1:9/")])
    assert not result.accepted and result.retry


def test_a_secret_is_required() -> None:
    with pytest.raises(ValueError, match="CONSULTKIT_WEBHOOK_SECRET"):
        webhook_notifier({})


def test_verify_rejects_tampering_and_replays() -> None:
    body = b'{"id": "e1"}'
    stamp = 1_580_000_000
    good = sign(SECRET, stamp, body)
    verify(SECRET, body, str(stamp), good, now=stamp + 10)
    verify(SECRET, body, str(stamp), f"v1=00, {good}", now=stamp)  # rotation: one match suffices
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, body + b" ", str(stamp), good, now=stamp)
    with pytest.raises(SignatureError, match="does not match"):
        verify("other", body, str(stamp), good, now=stamp)
    with pytest.raises(SignatureError, match="too old"):
        verify(SECRET, body, str(stamp), good, now=stamp + 3600)
    with pytest.raises(SignatureError, match="not a number"):
        verify(SECRET, body, "yesterday", good, now=stamp)


def test_through_the_outbox_failures_are_retried_until_delivered(server: str) -> None:
    """The receiver fails twice; the dispatcher retries with back-off; one event id throughout."""
    Receiver.script["/flaky"] = [(503, 0.0, {}), (500, 0.0, {}), (200, 0.0, {})]
    store = open_memory("memory://")
    store.add_subscription(
        Subscription(
            consultation_id="wsis2020", channel="webhook", address=f"{server}/flaky", created_at=T0
        )
    )
    store.enqueue_events(
        [
            OutboxEvent(
                id="ev-1",
                kind="schedule.changed",
                consultation_id="wsis2020",
                occurred_at=T0,
                payload={"audience": ["subscribers"]},
            )
        ]
    )
    clock = {"now": T0}
    dispatcher = Dispatcher(
        store=store,
        notifiers={"webhook": notifier()},
        now=lambda: clock["now"],
        backoff=Backoff(base=dt.timedelta(seconds=5), cap=dt.timedelta(minutes=1), max_attempts=5),
    )
    for _ in range(4):
        dispatcher.drain()
        clock["now"] += dt.timedelta(minutes=2)
    assert store.delivery_counts()[DeliveryStatus.DONE] == 1
    assert [r["status"] for r in Receiver.received] == [503, 500, 200]
    assert {r["event_id"] for r in Receiver.received} == {"ev-1"}


def test_a_rejecting_receiver_dead_letters_through_the_outbox(server: str) -> None:
    Receiver.script["/gone"] = [(410, 0.0, {})]
    store = open_memory("memory://")
    store.add_subscription(
        Subscription(
            consultation_id="c", channel="webhook", address=f"{server}/gone", created_at=T0
        )
    )
    store.enqueue_events(
        [
            OutboxEvent(
                id="ev-2", kind="call.opened", consultation_id="c", occurred_at=T0, payload={}
            )
        ]
    )
    report = Dispatcher(store=store, notifiers={"webhook": notifier()}, now=lambda: T0).drain()
    assert report.dead == 1
    (dead,) = store.list_deliveries(DeliveryStatus.DEAD, 5)
    assert "410" in (dead.last_error or "")
