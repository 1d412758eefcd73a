"""``consultkit calendar``: write the schedule as an iCalendar feed (or another format)."""

from __future__ import annotations

import click

from consultkit.cli.common import EXIT_USAGE, clock_from, fail, load_or_exit

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
    help="Apply the SEQUENCE/LAST-MODIFIED of the latest published revision.",
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
    DTSTAMP; with --store the items carry what ``consultkit publish`` last recorded.
    """
    from consultkit.errors import ConsultkitError, UnknownItemError
    from consultkit.export import ExportOptions, UnknownFormatError, export_calendar
    from consultkit.plugins import PluginHost

    consultation = load_or_exit(config)
    host = PluginHost.load()
    options = ExportOptions(
        language=language,
        only=frozenset(only),
        group=group,
        now=clock_from(ctx).now(),
        feed_url=feed_url,
    )
    revision = None
    try:
        if store_url:
            from consultkit.store import open_store

            store = open_store(store_url, host)
            try:
                revision = store.latest_schedule_revision(consultation.id)
            finally:
                store.close()
        data = export_calendar(host, consultation, fmt, options, revision)
    except (UnknownFormatError, UnknownItemError) as exc:
        fail(f"{config}: {exc}", EXIT_USAGE)
    except ConsultkitError as exc:
        fail(f"{config}: {exc}", EXIT_USAGE if "language" in str(exc) else 1)
    write_output(data, output)


def write_output(data: bytes, output: str | None) -> None:
    """Write ``data`` to ``output`` atomically (a temporary file renamed), or to stdout."""
    if output is None or output == "-":
        import sys

        try:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            # `consultkit calendar … | head`: the reader left; nothing more to say.
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    import os
    import tempfile
    from pathlib import Path

    target = Path(output)
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
