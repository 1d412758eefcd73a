"""What ``consultkit plugins`` shows: every plugin, what it registered, and what went wrong.

Built from a :class:`~consultkit.pluginhost.host.PluginHost` by
:meth:`Consultkit.plugins <consultkit.app.application.Consultkit.plugins>`; a front end
only prints it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from consultkit.errors import PluginError

if TYPE_CHECKING:
    from consultkit.pluginhost.host import PluginHost, PluginInfo


@attrs.frozen(kw_only=True)
class PluginReport:
    """The loaded plugins, the failures, the blocked plugins and misspelt blocked names.

    ``failures`` holds the plugins that failed to import or register, then every clash or
    bad registration found while collecting stores, notifiers, exporters and commands.
    """

    plugins: tuple[PluginInfo, ...]
    failures: tuple[PluginError, ...]
    blocked: tuple[str, ...]
    unknown_disabled: tuple[str, ...]


def plugin_report(host: PluginHost) -> PluginReport:
    """Everything ``host`` knows about its plugins; raises ``PluginError`` only in strict mode."""
    infos = host.plugin_infos()
    failures = list(host.failures)
    for collect in (host.store_factories, host.notifier_factories, host.exporters, host.commands):
        try:
            collect()
        except PluginError as exc:  # a clash or a bad registration: show it, keep listing
            failures.append(exc)
    return PluginReport(
        plugins=tuple(infos),
        failures=tuple(failures),
        blocked=tuple(sorted(host.blocked)),
        unknown_disabled=tuple(host.unknown_disabled),
    )
