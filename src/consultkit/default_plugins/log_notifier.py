"""The ``log`` channel: writes each delivery to the ``consultkit.notify`` logger, or a file.

It is the channel that works with no configuration, so a fresh installation shows what it
would send. Settings (``CONSULTKIT_LOG_*`` or the settings file's ``[log]`` table):

``path``
    append one JSON line per delivery to this file instead of logging it (handy to see
    exactly what was sent, and what tests read back).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from consultkit.hookspecs import hookimpl
from consultkit.notify.channels import DeliveryResult

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from consultkit.hookspecs import RegisterNotifier
    from consultkit.storage.protocols import Delivery

CHANNEL = "log"
_logger = logging.getLogger("consultkit.notify")


@attrs.define
class LogNotifier:
    """Accepts every delivery by logging it (or appending it as JSON to ``path``)."""

    path: Path | None = None
    channel: str = CHANNEL

    def send(self, deliveries: Sequence[Delivery]) -> Sequence[DeliveryResult]:
        """Log each delivery; a file that cannot be written fails the batch, to be retried."""
        lines = [
            {
                "delivery_id": d.id,
                "event_id": d.event.id,
                "kind": d.event.kind,
                "consultation_id": d.event.consultation_id,
                "occurred_at": d.event.occurred_at.isoformat(),
                "recipient": d.recipient,
                "language": d.language,
                "attempt": d.attempts,
                "payload": dict(d.event.payload),
            }
            for d in deliveries
        ]
        if self.path is not None:
            try:
                with self.path.open("a", encoding="utf-8") as out:
                    for line in lines:
                        out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
            except OSError as exc:
                return [
                    DeliveryResult.failure(d.id, f"cannot write {self.path}: {exc}")
                    for d in deliveries
                ]
        else:
            for line in lines:
                _logger.info(
                    "%s %s -> %s (%s) event=%s",
                    line["kind"],
                    line["consultation_id"],
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
