"""The entry point consultkit loads: registers the ``webhook`` channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from consultkit import hookimpl

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from consultkit.notify.channels import Notifier

CHANNEL = "webhook"


@hookimpl
def register_notifiers(
    register: Callable[[str, Callable[[Mapping[str, str]], Notifier]], None],
) -> None:
    """Contribute the ``webhook`` channel (settings: ``CONSULTKIT_WEBHOOK_*``)."""
    from consultkit_webhook.notifier import webhook_notifier

    register(CHANNEL, webhook_notifier)
