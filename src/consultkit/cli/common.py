"""Helpers shared by the command modules: the application, loading files, errors.

:func:`open_app` (and :func:`opened`) is the one place the command line creates the
application, and with it the plugin host and the store; commands call its verbs and print.
Plugin commands use the same helpers, so they honour ``--now`` and the store options.

Heavy modules (the application, the plugin host, the config loader) are imported inside
the helpers on purpose: ``consultkit --version`` and ``consultkit validate`` must start
close to importing click (``benchmarks/bench_startup.py``).
"""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING, NoReturn

import click

from consultkit.cli.help_text import N_
from consultkit.cli.terminal import for_terminal

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from consultkit.app.application import Consultkit
    from consultkit.config.locator import KeyLocator
    from consultkit.domain.checks import CheckWarning
    from consultkit.domain.clock import Clock
    from consultkit.domain.model import Consultation
    from consultkit.errors import ConfigError, ConsultkitError, Problem
    from consultkit.i18n import Messages, Text
    from consultkit.pluginhost.host import PluginHost

EXIT_REFUSED = 1
EXIT_USAGE = 2

STORE_HELP = N_("Store URL (default: $CONSULTKIT_STORE or sqlite:///./consultkit.sqlite).")


def clock_from(ctx: click.Context | None) -> Clock:
    """The clock for this run: ``--now``/``CONSULTKIT_NOW`` if given, else the system's."""
    # Lazy: the clock module pulls in pendulum (start-up benchmark).
    from consultkit.domain.clock import FixedClock, SystemClock, parse_instant
    from consultkit.errors import InvalidValueError

    root = ctx.find_root() if ctx is not None else None
    now = ((root.obj if root is not None else None) or {}).get("now")
    if not now:
        return SystemClock()
    try:
        return FixedClock(parse_instant(now))
    except InvalidValueError as exc:
        raise bad_parameter(exc, "--now") from None


def bad_parameter(problem: Text | Exception, option: str) -> click.BadParameter:
    """click's usage error for ``option``, worded in the locale's language as click's own
    usage errors are (:mod:`consultkit.cli.help_text`): an option is refused before a
    command's ``--lang`` is known. An error without words of its own keeps its message."""
    from consultkit.errors import ConsultkitError
    from consultkit.i18n import Text, environment_language

    if isinstance(problem, Text | ConsultkitError):
        message = problem.render(environment_language())
    else:
        message = str(problem)
    return click.BadParameter(message, param_hint=option)


def option_refused(option: str, error: ConsultkitError) -> Text:
    """``--tz: unknown time zone …``: ``error``, said of the command-line ``option``."""
    from consultkit.i18n import deferred

    return deferred.gettext("%(name)s: %(problem)s", name=option, problem=error.render)


def ui_words(language: str | None) -> Messages:
    """The words the command line speaks: in ``--lang`` if given, else the locale's language.

    The locale is read from ``LC_ALL``, ``LC_MESSAGES`` or ``LANG``
    (:func:`consultkit.i18n.environment_language`); English when none names a language
    consultkit has a catalogue for.
    """
    from consultkit.i18n import environment_language, messages

    return messages(language or environment_language())


def aligned(rows: list[tuple[str, str]]) -> list[str]:
    """``label value`` lines with the values in one column, however long the labels are.

    The labels are translated, so their width is known only at run time (East Asian wide
    characters count twice, as a terminal shows them).
    """
    from rich.cells import cell_len

    width = max((cell_len(label) for label, _ in rows), default=0) + 1
    return [f"{label}{' ' * (width - cell_len(label))}{value}" for label, value in rows]


def worded(message: str | Text | ConsultkitError | Problem, language: str | None) -> str:
    """``message`` in ``language``: errors and deferred words are rendered, strings kept."""
    return message if isinstance(message, str) else message.render(language)


def echo_error(
    message: str | Text | ConsultkitError | Problem, language: str | None = None
) -> None:
    """Print ``error: message`` on stderr in the reader's language (``--lang``, else the
    locale's), the message's escapes shown, never obeyed."""
    words = ui_words(language)
    text = for_terminal(worded(message, words.language), multiline=True)
    click.echo(words.gettext("error: %(text)s", text=text), err=True)


def fail(
    message: str | Text | ConsultkitError, code: int = EXIT_REFUSED, *, language: str | None = None
) -> NoReturn:
    """Print ``message`` on stderr and exit with ``code``; never a traceback.

    The words are the reader's: ``language`` (a verb's ``--lang``), else the locale's.
    """
    echo_error(message, language)
    sys.exit(code)


def exit_on_problems(error: ConfigError, language: str | None = None) -> NoReturn:
    """Print each of ``error``'s problems as an ``error:`` line and exit 2."""
    for problem in error.problems:
        echo_error(problem, language)
    sys.exit(EXIT_USAGE)


