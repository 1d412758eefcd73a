"""``consultkit calendar``: write the schedule as an iCalendar feed (or another format)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from consultkit.cli.common import (
    EXIT_USAGE,
    clock_from,
    fail,
    load_or_exit,
    open_app,
    plugin_host,
    ui_words,
)
from consultkit.cli.help_text import N_, HelpCommand

if TYPE_CHECKING:
    from consultkit.domain.model import Consultation
    from consultkit.errors import ConsultkitError
    from consultkit.formats.exporter import ExportOptions
    from consultkit.pluginhost.host import PluginHost

ONLY_CHOICES = ("deadlines", "phases", "events", "reviews")


def _located(config: str, error: ConsultkitError) -> str:
    """``FILE: message``, the message in the reader's language."""
    return f"{config}: {error.render(ui_words(None).language)}"


@click.command(
    cls=HelpCommand,
    help=N_(
        "Export the phase calendar of CONFIG (stdout unless -o).\n\nWithout --store "
        "every item is at SEQUENCE 0 with the consultation's issued date "
        "as\nDTSTAMP; with --store the items carry what ``consultkit publish`` last "
        "recorded. Items\nedited since then get what the next publish would assign "
        "(a warning says how many), so\na new time never goes out under an old "
        "SEQUENCE and DTSTAMP."
    ),
)
@click.argument("config", metavar="CONFIG")
@click.option("-o", "--output", metavar="FILE", help=N_("Write to FILE instead of stdout."))
@click.option("--lang", "language", metavar="LANG", help=N_("One of the consultation's languages."))
@click.option(
    "--format",
    "fmt",
    default="ics",
    show_default=True,
    metavar="FORMAT",
    help=N_("An export format: ics, json, html, svg or one a plugin adds."),
)
@click.option(
    "--only",
    multiple=True,
    type=click.Choice(ONLY_CHOICES),
    help=N_("Keep only these kinds of items (repeatable)."),
)
@click.option("--group", metavar="ID", help=N_("Keep only what concerns this stakeholder group."))
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    help=N_(
        "Apply the SEQUENCE/LAST-MODIFIED of the latest published revision (and what "
        "the next publish would assign to items edited since)."
    ),
)
@click.option("--feed-url", metavar="URL", help=N_("Where the feed is served (its SOURCE)."))
@click.pass_context
def calendar(
    ctx: click.Context,
    config: str,
    output: str | None,
    language: str | None,
    fmt: str,
    only: tuple[str, ...],
    group: str | None,
    store_url: str | None,
    feed_url: str | None,
) -> None:
    # Lazy imports: only this command pays for the exporters (start-up benchmark).
    from consultkit.errors import ConsultkitError, UnknownItemError
    from consultkit.formats.exporter import ExportOptions, UnknownFormatError, UnknownLanguageError

    consultation = load_or_exit(config)
    clock = clock_from(ctx)  # a bad --now is told before the plugins load
    try:
        host = plugin_host(ctx)
    except ConsultkitError as exc:
        fail(exc, EXIT_USAGE)
    options = ExportOptions(
        language=language,
        only=frozenset(only),
        group=group,
        now=clock.now(),
        feed_url=feed_url,
    )
    try:
        if store_url is None:
            data = _export_plain(host, consultation, fmt, options)
        else:
            data = _export_published(ctx, store_url, consultation, fmt, options)
    except (UnknownFormatError, UnknownLanguageError, UnknownItemError) as exc:
        fail(_located(config, exc), EXIT_USAGE)
    except ConsultkitError as exc:
        fail(_located(config, exc))
    write_output(data, output)


def _export_plain(
    host: PluginHost, consultation: Consultation, fmt: str, options: ExportOptions
) -> bytes:
    """What ``Consultkit.export_calendar`` does, with the run's plugins, without building
    the application (its submission values, store protocols and records: about 45 ms of
    CPU with what they import, issue 14). A plain export never opens a store."""
    from consultkit.app.publishing import export_calendar

    return export_calendar(host, consultation, fmt, options)


def _export_published(
    ctx: click.Context,
    store_url: str,
    consultation: Consultation,
    fmt: str,
    options: ExportOptions,
) -> bytes:
    """The export as ``publish`` would record it now, without saving it: unchanged items
    keep their published SEQUENCE/LAST-MODIFIED, edited ones get the next ones."""
    app = open_app(ctx, store_url, defer_store=True)
    try:
        preview = app.preview(consultation)
        warning = preview.warning() if preview is not None else None
        if warning:
            click.echo(ui_words(None).gettext("warning: %(text)s", text=warning), err=True)
        return app.export_calendar(consultation, fmt, options, revision=preview)
    finally:
        app.close()


def write_output(data: bytes, output: str | None) -> bool:
    """Write ``data`` to ``output`` atomically, or to stdout (``None`` or ``-``).

    A file that already holds exactly ``data`` is left untouched (same inode, mtime and
    mode; :func:`consultkit.app.publishing.write_atomically`). Returns whether anything
    was written (always True for stdout); a caller that reports files says "unchanged
    FILE" when it is False.
    """
    if output is None or output == "-":
        import sys

        try:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            # `consultkit calendar … | head`: the reader left; nothing more to say.
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return True
    from pathlib import Path

    from consultkit.app.publishing import FeedWriteError, write_atomically

    try:
        return write_atomically(Path(output), data)
    except FeedWriteError as exc:
        fail(exc, EXIT_USAGE)
