"""``consultkit stats``: counts of a consultation's submissions, as tables, JSON or a chart."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from consultkit.cli.common import EXIT_USAGE, fail, load_or_exit, open_app, ui_words, worded
from consultkit.cli.help_text import N_, HelpCommand
from consultkit.cli.terminal import json_for_terminal, rich_text
from consultkit.reasons import os_reason

if TYPE_CHECKING:
    from consultkit.formats.stats import Count, Stats
    from consultkit.i18n import Messages


@click.command(
    "stats",
    cls=HelpCommand,
    help=N_("Count submissions by call, stakeholder group, language and status; list campaigns."),
)
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    help=N_("Store URL (default: $CONSULTKIT_STORE or sqlite:///./consultkit.sqlite)."),
)
@click.option(
    "--chart",
    "chart_path",
    type=click.Path(dir_okay=False),
    help=N_(
        "Also write a chart of submissions by group and call: FILE.svg or FILE.png "
        "(PNG needs consultkit[charts])."
    ),
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
@click.option(
    "--lang",
    "language",
    help=N_(
        "Language of the names (default: the file's first) and of the headings "
        "(default: the locale's, LANG/LC_ALL)."
    ),
)
@click.pass_context
def stats(
    ctx: click.Context,
    config: str,
    store_url: str | None,
    chart_path: str | None,
    fmt: str,
    language: str | None,
) -> None:
    from consultkit.errors import ConsultkitError
    from consultkit.files import FileWriteError
    from consultkit.formats.stats import ChartError, write_chart

    consultation = load_or_exit(config, language)
    words = ui_words(language)
    app = open_app(ctx, store_url)
    try:
        result = app.statistics(consultation, language=language)
    except ConsultkitError as exc:
        fail(exc, language=language)
    finally:
        app.close()
    if chart_path is not None:
        lang = language or consultation.default_language
        title = consultation.title(lang, consultation.languages)
        try:
            write_chart(result, chart_path, title=title, language=lang)
        except (ChartError, FileWriteError) as exc:
            fail(exc, EXIT_USAGE, language=language)
        except OSError as exc:
            reason = worded(os_reason(exc), words.language)
            fail(
                words.gettext("cannot write %(path)s: %(reason)s", path=chart_path, reason=reason),
                EXIT_USAGE,
                language=language,
            )
    if fmt == "json":
        click.echo(json_for_terminal(result.as_dict(), indent=2))
    else:
        _print_tables(result, words)
    if chart_path is not None:
        click.echo(words.gettext("chart written to %(path)s", path=chart_path), err=True)


def _print_tables(result: Stats, words: Messages) -> None:
    from babel.numbers import format_decimal, format_percent
    from rich.console import Console
    from rich.table import Table

    from consultkit.domain.rendering import babel_locale

    locale = babel_locale(words.language)
    console = Console()

    def count_text(count: int) -> str:
        return str(format_decimal(count, locale=locale))

    total = words.ngettext(
        "%(num)s submission", "%(num)s submissions", result.total, num=count_text(result.total)
    )
    console.print(f"[bold]{rich_text(result.consultation_id)}[/]: {total}")
    console.print(
        words.gettext("Held for review by plugins: %(count)s", count=count_text(result.held))
    )

    def table(title: str, counts: tuple[Count, ...]) -> None:
        t = Table(title=title, title_justify="left")
        t.add_column("")
        t.add_column(words.pgettext("table heading", "id"), style="dim")
        t.add_column(words.pgettext("table heading", "count"), justify="right")
        t.add_column(words.pgettext("table heading", "share"), justify="right")
        for c in counts:
            share = (
                str(format_percent(c.count / result.total, "#,##0.0%", locale=locale))
                if result.total
                else "–"
            )
            t.add_row(rich_text(c.label), rich_text(c.key), count_text(c.count), share)
        console.print(t)

    table(words.gettext("By call"), result.by_call)
    table(words.gettext("By stakeholder group"), result.by_group)
    table(words.gettext("By language"), result.by_language)
    table(words.gettext("By status"), result.by_status)
    table(words.gettext("By verification"), result.by_verification)
    t = Table(title=words.gettext("Campaigns (identical texts)"), title_justify="left")
    t.add_column(words.pgettext("table heading", "count"), justify="right")
    t.add_column(words.pgettext("table heading", "fingerprint"), style="dim")
    t.add_column(words.pgettext("table heading", "first title"))
    for campaign in result.campaigns:
        t.add_row(
            count_text(campaign.count), campaign.fingerprint[:12], rich_text(campaign.title or "")
        )
    if not result.campaigns:
        t.add_row(count_text(0), "", words.gettext("no text was sent more than once"))
    console.print(t)
