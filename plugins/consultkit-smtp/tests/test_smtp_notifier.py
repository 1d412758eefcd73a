"""consultkit-smtp against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import socket
import threading
from email import policy
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any, ClassVar

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from consultkit.notify import Notifier
    from consultkit.storage.protocols import Delivery

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")

from consultkit_smtp.notifier import (  # noqa: E402
    SettingsError,
    SmtpSettings,
    build_message,
    smtp_notifier,
)
from consultkit_smtp.render import render_message  # noqa: E402

from consultkit.i18n import Text  # noqa: E402
from consultkit.testing import NotifierContract  # noqa: E402
from consultkit.testing.factories import make_delivery, make_event  # noqa: E402

NOW = dt.datetime(2020, 1, 20, 9, 0, tzinfo=dt.UTC)


def _payload(title: str = "Bridging the digital divide", name: str = "Ana") -> dict[str, Any]:
    return {
        "consultation": {
            "id": "wsis2020",
            "title": {"en": "WSIS Forum 2020", "es": "Foro CMSI 2020", "fr": "Forum SMSI 2020"},
            "languages": ["en", "es", "fr"],
            "zone": "Europe/Zurich",
            "website": "https://www.itu.int/net4/wsis/forum/2020",
        },
        "organisers": ["wsis-info@itu.int"],
        "audience": ["submitter"],
        "groups": [],
        "language": "es",
        "tracking_number": "WSIS-2020-ABCD",
        "submission_id": "s1",
        "consultation_id": "wsis2020",
        "consultation_title": "Foro CMSI 2020",
        "call_id": "official",
        "call_title": "Contribuciones oficiales",
        "title": title,
        "submitter_name": name,
        "submitter_email": "ana@example.org",
        "submitter_organisation": None,
        "group": "civil-society",
        "received_at": "2020-01-20T09:00:00Z",
        "status": "submitted",
        "public_status": "submitted",
        "provenance": "web",
        "zone": "Europe/Zurich",
    }


def delivery(
    n: int = 0,
    *,
    language: str = "es",
    recipient: str = "ana@example.org",
    kind: str = "submission.received",
    payload: dict[str, Any] | None = None,
) -> Delivery:
    event = make_event(
        kind,
        consultation_id="wsis2020",
        at=NOW,
        payload=payload or _payload(),
        event_id=f"event-{n}",
    )
    return make_delivery(
        event,
        n=n,
        channel="email",
        recipient=recipient,
        language=language,
        delivery_id=f"delivery-{n}",
    )


def free_port() -> int:
    """A loopback port nobody listens on right now (aiosmtpd needs a fixed one)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


