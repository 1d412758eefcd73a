"""The ``consultkit`` command line: thin wrappers that parse, call the library and print.

Commands are imported only when they run, so ``consultkit --version`` stays as fast as
importing click (a benchmark in ``benchmarks/`` holds us to that). Plugins add commands
through the ``register_commands`` hook; those load only when a name is not built in.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from typing import Any

import click

from consultkit._version import __version__
from consultkit.cli.help_text import N_, HelpGroup

# name -> "module:attribute"; each module holds one command (or group) and its helpers.
# The plugin host reserves these names (consultkit.pluginhost.commands, kept equal by a
# test) so a plugin cannot shadow one without the host importing the CLI.
BUILTIN_COMMANDS: dict[str, str] = {
    "validate": "consultkit.cli.validate_cmd:validate",
    "timeline": "consultkit.cli.timeline_cmd:timeline",
    "plugins": "consultkit.cli.plugins_cmd:plugins",
    "submit": "consultkit.cli.submit_cmd:submit",
    "submissions": "consultkit.cli.submissions_cmd:submissions",
    "stats": "consultkit.cli.stats_cmd:stats",
    "report": "consultkit.cli.report_cmd:report",
    "calendar": "consultkit.cli.calendar_cmd:calendar",
    "publish": "consultkit.cli.publish_cmd:publish",
    "history": "consultkit.cli.history_cmd:history",
    "notify": "consultkit.cli.notify_cmd:notify",
    "remind": "consultkit.cli.remind_cmd:remind",
    "subscribers": "consultkit.cli.subscribers_cmd:subscribers",
    "tokens": "consultkit.cli.tokens_cmd:tokens",
    "new-plugin": "consultkit.cli.new_plugin_cmd:new_plugin",
    "review": "consultkit.cli.review_cmd:review",
}


class LazyGroup(HelpGroup):
    """A group whose built-in commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = {name for name in BUILTIN_COMMANDS if _module_exists(BUILTIN_COMMANDS[name])}
        names.update(self.commands)
        names.update(_plugin_commands())
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        target = BUILTIN_COMMANDS.get(cmd_name)
        if target is not None and _module_exists(target):
            module_name, attribute = target.split(":")
            command = getattr(importlib.import_module(module_name), attribute)
            assert isinstance(command, click.Command)
            return command
        return _plugin_commands().get(cmd_name)


def _module_exists(target: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(target.split(":")[0]) is not None


def _plugin_commands() -> dict[str, click.Command]:
    # Lazy: asking the plugins means building the application; only listing commands or
    # an unknown name pays for it (start-up benchmark).
    from consultkit.cli.common import plugin_commands

    return plugin_commands()


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=N_("Run multistakeholder consultation processes: phases, calls, submissions, calendars."),
)
@click.version_option(
    __version__, "--version", prog_name="consultkit", message="%(prog)s %(version)s"
)
@click.option(
    "--now",
    "now",
    envvar="CONSULTKIT_NOW",
    metavar="INSTANT",
    help=N_(
        "Rehearse at another moment: an ISO 8601 instant with offset or Z (also CONSULTKIT_NOW)."
    ),
)
@click.pass_context
def cli(ctx: click.Context, now: str | None) -> None:
    ctx.ensure_object(dict)
    ctx.obj["now"] = now


# Container allocations (net of frees) between two collections of the youngest generation;
# CPython's default is 700. See main().
GC_YOUNG_THRESHOLD = 100_000


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the ``consultkit`` script."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    # What a verb allocates while it starts (modules, classes, functions, tables) lives
    # until it exits, so the collector's 60-90 passes over it found nothing and cost 5-8%
    # of each verb's CPU (issue 14; mypy raises its threshold for the same reason). Objects
    # freed by reference counting do not count towards the threshold, so a long run
    # (an import, a drain, the server) still collects its reference cycles.
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)
    return cli.main(args=argv if argv is not None else sys.argv[1:], prog_name="consultkit")
