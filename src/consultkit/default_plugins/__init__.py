"""Built-in plugins, registered through the same hooks a third-party plugin uses.

:class:`~consultkit.pluginhost.host.PluginHost` imports every module listed in
``DEFAULT_PLUGINS`` before the entry-point plugins; each module holds ``@hookimpl``
functions. A default plugin's name is its module's last segment (``sqlite_store``), the
name ``CONSULTKIT_DISABLE_PLUGINS`` accepts. Keep these modules cheap to import: put heavy
imports inside the factories they register.
"""

from __future__ import annotations

DEFAULT_PLUGINS: tuple[str, ...] = (
    "consultkit.default_plugins.memory_store",
    "consultkit.default_plugins.sqlite_store",
    "consultkit.default_plugins.log_notifier",
    "consultkit.default_plugins.ics_exporter",
    "consultkit.default_plugins.web_exporters",
    "consultkit.default_plugins.review_defaults",
)
