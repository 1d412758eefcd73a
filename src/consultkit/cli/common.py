"""Helpers shared by the command modules: the clock, the store, loading files, errors."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from pathlib import Path

    from consultkit.app.application import Consultkit
    from consultkit.domain.clock import Clock
    from consultkit.domain.model import Consultation

EXIT_REFUSED = 1
EXIT_USAGE = 2

STORE_HELP = "Store URL (default: $CONSULTKIT_STORE or sqlite:///./consultkit.sqlite)."


def clock_from(ctx: click.Context) -> Clock:
    """The clock for this run: ``--now``/``CONSULTKIT_NOW`` if given, else the system's."""
    from consultkit.domain.clock import FixedClock, SystemClock, parse_instant

    root = ctx.find_root()
    now = (root.obj or {}).get("now")
    if not now:
        return SystemClock()
    try:
        return FixedClock(parse_instant(now))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--now") from None


def fail(message: str, code: int = EXIT_REFUSED) -> NoReturn:
    """Print ``message`` on stderr and exit with ``code``; never a traceback."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def open_app(ctx: click.Context, store_url: str | None) -> Consultkit:
    """The application on ``store_url`` with the ``--now`` clock, or a one-line error and
    exit 2 if the store cannot be opened."""
    from consultkit.app.application import Consultkit
    from consultkit.errors import ConsultkitError

    clock = clock_from(ctx)
    try:
        return Consultkit.open(store_url, clock=clock)
    except ConsultkitError as exc:
        fail(str(exc), EXIT_USAGE)


def load_or_exit(path: str | Path) -> Consultation:
    """Load a consultation file, or print every problem and exit 2."""
    from consultkit.config.loader import load_consultation
    from consultkit.errors import ConfigError

    try:
        return load_consultation(path)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(EXIT_USAGE)


def plugin_commands() -> dict[str, click.Command]:
    """Commands contributed by plugins through the ``register_commands`` hook.

    Never raises: the command line must keep working when a plugin is broken, so problems
    become warnings on stderr.
    """
    # Lazy: loading the plugins is paid only when listing commands or for an unknown name.
    from consultkit.pluginhost.host import PluginHost

    try:
        host = PluginHost.load()
        for failure in host.failures:
            click.echo(f"warning: {failure}", err=True)
        return dict(host.commands())
    except Exception as exc:
        click.echo(f"warning: plugin commands unavailable: {exc}", err=True)
        return {}
