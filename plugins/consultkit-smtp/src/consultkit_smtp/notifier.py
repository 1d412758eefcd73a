"""The ``email`` channel: one SMTP connection per batch, one message per delivery.

Settings come from ``CONSULTKIT_EMAIL_*`` variables (or the settings file's
``[channels.email]`` table), lower-cased without the prefix:

=============  =====================================================================
``host``       SMTP server (default ``localhost``)
``port``       default 25, 587 with ``starttls``, 465 with ``tls``
``security``   ``none`` (default), ``starttls`` or ``tls``
``username``   log in with this user (and ``password``) when given
``password``
``from``       the From address (default ``consultkit@localhost``)
``timeout``    seconds for connecting and each command (default 30)
=============  =====================================================================

Headers are built with :class:`email.message.EmailMessage` under ``policy.SMTP`` from
values with every control character collapsed, and addresses are parsed, never pasted:
a title or name holding CR/LF cannot add a header. A recipient that is not one valid
address is refused without retry (retrying cannot fix it). Server answers 4xx and lost
connections leave deliveries pending for a retry; 5xx answers are permanent.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Mapping
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from typing import TYPE_CHECKING

import attrs

from consultkit.domain.submission_rules import email_address_problem
from consultkit.errors import ConsultkitError
from consultkit.i18n import deferred
from consultkit.notify.channels import DeliveryResult, Reach
from consultkit.reasons import os_reason
from consultkit_smtp.render import one_line, render_message

if TYPE_CHECKING:
    from collections.abc import Sequence

    from consultkit.storage.protocols import Delivery

CHANNEL = "email"
SECURITY = ("none", "starttls", "tls")


class SettingsError(ConsultkitError, ValueError):
    """The ``email`` channel's settings are wrong; the message says which and how to fix it.

    Its words are deferred: the command that builds the notifier shows them in the
    organiser's language (issue 11).
    """


class RecipientError(ConsultkitError, ValueError):
    """A delivery's recipient is not one e-mail address; sending it again cannot help."""


@attrs.frozen(kw_only=True)
class SmtpSettings:
    """Where and how to send; see the module docstring for each setting."""

    host: str = "localhost"
    port: int = 25
    security: str = "none"
    username: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    sender: str = "consultkit@localhost"
    timeout: float = 30.0

    @classmethod
    def from_mapping(cls, settings: Mapping[str, str]) -> SmtpSettings:
        """Read settings as strings (environment or file), checking each one."""
        security = settings.get("security", "none").strip().lower() or "none"
        if security not in SECURITY:
            raise SettingsError(
                deferred.gettext(
                    "CONSULTKIT_EMAIL_SECURITY=%(value)r: use one of %(choices)s",
                    value=security,
                    choices=", ".join(SECURITY),
                )
            )
        default_port = {"none": 25, "starttls": 587, "tls": 465}[security]
        try:
            port = int(settings.get("port", "").strip() or default_port)
            timeout = float(settings.get("timeout", "").strip() or 30)
        except ValueError:
            raise SettingsError(
                deferred.gettext(
                    "CONSULTKIT_EMAIL_PORT and CONSULTKIT_EMAIL_TIMEOUT must be numbers"
                )
            ) from None
        sender = settings.get("from", "").strip() or "consultkit@localhost"
        if _parse(sender) is None:
            raise SettingsError(
                deferred.gettext(
                    "CONSULTKIT_EMAIL_FROM=%(value)r is not one e-mail address", value=sender
                )
            )
        return cls(
            host=settings.get("host", "").strip() or "localhost",
            port=port,
            security=security,
            username=settings.get("username", "").strip() or None,
            password=settings.get("password") or None,
            sender=sender,
            timeout=timeout,
        )


def _address(text: str, display_name: str = "") -> Address | None:
    """Parse one bare address (``user@host``); None if it is not exactly one valid address.

    The rule is consultkit's own (``email_address_problem`` in consultkit.domain.submission_rules),
    the one ``submit`` and ``subscribers add`` apply: an address accepted there is sent to.
    """
    if email_address_problem(text) is not None:
        return None
    return Address(display_name=one_line(display_name), addr_spec=text)


def _parse(text: str, display_name: str = "") -> Address | None:
    """Parse the From address, which may be a local one (``consultkit@localhost``)."""
    if not text or any(ch in text for ch in "\r\n\x00<>,;\"' \t"):
        return None
    try:
        return Address(display_name=one_line(display_name), addr_spec=text)
    except (ValueError, IndexError):
        return None


