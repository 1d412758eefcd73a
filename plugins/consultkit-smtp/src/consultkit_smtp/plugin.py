"""The entry point consultkit loads: registers the ``email`` channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from consultkit import hookimpl

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from consultkit.notify.channels import Notifier

CHANNEL = "email"


@hookimpl
def register_notifiers(
    register: Callable[[str, Callable[[Mapping[str, str]], Notifier]], None],
) -> None:
    """Contribute the ``email`` channel (settings: ``CONSULTKIT_EMAIL_*``)."""
    from consultkit_smtp.notifier import smtp_notifier

    register(CHANNEL, smtp_notifier)
