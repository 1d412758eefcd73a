"""The plugin: ``consultkit serve CONFIG…`` runs the web front end with uvicorn."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import attrs
import click

from consultkit import hookimpl
from consultkit.cli.common import EXIT_USAGE, STORE_HELP, fail, load_or_exit, open_app, ui_words
from consultkit.cli.help_text import N_, HelpCommand
from consultkit.i18n import deferred

if TYPE_CHECKING:
    from collections.abc import Callable

    from consultkit.app.application import Consultkit
    from consultkit.domain.model import Consultation


@click.command(
    "serve",
    cls=HelpCommand,
    help=N_(
        "Serve CONFIG… on the web: consultation pages, submission forms, tracking, "
        "feeds, API.\n\nSet CONSULTKIT_WEB_SECRET to the same value for every worker "
        "process (it signs the\nform tokens); without it a random one is made at "
        "start."
    ),
)
@click.argument("configs", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True, help=N_("Address to listen on."))
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--store", "store_url", default=None, help=STORE_HELP)
@click.option(
    "--requests-per-minute",
    default=120,
    show_default=True,
    type=click.IntRange(1),
    help=N_("Each client's request budget for the whole site."),
)
@click.option(
    "--lookups-per-minute",
    default=20,
    show_default=True,
    type=click.IntRange(1),
    help=N_("Each client's budget for tracking-number lookups."),
)
@click.pass_context
def serve(
    ctx: click.Context,
    configs: tuple[str, ...],
    host: str,
    port: int,
    store_url: str | None,
    requests_per_minute: int,
    lookups_per_minute: int,
) -> None:
    # Start-up (issue 14): every CLI run that loads plugins imports this module; litestar
    # and uvicorn cost about 300 ms, so only ``serve`` itself loads them.
    import uvicorn

    from consultkit_web.asgi import create_app

    # serve has no --lang: its lines are in the locale's language (issue 11).
    consultations = [load_or_exit(config) for config in configs]
    ids = [c.id for c in consultations]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        fail(
            deferred.gettext(
                "consultation %(consultation)r is given twice: give each file once",
                consultation=duplicated[0],
            ),
            EXIT_USAGE,
        )
    # Only serving needs a random secret: secrets loads OpenSSL's bindings for every command
    # that loads the plugins otherwise (issue 14).
    import secrets

    app = open_app(ctx, store_url)
    listening = f"http://{host}:{port}/"
    _check_confirmation_settings(app, consultations, listening.removesuffix("/"))
    web = create_app(
        app,
        consultations,
        secret=os.environ.get("CONSULTKIT_WEB_SECRET") or secrets.token_urlsafe(32),
        requests_per_minute=requests_per_minute,
        lookups_per_minute=lookups_per_minute,
    )
    serving = ui_words(None).gettext(
        "serving %(consultations)s on %(url)s", consultations=", ".join(ids), url=listening
    )
    click.echo(serving, err=True)
    try:
        uvicorn.run(web, host=host, port=port, log_level="warning", access_log=False)
    finally:
        app.close()


def _check_confirmation_settings(
    app: Consultkit, consultations: list[Consultation], listening: str
) -> None:
    """Refuse to start when a call asks for e-mail confirmation and links cannot be signed;
    without a ``public_url`` setting, links point at the address served."""
    from consultkit.errors import ConfigError

    if not any(call.confirm_email for c in consultations for call in c.calls):
        return
    try:
        app.confirmation_signer()
    except ConfigError as exc:
        app.close()
        fail(exc, EXIT_USAGE)
    settings = app.deployment_settings()
    if settings.public_url is None:
        app.settings = attrs.evolve(settings, public_url=listening)


@hookimpl
def register_commands(register: Callable[[click.Command], None]) -> None:
    register(serve)
