"""The names of consultkit's built-in commands, which plugin commands may not take.

The plugin host refuses a plugin's command that would shadow one of these
(``register_commands``). They live here, not in :mod:`consultkit.cli`, so that the host
never imports the command line: the command line asks the host for plugin commands, not the
other way round. ``consultkit.cli.BUILTIN_COMMANDS`` maps the same names to their modules
(``tests/test_plugins_host.py`` checks that the two agree). No imports: the command line
reads this at start-up.
"""

from __future__ import annotations

BUILTIN_COMMAND_NAMES: frozenset[str] = frozenset(
    {
        "calendar",
        "history",
        "new-plugin",
        "notify",
        "plugins",
        "publish",
        "remind",
        "review",
        "stats",
        "submissions",
        "submit",
        "subscribers",
        "timeline",
        "validate",
    }
)

__all__ = ["BUILTIN_COMMAND_NAMES"]
