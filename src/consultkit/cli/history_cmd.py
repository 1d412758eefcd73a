"""``consultkit history``: what changed in the published schedule, and when."""

from __future__ import annotations

import click

from consultkit.cli.common import STORE_HELP, load_or_exit, open_app


@click.command()
@click.argument("config", metavar="CONFIG")
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    help=STORE_HELP,
)
@click.option("--lang", "language", metavar="LANG", help="Language of the item titles.")
@click.pass_context
def history(ctx: click.Context, config: str, store_url: str | None, language: str | None) -> None:
    """Show every published revision of CONFIG's schedule: item, change, new SEQUENCE."""
    # Lazy imports: rich and the schedule model load only for this command (start-up).
    from rich.console import Console
    from rich.table import Table

    from consultkit.domain.schedule import describe_time, schedule_items
    from consultkit.domain.windows import to_utc

    consultation = load_or_exit(config)
    app = open_app(ctx, store_url)
    try:
        revisions = app.history(consultation)
    finally:
        app.close()
    if not revisions:
        click.echo(f"{consultation.id}: nothing published yet (run consultkit publish)")
        return
    lang = language or consultation.default_language
    titles = {i.uid: i.title(lang, consultation.languages) for i in schedule_items(consultation)}
    table = Table(title=f"Schedule history of {consultation.id}")
    for column in ("revision", "when (UTC)", "item", "what changed", "sequence"):
        table.add_column(column, overflow="fold")
    for revision in revisions:
        when = to_utc(revision.published_at).strftime("%Y-%m-%d %H:%M")
        if not revision.changes:
            table.add_row(str(revision.number), when, "", "republished, no change", "")
        for change in revision.changes:
            item = titles.get(change.uid) or change.ref
            what = change.kind.value
            if change.kind.value == "moved" and change.old and change.new:
                what = f"moved: {describe_time(change.old)} -> {describe_time(change.new)}"
            elif change.kind.value in ("confirmed", "tentative", "cancelled") and change.old:
                what = f"{change.kind.value} (was {change.old})"
            table.add_row(
                str(revision.number), when, f"{item} [{change.ref}]", what, str(change.sequence)
            )
            when = ""
    Console(soft_wrap=False).print(table)
