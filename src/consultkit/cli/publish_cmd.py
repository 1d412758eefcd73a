"""``consultkit publish``: record a schedule revision and write the feeds."""

from __future__ import annotations

import click

from consultkit.cli.common import (
    EXIT_REFUSED,
    EXIT_USAGE,
    STORE_HELP,
    fail,
    load_or_exit,
    open_app,
    ui_words,
)
from consultkit.cli.help_text import N_, HelpCommand


@click.command(
    cls=HelpCommand,
    help=N_(
        "Publish the schedule of CONFIG: a new revision if anything changed, then "
        "the feeds.\n\nA moved, confirmed, cancelled or relocated item keeps its UID "
        "and gets SEQUENCE + 1;\nthe revision and a ``schedule.changed`` "
        "notification event are stored together."
    ),
)
@click.argument("config", metavar="CONFIG")
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    help=STORE_HELP,
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    metavar="DIR",
    help=N_("Write the feeds here: CONSULTATION.LANG.ics, plus the other formats."),
)
@click.option(
    "--lang",
    "languages",
    multiple=True,
    metavar="LANG",
    help=N_("Languages to write (repeatable; default: all of the consultation's)."),
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    metavar="FORMAT",
    help=N_("Formats to write (repeatable; default: every registered one)."),
)
@click.option(
    "--feed-url", metavar="URL", help=N_("Base URL the files are served from (each feed's SOURCE).")
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
    # Lazy import: only this command pays for it (start-up benchmark).
    from consultkit.app.publishing import FeedWriteError
    from consultkit.errors import ConsultkitError

    consultation = load_or_exit(config)
    words = ui_words(None)
    for language in languages:
        if language not in consultation.languages:
            known = ", ".join(consultation.languages)
            fail(
                words.gettext(
                    "%(file)s: language %(language)r is not one of %(known)s",
                    file=config,
                    language=language,
                    known=known,
                ),
                EXIT_USAGE,
            )
    app = open_app(ctx, store_url, defer_store=True)
    try:
        try:
            chosen = app.export_formats(formats)
        except ConsultkitError as exc:
            fail(exc, EXIT_USAGE)
        try:
            app.connect()
        except ConsultkitError as exc:
            fail(exc, EXIT_USAGE)
        try:
            # The application fires the schedule_changed hook once per recorded revision.
            result = app.publish(consultation)
        except ConsultkitError as exc:
            fail(exc, EXIT_REFUSED)
        if result.revision is not None:
            click.echo(
                words.gettext(
                    "published revision %(number)s of %(id)s: %(summary)s",
                    number=result.revision.number,
                    id=consultation.id,
                    summary=result.summary(words.language),
                )
            )
        else:
            number = result.latest.number if result.latest is not None else 0
            click.echo(
                words.gettext(
                    "no change since revision %(number)s of %(id)s",
                    number=number,
                    id=consultation.id,
                )
            )
        if out_dir is None:
            return
        feeds = app.write_feeds(
            consultation,
            out_dir,
            languages=languages,
            formats=chosen,
            feed_url=feed_url,
            revision=result.latest,
        )
        try:
            # An unchanged file is left alone so web servers keep its ETag and mtime.
            for feed in feeds:
                click.echo(
                    words.gettext("wrote %(path)s", path=feed.path)
                    if feed.written
                    else words.gettext("unchanged %(path)s", path=feed.path)
                )
        except FeedWriteError as exc:
            fail(exc, EXIT_USAGE)
        except ConsultkitError as exc:
            fail(exc, EXIT_REFUSED)
    finally:
        app.close()
