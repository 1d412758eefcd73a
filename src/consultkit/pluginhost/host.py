"""The plugin host: one pluggy manager per application, behind typed methods.

:class:`PluginHost` is the only code that calls ``pm.hook``; everything else calls its
typed methods, so mypy checks every call site (pluggy's hook calls return ``Any``).

Loading order: the built-in plugins of :mod:`consultkit.default_plugins`, then the entry
points of group ``consultkit``, then a check that every implemented hook exists.
``CONSULTKIT_DISABLE_PLUGINS`` (a comma list of plugin names) blocks plugins. A plugin
that fails to import or to register is reported in :attr:`PluginHost.failures` and
skipped, unless strict mode is on (``strict=True`` or ``CONSULTKIT_STRICT_PLUGINS=1``),
where it is fatal: one broken third-party plugin must not stop an organiser from working,
but CI wants to know.

Event hooks are called one implementation at a time so a failure is attributed to its
plugin, reported as a :class:`~consultkit.errors.PluginError` and logged; the other
implementations still run, and nothing stored is undone (the store transaction committed
before events fire). ``validate_submission`` fails closed: an implementation that raises
refuses the submission with a reason naming the plugin.
"""

from __future__ import annotations

import collections
import importlib
import os
import re
import types
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import pluggy

from consultkit import hookspecs
from consultkit._version import __version__
from consultkit.default_plugins import DEFAULT_PLUGINS
from consultkit.errors import ConsultkitError, PluginError, StoreError
from consultkit.formats.analysis import Analysis
from consultkit.i18n import Text, deferred
from consultkit.pluginhost.commands import BUILTIN_COMMAND_NAMES
from consultkit.pluginhost.entry_points import entry_points
from consultkit.storage.urls import redact_url, scrub
from consultkit.value_methods import shared_value_methods

if TYPE_CHECKING:
    import click
    import icalendar

    from consultkit.domain.model import Consultation
    from consultkit.domain.review.assignment import Assignment, AssignmentProblem
    from consultkit.domain.review.ranking import RankedSubmission
    from consultkit.domain.review.rounds import ReviewRound
    from consultkit.domain.review.scores import Review
    from consultkit.domain.schedule import ItemChange, ScheduleItem
    from consultkit.domain.submissions import HistoryEntry, Receipt, Submission
    from consultkit.formats.exporter import Exporter
    from consultkit.notify import Notifier
    from consultkit.storage.protocols import ScheduleRevision, Store

# The logger's name; logging (7 ms with traceback and string) is imported when a plugin
# fails, never by a verb whose plugins load (issue 14).
_LOGGER = "consultkit.pluginhost.host"

ENTRY_POINT_GROUP = "consultkit"
DISABLE_ENV = "CONSULTKIT_DISABLE_PLUGINS"
STRICT_ENV = "CONSULTKIT_STRICT_PLUGINS"

StoreFactory = Callable[[str], "Store"]
NotifierFactory = Callable[[Mapping[str, str]], "Notifier"]

# Patterns are strings that re compiles, and caches, when first used: compiled here they
# cost every verb that imports the module (issue 14).
_SCHEME = r"^[a-z][a-z0-9+.\-]*$"
_NAME = r"^[a-z][a-z0-9_\-]*$"

SOURCE_WORDS: Mapping[str, Text] = {
    "default": deferred.pgettext("plugin source", "default"),
    "entry point": deferred.pgettext("plugin source", "entry point"),
    "registered": deferred.pgettext("plugin source", "registered"),
}
"""Where a plugin came from (:attr:`PluginInfo.source`), in words."""
_MAX_REMEMBERED_FAILURES = 100


@attrs.frozen(kw_only=True)
@shared_value_methods
class PluginInfo:
    """What ``consultkit plugins`` shows about one plugin."""

    name: str
    version: str
    source: str  # "default", "entry point" or "registered"
    hooks: tuple[str, ...]
    registered: Mapping[str, tuple[str, ...]]  # kind ("stores", …) -> names


@attrs.frozen
@shared_value_methods
class Hold:
    """One reason a plugin's screener gave to hold a submission for review, and which plugin."""

    plugin: str
    reason: str

    def __str__(self) -> str:
        return f"{self.plugin}: {self.reason}"


