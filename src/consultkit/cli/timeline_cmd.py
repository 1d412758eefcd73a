"""``consultkit timeline``: the phases and events of a consultation as seen at an instant."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from consultkit.cli.common import (
    EXIT_USAGE,
    clock_from,
    fail,
    load_or_exit,
    option_refused,
    ui_words,
)
from consultkit.cli.help_text import N_, HelpCommand

if TYPE_CHECKING:
    from consultkit.formats.timeline_json import TimelineDocument
    from consultkit.i18n import Messages


@click.command(
    cls=HelpCommand,
    help=N_("Show every phase and event of CONFIG, the open calls and the next deadline."),
)
@click.argument("config", metavar="CONFIG")
@click.option(
    "--at",
    "at_text",
    metavar="INSTANT",
    help=N_("See the timeline at this ISO 8601 instant with offset or Z (default: --now or now)."),
)
@click.option("--tz", "zone", metavar="ZONE", help=N_("Show times in this IANA zone."))
@click.option(
    "--lang",
    "language",
    metavar="LANG",
    help=N_("Language of texts, dates and headings (default: the locale's, LANG/LC_ALL)."),
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help=N_("A table for people, or the JSON document of docs/timeline-json.md."),
)
@click.pass_context
def timeline(
    ctx: click.Context,
    config: str,
    at_text: str | None,
    zone: str | None,
    language: str | None,
    output: str,
) -> None:
    from consultkit.domain.clock import parse_instant
    from consultkit.domain.rendering import check_language
    from consultkit.domain.windows import check_zone
    from consultkit.errors import ConsultkitError
    from consultkit.formats.timeline_json import build_timeline

    # --lang first: once it is known to be a language, the other refusals are in it; its
    # own refusal is in the locale's.
    try:
        if language is not None:
            check_language(language)
    except ConsultkitError as exc:
        fail(option_refused("--lang", exc), EXIT_USAGE)
    try:
        at = parse_instant(at_text) if at_text is not None else clock_from(ctx).now()
    except ConsultkitError as exc:
        fail(option_refused("--at", exc), EXIT_USAGE, language=language)
    try:
        if zone is not None:
            check_zone(zone)
    except ConsultkitError as exc:
        fail(option_refused("--tz", exc), EXIT_USAGE, language=language)
    consultation = load_or_exit(config, language)
    document = build_timeline(
        consultation, at=at, zone=zone, language=language, field_schemas=output == "json"
    )
    if output == "json":
        import json

        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    _print_table(document, ui_words(language))


def _print_table(document: TimelineDocument, words: Messages) -> None:
    from rich.console import Console
    from rich.table import Table

    from consultkit.domain.clock import parse_instant
    from consultkit.domain.rendering import render_duration, render_instant
    from consultkit.formats.labels import kind_label

    console = Console(highlight=False)
    title = document["consultation"]["title"]["text"]
    zone = document["zone"]
    at = document["at"]
    heading = (
        words.gettext("Times in %(zone)s", zone=zone)
        if at is None
        else words.gettext(
            "At %(instant)s, times in %(zone)s",
            instant=render_instant(parse_instant(at), zone, words.language),
            zone=zone,
        )
    )
    table = Table(title=f"{title}\n{heading}", show_lines=False)
    table.add_column("", justify="right")
    table.add_column(words.pgettext("table heading", "item"))
    table.add_column(words.pgettext("table heading", "when"))
    table.add_column(words.pgettext("table heading", "status"))
    fallbacks: dict[str, None] = {}
    for text in [i["title"] for i in document["items"]] + [c["title"] for c in document["calls"]]:
        if text["fallback"]:
            fallbacks.setdefault(text["language"])
    for item in document["items"]:
        status = _status(item["relation"], item["status"], words)
        if item["type"] == "phase":
            label = words.gettext("phase %(number)s", number=item["ordinal"])
        else:
            label = kind_label(item["type"], words).lower()
        table.add_row(label, item["title"]["text"], item["text"], status)
    console.print(table)
    accepting = [c for c in document["calls"] if c.get("accepting", c["state"] == "open")]
    if accepting:
        console.print(words.gettext("Open calls:"))
        for call in accepting:
            closes = call["deadline_text"]
            state = (
                words.gettext("closes %(deadline)s", deadline=closes)
                if closes
                else words.gettext("no deadline given")
            )
            if call["state"] == "unknown":
                # Submissions are accepted (the rules treat an unknown opening as open), but
                # the reader should know the opening was never stated.
                if call.get("opens_with"):
                    state = words.gettext(
                        "open (opening not known to the day: opens with %(item)s); %(state)s",
                        item=call["opens_with"],
                        state=state,
                    )
                else:
                    state = words.gettext("open (opening date not stated); %(state)s", state=state)
            console.print(f"  - {call['title']['text']} ({call['id']}): {state}")
    else:
        console.print(words.gettext("Open calls: none"))
    due = document["next_deadline"]
    if due is None:
        console.print(words.gettext("Next deadline: none"))
    else:
        console.print(
            words.gettext(
                "Next deadline: %(deadline)s for %(items)s; time left %(left)s",
                deadline=due["text"],
                items=", ".join(due["items"]),
                left=render_duration(due["seconds_left"], words.language),
            )
        )
    if fallbacks:
        console.print(
            words.gettext(
                "Note: texts not written in %(language)s are shown in %(fallbacks)s.",
                language=document["language"],
                fallbacks=", ".join(fallbacks),
            )
        )


def _status(relation: str, status: str, words: Messages) -> str:
    from consultkit.domain.model import ItemStatus
    from consultkit.formats.labels import relation_label, status_label

    mark = relation_label(relation, words)
    if status == "confirmed":
        return mark
    return words.gettext(
        "%(relation)s (%(status)s)",
        relation=mark,
        status=status_label(ItemStatus(status), words).lower(),
    )
