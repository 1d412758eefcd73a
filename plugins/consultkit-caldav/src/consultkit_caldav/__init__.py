"""Publish a consultation's phase calendar into a CalDAV collection (RFC 4791).

Each VEVENT of the feed becomes its own resource ``<uid>.ics`` with the VTIMEZONEs it
uses. A sync creates what is new, rewrites what changed (``If-Match`` on the server's
ETag), deletes what this consultation no longer publishes, and leaves everything else in
the collection alone. It never invents SEQUENCE numbers: they are those consultkit
published (``consultkit publish``), so clients see exactly the revisions the feed shows;
items edited since the latest revision get what the next publish would assign, as the
application's :meth:`~consultkit.Consultkit.preview` says at the application's clock
(``consultkit --now …`` included; ``consultkit calendar --store`` uses the same preview),
never a new time under an old SEQUENCE. Times in a DST fold are in UTC, as in the feed (the
resources come from ``build_calendar``).

Uses only consultkit's public API; the command gets the application from
:func:`consultkit.cli.common.build_app`, as built-in commands do. Registered through the
``consultkit`` entry point; adds the ``consultkit caldav-publish`` command.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from consultkit import ConsultkitError, hookimpl
from consultkit.cli.help_text import N_, HelpCommand
from consultkit.i18n import deferred

if TYPE_CHECKING:
    from collections.abc import Callable

    from consultkit.i18n import Messages
    from consultkit_caldav.client import (
        DIGEST as DIGEST,
    )
    from consultkit_caldav.client import (
        OWNER as OWNER,
    )
    from consultkit_caldav.client import (
        CalDAVClient,
        CalDAVError,
        Remote,
        Resource,
        SyncReport,
        build_resources,
        plain_http_warning,
        sync,
    )

__version__ = "0.1.0"


@click.command(
    "caldav-publish",
    cls=HelpCommand,
    help=N_("Publish the calendar of CONFIG into the CalDAV collection at --url."),
)
@click.argument("config", metavar="CONFIG")
@click.option(
    "--url",
    required=True,
    envvar="CONSULTKIT_CALDAV_URL",
    metavar="URL",
    help=N_(
        "The calendar collection, e.g. https://dav.example.org/org/wsis/ (also "
        "CONSULTKIT_CALDAV_URL)."
    ),
)
@click.option("--user", envvar="CONSULTKIT_CALDAV_USER", help=N_("Also CONSULTKIT_CALDAV_USER."))
@click.option(
    "--password",
    envvar="CONSULTKIT_CALDAV_PASSWORD",
    help=N_("Prefer CONSULTKIT_CALDAV_PASSWORD: arguments show in process lists."),
)
@click.option("--lang", "language", metavar="LANG", help=N_("One of the consultation's languages."))
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    help=N_(
        "Use the SEQUENCE/LAST-MODIFIED of the latest published revision (and what "
        "the next publish would assign to items edited since)."
    ),
)
@click.option("--dry-run", is_flag=True, help=N_("Say what would change, change nothing."))
@click.pass_context
def caldav_publish(
    ctx: click.Context,
    config: str,
    url: str,
    user: str | None,
    password: str | None,
    language: str | None,
    store_url: str | None,
    dry_run: bool,
) -> None:
    from consultkit.cli.common import build_app, echo_error, fail, load_or_exit, ui_words
    from consultkit_caldav.client import CalDAVClient, plain_http_warning, sync

    # Every line is in --lang, else the locale's language (issue 11), the errors included.
    words = ui_words(language)
    consultation = load_or_exit(config, words.language)
    if language is not None and language not in consultation.languages:
        echo_error(
            deferred.gettext(
                "language %(language)r is not one of the consultation's languages (%(languages)s)",
                language=language,
                languages=", ".join(consultation.languages),
            ),
            # Not a language to answer in: the locale's is the reader's best guess.
            ui_words(None).language,
        )
        sys.exit(2)
    warning = plain_http_warning(url, user)
    if warning:
        _echo_warning(warning.render(words.language), words)
    try:
        snapshot = None
        if store_url:
            # The application's preview, at its clock (``consultkit --now`` included): what
            # the next ``consultkit publish`` would assign to items edited since the latest
            # revision, so a new time never reaches the server under an old SEQUENCE.
            with build_app(ctx, store_url, defer_store=True) as app:
                preview = app.preview(consultation)
            if preview is not None:
                changed = preview.warning(words.language)
                if changed:
                    _echo_warning(changed, words)
                snapshot = preview.snapshot
        report = sync(
            CalDAVClient(url, user=user, password=password),
            consultation,
            language=language,
            snapshot=snapshot,
            dry_run=dry_run,
        )
    except ConsultkitError as exc:
        fail(exc, language=words.language)
    done = {"consultation": consultation.id, "url": url, "summary": report.summary(words.language)}
    if dry_run:
        click.echo(words.gettext("would publish %(consultation)s to %(url)s: %(summary)s", **done))
    else:
        click.echo(words.gettext("published %(consultation)s to %(url)s: %(summary)s", **done))


def _echo_warning(text: str, words: Messages) -> None:
    click.echo(words.gettext("warning: %(text)s", text=text), err=True)


@hookimpl
def register_commands(register: Callable[[click.Command], None]) -> None:
    register(caldav_publish)


__all__ = [
    "CalDAVClient",
    "CalDAVError",
    "Remote",
    "Resource",
    "SyncReport",
    "build_resources",
    "caldav_publish",
    "plain_http_warning",
    "sync",
]

# The client and the sync live in consultkit_caldav.client, imported on first use: the plugin
# host imports this module on every verb (issue 14).
_FROM_CLIENT = frozenset(__all__) - {"caldav_publish"} | {"DIGEST", "OWNER"}


def __getattr__(name: str) -> Any:
    if name in _FROM_CLIENT:
        import importlib

        return getattr(importlib.import_module("consultkit_caldav.client"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
