"""What ``consultkit plugins`` shows: every plugin, what it registered, and what went wrong.

Built from a :class:`~consultkit.pluginhost.host.PluginHost` by
:meth:`Consultkit.plugins <consultkit.app.application.Consultkit.plugins>`; a front end
only prints it. :func:`plugin_table_warnings` checks a consultation's ``[plugins.NAME]``
tables against the same host.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from consultkit.domain.checks import CheckWarning
from consultkit.domain.suggest import closest
from consultkit.errors import PluginError
from consultkit.i18n import messages
from consultkit.value_methods import shared_value_methods

if TYPE_CHECKING:
    from consultkit.domain.model import Consultation
    from consultkit.pluginhost.host import PluginHost, PluginInfo


@attrs.frozen(kw_only=True)
@shared_value_methods
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


def plugin_table_warnings(
    consultation: Consultation, host: PluginHost, language: str | None = None
) -> tuple[CheckWarning, ...]:
    """A warning (code ``plugin-unknown``) for each ``[plugins.NAME]`` table of
    ``consultation`` that names no plugin of ``host``: a misspelt or uninstalled plugin
    would otherwise silently ignore its settings (or its ``enabled = false``).

    A plugin blocked by ``CONSULTKIT_DISABLE_PLUGINS`` or one that failed to load is
    known, so its table is not warned about. The words are ``language``'s (English when
    ``None``).
    """
    words = messages(language)
    installed = host.plugin_names()
    known = {*installed, *host.blocked, *(failure.plugin for failure in host.failures)}
    warnings = []
    for name in consultation.plugins:
        if name in known:
            continue
        suggestion = closest(name, installed)
        warnings.append(
            CheckWarning(
                code="plugin-unknown",
                path=f"plugins.{name}",
                message=words.gettext(
                    "no plugin named %(name)r is installed, so this table is ignored"
                    " (installed: %(installed)s)",
                    name=name,
                    installed=", ".join(sorted(installed))
                    or words.pgettext("installed plugins", "none"),
                ),
                hint=words.gettext("did you mean %(suggestion)r?", suggestion=suggestion)
                if suggestion
                else words.gettext(
                    "install the plugin, or use the name `consultkit plugins` shows"
                ),
            )
        )
    return tuple(warnings)