def build_message(delivery: Delivery, sender: str) -> EmailMessage:
    """The e-mail for one delivery (multipart: plain text, then HTML).

    Raises :class:`RecipientError` (a ``ValueError``) when the recipient is not one valid
    address.
    """
    rendered = render_message(delivery)
    to = _address(delivery.recipient)
    if to is None:
        raise RecipientError(
            deferred.gettext(
                "recipient %(address)r is not one e-mail address", address=delivery.recipient
            )
        )
    from_name = one_line(_title(delivery, rendered.language))
    msg = EmailMessage(policy=policy.SMTP)
    msg["Subject"] = one_line(rendered.subject)
    msg["From"] = _parse(sender, from_name) or sender
    msg["To"] = to
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    # A stable Message-ID: a redelivery after a crash is recognisably the same message.
    msg["Message-ID"] = f"<{_token(delivery.id)}.{_token(delivery.event.id)}@consultkit.invalid>"
    # Receivers deduplicate on the event id: delivery is at least once.
    msg["X-Consultkit-Event-Id"] = one_line(delivery.event.id)
    msg["X-Consultkit-Event-Kind"] = one_line(delivery.event.kind)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    # After set_content, which clears Content-* headers.
    msg["Content-Language"] = rendered.language
    return msg


def _token(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.\-]", "", text)[:64] or "x"


def _title(delivery: Delivery, language: str) -> str:
    consultation = delivery.event.payload.get("consultation")
    title = consultation.get("title") if isinstance(consultation, Mapping) else None
    if isinstance(title, Mapping):
        return str(title.get(language) or title.get("en") or next(iter(title.values()), ""))
    return ""


@attrs.define
class SmtpNotifier:
    """Sends each batch over one SMTP connection (opened per batch, closed after it)."""

    settings: SmtpSettings
    channel: str = CHANNEL
    reaches: Reach = Reach.PEOPLE
    """People, by e-mail address: receipts and organisers' notices come here."""
    connections: int = 0
    """How many connections were opened (tests check one per batch)."""

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        client: smtplib.SMTP
        if s.security == "tls":
            client = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.security == "starttls":
                client.starttls(context=ssl.create_default_context())
        if s.username:
            client.login(s.username, s.password or "")
        self.connections += 1
        return client

    def send(self, deliveries: Sequence[Delivery]) -> Sequence[DeliveryResult]:
        """Send every delivery; results say which the server accepted (see module docstring)."""
        results: list[DeliveryResult] = []
        messages: list[tuple[Delivery, EmailMessage]] = []
        for delivery in deliveries:
            try:
                messages.append((delivery, build_message(delivery, self.settings.sender)))
            except ValueError as exc:
                # Deferred words reach the organiser in their language (issue 11).
                reason = exc.text if isinstance(exc, ConsultkitError) and exc.text else str(exc)
                results.append(DeliveryResult.failure(delivery.id, reason, retry=False))
        if not messages:
            return _in_order(deliveries, results)
        try:
            client = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            error = deferred.gettext(
                "cannot connect to %(host)s:%(port)s: %(reason)s",
                host=self.settings.host,
                port=self.settings.port,
                reason=os_reason(exc) if isinstance(exc, OSError) else str(exc),
            )
            results.extend(DeliveryResult.failure(d.id, error) for d, _ in messages)
            return _in_order(deliveries, results)
        try:
            for index, (delivery, message) in enumerate(messages):
                try:
                    client.send_message(message)
                except smtplib.SMTPServerDisconnected as exc:
                    error = deferred.gettext(
                        "server closed the connection: %(reason)s", reason=str(exc)
                    )
                    results.extend(DeliveryResult.failure(d.id, error) for d, _ in messages[index:])
                    break
                except smtplib.SMTPRecipientsRefused as exc:
                    code, answer = next(iter(exc.recipients.values()), (450, b"refused"))
                    results.append(_refused(delivery, code, answer))
                except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                    results.append(_refused(delivery, exc.smtp_code, exc.smtp_error))
                except (OSError, smtplib.SMTPException) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    results.extend(DeliveryResult.failure(d.id, error) for d, _ in messages[index:])
                    break
                else:
                    results.append(DeliveryResult.success(delivery.id))
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()
        return _in_order(deliveries, results)

    def close(self) -> None:
        """Nothing stays open between batches."""


def _refused(delivery: Delivery, code: int, answer: bytes | str) -> DeliveryResult:
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    # RFC 5321 section 4.2.1: 4yz is transient (try again), 5yz is permanent.
    # The server's answer is its own words, quoted as it sent them.
    refused = deferred.gettext("server refused: %(code)s %(answer)s", code=code, answer=text)
    return DeliveryResult.failure(delivery.id, refused, retry=not 500 <= code < 600)


def _in_order(
    deliveries: Sequence[Delivery], results: Sequence[DeliveryResult]
) -> list[DeliveryResult]:
    by_id = {r.delivery_id: r for r in results}
    return [by_id[d.id] for d in deliveries]


def smtp_notifier(settings: Mapping[str, str]) -> SmtpNotifier:
    """Build the ``email`` notifier from its settings (raises ``SettingsError`` if wrong)."""
    return SmtpNotifier(settings=SmtpSettings.from_mapping(settings))
