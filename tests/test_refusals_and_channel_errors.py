"""Refusals name the plugin; `notify run` says why a channel failed (issue 13)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from consultkit import Submitter, hookimpl
from consultkit.cli import cli
from consultkit.errors import PluginRefusedError, RuleRefusedError
from consultkit.testing.factories import make_submission
from plugin_helpers import install_fake_distribution

if TYPE_CHECKING:
    from consultkit.app.application import Consultkit
    from consultkit.domain.model import Consultation

CONFIG = str(Path(__file__).parents[1] / "examples" / "wsis2020" / "consultation.toml")
DURING = "2019-12-02T10:00:00Z"


def _submit(env: dict[str, str], body: str) -> object:
    return CliRunner().invoke(
        cli,
        [
            "--now", DURING, "submit", CONFIG, "--call", "official-submissions",
            "--group", "civil-society", "--name", "Ana", "--email", "ana@example.org",
            "--title", "Rural schools", "--body", body,
        ],
        env=env,
    )  # fmt: skip


def test_a_plugin_refusal_names_the_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_distribution(tmp_path, monkeypatch, {"no-http": "raising_notifier"})
    env = {"CONSULTKIT_STORE": f"sqlite:///{tmp_path / 'ck.sqlite'}"}
    result = _submit(env, "see http://example.org")
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    output = result.output  # type: ignore[attr-defined]
    assert "links must use https (plugin 'no-http')" in output
    assert "[rule: plugin no-http]" in output


class Length:
    @hookimpl
    def validate_submission(self, consultation: object, submission: object) -> list[str]:
        return ["at least 200 characters"]


def test_the_refusal_error_carries_the_plugin_names(
    app: Consultkit, consultation: Consultation
) -> None:
    app.host.register(Length(), name="length")
    refusals = app.host.refusals(consultation, make_submission(1))
    assert [(r.plugin, r.reason) for r in refusals] == [("length", "at least 200 characters")]
    with pytest.raises(PluginRefusedError) as caught:
        app.submit(
            consultation,
            call_id="official-submissions",
            submitter=Submitter(name="Ana", email="ana@example.org", group="civil-society"),
            title="Rural schools",
            body="short",
        )
    assert isinstance(caught.value, RuleRefusedError) and caught.value.rule == "plugin"
    assert caught.value.plugins == ("length",)
    assert "at least 200 characters (plugin 'length')" in str(caught.value)
    # Issue 11: the frame naming the plugin is in the reader's language, the reason the
    # plugin gave stays its own words.
    assert "at least 200 characters (extension 'length')" in caught.value.render("fr")


def test_notify_run_prints_a_raising_channels_error_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_distribution(tmp_path, monkeypatch, {"flaky": "raising_notifier"})
    env = {
        "CONSULTKIT_STORE": f"sqlite:///{tmp_path / 'ck.sqlite'}",
        "CONSULTKIT_NOTIFY_CHANNELS": "flaky",
    }
    runner = CliRunner()
    for address in ("https://a.example.org/hook", "https://b.example.org/hook"):
        added = runner.invoke(
            cli, ["subscribers", "add", CONFIG, address, "--channel", "flaky"], env=env
        )
        assert added.exit_code == 0, added.output
    assert (
        runner.invoke(cli, ["--now", "2020-01-28T09:00:00Z", "remind", CONFIG], env=env).exit_code
        == 0
    )
    result = runner.invoke(cli, ["--now", "2020-01-28T09:00:00Z", "notify", "run"], env=env)
    assert result.exit_code == 0, result.output
    assert "retrying 2" in result.output
    error = "ConnectionError: flaky.example.org refused the connection"
    assert result.output.count(error) == 1, result.output
    assert "channel 'flaky' failed" in result.output
