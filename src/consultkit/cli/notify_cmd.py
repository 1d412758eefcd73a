"""``consultkit notify``: drain the outbox (once or watching), show it, retry dead letters."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from consultkit.cli.common import EXIT_USAGE, STORE_HELP, fail, opened
from consultkit.cli.terminal import rich_text

if TYPE_CHECKING:
    from consultkit.app.dispatch import DispatchReport

SETTINGS_HELP = "Notification settings file (default: $CONSULTKIT_NOTIFY_SETTINGS)."


def _summary(report: DispatchReport) -> str:
    return (
        f"routed {report.routed} event(s); delivered {report.delivered}, "
        f"retrying {report.retried}, dead {report.dead}"
        + (f", {report.lost_claims} taken over by another worker" if report.lost_claims else "")
    )


@click.group()
def notify() -> None:
    """Send pending notifications from the outbox and inspect what is pending or dead."""


@notify.command()
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.option("--settings", "settings_path", metavar="FILE", help=SETTINGS_HELP)
@click.option("--watch", is_flag=True, help="Keep going until interrupted (Ctrl-C exits cleanly).")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05),
    default=2.0,
    show_default=True,
    help="Seconds between drains with --watch.",
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
    """Route new events and send every due delivery once (or keep watching)."""
    # Lazy imports: only this command pays for them (start-up benchmark).
    import signal
    import threading

    from consultkit.notify.settings import load_settings

    with opened(ctx, store_url) as app:
        dispatcher = app.dispatcher(load_settings(settings_path), batch_size=batch)
        try:
            # Each failing channel's error is printed once per run (a watch is one run),
            # not only counted: "retrying 2" alone hid why (issue 13).
            told: set[tuple[str, str]] = set()

            def report(drained: DispatchReport) -> None:
                click.echo(_summary(drained))
                for channel, error in drained.errors:
                    if (channel, error) not in told:
                        told.add((channel, error))
                        click.echo(f"warning: channel {channel!r} failed: {error}", err=True)

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
                click.echo(f"watching the outbox every {interval:g}s; Ctrl-C to stop", err=True)
                total = dispatcher.watch(stop, interval=interval, on_drain=report)
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
            click.echo(f"stopped; in total {_summary(total)}")
        finally:
            dispatcher.close()


@notify.command()
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.option(
    "--show",
    type=click.Choice(["pending", "claimed", "dead", "done"]),
    default=None,
    help="Also list deliveries in this state.",
)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.pass_context
def status(ctx: click.Context, store_url: str | None, show: str | None, limit: int) -> None:
    """Count deliveries by state: pending, claimed, done, dead (and list some)."""
    # Lazy imports: rich and the store types load only for this command (start-up).
    from rich.console import Console
    from rich.table import Table

    from consultkit.storage.protocols import DeliveryStatus

    console = Console()
    with opened(ctx, store_url) as app:
        outbox = app.outbox(show=DeliveryStatus(show) if show else None, limit=limit)
        table = Table(title="notifications")
        table.add_column("state")
        table.add_column("deliveries", justify="right")
        table.add_row("unrouted events", str(outbox.unrouted))
        for state in DeliveryStatus:
            table.add_row(str(state), str(outbox.counts.get(state, 0)))
        console.print(table)
        if show:
            rows = outbox.deliveries
            listing = Table(title=f"{show} deliveries")
            for name in (
                "id",
                "event",
                "kind",
                "channel",
                "recipient",
                "attempts",
                "next",
                "error",
            ):
                listing.add_column(name, overflow="fold")
            for d in rows:
                listing.add_row(
                    d.id,
                    d.event.id,
                    d.event.kind,
                    d.channel,
                    rich_text(d.recipient),
                    str(d.attempts),
                    d.next_attempt_at.isoformat(timespec="seconds"),
                    rich_text(d.last_error or ""),
                )
            console.print(listing)


@notify.command()
@click.argument("delivery_ids", nargs=-1)
@click.option("--all", "all_dead", is_flag=True, help="Retry every dead delivery.")
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.pass_context
def retry(
    ctx: click.Context, delivery_ids: tuple[str, ...], all_dead: bool, store_url: str | None
) -> None:
    """Make dead deliveries pending again (the ids listed, or --all)."""
    if bool(delivery_ids) == all_dead:
        fail("give delivery ids (see `consultkit notify status --show dead`) or --all", EXIT_USAGE)
    with opened(ctx, store_url) as app:
        count = app.retry_dead(None if all_dead else delivery_ids)
        click.echo(f"{count} dead deliver{'y' if count == 1 else 'ies'} pending again")
        if delivery_ids and count < len(delivery_ids):
            fail(f"{len(delivery_ids) - count} of the ids given are not dead deliveries")
