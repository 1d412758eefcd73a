"""``consultkit history``: what changed in the published schedule, and when."""

from __future__ import annotations

import click

from consultkit.cli.common import EXIT_USAGE, fail, load_or_exit


@click.command()
@click.argument("config", metavar="CONFIG")
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    help="Store URL (default: $CONSULTKIT_STORE or sqlite:///./consultkit.sqlite).",
)
@click.option("--lang", "language", metavar="LANG", help="Language of the item titles.")
def history(config: str, store_url: str | None, language: str | None) -> None:
    """Show every published revision of CONFIG's schedule: item, change, new SEQUENCE."""
    from rich.console import Console
    from rich.table import Table

    from consultkit.domain.schedule import ItemChange, describe_time, schedule_items
    from consultkit.domain.windows import to_utc
    from consultkit.errors import ConsultkitError
    from consultkit.pluginhost.host import open_store

    consultation = load_or_exit(config)
    try:
        store = open_store(store_url)
    except ConsultkitError as exc:
        fail(str(exc), EXIT_USAGE)
    try:
        revisions = store.schedule_revisions(consultation.id)
    finally:
        store.close()
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
        changes = [ItemChange.from_dict(c) for c in revision.snapshot.get("changes", [])]
        if not changes:
            table.add_row(str(revision.number), when, "", "republished, no change", "")
        for change in changes:
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
