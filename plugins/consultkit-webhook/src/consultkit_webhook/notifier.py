"""The ``webhook`` channel: one JSON POST per delivery, signed, with timeouts.

Settings (``CONSULTKIT_WEBHOOK_*`` or the settings file's ``[webhook]`` table):

``secret``   the shared HMAC secret (required: unsigned webhooks cannot be trusted)
``timeout``  seconds to connect and to read the answer (default 10)

The recipient of a delivery is the subscriber's URL (``http`` or ``https``).

How answers are treated (retries happen through the outbox, with back-off):

* 2xx: accepted.
* 408, 425, 429 and 5xx, timeouts, refused or dropped connections: retried; a
  ``Retry-After`` in seconds is honoured as the minimum wait.
* any other 4xx (400, 401, 403, 404, 410, 422…): the receiver says the request itself
  is wrong and sending it again cannot change that, so the delivery is dead-lettered at
  once; an organiser fixes the receiver (or the secret) and runs ``consultkit notify retry``.
* a recipient that is not an http(s) URL: dead-lettered at once.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import time
import urllib.parse
from typing import TYPE_CHECKING

import attrs

from consultkit.notify.channels import DeliveryResult
from consultkit_webhook.signing import sign

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from consultkit.storage.protocols import Delivery

CHANNEL = "webhook"
RETRYABLE_4XX = frozenset({408, 425, 429})
USER_AGENT = "consultkit-webhook/0.1"


@attrs.frozen(kw_only=True)
class WebhookSettings:
    """The shared secret and the timeout."""

    secret: str = attrs.field(repr=False)
    timeout: float = 10.0

    @classmethod
    def from_mapping(cls, settings: Mapping[str, str]) -> WebhookSettings:
        secret = settings.get("secret", "")
        if not secret.strip():
            raise ValueError("set CONSULTKIT_WEBHOOK_SECRET: receivers verify each request with it")
        try:
            timeout = float(settings.get("timeout", "").strip() or 10)
        except ValueError:
            raise ValueError("CONSULTKIT_WEBHOOK_TIMEOUT must be a number of seconds") from None
        return cls(secret=secret, timeout=timeout)


def body_of(delivery: Delivery) -> bytes:
    """The JSON document POSTed for ``delivery`` (stable keys; the payload as stored)."""
    event = delivery.event
    document = {
        "id": event.id,
        "kind": event.kind,
        "consultation_id": event.consultation_id,
        "occurred_at": event.occurred_at.isoformat(),
        "language": delivery.language,
        "payload": dict(event.payload),
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, default=str).encode()


def _retry_after(value: str | None) -> dt.timedelta | None:
    if value and value.strip().isdigit():
        return dt.timedelta(seconds=int(value.strip()))
    return None


@attrs.define
class WebhookNotifier:
    """POSTs each delivery to its URL, reusing one connection per host within a batch."""

    settings: WebhookSettings
    channel: str = CHANNEL
    _connections: dict[tuple[str, str, int], http.client.HTTPConnection] = attrs.field(
        factory=dict, init=False
    )

    def _connection(self, url: urllib.parse.SplitResult) -> http.client.HTTPConnection:
        port = url.port or (443 if url.scheme == "https" else 80)
        key = (url.scheme, url.hostname or "", port)
        conn = self._connections.get(key)
        if conn is None:
            cls = (
                http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
            )
            conn = cls(url.hostname or "", port, timeout=self.settings.timeout)
            self._connections[key] = conn
        return conn

    def _post(self, delivery: Delivery) -> DeliveryResult:
        url = urllib.parse.urlsplit(delivery.recipient)
        if (
            url.scheme not in ("http", "https")
            or not url.hostname
            or any(ch in delivery.recipient for ch in "\r\n ")
        ):
            return DeliveryResult.failure(
                delivery.id, f"not an http(s) URL: {delivery.recipient!r}", retry=False
            )
        body = body_of(delivery)
        stamp = int(time.time())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Consultkit-Event-Id": delivery.event.id,
            "Consultkit-Event-Kind": delivery.event.kind,
            "Consultkit-Timestamp": str(stamp),
            "Consultkit-Signature": sign(self.settings.secret, stamp, body),
        }
        path = url.path or "/"
        if url.query:
            path = f"{path}?{url.query}"
        conn = self._connection(url)
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()  # a half-read connection cannot be reused
            return DeliveryResult.failure(delivery.id, f"{type(exc).__name__}: {exc}")
        status = response.status
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
        if 200 <= status < 300:
            return DeliveryResult.success(delivery.id)
        error = f"HTTP {status} {response.reason}"
        if 400 <= status < 500 and status not in RETRYABLE_4XX:
            return DeliveryResult.failure(delivery.id, error, retry=False)
        return DeliveryResult.failure(
            delivery.id, error, retry_after=_retry_after(response.getheader("Retry-After"))
        )

    def send(self, deliveries: Sequence[Delivery]) -> Sequence[DeliveryResult]:
        """POST each delivery in order; one result per delivery (see the module docstring)."""
        try:
            return [self._post(d) for d in deliveries]
        finally:
            self.close()

    def close(self) -> None:
        """Close the batch's connections."""
        for conn in self._connections.values():
            conn.close()
        self._connections.clear()


def webhook_notifier(settings: Mapping[str, str]) -> WebhookNotifier:
    """Build the ``webhook`` notifier (raises ``ValueError`` without a secret)."""
    return WebhookNotifier(settings=WebhookSettings.from_mapping(settings))
