"""``consultkit remind CONFIG``: enqueue reminders and clock events due now (cron-safe)."""

from __future__ import annotations

import click

from consultkit.cli.common import STORE_HELP, load_or_exit, opened, ui_words
from consultkit.cli.help_text import N_, HelpCommand


@click.command(
    cls=HelpCommand,
    help=N_(
        "Enqueue due reminders and phase/call opened/closed events; running twice adds nothing."
    ),
)
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.option(
    "--catch-up",
    "catch_up_hours",
    type=click.FloatRange(min=0),
    default=48.0,
    show_default=True,
    help=N_("Announce openings and closings at most this many hours late."),
)
@click.option(
    "--upcoming",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help=N_("Also list this many reminders still to come."),
)
@click.option(
    "--reviewers",
    "reviewers_file",
    type=click.Path(exists=True, dir_okay=False),
    help=N_("The private reviewers file: reminders for a round's reviewers need it."),
)
@click.pass_context
def remind(
    ctx: click.Context,
    config: str,
    store_url: str | None,
    catch_up_hours: float,
    upcoming: int,
    reviewers_file: str | None,
) -> None:
    # Lazy imports: rich loads only for this command (start-up benchmark).
    import datetime as dt

    from rich.console import Console
    from rich.table import Table

    from consultkit.domain.rendering import render_duration

    consultation = load_or_exit(config)
    pool = None
    if reviewers_file is not None:
        from consultkit.cli.review_cmd import load_pool_or_exit

        pool = load_pool_or_exit(reviewers_file, consultation)
    words = ui_words(None)
    with opened(ctx, store_url) as app:
        run = app.enqueue_reminders(
            consultation, catch_up=dt.timedelta(hours=catch_up_hours), reviewers=pool
        )
        for reminder_id in run.waiting:
            click.echo(
                words.gettext(
                    "warning: reminder %(reminder)s is due for the reviewers of its round:"
                    " run again with --reviewers FILE (the private reviewers file) to send it",
                    reminder=reminder_id,
                ),
                err=True,
            )
        for reviewer_id in run.unreachable:
            click.echo(
                words.gettext(
                    "warning: reviewer %(reviewer)s has reviews to give but no e-mail address"
                    " in the reviewers file: add their address to remind them",
                    reviewer=reviewer_id,
                ),
                err=True,
            )
        click.echo(
            words.gettext(
                "%(added)s new event(s) enqueued (%(already)s already enqueued before);"
                " send them with `consultkit notify run`",
                added=run.added,
                already=run.already_enqueued,
            )
        )
        console = Console()
        if run.events:
            table = Table(title=words.gettext("due now"))
            for name in (
                words.pgettext("table heading", "kind"),
                words.pgettext("table heading", "item"),
                words.pgettext("table heading", "for"),
                words.pgettext("table heading", "key"),
            ):
                table.add_column(name, overflow="fold")
            for e in run.events:
                item = e.payload.get("item", {})
                table.add_row(
                    e.kind, str(item.get("ref", "")), str(item.get("at", "")), e.dedupe_key or ""
                )
            console.print(table)
        coming = app.upcoming_reminders(consultation, upcoming)
        if coming:
            table = Table(title=words.gettext("next reminders"))
            for name in (
                words.pgettext("table heading", "due at (UTC)"),
                words.pgettext("table heading", "reminder"),
                words.pgettext("table heading", "before"),
                words.pgettext("table heading", "anchor at (UTC)"),
            ):
                table.add_column(name)
            for due_at, item in coming:
                table.add_row(
                    due_at.strftime("%Y-%m-%d %H:%M"),
                    item.reminder.id,
                    render_duration(item.before.total_seconds(), words.language),
                    item.anchor_at.strftime("%Y-%m-%d %H:%M"),
                )
            console.print(table)
