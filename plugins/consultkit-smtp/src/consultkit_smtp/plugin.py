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
    register(CHANNEL, _smtp_notifier)


def _smtp_notifier(settings: Mapping[str, str]) -> Notifier:
    # The notifier's module (its client library and templates) loads when a notifier is
    # built, not when the channels are listed: `consultkit plugins` and `subscribers add`
    # list them (start-up, issue 14; tests/test_startup_imports.py).
    from consultkit_smtp.notifier import smtp_notifier

    return smtp_notifier(settings)
