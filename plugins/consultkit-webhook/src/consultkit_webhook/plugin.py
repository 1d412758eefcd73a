"""The entry point consultkit loads: registers the ``webhook`` channel and ``webhook-secret``."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from consultkit import hookimpl
from consultkit.cli.help_text import N_, HelpCommand

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from consultkit.notify.channels import Notifier

CHANNEL = "webhook"


@hookimpl
def register_notifiers(
    register: Callable[[str, Callable[[Mapping[str, str]], Notifier]], None],
) -> None:
    """Contribute the ``webhook`` channel (settings: ``CONSULTKIT_WEBHOOK_*``)."""
    register(CHANNEL, _webhook_notifier)


def _webhook_notifier(settings: Mapping[str, str]) -> Notifier:
    # The notifier's module (its client library and templates) loads when a notifier is
    # built, not when the channels are listed: `consultkit plugins` and `subscribers add`
    # list them (start-up, issue 14; tests/test_startup_imports.py).
    from consultkit_webhook.notifier import webhook_notifier

    return webhook_notifier(settings)


@click.command(
    name="webhook-secret",
    cls=HelpCommand,
    help=N_(
        "Print the signing secret of the webhook subscription at URL, to give its "
        "receiver.\n\nEach subscription is signed with its own secret, derived from "
        "CONSULTKIT_WEBHOOK_SECRET\nand the URL exactly as `consultkit subscribers "
        "list` shows it."
    ),
)
@click.argument("url")
@click.option("--settings", "settings_path", metavar="PATH", help=N_("Notification settings file."))
def webhook_secret(url: str, settings_path: str | None) -> None:
    # Lazy imports: plugin commands are collected whenever the CLI lists its commands.
    from consultkit.cli.common import EXIT_USAGE, exit_on_problems, fail
    from consultkit.errors import ConfigError
    from consultkit.i18n import deferred
    from consultkit.notify.settings import load_settings
    from consultkit_webhook.signing import subscription_secret

    # The errors are in the locale's language (issue 11), as the built-in commands' are.
    try:
        settings = load_settings(settings_path).settings_for(CHANNEL)
    except ConfigError as exc:
        exit_on_problems(exc)
    # The channel's settings are read only when it is enabled; the secret may be set anyway.
    master = settings.get("secret") or os.environ.get("CONSULTKIT_WEBHOOK_SECRET", "")
    if not master.strip():
        fail(
            deferred.gettext("set CONSULTKIT_WEBHOOK_SECRET (or [webhook] secret) first"),
            EXIT_USAGE,
        )
    click.echo(subscription_secret(master, url))


@hookimpl
def register_commands(register: Callable[[click.Command], None]) -> None:
    """Contribute ``consultkit webhook-secret URL``."""
    register(webhook_secret)
