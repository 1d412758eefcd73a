"""The ``log`` channel: writes each delivery to the ``consultkit.notify`` logger, or a file.

It is the channel that works with no configuration. It records, it does not deliver: it
takes only deliveries routed to it by name (a subscription on ``log``), never a receipt or
an organiser's notice, which wait in the outbox for a channel that reaches people (issue 9,
item 13). It also mirrors: the dispatcher shows it what other channels sent, and what
waits for a channel (once), each line naming its ``channel``. Settings
(``CONSULTKIT_LOG_*`` or the settings file's ``[log]`` table):

``path``
    append one JSON line per delivery to this file instead of logging it (handy to see
    what was sent, and what tests read back).

The file is created readable by its owner only (0600), and it holds no one's identity
(issue 9, finding 6): erasure cannot reach a file outside the store, so each payload is
written as erasing its submitter would leave it (the ``submitter_*`` keys empty, strings
naming them ``[erased]``, text kept), and a recipient that is an e-mail address is written
as ``[withheld]``. The event id and the tracking number say which delivery a line is.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from consultkit.hookspecs import hookimpl
from consultkit.i18n import deferred
from consultkit.notify.channels import DeliveryResult, Reach
from consultkit.reasons import os_reason
from consultkit.storage.private_files import open_private
from consultkit.value_methods import shared_value_methods

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from consultkit.hookspecs import RegisterNotifier
    from consultkit.storage.protocols import Delivery

CHANNEL = "log"
WITHHELD = "[withheld]"
"""What a log line says instead of a recipient's e-mail address."""
_LOGGER = "consultkit.notify"
"""The logger the channel writes to; logging is imported when it first sends (issue 14:
this module loads with the default plugins on every verb, logging costs 7 ms)."""


@attrs.define
@shared_value_methods(hashable=False)
class LogNotifier:
    """Accepts every delivery by logging it (or appending it as JSON to ``path``)."""

    path: Path | None = None
    channel: str = CHANNEL
    reaches: Reach = Reach.MIRROR

    def send(self, deliveries: Sequence[Delivery]) -> Sequence[DeliveryResult]:
        """Log each delivery; a file that cannot be written fails the batch, to be retried."""
        # Lazy: erasure imports the submission model; every verb registers this channel,
        # few send anything (issue 14).
        from consultkit.storage.erasure import without_identity

        lines = [
            {
                "channel": d.channel,
                "delivery_id": d.id,
                "event_id": d.event.id,
                "kind": d.event.kind,
                "consultation_id": d.event.consultation_id,
                "occurred_at": d.event.occurred_at.isoformat(),
                "recipient": WITHHELD if "@" in d.recipient else d.recipient,
                "language": d.language,
                "attempt": d.attempts,
                "payload": without_identity(dict(d.event.payload)),
            }
            for d in deliveries
        ]
        if self.path is not None:
            try:
                fd = open_private(self.path, os.O_WRONLY | os.O_APPEND)
                with open(fd, "a", encoding="utf-8") as out:  # noqa: PTH123 (a descriptor)
                    for line in lines:
                        out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
            except OSError as exc:
                return [
                    DeliveryResult.failure(
                        d.id,
                        deferred.gettext(
                            "cannot write %(path)s: %(reason)s",
                            path=str(self.path),
                            reason=os_reason(exc),
                        ),
                    )
                    for d in deliveries
                ]
        else:
            import logging

            logger = logging.getLogger(_LOGGER)
            for line in lines:
                logger.info(
                    "%s %s -> %s %s (%s) event=%s",
                    line["kind"],
                    line["consultation_id"],
                    line["channel"],
                    line["recipient"],
                    line["language"],
                    line["event_id"],
                )
        return [DeliveryResult.success(d.id) for d in deliveries]

    def close(self) -> None:
        """Nothing to release: the file is opened per batch."""


def log_notifier(settings: Mapping[str, str]) -> LogNotifier:
    """Build the log notifier from its settings (``path`` is optional)."""
    path = settings.get("path", "").strip()
    return LogNotifier(path=Path(path) if path else None)


@hookimpl
def register_notifiers(register: RegisterNotifier) -> None:
    """Contribute the ``log`` channel."""
    register(CHANNEL, log_notifier)
