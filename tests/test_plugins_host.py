"""The plugin host: discovery, blocking, failures, duplicates, isolation."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from consultkit import hookimpl
from consultkit._version import __version__
from consultkit.errors import PluginError, StoreError
from consultkit.pluginhost.host import PluginHost
from plugin_helpers import install_fake_distribution, load_sample


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSULTKIT_DISABLE_PLUGINS", raising=False)
    monkeypatch.delenv("CONSULTKIT_STRICT_PLUGINS", raising=False)


def test_defaults_load_first_and_register_both_stores() -> None:
    host = PluginHost.load(entry_points=False)
    names = host.plugin_names()
    assert names[:2] == ["memory_store", "sqlite_store"]
    assert {"memory", "sqlite"} <= set(host.store_factories())
    assert host.registered_by("stores", "sqlite") == "sqlite_store"
    assert host.failures == []


def test_entry_point_plugins_are_discovered_from_an_installed_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_distribution(tmp_path, monkeypatch, {"sample": "sample_plugin:plugin"})
    host = PluginHost.load()
    assert "sample" in host.plugin_names()
    assert host.plugin_names().index("sample") > host.plugin_names().index("sqlite_store")
    info = next(i for i in host.plugin_infos() if i.name == "sample")
    assert info.version == "1.2.3"
    assert info.source == "entry point"
    assert "register_stores" in info.hooks
    assert info.registered["stores"] == ("sample",)
    assert info.registered["commands"] == ("sample-hello",)
    default = next(i for i in host.plugin_infos() if i.name == "sqlite_store")
    assert (default.version, default.source) == (__version__, "default")


def test_env_blocks_plugins_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_distribution(tmp_path, monkeypatch, {"sample": "sample_plugin:plugin"})
    monkeypatch.setenv("CONSULTKIT_DISABLE_PLUGINS", " sample , memory_store")
    host = PluginHost.load()
    assert "sample" not in host.plugin_names()
    assert "memory_store" not in host.plugin_names()
    assert sorted(host.blocked) == ["memory_store", "sample"]
    with pytest.raises(StoreError, match="no store backend for memory://") as raised:
        host.open_store("memory://")
    assert "or stop disabling memory_store, sample in CONSULTKIT_DISABLE_PLUGINS" in str(
        raised.value
    )
    assert host.unknown_disabled == []
    typo = PluginHost.load(entry_points=False, disabled=["sqlite-store", "memory_store"])
    assert typo.unknown_disabled == ["sqlite-store"]
    assert "sqlite_store" in typo.plugin_names()


def test_a_plugin_that_fails_to_import_is_reported_and_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_distribution(
        tmp_path,
        monkeypatch,
        {"broken": "broken_import", "sample": "sample_plugin:plugin"},
    )
    host = PluginHost.load()
    assert "broken" not in host.plugin_names()
    assert "sample" in host.plugin_names()  # one broken plugin does not stop the others
    (failure,) = host.failures
    assert failure.plugin == "broken"
    assert "ModuleNotFoundError" in str(failure)
    assert "CONSULTKIT_DISABLE_PLUGINS" in str(failure)


@pytest.mark.parametrize("how", ["argument", "env"])
def test_strict_mode_makes_an_import_failure_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    install_fake_distribution(tmp_path, monkeypatch, {"broken": "broken_import"})
    if how == "env":
        monkeypatch.setenv("CONSULTKIT_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match="'broken'"):
        PluginHost.load(strict=True if how == "argument" else None)


def test_a_misspelt_hook_is_skipped_or_fatal_in_strict_mode() -> None:
    module = load_sample("misspelt_hook")
    host = PluginHost.load(entry_points=False, plugins=[module])
    assert module.__name__ not in host.plugin_names()
    (failure,) = host.failures
    assert failure.hook == "submision_received"
    with pytest.raises(PluginError, match="does not define"):
        PluginHost.load(entry_points=False, plugins=[load_sample("misspelt_hook")], strict=True)


def test_duplicate_scheme_is_refused_naming_both_plugins() -> None:
    class Rival:
        @hookimpl
        def register_stores(self, register: Any) -> None:
            register("memory", lambda url: None)

    host = PluginHost.load(entry_points=False)
    host.register(Rival(), name="rival")
    with pytest.raises(PluginError) as caught:
        host.store_factories()
    message = str(caught.value)
    assert "'rival'" in message
    assert "'memory_store'" in message


def test_a_command_may_not_shadow_a_built_in() -> None:
    import click

    class Shadow:
        @hookimpl
        def register_commands(self, register: Any) -> None:
            register(click.Command("submit"))

    host = PluginHost.load(entry_points=False, plugins=[Shadow()])
    with pytest.raises(PluginError, match="built-in"):
        host.commands()


@pytest.mark.parametrize(
    ("kind", "args", "message"),
    [
        ("register_stores", ("Bad Scheme", lambda url: None), "not a URL scheme"),
        ("register_stores", ("fine", "not callable"), "not callable"),
        ("register_notifiers", ("E-Mail", lambda settings: None), "lower case"),
        ("register_notifiers", ("ok", None), "not callable"),
        ("register_exporters", ("csv", object()), "no export"),
        ("register_exporters", ("BAD", object()), "lower case"),
        ("register_commands", ("not a command",), "click command"),
    ],
)
def test_registrations_are_validated(kind: str, args: tuple[Any, ...], message: str) -> None:
    plugin = type("Bad", (), {kind: hookimpl(lambda self, register: register(*args))})()
    host = PluginHost.load(defaults=False, entry_points=False, plugins=[plugin])
    collect = {
        "register_stores": host.store_factories,
        "register_notifiers": host.notifier_factories,
        "register_exporters": host.exporters,
        "register_commands": host.commands,
    }[kind]
    with pytest.raises(PluginError, match=message) as caught:
        collect()
    assert caught.value.plugin == "Bad"
    assert caught.value.hook == kind


def test_an_exporter_must_be_registered_under_its_own_name() -> None:
    sample = load_sample("sample_plugin")

    class Liar:
        @hookimpl
        def register_exporters(self, register: Any) -> None:
            register("other", sample.SampleExporter())

    host = PluginHost.load(defaults=False, entry_points=False, plugins=[Liar()])
    with pytest.raises(PluginError, match="calls itself 'sample'"):
        host.exporters()


def test_a_registration_hook_that_raises_names_the_plugin() -> None:
    class Crash:
        @hookimpl
        def register_notifiers(self, register: Any) -> None:
            raise KeyError("settings")

    host = PluginHost.load(defaults=False, entry_points=False, plugins=[Crash()])
    with pytest.raises(PluginError, match="'Crash' failed in register_notifiers"):
        host.notifier_factories()


def test_two_plugins_with_the_same_name_are_refused() -> None:
    host = PluginHost.load(defaults=False, entry_points=False)
    host.register(load_sample("sample_plugin").SamplePlugin(), name="twin")
    host.register(load_sample("sample_plugin").SamplePlugin(), name="twin")
    (failure,) = host.failures
    assert "already registered under the name 'twin'" in str(failure)


def test_hosts_are_isolated() -> None:
    first = PluginHost.load(entry_points=False)
    second = PluginHost.load(entry_points=False)
    first.register(load_sample("sample_plugin").SamplePlugin(), name="only-here")
    assert "only-here" in first.plugin_names()
    assert "only-here" not in second.plugin_names()
    assert "sample" not in second.store_factories()


def test_unregister_forgets_contributions() -> None:
    host = PluginHost.load(entry_points=False)
    host.register(load_sample("sample_plugin").SamplePlugin(), name="sample")
    assert "sample" in host.store_factories()
    host.unregister("sample")
    assert "sample" not in host.store_factories()


def test_open_store_explains_bad_urls(tmp_path: Path) -> None:
    host = PluginHost.load(entry_points=False)
    with pytest.raises(StoreError, match="not a store URL"):
        host.open_store("consultkit.sqlite")
    with pytest.raises(StoreError, match=r"available: memory://, sqlite://"):
        host.open_store("postgresql://localhost/x")
    with pytest.raises(StoreError, match=r"directory .* does not exist"):
        host.open_store(f"sqlite:///{tmp_path}/missing/x.sqlite")


def test_open_store_wraps_a_crashing_factory() -> None:
    class Flaky:
        @hookimpl
        def register_stores(self, register: Any) -> None:
            def factory(url: str) -> Any:
                raise ConnectionError("refused")

            register("flaky", factory)

    host = PluginHost.load(entry_points=False, plugins=[Flaky()])
    with pytest.raises(StoreError, match="store plugin 'Flaky' could not open 'flaky://x'"):
        host.open_store("flaky://x")


def test_open_store_helper_uses_the_default_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consultkit.pluginhost.host import open_store
    from consultkit.storage.protocols import DEFAULT_STORE_URL, default_store_url

    monkeypatch.delenv("CONSULTKIT_STORE", raising=False)
    assert default_store_url() == DEFAULT_STORE_URL == "sqlite:///./consultkit.sqlite"
    monkeypatch.chdir(tmp_path)
    store = open_store(host=PluginHost.load(entry_points=False))
    store.close()
    assert (tmp_path / "consultkit.sqlite").exists()
    monkeypatch.setenv("CONSULTKIT_STORE", "memory://")
    assert default_store_url() == "memory://"
    store = open_store()
    assert store.url == "memory://"
    store.close()


def test_the_reserved_command_names_are_the_cli_s_built_ins() -> None:
    # The host keeps its own copy so it never imports the CLI (issue 8: no cycle).
    from consultkit.cli import BUILTIN_COMMANDS
    from consultkit.pluginhost.commands import BUILTIN_COMMAND_NAMES

    assert set(BUILTIN_COMMANDS) == BUILTIN_COMMAND_NAMES
    assert PluginHost.load(entry_points=False).reserved_commands == BUILTIN_COMMAND_NAMES
