"""consultkit-webhook against a real HTTP server on loopback (http.server in a thread)."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
import time
from typing import TYPE_CHECKING, Any, ClassVar

import pytest
from click.testing import CliRunner
from consultkit_webhook import SignatureError, sign, verify, webhook_notifier
from consultkit_webhook.signing import subscription_secret

from consultkit.app.application import Consultkit
from consultkit.app.dispatch import Dispatcher
from consultkit.cli import cli
from consultkit.i18n import Text
from consultkit.notify.backoff import Backoff
from consultkit.notify.channels import DeliveryResult
from consultkit.notify.settings import NotifySettings
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
    signatures: ClassVar[list[tuple[str, str, str, bytes]]] = []
    huge_bytes_sent: ClassVar[int] = 0

    def _drip(self) -> None:
        """Answer one header byte at a time, each well within the read timeout, for 20 s."""
        try:
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            self.wfile.flush()
            stop = time.monotonic() + 20
            while time.monotonic() < stop:
                self.wfile.write(b"X")
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            return

    def _huge(self) -> None:
        """Announce a 400 MB answer and send it as fast as the client reads."""
        total = 400_000_000
        chunk = b"x" * (1 << 20)
        try:
            self.send_response(200)
            self.send_header("Content-Length", str(total))
            self.end_headers()
            while Receiver.huge_bytes_sent < total:
                self.wfile.write(chunk)
                Receiver.huge_bytes_sent += len(chunk)
        except OSError:
            return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.signatures.append(
            (
                self.path,
                self.headers["Consultkit-Timestamp"],
                self.headers["Consultkit-Signature"],
                body,
            )
        )
        if self.path == "/drip":
            self._drip()
            return
        if self.path == "/huge":
            self._huge()
            return
        steps = self.script.get(self.path) or [(200, 0.0, {})]
        status, delay, headers = steps.pop(0) if len(steps) > 1 else steps[0]
        ok = True
        # Each subscription is signed with its own secret (issue 9, item 11).
        url = f"http://127.0.0.1:{self.server.server_address[1]}{self.path}"
        try:
            verify(
                subscription_secret(SECRET, url),
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
    Receiver.signatures = []
    Receiver.huge_bytes_sent = 0
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


def notifier(timeout: float = 2.0, **more: str) -> Any:
    # The receivers listen on loopback, which the channel refuses unless allowed.
    settings = {"secret": SECRET, "timeout": str(timeout), "allow_private": "true", **more}
    return webhook_notifier(settings)


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
        # The receiver is on loopback: allowed explicitly, as an organiser would for a test.
        return webhook_notifier({"secret": SECRET, "timeout": "2", "allow_private": "true"})

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
    assert str(status) in str(result.error or "")


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
    assert (
        "timed out" in str(result.error or "").lower()
        or "timeout" in str(result.error or "").lower()
    )


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


# -- issue 9: hardening ------------------------------------------------------------------


def test_a_submitters_address_is_never_posted_to(server: str) -> None:
    """Item 7: with webhook the only channel, a submitter's "address" was POSTed to."""
    planted = f"{server}/internal/delete@x.yz"
    with Consultkit.open("memory://", entry_points=True) as app:
        app.store.enqueue_events(
            [
                OutboxEvent(
                    id="ev-r",
                    kind="submission.received",
                    consultation_id="wsis2020",
                    occurred_at=T0,
                    payload={"audience": ["submitter"], "submitter_email": planted},
                )
            ]
        )
        settings = NotifySettings(
            channels=("webhook",),
            channel_settings={"webhook": {"secret": SECRET, "allow_private": "true"}},
        )
        report = app.dispatch(settings)
        assert report.delivered == 0
        (waiting,) = app.store.list_deliveries(DeliveryStatus.PENDING, 5)
    assert Receiver.received == [] and Receiver.signatures == []
    assert waiting.channel == "email"  # it waits for a channel that reaches people


@pytest.mark.parametrize(
    "target",
    ["{server}/hook", "http://localhost:{port}/hook", "http://[::ffff:127.0.0.1]:{port}/hook"],
)
def test_non_public_targets_are_refused_unless_allowed(server: str, target: str) -> None:
    port = server.rsplit(":", 1)[1]
    url = target.format(server=server, port=port)
    (result,) = webhook_notifier({"secret": SECRET}).send([delivery(url)])
    assert not result.accepted and result.retry is False
    assert "not a public address" in str(result.error or "")
    assert "CONSULTKIT_WEBHOOK_ALLOW_PRIVATE" in str(result.error or "")
    assert isinstance(result.error, Text) and "n’est pas une adresse publique" in (
        result.error.render("fr")
    )
    assert Receiver.signatures == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1:70/x", "ftp://h/x"])
def test_non_http_schemes_are_refused(url: str) -> None:
    (result,) = webhook_notifier({"secret": SECRET}).send([delivery(url)])
    assert not result.accepted and result.retry is False