def build_app(
    ctx: click.Context | None, store_url: str | None = None, *, defer_store: bool = False
) -> Consultkit:
    """The application with the ``--now`` clock, the plugins and the store at ``store_url``.

    With ``defer_store`` the store opens only when a verb needs it (``calendar`` without
    ``--store`` and ``plugins`` never create a database). Raises ``ConsultkitError``.
    """
    # Lazy: the application imports the domain, the plugin host and the store layer,
    # which only the commands that use them should pay for (start-up benchmark).
    from consultkit.app.application import Consultkit

    return Consultkit.open(
        store_url, clock=clock_from(ctx), defer_store=defer_store, host=plugin_host(ctx)
    )


_HOST = "consultkit.plugin_host"


def plugin_host(ctx: click.Context | None) -> PluginHost:
    """The plugins of this run, loaded once per command line (the file checks and the
    application share them)."""
    from consultkit.pluginhost.host import PluginHost

    meta = ctx.meta if ctx is not None else {}
    host = meta.get(_HOST)
    if not isinstance(host, PluginHost):
        host = meta[_HOST] = PluginHost.load()
    return host


def open_app(
    ctx: click.Context | None,
    store_url: str | None = None,
    *,
    defer_store: bool = False,
    code: int = EXIT_USAGE,
) -> Consultkit:
    """:func:`build_app`, or a one-line error and exit ``code`` (2) if the plugins or the
    store cannot be loaded."""
    from consultkit.errors import ConsultkitError

    try:
        return build_app(ctx, store_url, defer_store=defer_store)
    except ConsultkitError as exc:
        fail(exc, code)


@contextlib.contextmanager
def opened(ctx: click.Context, store_url: str | None) -> Iterator[Consultkit]:
    """The application on ``store_url`` with the ``--now`` clock; errors become one line
    (configuration problems exit 2, refusals 1), and the store is closed at the end."""
    from consultkit.errors import ConfigError, ConsultkitError

    app = open_app(ctx, store_url)
    try:
        yield app
    except ConfigError as exc:
        exit_on_problems(exc)
    except ConsultkitError as exc:
        fail(exc)
    finally:
        app.close()


def load_or_exit(path: str | Path, language: str | None = None) -> Consultation:
    """Load a consultation file, or print every problem and exit 2.

    The problems and the warnings about its ``[plugins.NAME]`` tables (a plugin that is not
    installed) are printed on stderr, located like ``validate``'s, in ``language`` (the
    command's ``--lang``; the locale's language without one).
    """
    from consultkit.config.loader import load_located
    from consultkit.errors import ConfigError

    words = ui_words(language)
    try:
        consultation, locator = load_located(path)
    except ConfigError as exc:
        exit_on_problems(exc, words.language)
    for warning in plugin_table_warnings(consultation, words.language):
        echo_warning(str(path), locator, warning, words)
    return consultation


def plugin_table_warnings(
    consultation: Consultation, language: str | None = None
) -> tuple[CheckWarning, ...]:
    """:func:`consultkit.app.plugin_report.plugin_table_warnings` with this run's plugins,
    worded in ``language``; free when the file has no ``[plugins]`` table (no plugin is
    loaded for it)."""
    if not consultation.plugins:
        return ()
    from consultkit.app.plugin_report import plugin_table_warnings as warnings_for

    host = plugin_host(click.get_current_context(silent=True))
    return warnings_for(consultation, host, language)


def echo_warning(file: str, locator: KeyLocator, warning: CheckWarning, words: Messages) -> None:
    """Print ``warning: FILE:LINE: path: message (hint)`` on stderr, in ``words``."""
    line = locator.line_of(warning.path) if warning.path else None
    where = f"{file}:{line}" if line is not None else file
    text = for_terminal(str(warning), multiline=True)
    click.echo(
        words.gettext("warning: %(where)s: %(warning)s", where=where, warning=text), err=True
    )


def plugin_commands() -> dict[str, click.Command]:
    """Commands plugins register (``register_commands``), asked of the plugin host.

    Never raises: the command line must keep working when a plugin is broken, so problems
    become warnings on stderr.
    """
    from consultkit.errors import ConsultkitError

    try:
        # The host, not the application: building the application imports the domain, the
        # store layer and the outbox, which a plugin's ``VERB --help`` never uses (issue 14).
        host = plugin_host(None)
        words = ui_words(None)
        for failure in host.failures:
            click.echo(
                words.gettext("warning: %(text)s", text=worded(failure, words.language)), err=True
            )
        return dict(host.commands())
    except Exception as exc:
        words = ui_words(None)
        reason = worded(exc, words.language) if isinstance(exc, ConsultkitError) else str(exc)
        click.echo(
            words.gettext("warning: plugin commands unavailable: %(reason)s", reason=reason),
            err=True,
        )
        return {}


__all__ = [
    "EXIT_REFUSED",
    "EXIT_USAGE",
    "STORE_HELP",
    "bad_parameter",
    "build_app",
    "clock_from",
    "echo_error",
    "echo_warning",
    "exit_on_problems",
    "fail",
    "load_or_exit",
    "open_app",
    "opened",
    "option_refused",
    "plugin_commands",
    "plugin_host",
    "plugin_table_warnings",
    "worded",
]