@attrs.frozen
@shared_value_methods
class Refusal:
    """One reason a plugin's validator gave to refuse a submission, and which plugin gave it.

    ``crashed`` is True when the validator raised (the reason then says so and names the
    plugin already).
    """

    plugin: str
    reason: str | Text
    crashed: bool = False

    @property
    def text(self) -> Text:
        """The refusal to word for its reader: the frame naming the plugin is consultkit's, the
        reason a plugin gave stays its own words (issue 11)."""
        if self.crashed:
            return self.reason if isinstance(self.reason, Text) else Text(self.reason)
        return deferred.gettext(
            "%(reason)s (plugin %(plugin)r)", reason=self.reason, plugin=self.plugin
        )

    def __str__(self) -> str:
        return str(self.text)


@attrs.frozen
@shared_value_methods
class _Impl:
    plugin: str
    function: Callable[..., Any]
    argnames: tuple[str, ...]

    def args(self, kwargs: Mapping[str, Any]) -> list[Any] | None:
        """The arguments this implementation names, or None when its plugin is disabled
        for the consultation in ``kwargs`` (``[plugins.NAME] enabled = false``)."""
        consultation = kwargs.get("consultation")
        chosen = getattr(consultation, "plugins", None)
        settings = chosen.get(self.plugin) if chosen else None
        if settings is None:
            return [kwargs[arg] if arg != "settings" else _NO_SETTINGS for arg in self.argnames]
        if not settings.enabled:
            return None
        values = types.MappingProxyType(settings.values)
        return [kwargs[arg] if arg != "settings" else values for arg in self.argnames]


_NO_SETTINGS: Mapping[str, Any] = types.MappingProxyType({})


def _env_names(value: str | None) -> frozenset[str]:
    return frozenset(part.strip() for part in (value or "").split(",") if part.strip())