class Collect:
    """An aiosmtpd handler that keeps every message, or refuses with a fixed answer."""

    def __init__(self, refuse: str | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.sessions = 0
        self.refuse = refuse

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted"


@contextlib.contextmanager
def serving(handler: Collect) -> Iterator[int]:
    """Run ``handler`` on a free loopback port; yield the port."""
    controller = aiosmtpd_controller.Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Any:
    handler = Collect()
    with serving(handler) as port:
        yield handler, port


def _settings(port: int) -> dict[str, str]:
    return {"host": "127.0.0.1", "port": str(port), "from": "wsis-info@itu.int", "timeout": "5"}


class TestSmtpContract(NotifierContract):
    """consultkit's notifier contract, against aiosmtpd (SMTP has no Retry-After)."""

    refusals: ClassVar[dict[str, str]] = {
        "retry": "451 4.3.0 try again later",
        "permanent": "550 5.1.1 no such user",
    }

    @pytest.fixture
    def notifier(self, smtp_server: Any) -> Notifier:
        return smtp_notifier(_settings(smtp_server[1]))

    @pytest.fixture
    def recipient(self) -> str:
        return "ana@example.org"

    def make_channel_fail(self, request: pytest.FixtureRequest, how: str) -> None:
        handler, _ = request.getfixturevalue("smtp_server")
        handler.refuse = self.refusals[how]


def test_messages_arrive_parse_and_carry_the_submission_language(smtp_server: Any) -> None:
    handler, port = smtp_server
    notifier = smtp_notifier(_settings(port))
    batch = [delivery(0, language="es"), delivery(1, language="fr"), delivery(2, language="en")]
    results = notifier.send(batch)
    assert [r.accepted for r in results] == [True, True, True]
    assert [r.delivery_id for r in results] == ["delivery-0", "delivery-1", "delivery-2"]
    assert notifier.connections == 1  # one connection for the whole batch
    assert handler.sessions == 1
    assert len(handler.messages) == 3
    es, fr, en = handler.messages
    assert es["Content-Language"] == "es"
    assert es["Subject"].startswith("Acuse de recibo WSIS-2020-ABCD")
    assert fr["Subject"].startswith("Accusé de réception")
    assert en["Subject"].startswith("Receipt WSIS-2020-ABCD")
    assert es["X-Consultkit-Event-Id"] == "event-0"
    assert es["To"] == "ana@example.org"
    assert "Foro CMSI 2020" in es["From"]
    text = es.get_body(preferencelist=("plain",))
    html = es.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert "Número de seguimiento: WSIS-2020-ABCD" in text.get_content()
    assert "WSIS-2020-ABCD" in html.get_content()


def test_a_title_with_crlf_cannot_add_a_header(smtp_server: Any) -> None:
    handler, port = smtp_server
    evil = "Hello\r\nBcc: victim@example.org\r\nX-Injected: yes"
    d = delivery(payload=_payload(title=evil, name="Eve\r\nCc: other@example.org"))
    results = smtp_notifier(_settings(port)).send([d])
    assert results[0].accepted
    (message,) = handler.messages
    assert message["Bcc"] is None
    assert message["Cc"] is None
    assert message["X-Injected"] is None
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert "Bcc: victim@example.org" in message["Subject"]  # kept as text, on one line


def test_html_part_escapes_submitter_text() -> None:
    d = delivery(language="en", payload=_payload(title="<script>alert(1)</script>"))
    rendered = render_message(d)
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;" in rendered.html
    assert "<script>alert(1)</script>" in rendered.text  # plain text stays plain


def test_a_malformed_recipient_is_dead_lettered_not_sent(smtp_server: Any) -> None:
    handler, port = smtp_server
    bad = delivery(0, recipient="ana@example.org\r\nBcc: victim@example.org")
    good = delivery(1)
    results = smtp_notifier(_settings(port)).send([bad, good])
    assert not results[0].accepted and results[0].retry is False
    assert results[1].accepted
    assert len(handler.messages) == 1
    with pytest.raises(ValueError, match="not one e-mail address"):
        build_message(bad, "wsis-info@itu.int")


def test_a_refusing_server_leaves_deliveries_retryable() -> None:
    with serving(Collect(refuse="451 4.3.0 try again later")) as port:
        results = smtp_notifier(_settings(port)).send([delivery(0), delivery(1)])
    assert [r.accepted for r in results] == [False, False]
    assert all(r.retry for r in results)
    assert "451" in str(results[0].error or "")


def test_a_permanent_refusal_is_not_retried() -> None:
    with serving(Collect(refuse="550 5.1.1 no such user")) as port:
        results = smtp_notifier(_settings(port)).send([delivery(0)])
    assert not results[0].accepted and results[0].retry is False


def _dropping_server() -> tuple[socket.socket, threading.Thread]:
    """A TCP server that greets like SMTP, then drops every connection."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.sendall(b"220 flaky ESMTP\r\n")
            conn.recv(1024)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return server, thread


def test_a_dropped_connection_leaves_deliveries_retryable() -> None:
    server, thread = _dropping_server()
    try:
        port = server.getsockname()[1]
        results = smtp_notifier(_settings(port)).send([delivery(0), delivery(1)])
    finally:
        server.close()
        thread.join(timeout=2)
    assert [r.accepted for r in results] == [False, False]
    assert all(r.retry for r in results)


def test_nobody_listening_leaves_deliveries_retryable() -> None:
    results = smtp_notifier(_settings(free_port())).send([delivery(0)])
    assert not results[0].accepted and results[0].retry
    assert "cannot connect" in str(results[0].error or "")
    # The organiser reads it in their language (issue 11); the outbox keeps the English.
    error = results[0].error
    assert isinstance(error, Text) and error.render("fr").startswith("connexion impossible à")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"security": "ssl"}, "SECURITY"),
        ({"port": "twenty-five"}, "PORT"),
        ({"from": "not an address"}, "FROM"),
    ],
)
def test_bad_settings_say_which_variable(settings: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        SmtpSettings.from_mapping(settings)


def test_security_picks_the_usual_port() -> None:
    assert SmtpSettings.from_mapping({"security": "starttls"}).port == 587
    assert SmtpSettings.from_mapping({"security": "tls"}).port == 465
    assert SmtpSettings.from_mapping({}).port == 25


@pytest.mark.parametrize(
    "kind",
    [
        "submission.status-changed",
        "reminder.due",
        "schedule.changed",
        "phase.opened",
        "call.opened",
        "call.closed",
    ],
)
@pytest.mark.parametrize("language", ["en", "es", "fr", "ar", "ru", "zh"])
def test_every_kind_renders_in_every_language(kind: str, language: str) -> None:
    payload = _payload()
    payload.update(
        from_status="submitted",
        to_status="accepted",
        public_status="accepted",
        changed_at="2020-01-21T10:00:00Z",
        reason=None,
    )
    payload["item"] = {
        "title": {"en": "Phase II", "es": "Fase II", "fr": "Phase II"},
        "at": "2020-02-03T23:00:00Z",
        "deadline": "2020-02-03T23:00:00Z",
    }
    payload["reminder"] = {
        "edge": "deadline",
        "before_seconds": 86400,
        "anchor_at": "2020-02-03T23:00:00Z",
    }
    payload["revision"] = 2
    payload["changes"] = [{"ref": "phase:II", "change": "moved", "title": {"en": "Phase II"}}]
    rendered = render_message(delivery(kind=kind, language=language, payload=payload))
    assert rendered.language == language  # every UN language has the catalogue
    assert rendered.subject and rendered.text.strip() and "<html" in rendered.html
    assert "Undefined" not in rendered.text
    if kind == "reminder.due":
        assert {
            "en": "1 day",
            "es": "1 día",
            "fr": "1 jour",
            "ar": "يوم",
            "ru": "1 день",
            "zh": "1天",
        }[rendered.language] in rendered.subject.replace("\xa0", " ")


@pytest.mark.parametrize("written_by", ["data", "older parts"])
def test_a_moved_item_is_told_with_consultkit_rendering(written_by: str) -> None:
    before = {
        "precision": "minute",
        "start": "2019-06-20T15:00:00Z",
        "end": "2019-06-20T16:00:00Z",
        "zone": "Europe/Zurich",
        "text": "2019-06-20 15:00 – 2019-06-20 16:00 UTC",
    }
    after = {
        "precision": "deadline",
        "deadline": "2020-02-03T11:00:00Z",
        "zone": "Europe/Zurich",
        "text": "2020-02-03 12:00:00",
    }
    if written_by == "data":
        before["window"] = {
            "kind": "exact",
            "start": "2019-06-20T15:00:00Z",
            "end": "2019-06-20T16:00:00Z",
            "zone": "Europe/Zurich",
        }
        after["window"] = {
            "kind": "deadline",
            "day": "2020-02-03",
            "rule": "at-time",
            "time": "12:00:00",
            "zone": "Europe/Zurich",
        }
    payload = _payload()
    payload["revision"] = 2
    payload["changes"] = [
        {
            "ref": "phase:II",
            "change": "moved",
            "title": {"en": "Phase II"},
            "before": before,
            "after": after,
        }
    ]
    rendered = render_message(delivery(kind="schedule.changed", language="es", payload=payload))
    text = rendered.text.replace("\u202f", " ")
    assert "20 de junio de 2019, 17:00 – 18:00 (Europe/Zurich)" in text
    assert "3 de febrero de 2020, 12:00:00 CET (Europe/Zurich)" in text


def test_a_right_to_left_plain_text_part_isolates_latin_fragments() -> None:
    # Issue 11: in an Arabic e-mail, "(Europe/Zurich)" or a Latin title next to Arabic
    # words is reordered by the client's bidi algorithm unless it is isolated (LRI … PDI).
    # The shipped templates and the Arabic catalogue, as a subscriber gets them.
    from consultkit.domain.bidi import LRI, PDI

    payload = _payload()
    payload["item"] = {"title": {"ar": "المرحلة الثانية", "en": "Phase II"}}
    payload["reminder"] = {
        "edge": "start",
        "before_seconds": 3600,
        "anchor_at": "2019-06-20T15:00:00Z",
    }
    rendered = render_message(delivery(kind="reminder.due", language="ar", payload=payload))
    assert rendered.language == "ar"
    assert f"{LRI}+0200 (Europe/Zurich){PDI}" in rendered.text  # the offset and its zone
    assert f"{LRI}WSIS Forum 2020{PDI}" in rendered.text  # a title only written in Latin
    assert LRI not in rendered.subject  # a header, shown by some clients as boxes
    # A left-to-right message is untouched.
    spanish = render_message(delivery(kind="reminder.due", language="es", payload=payload))
    assert LRI not in spanish.text and PDI not in spanish.text
