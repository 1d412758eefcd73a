"""``consultkit plugins`` and plugin-contributed commands on the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from consultkit.cli import cli
from plugin_helpers import install_fake_distribution


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSULTKIT_DISABLE_PLUGINS", raising=False)
    monkeypatch.delenv("CONSULTKIT_STRICT_PLUGINS", raising=False)


def _json(args: list[str]) -> dict[str, object]:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_plugins_json_lists_defaults_with_what_they_registered() -> None:
    document = _json(["plugins", "--format", "json"])
    plugins = {p["name"]: p for p in document["plugins"]}  # type: ignore[attr-defined]
    assert plugins["sqlite_store"]["source"] == "default"
    assert plugins["sqlite_store"]["registered"] == {"stores": ["sqlite"]}
    assert plugins["memory_store"]["hooks"] == ["register_stores"]
    assert document["failed"] == []


def test_plugins_table_shows_failures_and_disabled_plugins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_distribution(
        tmp_path, monkeypatch, {"broken": "broken_import", "sample": "sample_plugin:plugin"}
    )
    monkeypatch.setenv("CONSULTKIT_DISABLE_PLUGINS", "memory_store")
    result = CliRunner().invoke(cli, ["plugins"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "sample" in result.stdout
    assert "1.2.3" in result.stdout
    assert "disabled" in result.stdout
    assert "warning: plugin 'broken' failed in import" in result.stderr


def test_plugins_json_reports_a_registration_clash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_distribution(tmp_path, monkeypatch, {"clash": "clash_plugin"})
    document = _json(["plugins", "--format", "json"])
    (failure,) = document["failed"]  # type: ignore[misc]
    assert failure["plugin"] == "clash"
    assert "'sqlite_store'" in failure["error"]


def test_strict_mode_turns_a_failure_into_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_distribution(tmp_path, monkeypatch, {"broken": "broken_import"})
    monkeypatch.setenv("CONSULTKIT_STRICT_PLUGINS", "1")
    result = CliRunner().invoke(cli, ["plugins"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: plugin 'broken' failed in import")


def test_a_plugin_command_runs_from_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_distribution(tmp_path, monkeypatch, {"sample": "sample_plugin:plugin"})
    result = CliRunner().invoke(cli, ["sample-hello", "--who", "WSIS"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "hello WSIS from a plugin\n"
    listing = CliRunner().invoke(cli, ["--help"])
    assert "sample-hello" in listing.stdout


def test_broken_plugins_never_crash_the_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    from consultkit.pluginhost import host as plugins

    def explode(**kwargs: object) -> None:
        raise RuntimeError("registry on fire")

    monkeypatch.setattr(plugins.PluginHost, "load", explode)
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "warning: plugin commands unavailable: registry on fire" in result.stderr


def test_plugins_table_at_80_columns_shows_every_hook_name_whole() -> None:
    result = CliRunner().invoke(cli, ["plugins"], terminal_width=80)
    assert result.exit_code == 0, result.output
    for hook in ("register_stores", "register_notifiers", "register_exporters"):
        assert hook in result.stdout
    assert "…" not in result.stdout.split("registered", 1)[0]


def test_a_misspelt_disabled_name_is_warned_about(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSULTKIT_DISABLE_PLUGINS", "log_notifer,memory_store")
    result = CliRunner().invoke(cli, ["plugins"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "warning: CONSULTKIT_DISABLE_PLUGINS names 'log_notifer', but no plugin has that"
        " name; check the spelling (plugins: sqlite_store, log_notifier, ics_exporter,"
        " web_exporters, review_defaults"
        + "".join(
            f", {p['name']}"
            for p in _json(["plugins", "--format", "json"])["plugins"]  # type: ignore[attr-defined]
            if p["source"] != "default"
        )
        + ")\n"
    )
    document = _json(["plugins", "--format", "json"])
    assert document["unknown_disabled"] == ["log_notifer"]
    assert document["disabled"] == ["memory_store"]
