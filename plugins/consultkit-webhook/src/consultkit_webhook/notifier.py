"""The ``webhook`` channel: one JSON POST per delivery, signed per subscription, with limits.

Settings (``CONSULTKIT_WEBHOOK_*`` or the settings file's ``[webhook]`` table):

``secret``         the master HMAC secret (required: unsigned webhooks cannot be trusted).
                   Each subscription's URL gets its own signing secret derived from it
                   (:func:`~consultkit_webhook.signing.subscription_secret`), so one
                   receiver cannot forge requests to another.
``timeout``        seconds to connect and for each read (default 10)
``deadline``       seconds one request may take in all, however slowly the receiver
                   answers (default 15)
``batch_seconds``  seconds one batch may take; deliveries not tried by then are retried
                   with the next batch (default 60)
``allow_private``  ``true`` to allow loopback, private, link-local and other non-public
                   targets (default ``false``: a subscription cannot reach the host's own
                   or its network's services)

The recipient of a delivery is the subscriber's URL (``http`` or ``https``). This channel
reaches endpoints, never people (:attr:`consultkit.notify.Reach.ENDPOINTS`): consultkit
never hands it a submitter's or organiser's address.

How answers are treated (retries happen through the outbox, with back-off):

* 2xx: accepted. At most 64 KiB of any answer is read.
* 408, 425, 429 and 5xx, timeouts, a passed deadline, refused or dropped connections:
  retried; a ``Retry-After`` in seconds is honoured as the minimum wait.
* any other 4xx (400, 401, 403, 404, 410, 422…): the receiver says the request itself
  is wrong and sending it again cannot change that, so the delivery is dead-lettered at
  once; an organiser fixes the receiver (or the secret) and runs ``consultkit notify retry``.
* a recipient that is not an http(s) URL, or a non-public target without
  ``allow_private``: dead-lettered at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import ipaddress
import json
import socket
import ssl
import threading
import time
import urllib.parse
from typing import TYPE_CHECKING

import attrs
from babel.numbers import format_decimal

from consultkit.errors import ConsultkitError
from consultkit.i18n import Text, catalogue_language, deferred
from consultkit.notify.channels import DeliveryResult, Reach
from consultkit.reasons import os_reason
from consultkit_webhook.signing import sign, subscription_secret

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from consultkit.storage.protocols import Delivery

CHANNEL = "webhook"
RETRYABLE_4XX = frozenset({408, 425, 429})
USER_AGENT = "consultkit-webhook/0.1"
MAX_ANSWER_BYTES = 64 * 1024
"""How much of an answer is read: only the status matters, and a huge body must not fill memory."""
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


class SettingsError(ConsultkitError, ValueError):
    """The ``webhook`` channel's settings are wrong; the message says which and how to fix it.

    Its words are deferred: the command that builds the notifier shows them in the
    organiser's language (issue 11).
    """


def _seconds(settings: Mapping[str, str], key: str, default: float) -> float:
    raw = settings.get(key, "").strip()
    name = f"CONSULTKIT_WEBHOOK_{key.upper()}"
    try:
        value = float(raw or default)
    except ValueError:
        raise SettingsError(
            deferred.gettext("%(setting)s must be a number of seconds", setting=name)
        ) from None
    if not value > 0:
        raise SettingsError(deferred.gettext("%(setting)s must be positive", setting=name))
    return value


@attrs.frozen(kw_only=True)
class WebhookSettings:
    """The master secret, the time limits and the target policy (module docstring)."""

    secret: str = attrs.field(repr=False)
    timeout: float = 10.0
    deadline: float = 15.0
    batch_seconds: float = 60.0
    allow_private: bool = False

    @classmethod
    def from_mapping(cls, settings: Mapping[str, str]) -> WebhookSettings:
        secret = settings.get("secret", "")
        if not secret.strip():
            raise SettingsError(
                deferred.gettext(
                    "set CONSULTKIT_WEBHOOK_SECRET: receivers verify each request with it"
                )
            )
        allow = settings.get("allow_private", "").strip().lower()
        if allow not in _TRUE | _FALSE:
            raise SettingsError(
                deferred.gettext("CONSULTKIT_WEBHOOK_ALLOW_PRIVATE must be true or false")
            )
        return cls(
            secret=secret,
            timeout=_seconds(settings, "timeout", 10),
            deadline=_seconds(settings, "deadline", 15),
            batch_seconds=_seconds(settings, "batch_seconds", 60),
            allow_private=allow in _TRUE,
        )


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


def is_public(address: str) -> bool:
    """True for a globally routable IP address (not loopback, private, link-local, …)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class TargetRefused(ConsultkitError):
    """A webhook URL whose host resolves to an address the policy does not allow."""


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, not to whatever the name resolves to next."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """HTTPS to the checked address, verifying the certificate for the URL's host name."""

    default_port = 443

    def connect(self) -> None:
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