def test_the_allow_setting_must_be_a_boolean() -> None:
    with pytest.raises(ValueError, match="ALLOW_PRIVATE"):
        webhook_notifier({"secret": SECRET, "allow_private": "maybe"})


def test_a_slow_dripping_receiver_is_cut_at_the_deadline(server: str) -> None:
    """Item 11: one byte per 0.1 s never trips a 2 s read timeout; the deadline cuts it."""
    started = time.monotonic()
    (result,) = notifier(timeout=2.0, deadline="1").send([delivery(f"{server}/drip")])
    assert time.monotonic() - started < 4
    assert not result.accepted and result.retry
    assert "deadline" in str(result.error or "")


def test_a_batch_stops_trying_when_its_budget_is_spent(server: str) -> None:
    Receiver.script["/slow"] = [(200, 0.6, {})]
    hooks = notifier(timeout=2.0, batch_seconds="1")
    started = time.monotonic()
    results = hooks.send([delivery(f"{server}/slow", n) for n in range(5)])
    assert time.monotonic() - started < 3
    assert results[0].accepted
    # The second gets what is left of the budget as its deadline; the rest are not tried.
    assert not results[1].accepted and results[1].retry
    assert all(not r.accepted and r.retry and "budget" in str(r.error or "") for r in results[2:])


def test_a_huge_answer_is_not_read_into_memory(server: str) -> None:
    """Item 11: a 400 MB answer was read whole; only the first 64 KiB are read now."""
    (result,) = notifier().send([delivery(f"{server}/huge")])
    assert result.accepted
    time.sleep(0.2)
    # What the server got into the socket before the client hung up: the socket buffers,
    # not the answer.
    assert Receiver.huge_bytes_sent < 50_000_000


def test_each_subscription_is_signed_with_its_own_secret(server: str) -> None:
    """Item 11: one global secret let any subscriber forge requests to the others."""
    a, b = f"{server}/a", f"{server}/b"
    results = notifier().send([delivery(a, 0), delivery(b, 1)])
    assert all(r.accepted for r in results)
    (_path, stamp, signature, body) = next(s for s in Receiver.signatures if s[0] == "/a")
    now = float(stamp)
    verify(subscription_secret(SECRET, a), body, stamp, signature, now=now)
    for wrong in (subscription_secret(SECRET, b), SECRET):
        with pytest.raises(SignatureError, match="does not match"):
            verify(wrong, body, stamp, signature, now=now)
    assert subscription_secret(SECRET, a) != subscription_secret(SECRET, b)
    assert subscription_secret("other", a) != subscription_secret(SECRET, a)


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [("1580000000", "v1=\u00e9t\u00e9"), ("1580000000", "v1=\u0661"), ("\u0661\u0665", "v1=00")],
)
def test_verify_refuses_non_ascii_headers(timestamp: str, signature: str) -> None:
    """Item 11: a non-ASCII signature header raised TypeError instead of SignatureError."""
    with pytest.raises(SignatureError):
        verify(SECRET, b"{}", timestamp, signature, now=1_580_000_000)


def test_a_slow_webhook_does_not_hold_back_receipts(server: str) -> None:
    """Item 11: channels went one after another, so a slow receiver delayed every receipt."""
    Receiver.script["/slow"] = [(200, 1.5, {})]
    store = open_memory("memory://")
    store.add_subscription(
        Subscription(
            consultation_id="wsis2020", channel="webhook", address=f"{server}/slow", created_at=T0
        )
    )
    store.enqueue_events(
        [
            OutboxEvent(
                id="ev-3",
                kind="schedule.changed",
                consultation_id="wsis2020",
                occurred_at=T0,
                payload={"audience": ["subscribers", "organisers"], "organisers": ["o@x.org"]},
            )
        ]
    )
    sent_at: list[float] = []

    class Mail:
        channel = "email"

        def send(self, deliveries: Any) -> list[DeliveryResult]:
            sent_at.append(time.monotonic())
            return [DeliveryResult.success(d.id) for d in deliveries]

        def close(self) -> None:
            """Nothing to close."""

    started = time.monotonic()
    report = Dispatcher(
        store=store, notifiers={"webhook": notifier(), "email": Mail()}, now=lambda: T0
    ).drain()
    assert report.delivered == 2
    assert sent_at and sent_at[0] - started < 1.0


def test_webhook_secret_prints_a_subscriptions_secret() -> None:
    url = "https://hooks.example.org/consultkit"
    env = {"CONSULTKIT_WEBHOOK_SECRET": SECRET}
    result = CliRunner().invoke(cli, ["webhook-secret", url], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == subscription_secret(SECRET, url)
    missing = CliRunner().invoke(
        cli, ["webhook-secret", url], env={"CONSULTKIT_WEBHOOK_SECRET": ""}
    )
    assert missing.exit_code == 2 and "CONSULTKIT_WEBHOOK_SECRET" in missing.output
