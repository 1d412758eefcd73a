"""``consultkit publish``: record a schedule revision and write the feeds."""

from __future__ import annotations

import click

from consultkit.cli.common import EXIT_REFUSED, EXIT_USAGE, clock_from, fail, load_or_exit


@click.command()
@click.argument("config", metavar="CONFIG")
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    help="Store URL (default: $CONSULTKIT_STORE or sqlite:///./consultkit.sqlite).",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    metavar="DIR",
    help="Write the feeds here: CONSULTATION.LANG.ics, plus the other formats.",
)
@click.option(
    "--lang",
    "languages",
    multiple=True,
    metavar="LANG",
    help="Languages to write (repeatable; default: all of the consultation's).",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    metavar="FORMAT",
    help="Formats to write (repeatable; default: every registered one).",
)
@click.option(
    "--feed-url", metavar="URL", help="Base URL the files are served from (each feed's SOURCE)."
)
@click.pass_context
def publish(
    ctx: click.Context,
    config: str,
    store_url: str | None,
    out_dir: str | None,
    languages: tuple[str, ...],
    formats: tuple[str, ...],
    feed_url: str | None,
) -> None:
    """Publish the schedule of CONFIG: a new revision if anything changed, then the feeds.

    A moved, confirmed, cancelled or relocated item keeps its UID and gets SEQUENCE + 1;
    the revision and a ``schedule.changed`` notification event are stored together.
    """
    from pathlib import Path

    from consultkit.app.publishing import export_calendar, publish_schedule
    from consultkit.cli.calendar_cmd import write_output
    from consultkit.errors import ConsultkitError
    from consultkit.formats.exporter import ExportOptions, find_exporter
    from consultkit.pluginhost.host import PluginHost

    consultation = load_or_exit(config)
    for language in languages:
        if language not in consultation.languages:
            known = ", ".join(consultation.languages)
            fail(f"{config}: language {language!r} is not one of {known}", EXIT_USAGE)
    host = PluginHost.load()
    try:
        chosen = list(formats) or sorted(host.exporters())
        for fmt in chosen:
            find_exporter(host, fmt)
    except ConsultkitError as exc:
        fail(f"{exc}", EXIT_USAGE)
    now = clock_from(ctx).now()
    try:
        store = host.open_store(store_url)
    except ConsultkitError as exc:
        fail(str(exc), EXIT_USAGE)
    try:
        result = publish_schedule(store, consultation, now)
        latest = store.latest_schedule_revision(consultation.id)
    except ConsultkitError as exc:
        fail(str(exc), EXIT_REFUSED)
    finally:
        store.close()
    if result.revision is not None:
        host.schedule_changed(consultation, result.revision, list(result.changes))
        counts: dict[str, int] = {}
        for change in result.changes:
            counts[change.kind.value] = counts.get(change.kind.value, 0) + 1
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "no change"
        click.echo(f"published revision {result.revision.number} of {consultation.id}: {summary}")
    else:
        number = latest.number if latest is not None else 0
        click.echo(f"no change since revision {number} of {consultation.id}")
    if out_dir is None:
        return
    directory = Path(out_dir)
    for language in languages or consultation.languages:
        for fmt in chosen:
            exporter = find_exporter(host, fmt)
            name = f"{consultation.id}.{language}{exporter.suffix}"
            options = ExportOptions(
                language=language,
                now=now,
                feed_url=f"{feed_url.rstrip('/')}/{name}" if feed_url else None,
            )
            try:
                data = export_calendar(host, consultation, fmt, options, latest)
            except ConsultkitError as exc:
                fail(f"{fmt}: {exc}", EXIT_REFUSED)
            # An unchanged file is left alone so web servers keep its ETag and mtime.
            wrote = write_output(data, str(directory / name))
            click.echo(f"{'wrote' if wrote else 'unchanged'} {directory / name}")
