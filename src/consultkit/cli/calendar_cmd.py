"""``consultkit calendar``: write the schedule as an iCalendar feed (or another format)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from consultkit.cli.common import EXIT_USAGE, clock_from, fail, load_or_exit

if TYPE_CHECKING:
    from pathlib import Path

ONLY_CHOICES = ("deadlines", "phases", "events")


@click.command()
@click.argument("config", metavar="CONFIG")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of stdout.")
@click.option("--lang", "language", metavar="LANG", help="One of the consultation's languages.")
@click.option(
    "--format",
    "fmt",
    default="ics",
    show_default=True,
    metavar="FORMAT",
    help="An export format: ics, json, html, svg or one a plugin adds.",
)
@click.option(
    "--only",
    multiple=True,
    type=click.Choice(ONLY_CHOICES),
    help="Keep only these kinds of items (repeatable).",
)
@click.option("--group", metavar="ID", help="Keep only what concerns this stakeholder group.")
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    help="Apply the SEQUENCE/LAST-MODIFIED of the latest published revision (and what the"
    " next publish would assign to items edited since).",
)
@click.option("--feed-url", metavar="URL", help="Where the feed is served (its SOURCE).")
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
    """Export the phase calendar of CONFIG (stdout unless -o).

    Without --store every item is at SEQUENCE 0 with the consultation's issued date as
    DTSTAMP; with --store the items carry what ``consultkit publish`` last recorded. Items
    edited since then get what the next publish would assign (a warning says how many), so
    a new time never goes out under an old SEQUENCE and DTSTAMP.
    """
    from consultkit.app.publishing import export_calendar
    from consultkit.domain.schedule import diff, schedule_items
    from consultkit.errors import ConsultkitError, UnknownItemError
    from consultkit.formats.exporter import ExportOptions, UnknownFormatError, UnknownLanguageError
    from consultkit.pluginhost.host import PluginHost

    consultation = load_or_exit(config)
    host = PluginHost.load()
    now = clock_from(ctx).now()
    options = ExportOptions(
        language=language,
        only=frozenset(only),
        group=group,
        now=now,
        feed_url=feed_url,
    )
    snapshot = None
    try:
        if store_url:
            store = host.open_store(store_url)
            try:
                revision = store.latest_schedule_revision(consultation.id)
            finally:
                store.close()
            if revision is not None:
                # What `publish` would record now, without saving it: unchanged items keep
                # their published SEQUENCE/LAST-MODIFIED, edited ones get the next ones.
                snapshot, changes, _ = diff(revision.snapshot, schedule_items(consultation), now)
                changed = len({change.uid for change in changes})
                if changed:
                    noun = "item" if changed == 1 else "items"
                    click.echo(
                        f"warning: {changed} {noun} changed since revision {revision.number};"
                        " run consultkit publish to record them",
                        err=True,
                    )
        data = export_calendar(host, consultation, fmt, options, snapshot)
    except (UnknownFormatError, UnknownLanguageError, UnknownItemError) as exc:
        fail(f"{config}: {exc}", EXIT_USAGE)
    except ConsultkitError as exc:
        fail(f"{config}: {exc}")
    write_output(data, output)


def write_output(data: bytes, output: str | None) -> bool:
    """Write ``data`` to ``output`` atomically (a temporary file renamed), or to stdout.

    A file that already holds exactly ``data`` is left untouched (same inode, mtime and
    mode), so a web server's ETag and Last-Modified do not change and subscribers do not
    download an unchanged feed again. Returns whether anything was written (always True
    for stdout); a caller that reports files says "unchanged FILE" when it is False.
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
    import os
    import tempfile
    from pathlib import Path

    target = Path(output)
    if _holds(target, data):
        return False
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        # mkstemp creates 0600; feeds are meant to be served, so honour the umask like open().
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp).replace(target)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}", EXIT_USAGE)
    return True


def _holds(target: Path, data: bytes) -> bool:
    """True when ``target`` is a regular file whose bytes are exactly ``data``."""
    try:
        if not target.is_file() or target.stat().st_size != len(data):
            return False
        return target.read_bytes() == data
    except OSError:
        return False  # unreadable: let the write say what is wrong
