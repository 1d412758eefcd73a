"""``consultkit notify``: drain the outbox (once or watching), show it, retry dead letters."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from consultkit.cli.common import EXIT_USAGE, STORE_HELP, fail, opened, ui_words, worded
from consultkit.cli.help_text import N_, HelpGroup
from consultkit.cli.terminal import rich_text

if TYPE_CHECKING:
    from consultkit.app.dispatch import DispatchReport
    from consultkit.i18n import Messages

SETTINGS_HELP = N_("Notification settings file (default: $CONSULTKIT_NOTIFY_SETTINGS).")


def _summary(report: DispatchReport, words: Messages) -> str:
    text = words.gettext(
        "routed %(routed)s event(s); delivered %(delivered)s, retrying %(retried)s, dead %(dead)s",
        routed=report.routed,
        delivered=report.delivered,
        retried=report.retried,
        dead=report.dead,
    )
    if report.lost_claims:
        text += words.gettext(", %(count)s taken over by another worker", count=report.lost_claims)
    return text


@click.group(
    cls=HelpGroup,
    help=N_("Send pending notifications from the outbox and inspect what is pending or dead."),
)
def notify() -> None:
    pass


@notify.command(help=N_("Route new events and send every due delivery once (or keep watching)."))
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.option("--settings", "settings_path", metavar="FILE", help=SETTINGS_HELP)
@click.option(
    "--watch", is_flag=True, help=N_("Keep going until interrupted (Ctrl-C exits cleanly).")
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05),
    default=2.0,
    show_default=True,
    help=N_("Seconds between drains with --watch."),
)
@click.option("--batch", type=click.IntRange(min=1), default=100, show_default=True)
@click.pass_context
def run(
    ctx: click.Context,
    store_url: str | None,
    settings_path: str | None,
    watch: bool,
    interval: float,
    batch: int,
) -> None:
    # Lazy imports: only this command pays for them (start-up benchmark).
    import signal
    import threading

    from consultkit.notify.settings import load_settings

    words = ui_words(None)
    with opened(ctx, store_url) as app:
        dispatcher = app.dispatcher(load_settings(settings_path), batch_size=batch)
        try:
            # Each failing channel's error is printed once per run (a watch is one run),
            # not only counted: "retrying 2" alone hid why (issue 13).
            told: set[tuple[str, str]] = set()

            def report(drained: DispatchReport) -> None:
                click.echo(_summary(drained, words))
                for channel, error in drained.errors:
                    said = worded(error, words.language)
                    if (channel, said) not in told:
                        told.add((channel, said))
                        warning = words.gettext(
                            "warning: channel %(channel)r failed: %(error)s",
                            channel=channel,
                            error=said,
                        )
                        click.echo(warning, err=True)

            if not watch:
                report(dispatcher.drain())
                return
            stop = threading.Event()

            def interrupted(_signum: int, _frame: object) -> None:
                stop.set()

            # SIGINT/SIGTERM only set the flag: the batch in flight finishes and records
            # its outcomes before the watcher exits.
            previous = {
                sig: signal.signal(sig, interrupted) for sig in (signal.SIGINT, signal.SIGTERM)
            }
            try:
                watching = words.gettext(
                    "watching the outbox every %(seconds)ss; Ctrl-C to stop",
                    seconds=f"{interval:g}",
                )
                click.echo(watching, err=True)
                total = dispatcher.watch(stop, interval=interval, on_drain=report)
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
            click.echo(
                words.gettext("stopped; in total %(summary)s", summary=_summary(total, words))
            )
        finally:
            dispatcher.close()


@notify.command(help=N_("Count deliveries by state: pending, claimed, done, dead (and list some)."))
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.option(
    "--show",
    type=click.Choice(["pending", "claimed", "dead", "done"]),
    default=None,
    help=N_("Also list deliveries in this state."),
)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.pass_context
def status(ctx: click.Context, store_url: str | None, show: str | None, limit: int) -> None:
    # Lazy imports: rich and the store types load only for this command (start-up).
    from rich.console import Console
    from rich.table import Table

    from consultkit.storage.erasure import ERASED
    from consultkit.storage.protocols import DeliveryStatus

    console = Console()
    words = ui_words(None)
    states = {
        DeliveryStatus.PENDING: words.pgettext("delivery state", "pending"),
        DeliveryStatus.CLAIMED: words.pgettext("delivery state", "claimed"),
        DeliveryStatus.DONE: words.pgettext("delivery state", "done"),
        DeliveryStatus.DEAD: words.pgettext("delivery state", "dead"),
    }
    with opened(ctx, store_url) as app:
        outbox = app.outbox(show=DeliveryStatus(show) if show else None, limit=limit)
        table = Table(title=words.gettext("notifications"))
        table.add_column(words.pgettext("table heading", "state"))
        table.add_column(words.pgettext("table heading", "deliveries"), justify="right")
        table.add_row(words.gettext("unrouted events"), str(outbox.unrouted))
        for state in DeliveryStatus:
            table.add_row(states.get(state, str(state)), str(outbox.counts.get(state, 0)))
        console.print(table)
        if show:
            rows = outbox.deliveries
            title = words.gettext(
                "deliveries: %(state)s", state=states.get(DeliveryStatus(show), show)
            )
            listing = Table(title=title)
            for name in (
                words.pgettext("table heading", "id"),
                words.pgettext("table heading", "event"),
                words.pgettext("table heading", "kind"),
                words.pgettext("table heading", "channel"),
                words.pgettext("table heading", "recipient"),
                words.pgettext("table heading", "attempts"),
                words.pgettext("table heading", "next"),
                words.pgettext("table heading", "error"),
            ):
                listing.add_column(name, overflow="fold")
            for d in rows:
                listing.add_row(
                    d.id,
                    d.event.id,
                    d.event.kind,
                    d.channel,
                    # An erased address's marker (``[erased]:ID``) is no one to name.
                    rich_text(
                        words.gettext("(erased)")
                        if d.recipient.startswith(f"{ERASED}:")
                        else d.recipient
                    ),
                    str(d.attempts),
                    d.next_attempt_at.isoformat(timespec="seconds"),
                    # Stored words are told in the reader's language; a plain error (a
                    # server's reply, a row stored before words were kept) as it came.
                    rich_text(
                        d.last_error_words.render(words.language)
                        if d.last_error_words is not None
                        else d.last_error or ""
                    ),
                )
            console.print(listing)


@notify.command(help=N_("Make dead deliveries pending again (the ids listed, or --all)."))
@click.argument("delivery_ids", nargs=-1)
@click.option("--all", "all_dead", is_flag=True, help=N_("Retry every dead delivery."))
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.pass_context
def retry(
    ctx: click.Context, delivery_ids: tuple[str, ...], all_dead: bool, store_url: str | None
) -> None:
    if bool(delivery_ids) == all_dead:
        fail(
            ui_words(None).gettext(
                "give delivery ids (see `consultkit notify status --show dead`) or --all"
            ),
            EXIT_USAGE,
        )
    with opened(ctx, store_url) as app:
        count = app.retry_dead(None if all_dead else delivery_ids)
        words = ui_words(None)
        click.echo(
            words.ngettext(
                "%(num)s dead delivery pending again",
                "%(num)s dead deliveries pending again",
                count,
            )
        )
        if delivery_ids and count < len(delivery_ids):
            fail(
                words.ngettext(
                    "%(num)s of the ids given is not a dead delivery",
                    "%(num)s of the ids given are not dead deliveries",
                    len(delivery_ids) - count,
                )
            )
