"""``consultkit timeline``: the phases and events of a consultation as seen at an instant."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from consultkit.cli.common import EXIT_USAGE, clock_from, fail, load_or_exit

if TYPE_CHECKING:
    from consultkit.formats.timeline_json import TimelineDocument

_MARKS = {"past": "past", "current": "NOW", "upcoming": "upcoming", "uncertain": "uncertain"}


def _time_left(seconds: int) -> str:
    days, rest = divmod(max(seconds, 0), 86_400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h {minutes} min"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {rest % 60} s"


@click.command()
@click.argument("config", metavar="CONFIG")
@click.option(
    "--at",
    "at_text",
    metavar="INSTANT",
    help="See the timeline at this ISO 8601 instant with offset or Z (default: --now or now).",
)
@click.option("--tz", "zone", metavar="ZONE", help="Show times in this IANA zone.")
@click.option("--lang", "language", metavar="LANG", help="Language of texts and dates.")
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A table for people, or the JSON document of docs/timeline-json.md.",
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
    """Show every phase and event of CONFIG, the open calls and the next deadline."""
    from consultkit.config.loader import suggest_zone
    from consultkit.domain.clock import parse_instant
    from consultkit.domain.rendering import check_language
    from consultkit.domain.windows import check_zone
    from consultkit.formats.timeline_json import build_timeline

    if at_text is not None:
        try:
            at = parse_instant(at_text)
        except ValueError as exc:
            fail(f"--at: {exc}", EXIT_USAGE)
    else:
        at = clock_from(ctx).now()
    if zone is not None:
        try:
            check_zone(zone)
        except ValueError as exc:
            if "not a place" in str(exc):
                fail(f"--tz: {exc}", EXIT_USAGE)
            suggestion = suggest_zone(zone)
            hint = f"; did you mean {suggestion!r}?" if suggestion else ""
            fail(
                f"--tz: unknown time zone {zone!r}{hint}"
                " (use an IANA zone name such as Europe/Zurich, Asia/Tokyo or UTC)",
                EXIT_USAGE,
            )
    if language is not None:
        try:
            check_language(language)
        except ValueError as exc:
            fail(f"--lang: {exc}", EXIT_USAGE)
    consultation = load_or_exit(config)
    document = build_timeline(consultation, at=at, zone=zone, language=language)
    if output == "json":
        import json

        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    _print_table(document)


def _print_table(document: TimelineDocument) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    title = document["consultation"]["title"]["text"]
    table = Table(
        title=f"{title}\nat {document['at']}, times in {document['zone']}",
        show_lines=False,
    )
    table.add_column("", justify="right")
    table.add_column("item")
    table.add_column("when")
    table.add_column("status")
    fallbacks: dict[str, None] = {}
    for text in [i["title"] for i in document["items"]] + [c["title"] for c in document["calls"]]:
        if text["fallback"]:
            fallbacks.setdefault(text["language"])
    for item in document["items"]:
        mark = _MARKS[item["relation"]]
        status = mark if item["status"] == "confirmed" else f"{mark} ({item['status']})"
        label = f"phase {item['ordinal']}" if item["type"] == "phase" else "event"
        table.add_row(label, item["title"]["text"], item["text"], status)
    console.print(table)
    accepting = [c for c in document["calls"] if c.get("accepting", c["state"] == "open")]
    if accepting:
        console.print("Open calls:")
        for call in accepting:
            closes = call["deadline_text"]
            state = f"closes {closes}" if closes else "no deadline given"
            if call["state"] == "unknown":
                # Submissions are accepted (the rules treat an unknown opening as open), but
                # the reader should know the opening was never stated.
                when = (
                    f"opening not known to the day: opens with {call['opens_with']}"
                    if call.get("opens_with")
                    else "opening date not stated"
                )
                state = f"open ({when}); {state}"
            console.print(f"  - {call['title']['text']} ({call['id']}): {state}")
    else:
        console.print("Open calls: none")
    due = document["next_deadline"]
    if due is None:
        console.print("Next deadline: none")
    else:
        console.print(
            f"Next deadline: {due['text']} for {', '.join(due['items'])};"
            f" time left {_time_left(due['seconds_left'])}"
        )
    if fallbacks:
        console.print(
            f"Note: texts not written in {document['language']} are shown in"
            f" {', '.join(fallbacks)}."
        )
