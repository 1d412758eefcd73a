"""``consultkit history``: what changed in the published schedule, and when."""

from __future__ import annotations

import click

from consultkit.cli.common import STORE_HELP, load_or_exit, open_app, ui_words
from consultkit.cli.help_text import N_, HelpCommand


@click.command(
    cls=HelpCommand,
    help=N_("Show every published revision of CONFIG's schedule: item, change, new SEQUENCE."),
)
@click.argument("config", metavar="CONFIG")
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    help=STORE_HELP,
)
@click.option(
    "--lang",
    "language",
    metavar="LANG",
    help=N_("Language of the item titles and the headings (default: the locale's, LANG/LC_ALL)."),
)
@click.pass_context
def history(ctx: click.Context, config: str, store_url: str | None, language: str | None) -> None:
    # Lazy imports: rich and the schedule model load only for this command (start-up).
    from rich.console import Console
    from rich.table import Table

    from consultkit.domain.model import ItemStatus
    from consultkit.domain.schedule import describe_time, schedule_items
    from consultkit.domain.windows import to_utc
    from consultkit.formats.labels import change_label, status_label

    consultation = load_or_exit(config, language)
    words = ui_words(language)
    app = open_app(ctx, store_url)
    try:
        revisions = app.history(consultation)
    finally:
        app.close()
    if not revisions:
        click.echo(
            words.gettext(
                "%(id)s: nothing published yet (run consultkit publish)", id=consultation.id
            )
        )
        return
    lang = language or consultation.default_language
    titles = {i.uid: i.title(lang, consultation.languages) for i in schedule_items(consultation)}
    table = Table(title=words.gettext("Schedule history of %(id)s", id=consultation.id))
    for column in (
        words.pgettext("table heading", "revision"),
        words.pgettext("table heading", "when (UTC)"),
        words.pgettext("table heading", "item"),
        words.pgettext("table heading", "what changed"),
        words.pgettext("table heading", "sequence"),
    ):
        table.add_column(column, overflow="fold")
    for revision in revisions:
        when = to_utc(revision.published_at).strftime("%Y-%m-%d %H:%M")
        if not revision.changes:
            no_change = words.gettext("republished, no change")
            table.add_row(str(revision.number), when, "", no_change, "")
        for change in revision.changes:
            item = titles.get(change.uid) or change.ref
            what = change_label(change.kind.value, words)
            if change.kind.value == "moved" and change.old and change.new:
                what = words.gettext(
                    "moved: %(before)s -> %(after)s",
                    before=describe_time(change.old),
                    after=describe_time(change.new),
                )
            elif change.kind.value in ("confirmed", "tentative", "cancelled") and change.old:
                what = words.gettext(
                    "%(change)s (was %(before)s)",
                    change=what,
                    before=status_label(ItemStatus(change.old), words)
                    if change.old in set(ItemStatus)
                    else change.old,
                )
            table.add_row(
                str(revision.number), when, f"{item} [{change.ref}]", what, str(change.sequence)
            )
            when = ""
    Console(soft_wrap=False).print(table)
