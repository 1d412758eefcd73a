"""``consultkit subscribers add|remove|list CONFIG``: who hears about a consultation's changes."""

from __future__ import annotations

import click

from consultkit.cli.common import EXIT_USAGE, STORE_HELP, fail, load_or_exit, opened, ui_words
from consultkit.cli.help_text import N_, HelpGroup
from consultkit.cli.terminal import rich_text


@click.group(
    cls=HelpGroup,
    help=N_("Manage the people and systems told about a consultation's schedule and calls."),
)
def subscribers() -> None:
    pass


@subscribers.command(
    help=N_("Subscribe ADDRESS (an e-mail address or a webhook URL) to CONFIG's consultation.")
)
@click.argument("config", type=click.Path(dir_okay=False))
@click.argument("address")
@click.option(
    "--channel",
    default="email",
    show_default=True,
    help=N_(
        "The channel that carries the messages: `email`, `webhook`, `log` or one a plugin adds."
    ),
)
@click.option("--group", default=None, help=N_("Only events for this stakeholder group."))
@click.option(
    "--language",
    default=None,
    help=N_("Language of the messages (default: the consultation's first)."),
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
    from consultkit.errors import RuleRefusedError, UnknownItemError

    consultation = load_or_exit(config)
    with opened(ctx, store_url) as app:
        try:
            subscription, created = app.subscribe(
                consultation, address, channel=channel, group=group, language=language
            )
        except (RuleRefusedError, UnknownItemError) as exc:
            fail(exc, EXIT_USAGE)
        words = ui_words(None)
        values = {
            "address": subscription.address,
            "channel": channel,
            "language": subscription.language,
        }
        click.echo(
            words.gettext("subscribed %(address)s (%(channel)s, %(language)s)", **values)
            if created
            else words.gettext("updated %(address)s (%(channel)s, %(language)s)", **values)
        )


@subscribers.command(help=N_("Unsubscribe ADDRESS; exit 1 if it was not subscribed."))
@click.argument("config", type=click.Path(dir_okay=False))
@click.argument("address")
@click.option("--channel", default="email", show_default=True)
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.pass_context
def remove(
    ctx: click.Context, config: str, address: str, channel: str, store_url: str | None
) -> None:
    consultation = load_or_exit(config)
    with opened(ctx, store_url) as app:
        if not app.unsubscribe(consultation, address, channel=channel):
            fail(
                ui_words(None).gettext(
                    "%(address)s is not subscribed on %(channel)s to %(consultation)s",
                    address=address,
                    channel=channel,
                    consultation=consultation.id,
                )
            )
        words = ui_words(None)
        click.echo(
            words.gettext(
                "unsubscribed %(address)s (%(channel)s)", address=address, channel=channel
            )
        )


@subscribers.command(name="list", help=N_("List the subscriptions of CONFIG's consultation."))
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--group", default=None, help=N_("Only this group's (and group-less) subscriptions."))
@click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
@click.pass_context
def list_(ctx: click.Context, config: str, group: str | None, store_url: str | None) -> None:
    # Lazy imports: rich loads only for this command (start-up benchmark).
    from rich.console import Console
    from rich.table import Table

    consultation = load_or_exit(config)
    with opened(ctx, store_url) as app:
        subs = app.subscriptions(consultation, group=group)
        words = ui_words(None)
        table = Table(title=words.gettext("subscribers of %(id)s", id=consultation.id))
        for name in (
            words.pgettext("table heading", "channel"),
            words.pgettext("table heading", "address"),
            words.pgettext("table heading", "group"),
            words.pgettext("table heading", "language"),
            words.pgettext("table heading", "since"),
        ):
            table.add_column(name, overflow="fold")
        for s in subs:
            table.add_row(
                s.channel,
                rich_text(s.address),
                s.group or words.gettext("(all)"),
                s.language,
                s.created_at.isoformat(timespec="seconds"),
            )
        Console().print(table)