def _env_flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@attrs.define
@shared_value_methods(hashable=False)
class PluginHost:
    """Loads plugins into one pluggy manager and offers typed access to their hooks.

    Build it with :meth:`load`; tests can build ``PluginHost.load(entry_points=False,
    plugins=[MyPlugin()])`` for an isolated host. Nothing is global: two hosts never share
    plugins.
    """

    strict: bool = False
    disabled: frozenset[str] = frozenset()
    #: Command names a plugin may not register: the built-in commands'. Kept in
    #: :mod:`.commands` so the host never imports the CLI (the CLI asks the host).
    reserved_commands: frozenset[str] = BUILTIN_COMMAND_NAMES
    #: Plugins that failed to import or register, each as a PluginError.
    failures: list[PluginError] = attrs.Factory(list)
    #: The latest event-hook failures (bounded), for diagnostics.
    event_failures: collections.deque[PluginError] = attrs.Factory(
        lambda: collections.deque(maxlen=_MAX_REMEMBERED_FAILURES)
    )
    #: Names of plugins that ``disabled`` blocked.
    blocked: list[str] = attrs.Factory(list)
    _pm: pluggy.PluginManager = attrs.field(factory=lambda: _new_manager(), alias="_pm", repr=False)
    _versions: dict[str, tuple[str, str]] = attrs.Factory(dict)  # name -> (version, source)
    _impls: dict[str, tuple[_Impl, ...] | None] = attrs.Factory(dict)
    _contributions: dict[str, dict[str, tuple[Any, str]]] = attrs.Factory(dict)
    _matched_disabled: set[str] = attrs.Factory(set)

    # -- loading -----------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        *,
        defaults: bool = True,
        entry_points: bool = True,
        plugins: Sequence[object] | Mapping[str, object] = (),
        strict: bool | None = None,
        disabled: Sequence[str] | None = None,
    ) -> PluginHost:
        """Build a host: default plugins, then entry points, then ``plugins``, then the check.

        ``plugins`` is a list of plugin objects, or a mapping from name to plugin to give
        each the name an entry point would (the name ``[plugins.NAME]`` tables use).

        ``strict`` and ``disabled`` default to ``CONSULTKIT_STRICT_PLUGINS`` and
        ``CONSULTKIT_DISABLE_PLUGINS``. In strict mode a plugin that fails raises
        :class:`~consultkit.errors.PluginError`.
        """
        host = cls(
            strict=_env_flag(os.environ.get(STRICT_ENV)) if strict is None else strict,
            disabled=_env_names(os.environ.get(DISABLE_ENV))
            if disabled is None
            else frozenset(disabled),
        )
        if defaults:
            host._load_defaults()
        if entry_points:
            host._load_entry_points()
        if isinstance(plugins, Mapping):
            for name, plugin in plugins.items():
                host.register(plugin, name=name)
        else:
            for plugin in plugins:
                host.register(plugin)
        host._check_pending()
        return host

    def _load_defaults(self) -> None:
        for module_name in DEFAULT_PLUGINS:
            name = module_name.rsplit(".", 1)[-1]
            if self._is_blocked(name, module_name):
                continue
            try:
                module = importlib.import_module(module_name)
            except Exception as exc:
                self._failed(PluginError(name, "import", f"{type(exc).__name__}: {exc}"))
                continue
            self._register(module, name, __version__, "default")

    def _load_entry_points(self) -> None:
        for entry_point in entry_points(ENTRY_POINT_GROUP):
            name = entry_point.name
            if self._is_blocked(name, entry_point.value):
                continue
            try:
                plugin = entry_point.load()
            except Exception as exc:
                self._failed(
                    PluginError(
                        name,
                        "import",
                        deferred.gettext(
                            "cannot import %(target)s (%(reason)s); fix or uninstall it, or add"
                            " it to %(variable)s",
                            target=entry_point.value,
                            reason=f"{type(exc).__name__}: {exc}",
                            variable=DISABLE_ENV,
                        ),
                    )
                )
                continue
            self._register(plugin, name, entry_point.version, "entry point")

    def _is_blocked(self, *names: str) -> bool:
        matched = self.disabled.intersection(names)
        if matched:
            self._matched_disabled.update(matched)
            self.blocked.append(names[0])
            return True
        return False

    @property
    def unknown_disabled(self) -> list[str]:
        """Names in ``disabled`` that no default or entry-point plugin has (likely typos)."""
        return sorted(self.disabled - self._matched_disabled)

    def register(self, plugin: object, name: str | None = None) -> str:
        """Register one more plugin object (a module, class or instance); returns its name."""
        plugin_name = name or getattr(plugin, "__name__", None) or type(plugin).__name__
        version = str(getattr(plugin, "__version__", None) or "unknown")
        self._register(plugin, plugin_name, version, "registered")
        return plugin_name

    def _register(self, plugin: object, name: str, version: str, source: str) -> None:
        other = self._pm.get_plugin(name)
        if other is not None:
            self._failed(
                PluginError(
                    name,
                    "register",
                    deferred.gettext(
                        "another plugin is already registered under the name %(name)s"
                        " (%(source)s); rename one of them",
                        name=repr(name),
                        source=SOURCE_WORDS.get(self._versions.get(name, ("", "?"))[1], "?"),
                    ),
                )
            )
            return
        try:
            self._pm.register(plugin, name=name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            self._failed(PluginError(name, "register", str(exc)))
            return
        self._versions[name] = (version, source)
        self._invalidate()

    def unregister(self, name: str) -> None:
        """Remove a plugin by name (tests use it to undo a registration)."""
        self._pm.unregister(name=name)
        self._versions.pop(name, None)
        self._invalidate()

    def _check_pending(self) -> None:
        # pluggy's check_pending raises on the first hook without a spec; find the
        # offending plugins first so that, outside strict mode, they are skipped, not fatal.
        while True:
            culprit: tuple[str, str] | None = None
            for hook_name, caller in vars(self._pm.hook).items():
                if hook_name.startswith("_") or not isinstance(caller, pluggy.HookCaller):
                    continue
                if caller.has_spec():
                    continue
                for impl in caller.get_hookimpls():
                    if not impl.optionalhook:
                        culprit = (impl.plugin_name, hook_name)
                        break
                if culprit:
                    break
            if culprit is None:
                break
            plugin, hook_name = culprit
            self.unregister(plugin)
            self._failed(
                PluginError(
                    plugin,
                    hook_name,
                    deferred.gettext(
                        "implements a hook consultkit does not define"
                        " (misspelt, or written for another consultkit version)"
                    ),
                )
            )
        self._pm.check_pending()

    def _failed(self, error: PluginError) -> None:
        if self.strict:
            raise error
        import logging

        logging.getLogger(_LOGGER).warning("%s", error)
        self.failures.append(error)

    def _invalidate(self) -> None:
        self._impls.clear()
        self._contributions.clear()

    # -- introspection -----------------------------------------------------------------

    def plugin_names(self) -> list[str]:
        """Names of the registered plugins, in registration order."""
        return [name for name, _ in self._pm.list_name_plugin()]

    def plugin_infos(self) -> list[PluginInfo]:
        """Each registered plugin: version, hooks it implements and what it registered."""
        registered: dict[str, dict[str, list[str]]] = collections.defaultdict(
            lambda: collections.defaultdict(list)
        )
        for kind in ("stores", "notifiers", "exporters", "commands"):
            try:
                contributions = self._collect(kind)
            except PluginError:
                continue
            for item_name, (_, owner) in contributions.items():
                registered[owner][kind].append(item_name)
        infos = []
        for name, plugin in self._pm.list_name_plugin():
            callers = self._pm.get_hookcallers(plugin) or []
            version, source = self._versions.get(name, ("unknown", "registered"))
            infos.append(
                PluginInfo(
                    name=name,
                    version=version,
                    source=source,
                    hooks=tuple(sorted(caller.name for caller in callers)),
                    registered={k: tuple(sorted(v)) for k, v in registered[name].items()},
                )
            )
        return infos

    def registered_by(self, kind: str, item_name: str) -> str | None:
        """The plugin that registered ``item_name`` among ``kind`` ("stores", "notifiers", …)."""
        found = self._collect(kind).get(item_name)
        return None if found is None else found[1]

    # -- calling implementations -------------------------------------------------------

    def _implementations(self, hook_name: str) -> tuple[_Impl, ...] | None:
        # Cached per hook; None means "has wrappers: let pluggy call them".
        if hook_name in self._impls:
            return self._impls[hook_name]
        caller: pluggy.HookCaller = getattr(self._pm.hook, hook_name)
        impls = caller.get_hookimpls()
        found: tuple[_Impl, ...] | None
        if any(impl.hookwrapper or impl.wrapper for impl in impls):
            found = None
        else:
            # pluggy calls the last registered (and tryfirst) implementations first.
            found = tuple(
                _Impl(impl.plugin_name, impl.function, tuple(impl.argnames))
                for impl in reversed(impls)
            )
        self._impls[hook_name] = found
        return found

    def _each(
        self, hook_name: str, kwargs: dict[str, Any]
    ) -> list[tuple[str, Any, BaseException | None]]:
        impls = self._implementations(hook_name)
        results: list[tuple[str, Any, BaseException | None]] = []
        if impls is None:
            caller: pluggy.HookCaller = getattr(self._pm.hook, hook_name)
            if "consultation" in kwargs:
                # pluggy calls every implementation with the same arguments: wrappers cannot
                # be told apart, so they get no per-plugin settings.
                kwargs = {**kwargs, "settings": _NO_SETTINGS}
            try:
                for value in caller(**kwargs):
                    results.append(("(hook wrappers)", value, None))
            except Exception as exc:
                results.append(("(hook wrappers)", None, exc))
            return results
        for impl in impls:
            args = impl.args(kwargs)
            if args is None:
                continue
            try:
                value = impl.function(*args)
            except Exception as exc:
                results.append((impl.plugin, None, exc))
            else:
                results.append((impl.plugin, value, None))
        return results

    def _notify(self, hook_name: str, kwargs: dict[str, Any]) -> list[PluginError]:
        impls = self._implementations(hook_name)
        if impls is not None:
            # Fast path for the common case: no wrappers, so no result list to build.
            errors: list[PluginError] = []
            for impl in impls:
                args = impl.args(kwargs)
                if args is None:
                    continue
                try:
                    impl.function(*args)
                except Exception as exc:
                    errors.append(self._event_failed(impl.plugin, hook_name, exc))
            return errors
        return [
            self._event_failed(plugin, hook_name, exc)
            for plugin, _, exc in self._each(hook_name, kwargs)
            if exc is not None
        ]

    def _event_failed(self, plugin: str, hook_name: str, exc: BaseException) -> PluginError:
        error = PluginError(plugin, hook_name, f"{type(exc).__name__}: {exc}")
        error.__cause__ = exc
        import logging

        logging.getLogger(_LOGGER).warning("%s", error, exc_info=exc)
        self.event_failures.append(error)
        return error

    # -- contribution hooks ------------------------------------------------------------

    def _collect(self, kind: str) -> dict[str, tuple[Any, str]]:
        cached = self._contributions.get(kind)
        if cached is not None:
            return cached
        hook_name = f"register_{kind}"
        found: dict[str, tuple[Any, str]] = {}
        if kind == "commands":
            for builtin in self.reserved_commands:
                found[builtin] = (None, "consultkit")
        current = [""]

        def add(item_name: str, value: Any) -> None:
            plugin = current[0]
            previous = found.get(item_name)
            if item_name in self.reserved_commands and kind == "commands":
                raise PluginError(
                    plugin,
                    hook_name,
                    deferred.gettext(
                        "%(name)s is a built-in command of consultkit; give the plugin's"
                        " command another name",
                        name=repr(item_name),
                    ),
                )
            if previous is not None:
                raise PluginError(
                    plugin,
                    hook_name,
                    deferred.gettext(
                        "%(name)s is already registered by %(previous)s; disable one of the"
                        " two plugins (%(variable)s)",
                        name=repr(item_name),
                        previous=repr(previous[1]),
                        variable=DISABLE_ENV,
                    ),
                )
            found[item_name] = (value, plugin)

        def register_store(scheme: str, factory: StoreFactory) -> None:
            if not isinstance(scheme, str) or not re.match(_SCHEME, scheme):
                raise PluginError(
                    current[0],
                    hook_name,
                    deferred.gettext(
                        "store scheme %(scheme)s is not a URL scheme", scheme=repr(scheme)
                    ),
                )
            if not callable(factory):
                raise PluginError(
                    current[0],
                    hook_name,
                    deferred.gettext(
                        "the store factory for %(scheme)s is not callable", scheme=repr(scheme)
                    ),
                )
            add(scheme, factory)

        def register_notifier(channel: str, factory: NotifierFactory) -> None:
            if not isinstance(channel, str) or not re.match(_NAME, channel):
                raise PluginError(
                    current[0],
                    hook_name,
                    deferred.gettext(
                        "channel name %(name)s must be lower case letters, digits, _ or -",
                        name=repr(channel),
                    ),
                )
            if not callable(factory):
                raise PluginError(
                    current[0],
                    hook_name,
                    deferred.gettext(
                        "the notifier factory for %(name)s is not callable", name=repr(channel)
                    ),
                )
            add(channel, factory)

        def register_exporter(name: str, exporter: Exporter) -> None:
            if not isinstance(name, str) or not re.match(_NAME, name):
                raise PluginError(
                    current[0],
                    hook_name,
                    deferred.gettext(
                        "export format %(name)s must be lower case letters, digits, _ or -",
                        name=repr(name),
                    ),
                )
            if not callable(getattr(exporter, "export", None)):
                raise PluginError(
                    current[0],
                    hook_name,
                    deferred.gettext("exporter %(name)s has no export() method", name=repr(name)),
                )
            declared = getattr(exporter, "name", name)
            if declared != name:
                raise PluginError(
                    current[0],
                    hook_name,
                    deferred.gettext(
                        "exporter registered as %(name)s calls itself %(declared)s",
                        name=repr(name),
                        declared=repr(declared),
                    ),
                )
            add(name, exporter)

        def register_command(command: click.Command) -> None:
            import click

            if not isinstance(command, click.Command) or not command.name:
                raise PluginError(
                    current[0],
                    hook_name,
                    deferred.gettext(
                        "%(command)s is not a named click command", command=repr(command)
                    ),
                )
            add(command.name, command)

        registers: dict[str, Callable[..., None]] = {
            "stores": register_store,
            "notifiers": register_notifier,
            "exporters": register_exporter,
            "commands": register_command,
        }
        register = registers[kind]
        for plugin, _, exc in self._call_registrations(hook_name, register, current):
            if exc is not None:
                if isinstance(exc, PluginError):
                    raise exc
                raise PluginError(plugin, hook_name, f"{type(exc).__name__}: {exc}") from exc
        if kind == "commands":
            found = {k: v for k, v in found.items() if v[0] is not None}
        self._contributions[kind] = found
        return found

    def _call_registrations(
        self, hook_name: str, register: Callable[..., None], current: list[str]
    ) -> list[tuple[str, Any, BaseException | None]]:
        impls = self._implementations(hook_name)
        if impls is None:
            # Wrappers cannot be attributed one by one; name them together.
            current[0] = "(hook wrappers)"
            return self._each(hook_name, {"register": register})
        results: list[tuple[str, Any, BaseException | None]] = []
        # Registration order (defaults first, unlike event calls): the plugin that came
        # first keeps a name, and a clash is blamed on the newcomer.
        for impl in reversed(impls):
            current[0] = impl.plugin
            try:
                impl.function(*[register for _ in impl.argnames])
            except Exception as exc:
                results.append((impl.plugin, None, exc))
                break
        return results

    def store_factories(self) -> Mapping[str, StoreFactory]:
        """Store backends by URL scheme."""
        return {name: value for name, (value, _) in self._collect("stores").items()}

    def notifier_factories(
        self, consultation: Consultation | None = None
    ) -> Mapping[str, NotifierFactory]:
        """Notifier factories by channel name; with ``consultation``, only the channels of
        plugins it does not turn off (``[plugins.NAME] enabled = false``)."""
        off = consultation.plugins_off if consultation is not None else ()
        return {
            name: value
            for name, (value, plugin) in self._collect("notifiers").items()
            if plugin not in off
        }

    def channel_plugins(self) -> Mapping[str, str]:
        """Which plugin registered each notifier channel (channel -> plugin name)."""
        return {name: plugin for name, (_, plugin) in self._collect("notifiers").items()}

    def exporters(self, consultation: Consultation | None = None) -> Mapping[str, Exporter]:
        """Exporters by format name; with ``consultation``, only those of plugins it does
        not turn off (``[plugins.NAME] enabled = false``)."""
        off = consultation.plugins_off if consultation is not None else ()
        return {
            name: value
            for name, (value, plugin) in self._collect("exporters").items()
            if plugin not in off
        }

    def contributor(self, kind: str, name: str) -> str | None:
        """The plugin that registered ``name`` among ``kind`` (``exporters``, ``notifiers``,
        ``stores``, ``commands``), or None."""
        found = self._collect(kind).get(name)
        return found[1] if found is not None else None

    def commands(self) -> Mapping[str, click.Command]:
        """CLI commands contributed by plugins, by name (built-ins are not included)."""
        return {name: value for name, (value, _) in self._collect("commands").items()}

    def open_store(self, url: str | None = None) -> Store:
        """Open the store for ``url`` with the backend registered for its scheme.

        Without ``url``, :func:`~consultkit.storage.protocols.default_store_url` says which
        (``$CONSULTKIT_STORE``, else ``sqlite:///./consultkit.sqlite``). Raises
        :class:`~consultkit.errors.StoreError` naming the schemes that exist when the URL's
        scheme is unknown.
        """
        # Lazy: the store protocols import the storage records and, through them, the domain
        # (windows, pendulum); loading the plugins for ``VERB --help`` needs neither (issue 14).
        from consultkit.storage.protocols import default_store_url

        url = url or default_store_url()
        # Every message below names the URL without its password (issue 9).
        shown = redact_url(url)
        scheme, sep, _ = url.partition("://")
        if not sep or not scheme:
            raise StoreError(
                deferred.gettext(
                    "not a store URL %(url)r: write SCHEME://…, e.g."
                    " sqlite:///consultkit.sqlite or memory://",
                    url=shown,
                )
            )
        stores = self._collect("stores")
        found = stores.get(scheme.lower())
        if found is None:
            known: str | Text = ", ".join(f"{s}://" for s in sorted(stores)) or (
                deferred.pgettext("no store backends", "none")
            )
            hint = (
                deferred.gettext(
                    "install the plugin that provides it, or stop disabling %(plugins)s in"
                    " %(variable)s",
                    plugins=", ".join(sorted(self.blocked)),
                    variable=DISABLE_ENV,
                )
                if self.blocked
                else deferred.gettext("install the plugin that provides it")
            )
            raise StoreError(
                deferred.gettext(
                    "no store backend for %(scheme)s:// in %(url)r (available: %(known)s);"
                    " %(hint)s",
                    scheme=scheme,
                    url=shown,
                    known=known,
                    hint=hint,
                )
            )
        factory, plugin = found
        try:
            store: Store = factory(url)
        except StoreError as exc:
            # A backend may quote its driver, and the driver the connection string.
            message = scrub(str(exc), url)
            if message != str(exc):
                raise StoreError(message) from None
            raise
        except Exception as exc:
            # The driver's own words are quoted as they came, in the reader's frame.
            raise StoreError(
                deferred.gettext(
                    "store plugin %(plugin)r could not open %(url)r: %(reason)s",
                    plugin=plugin,
                    url=shown,
                    reason=f"{type(exc).__name__}: {scrub(str(exc), url)}",
                )
            ) from None
        return store

    # -- event hooks -------------------------------------------------------------------

    def validate_submission(self, consultation: Consultation, submission: Submission) -> list[str]:
        """Every plugin's reasons to refuse ``submission``; empty means accepted.

        A validator that raises refuses, with a reason naming the plugin (fail closed).
        :meth:`refusals` gives the same reasons with the plugin that gave each.
        """
        return [str(refusal.reason) for refusal in self.refusals(consultation, submission)]

    def has_validators(self) -> bool:
        """Whether any plugin implements ``validate_submission``.

        A bulk import builds each row's :class:`Submission` for the validators only when
        there are some (issue 14); :meth:`refusals` is empty when there are none.
        """
        impls = self._implementations("validate_submission")
        return impls is None or bool(impls)

    def has_screeners(self) -> bool:
        """Whether any plugin implements ``screen_submission`` (see :meth:`has_validators`)."""
        impls = self._implementations("screen_submission")
        return impls is None or bool(impls)

    def refusals(self, consultation: Consultation, submission: Submission) -> list[Refusal]:
        """Every plugin's reasons to refuse ``submission``, each with its plugin's name."""
        refusals: list[Refusal] = []
        kwargs = {"consultation": consultation, "submission": submission}
        for plugin, value, exc in self._each("validate_submission", kwargs):
            if exc is not None:
                self._event_failed(plugin, "validate_submission", exc)
                refusals.append(
                    Refusal(
                        plugin,
                        deferred.gettext(
                            "the validator of plugin %(plugin)r failed (%(error)s), so the"
                            " submission was refused to be safe; try again later or tell the"
                            " organisers",
                            plugin=plugin,
                            error=type(exc).__name__,
                        ),
                        crashed=True,
                    )
                )
            elif value is None:
                continue
            elif isinstance(value, str):
                refusals.append(Refusal(plugin, value))
            else:
                refusals.extend(Refusal(plugin, str(reason)) for reason in value if reason)
        return refusals

    def screen_submission(
        self, consultation: Consultation, submission: Submission, screening: Mapping[str, str]
    ) -> list[Hold]:
        """Every plugin's reason to hold ``submission`` for review; empty lets it through.

        A screener that raises holds it, with a reason naming the plugin (the error is
        logged and counted in :attr:`event_failures`): a submission is never lost to a
        broken screener, nor let through unseen.
        """
        holds: list[Hold] = []
        kwargs = {"consultation": consultation, "submission": submission, "screening": screening}
        for plugin, value, exc in self._each("screen_submission", kwargs):
            if exc is not None:
                self._event_failed(plugin, "screen_submission", exc)
                holds.append(Hold(plugin, f"the screening failed ({type(exc).__name__})"))
            elif value:
                holds.append(Hold(plugin, str(value)))
        return holds

    def submission_received(
        self, consultation: Consultation, submission: Submission, receipt: Receipt
    ) -> list[PluginError]:
        """Tell plugins a submission was stored; returns the failures (already logged)."""
        return self._notify(
            "submission_received",
            {"consultation": consultation, "submission": submission, "receipt": receipt},
        )

    def submission_status_changed(
        self, consultation: Consultation, submission: Submission, entry: HistoryEntry
    ) -> list[PluginError]:
        """Tell plugins a submission's status changed; returns the failures (already logged)."""
        return self._notify(
            "submission_status_changed",
            {"consultation": consultation, "submission": submission, "entry": entry},
        )

    def schedule_changed(
        self,
        consultation: Consultation,
        revision: ScheduleRevision,
        changes: Sequence[ItemChange],
    ) -> list[PluginError]:
        """Tell plugins a schedule revision was published; returns the failures (already logged)."""
        return self._notify(
            "schedule_changed",
            {"consultation": consultation, "revision": revision, "changes": changes},
        )

    def calendar_item_built(
        self,
        consultation: Consultation,
        item: ScheduleItem,
        component: icalendar.Event,
        language: str,
    ) -> list[PluginError]:
        """Let plugins adjust one built VEVENT; returns the failures (already logged)."""
        return self._notify(
            "calendar_item_built",
            {
                "consultation": consultation,
                "item": item,
                "component": component,
                "language": language,
            },
        )

    # -- choosing hooks: the first plugin with an answer gives it ----------------------------

    def _first(self, hook_name: str, kwargs: dict[str, Any]) -> tuple[str, Any]:
        """The first non-``None`` answer and its plugin. A plugin that raises a
        :class:`~consultkit.errors.ConsultkitError` (a refusal) passes it on; any other
        failure becomes a :class:`PluginError` naming the plugin, never a silent fallback."""
        impls = self._implementations(hook_name)
        if impls is None:
            caller: pluggy.HookCaller = getattr(self._pm.hook, hook_name)
            value = caller(**{**kwargs, "settings": _NO_SETTINGS})
            return "(hook wrappers)", value
        for impl in impls:
            args = impl.args(kwargs)
            if args is None:
                continue
            try:
                value = impl.function(*args)
            except ConsultkitError:
                raise
            except Exception as exc:
                raise self._event_failed(impl.plugin, hook_name, exc) from exc
            if value is not None:
                return impl.plugin, value
        raise PluginError(
            "consultkit", hook_name, "no plugin answered (is review_defaults blocked?)"
        )

    def assign_reviewers(
        self, consultation: Consultation, problem: AssignmentProblem
    ) -> tuple[str, Assignment]:
        """The assignment the first answering plugin gives, and that plugin's name."""
        plugin, value = self._first(
            "assign_reviewers", {"consultation": consultation, "problem": problem}
        )
        return plugin, value

    def rank_submissions(
        self,
        consultation: Consultation,
        round_: ReviewRound,
        reviews: Sequence[Review],
        references: Mapping[str, str],
    ) -> tuple[str, list[RankedSubmission]]:
        """The ranking the first answering plugin gives, and that plugin's name."""
        plugin, value = self._first(
            "rank_submissions",
            {
                "consultation": consultation,
                "round": round_,
                "reviews": reviews,
                "references": references,
            },
        )
        return plugin, list(value)

    def analyses(
        self, consultation: Consultation, submissions: Sequence[Submission], language: str
    ) -> tuple[list[tuple[str, Analysis]], list[str]]:
        """Every plugin's report section as ``(plugin, analysis)``, and warnings naming the
        plugins that failed (already logged) or returned something else."""
        found: list[tuple[str, Analysis]] = []
        warnings: list[str] = []
        kwargs = {"consultation": consultation, "submissions": submissions, "language": language}
        for plugin, value, exc in self._each("analyse_submissions", kwargs):
            if exc is not None:
                self._event_failed(plugin, "analyse_submissions", exc)
                warnings.append(
                    f"plugin {plugin!r} failed in analyse_submissions"
                    f" ({type(exc).__name__}: {exc}); its section is missing"
                )
            elif isinstance(value, Analysis):
                found.append((plugin, value))
            elif value is not None:
                warnings.append(
                    f"plugin {plugin!r} returned {type(value).__name__} from"
                    " analyse_submissions, not an Analysis; it was left out"
                )
        return found, warnings


def _new_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    return pm


def open_store(url: str | None = None, host: PluginHost | None = None) -> Store:
    """Open the store for ``url`` (default: ``$CONSULTKIT_STORE`` or ``./consultkit.sqlite``).

    ``host`` is the plugin host whose registered backends are used; a fresh one is built
    when omitted. See :meth:`PluginHost.open_store`.
    """
    return (host or PluginHost.load()).open_store(url)


__all__ = ["SOURCE_WORDS", "PluginHost", "PluginInfo", "Refusal", "open_store"]