@attrs.define
class WebhookNotifier:
    """POSTs each delivery to its URL, reusing one connection per host within a batch."""

    settings: WebhookSettings
    channel: str = CHANNEL
    reaches: Reach = Reach.ENDPOINTS
    _connections: dict[tuple[str, str, int], _PinnedHTTPConnection] = attrs.field(
        factory=dict, init=False
    )

    def _resolve(self, host: str, port: int) -> str:
        """The address to connect to; raises :class:`TargetRefused` or ``OSError``."""
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = [str(info[4][0]) for info in infos]
        if not addresses:
            raise OSError(f"{host} has no address")
        if not self.settings.allow_private:
            refused = [a for a in addresses if not is_public(a)]
            if refused:
                raise TargetRefused(
                    deferred.gettext(
                        "%(host)s resolves to %(address)s, which is not a public address; set"
                        " CONSULTKIT_WEBHOOK_ALLOW_PRIVATE=true to allow such targets",
                        host=host,
                        address=refused[0],
                    )
                )
        return addresses[0]

    def _connection(self, url: urllib.parse.SplitResult) -> _PinnedHTTPConnection:
        port = url.port or (443 if url.scheme == "https" else 80)
        host = url.hostname or ""
        key = (url.scheme, host, port)
        conn = self._connections.get(key)
        if conn is None:
            address = self._resolve(host, port)
            cls = _PinnedHTTPSConnection if url.scheme == "https" else _PinnedHTTPConnection
            conn = cls(host, port, address=address, timeout=self.settings.timeout)
            self._connections[key] = conn
        return conn

    def _post(self, delivery: Delivery, deadline: float) -> DeliveryResult:
        try:
            url = urllib.parse.urlsplit(delivery.recipient)
            port = url.port
        except ValueError:
            url, port = urllib.parse.urlsplit(""), None
        if (
            url.scheme not in ("http", "https")
            or not url.hostname
            or any(ch in delivery.recipient for ch in "\r\n ")
            or (port is not None and not 0 < port < 65536)
        ):
            return DeliveryResult.failure(
                delivery.id,
                deferred.gettext("not an http(s) URL: %(url)r", url=delivery.recipient),
                retry=False,
            )
        body = body_of(delivery)
        stamp = int(time.time())
        secret = subscription_secret(self.settings.secret, delivery.recipient)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Consultkit-Event-Id": delivery.event.id,
            "Consultkit-Event-Kind": delivery.event.kind,
            "Consultkit-Timestamp": str(stamp),
            "Consultkit-Signature": sign(secret, stamp, body),
        }
        path = url.path or "/"
        if url.query:
            path = f"{path}?{url.query}"
        try:
            conn = self._connection(url)
        except TargetRefused as exc:
            return DeliveryResult.failure(delivery.id, exc.text or str(exc), retry=False)
        except OSError as exc:
            unresolved = deferred.gettext(
                "cannot resolve %(host)s: %(reason)s", host=url.hostname, reason=os_reason(exc)
            )
            return DeliveryResult.failure(delivery.id, unresolved)
        # The socket timeout bounds each read, not the whole answer: a receiver dripping one
        # byte at a time would hold the dispatcher for ever. The watchdog cuts the socket
        # at the deadline (issue 9, item 11).
        expired = threading.Event()

        def cut() -> None:
            expired.set()
            sock = conn.sock
            if sock is not None:
                with contextlib.suppress(OSError):  # already closed: nothing left to cut
                    sock.shutdown(socket.SHUT_RDWR)

        watchdog = threading.Timer(max(deadline, 0.0), cut)
        watchdog.daemon = True
        watchdog.start()
        try:
            if conn.sock is None:
                conn.connect()  # bounded by ``timeout``; the watchdog then sees the socket
                if expired.is_set():
                    cut()
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read(MAX_ANSWER_BYTES)
            leftover = not response.isclosed()
        except (OSError, http.client.HTTPException, ValueError) as exc:
            conn.close()  # a half-read connection cannot be reused
            if expired.is_set():
                return DeliveryResult.failure(delivery.id, _too_slow(deadline))
            return DeliveryResult.failure(delivery.id, f"{type(exc).__name__}: {exc}")
        finally:
            watchdog.cancel()
        if expired.is_set():
            # A cut socket reads as the end of the answer: what was parsed is not an answer.
            conn.close()
            return DeliveryResult.failure(delivery.id, _too_slow(deadline))
        status = response.status
        if leftover or response.getheader("Connection", "").lower() == "close":
            conn.close()  # an unread remainder cannot be reused
        if 200 <= status < 300:
            return DeliveryResult.success(delivery.id)
        error = f"HTTP {status} {response.reason}"[:300]
        if 400 <= status < 500 and status not in RETRYABLE_4XX:
            return DeliveryResult.failure(delivery.id, error, retry=False)
        return DeliveryResult.failure(
            delivery.id, error, retry_after=_retry_after(response.getheader("Retry-After"))
        )

    def send(self, deliveries: Sequence[Delivery]) -> Sequence[DeliveryResult]:
        """POST each delivery in order; one result per delivery (see the module docstring).

        The batch has a time budget (``batch_seconds``): deliveries not tried within it
        are failed, retryably, and go out with a later batch.
        """
        budget_ends = time.monotonic() + self.settings.batch_seconds
        results: list[DeliveryResult] = []
        try:
            for delivery in deliveries:
                left = budget_ends - time.monotonic()
                if left <= 0:
                    results.append(
                        DeliveryResult.failure(
                            delivery.id,
                            deferred.gettext(
                                "not tried: the batch's %(seconds)s s budget ran out; it goes"
                                " out with a later batch",
                                seconds=_seconds_in(self.settings.batch_seconds),
                            ),
                        )
                    )
                    continue
                results.append(self._post(delivery, min(self.settings.deadline, left)))
            return results
        finally:
            self.close()

    def close(self) -> None:
        """Close the batch's connections."""
        for conn in self._connections.values():
            conn.close()
        self._connections.clear()


def _seconds_in(seconds: float) -> Callable[[str], str]:
    """``seconds`` as the reader's language writes a number (``2.5``, ``2,5``)."""
    return lambda language: format_decimal(seconds, locale=catalogue_language(language))


def _too_slow(deadline: float) -> Text:
    return deferred.gettext(
        "no complete answer within the %(seconds)s s deadline", seconds=_seconds_in(deadline)
    )


def webhook_notifier(settings: Mapping[str, str]) -> WebhookNotifier:
    """Build the ``webhook`` notifier (raises ``ValueError`` without a secret)."""
    return WebhookNotifier(settings=WebhookSettings.from_mapping(settings))
