"""``consultkit subscribers add|remove|list CONFIG``: who hears about a consultation's changes."""

from __future__ import annotations

import click

from consultkit.cli.common import EXIT_USAGE, STORE_HELP, fail, load_or_exit
from consultkit.cli.notify_cmd import opened


@click.group()
def subscribers() -> None:
    """Manage the people and systems told about a consultation's schedule and calls."""


@subscribers.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.argument("address")
@click.option("--channel", default="email", show_default=True, help="email, webhook, log, …")
@click.option("--group", default=None, help="Only events for this stakeholder group.")
@click.option(
    "--language", default=None, help="Language of the messages (default: the consultation's first)."
)
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.pass_context
def add(
    ctx: click.Context,
    config: str,
    address: str,
    channel: str,
    group: str | None,
    language: str | None,
    store_url: str | None,
) -> None:
    """Subscribe ADDRESS (an e-mail address or a webhook URL) to CONFIG's consultation."""
    from consultkit.domain.windows import to_utc
    from consultkit.errors import UnknownItemError
    from consultkit.storage.protocols import Subscription

    consultation = load_or_exit(config)
    address = address.strip()
    if not address or any(ch in address for ch in "\r\n\x00"):
        fail("the address must be one line", EXIT_USAGE)
    if group is not None:
        try:
            consultation.group(group)
        except UnknownItemError as exc:
            fail(str(exc), EXIT_USAGE)
    lang = language or consultation.default_language
    with opened(ctx, store_url) as app:
        created = app.store.add_subscription(
            Subscription(
                consultation_id=consultation.id,
                channel=channel,
                address=address,
                group=group,
                language=lang,
                created_at=to_utc(app.clock.now()),
            )
        )
        click.echo(f"{'subscribed' if created else 'updated'} {address} ({channel}, {lang})")


@subscribers.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.argument("address")
@click.option("--channel", default="email", show_default=True)
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.pass_context
def remove(
    ctx: click.Context, config: str, address: str, channel: str, store_url: str | None
) -> None:
    """Unsubscribe ADDRESS; exit 1 if it was not subscribed."""
    consultation = load_or_exit(config)
    with opened(ctx, store_url) as app:
        if not app.store.remove_subscription(consultation.id, channel, address.strip()):
            fail(f"{address} is not subscribed on {channel} to {consultation.id}")
        click.echo(f"unsubscribed {address} ({channel})")


@subscribers.command(name="list")
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--group", default=None, help="Only this group's (and group-less) subscriptions.")
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.pass_context
def list_(ctx: click.Context, config: str, group: str | None, store_url: str | None) -> None:
    """List the subscriptions of CONFIG's consultation."""
    from rich.console import Console
    from rich.table import Table

    consultation = load_or_exit(config)
    with opened(ctx, store_url) as app:
        subs = app.store.list_subscriptions(consultation.id, group)
        table = Table(title=f"subscribers of {consultation.id}")
        for name in ("channel", "address", "group", "language", "since"):
            table.add_column(name, overflow="fold")
        for s in subs:
            table.add_row(
                s.channel,
                s.address,
                s.group or "(all)",
                s.language,
                s.created_at.isoformat(timespec="seconds"),
            )
        Console().print(table)
