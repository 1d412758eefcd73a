"""``consultkit tokens create|list|revoke CONFIG``: organisers' bearer tokens for the API."""

from __future__ import annotations

import click

from consultkit.cli.common import STORE_HELP, load_or_exit, open_app, ui_words
from consultkit.cli.help_text import N_, HelpGroup
from consultkit.cli.submit_cmd import guarded
from consultkit.cli.terminal import rich_text

_config = click.argument("config", type=click.Path(exists=True, dir_okay=False))
_store = click.option("--store", "store_url", metavar="URL", help=STORE_HELP)


@click.group(
    cls=HelpGroup,
    help=N_(
        "Bearer tokens that open the organiser API of `consultkit serve` (list, "
        "review,\nexport, stats). Only a hash is stored; the token is shown once, "
        "when made."
    ),
)
def tokens() -> None:
    pass


@tokens.command(
    help=N_("Make a token called NAME for CONFIG's consultation and print it, this once.")
)
@_config
@click.argument("name")
@_store
@click.pass_context
def create(ctx: click.Context, config: str, name: str, store_url: str | None) -> None:
    consultation = load_or_exit(config)
    with guarded(open_app(ctx, store_url)) as app:
        token, secret = app.create_token(consultation, name)
    click.echo(secret)
    words = ui_words(None)
    click.echo(
        words.gettext(
            "token %(name)s for %(consultation)s: keep it secret; it is not shown again"
            " (send it as `Authorization: Bearer …`)",
            name=repr(token.name),
            consultation=token.consultation_id,
        ),
        err=True,
    )


@tokens.command(
    "list",
    help=N_("List CONFIG's tokens: names, when made, and whether revoked (never the secrets)."),
)
@_config
@_store
@click.pass_context
def list_(ctx: click.Context, config: str, store_url: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    consultation = load_or_exit(config)
    with guarded(open_app(ctx, store_url)) as app:
        found = app.tokens(consultation)
    words = ui_words(None)
    table = Table(
        title=words.gettext("Tokens: %(id)s (%(count)s)", id=consultation.id, count=len(found))
    )
    for column in (
        words.pgettext("table heading", "name"),
        words.pgettext("table heading", "created"),
        words.pgettext("table heading", "revoked"),
    ):
        table.add_column(column)
    for token in found:
        revoked = f"{token.revoked_at:%Y-%m-%d %H:%M} UTC" if token.revoked_at else "-"
        table.add_row(rich_text(token.name), f"{token.created_at:%Y-%m-%d %H:%M} UTC", revoked)
    Console().print(table)


@tokens.command(help=N_("Revoke the token NAME: it opens nothing from now on."))
@_config
@click.argument("name")
@_store
@click.pass_context
def revoke(ctx: click.Context, config: str, name: str, store_url: str | None) -> None:
    consultation = load_or_exit(config)
    with guarded(open_app(ctx, store_url)) as app:
        app.revoke_token(consultation, name)
    click.echo(ui_words(None).gettext("revoked %(name)s", name=name))
