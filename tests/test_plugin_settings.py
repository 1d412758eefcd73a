"""Per-consultation plugin settings: [plugins.NAME] tables handed to that plugin's hooks."""

from __future__ import annotations

import datetime as dt
import tempfile
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

from consultkit import hookimpl
from consultkit.app.application import Consultkit
from consultkit.app.plugin_report import plugin_table_warnings
from consultkit.cli import cli
from consultkit.config.loader import dump_consultation, loads_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.model import PluginSettings
from consultkit.domain.submissions import Submitter
from consultkit.errors import ConfigError, PluginRefusedError, RuleRefusedError
from consultkit.formats.exporter import UnknownFormatError
from consultkit.notify.channels import DeliveryResult
from consultkit.notify.settings import NotifySettings
from consultkit.pluginhost.host import PluginHost
from consultkit.testing.factories import MINIMAL_CONSULTATION, WSIS_AT, make_submission

if TYPE_CHECKING:
    from collections.abc import Generator, Mapping, Sequence
    from pathlib import Path

    from consultkit.domain.model import Consultation
    from consultkit.storage.records import Delivery

SETTINGS = """
[plugins.length]
min_characters = 200
greeting = "Merci"
words = ["spam", "scam"]

[plugins.quiet]
enabled = false
"""


def consultation(extra: str = SETTINGS) -> Consultation:
    return loads_consultation(MINIMAL_CONSULTATION + extra, file="c.toml")


class Length:
    """Refuses bodies shorter than the consultation's ``min_characters`` (default 10)."""

    def __init__(self) -> None:
        self.seen: list[Mapping[str, Any]] = []

    @hookimpl
    def validate_submission(
        self, consultation: Consultation, submission: Any, settings: Mapping[str, Any]
    ) -> list[str] | None:
        self.seen.append(settings)
        minimum = int(settings.get("min_characters", 10))
        if len(submission.body) < minimum:
            return [f"at least {minimum} characters"]
        return None


class Quiet:
    """Records every event hook it is called for; the file disables it."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    @hookimpl
    def validate_submission(self, consultation: Any, submission: Any) -> list[str]:
        self.calls.append("validate_submission")
        return ["quiet refuses everything"]

    @hookimpl
    def submission_received(self, consultation: Any, submission: Any, receipt: Any) -> None:
        self.calls.append("submission_received")

    @hookimpl
    def calendar_item_built(
        self, consultation: Any, item: Any, component: Any, language: str
    ) -> None:
        self.calls.append("calendar_item_built")


def test_the_tables_load_and_round_trip() -> None:
    c = consultation()
    assert c.plugins["length"] == PluginSettings(
        values={"min_characters": 200, "greeting": "Merci", "words": ("spam", "scam")}
    )
    assert c.plugins["quiet"].enabled is False
    assert c.plugin_settings("absent") == PluginSettings()
    assert loads_consultation(dump_consultation(c)) == c


@pytest.mark.parametrize(
    ("table", "path", "message"),
    [
        ('[plugins.smtp]\npassword = "hunter2"\n', "plugins.smtp.password", "secret"),
        ('[plugins.hook]\napi_key = "k"\n', "plugins.hook.api_key", "secret"),
        ('[plugins.x]\nenabled = "no"\n', "plugins.x.enabled", "true or false"),
        ("[plugins.x]\nwhen = 2020-01-01\n", "plugins.x.when", "write it as a string"),
        ('[plugins]\nx = "on"\n', "plugins.x", "expected a table"),
    ],
)
def test_bad_tables_are_located_errors(table: str, path: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        consultation("\n" + table)
    (problem,) = caught.value.problems
    assert problem.path == path
    assert message in str(problem)
    assert problem.line is not None


def test_each_consultation_gives_the_validator_its_own_settings() -> None:
    length = Length()
    host = PluginHost.load(defaults=False, entry_points=False, plugins=[])
    host.register(length, name="length")
    short = make_submission(body="Too short to say much.")
    strict = consultation()
    lenient = consultation("")
    assert host.validate_submission(strict, short) == ["at least 200 characters"]
    assert host.validate_submission(lenient, short) == []
    assert dict(length.seen[0]) == {
        "min_characters": 200,
        "greeting": "Merci",
        "words": ("spam", "scam"),
    }
    assert dict(length.seen[1]) == {}
    with pytest.raises(TypeError):
        length.seen[0]["min_characters"] = 1  # type: ignore[index]  # read-only


def test_a_disabled_plugin_is_not_called_for_that_consultation() -> None:
    quiet = Quiet()
    host = PluginHost.load(entry_points=False, strict=True, disabled=())
    host.register(quiet, name="quiet")  # the name [plugins.quiet] refers to
    with Consultkit.open("memory://", clock=FixedClock(WSIS_AT), host=host) as app:
        disabled = consultation()
        receipt = app.submit(
            disabled,
            call_id="comments",
            submitter=Submitter(name="Ana", email="ana@example.org", group="civil-society"),
            title="A comment",
            body="Publish the draft in every UN language.",
        )
        assert receipt.tracking_number
        app.export_calendar(disabled, "ics")
        assert quiet.calls == []
        # The same plugin, in a consultation that does not disable it, runs and refuses.
        with pytest.raises(PluginRefusedError, match="quiet refuses everything"):
            app.submit(
                consultation(""),
                call_id="comments",
                submitter=Submitter(name="Bo", email="bo@example.org", group="civil-society"),
                title="Another",
                body="Publish the draft in every UN language.",
            )
        assert quiet.calls == ["validate_submission"]


def test_hook_wrappers_get_empty_settings_without_a_warning() -> None:
    class Wrapper:
        @hookimpl(wrapper=True)
        def validate_submission(
            self, consultation: Any, submission: Any, settings: Mapping[str, Any]
        ) -> Generator[None, Any, Any]:
            assert dict(settings) == {}
            return (yield)

    host = PluginHost.load(defaults=False, entry_points=False)
    host.register(Length(), name="length")
    host.register(Wrapper(), name="wrapper")
    assert host.validate_submission(consultation(), make_submission(body="x")) == [
        "at least 10 characters"
    ]


class QuietChannel:
    """The ``quiet`` channel's notifier: accepts everything and remembers it."""

    channel = "quiet"

    def __init__(self, sent: list[str]) -> None:
        self.sent = sent

    def send(self, deliveries: Sequence[Delivery]) -> list[DeliveryResult]:
        self.sent.extend(d.event.kind for d in deliveries)
        return [DeliveryResult.success(d.id) for d in deliveries]

    def close(self) -> None:
        pass


class QuietEverywhere(Quiet):
    """Quiet, plus an exporter and a notifier channel: ``enabled = false`` must stop them too."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    @hookimpl
    def register_exporters(self, register: Any) -> None:
        register("quiet-text", QuietExporter())

    @hookimpl
    def register_notifiers(self, register: Any) -> None:
        register("quiet", lambda _settings: QuietChannel(self.sent))


class QuietExporter:
    name = "quiet-text"
    media_type = "text/plain"
    suffix = ".txt"

    def export(self, consultation: Any, items: Any, options: Any) -> bytes:
        return b"quiet"


#: When the minimal consultation's call and phase open (09:00 in Zurich), so both are due.
OPENING = dt.datetime(2020, 1, 6, 8, 30, tzinfo=dt.UTC)


def test_a_disabled_plugin_contributes_no_exporter_or_channel_to_that_consultation() -> None:
    quiet = QuietEverywhere()
    host = PluginHost.load(entry_points=False, strict=True, disabled=())
    host.register(quiet, name="quiet")
    disabled, enabled = consultation(), consultation("")
    settings = NotifySettings(channels=("quiet",))
    with Consultkit.open("memory://", clock=FixedClock(OPENING), host=host) as app:
        # Exporters: the format exists for one consultation and not for the other.
        assert "quiet-text" in app.export_formats(consultation=enabled)
        assert "quiet-text" not in app.export_formats(consultation=disabled)
        assert app.export_calendar(enabled, "quiet-text") == b"quiet"
        with pytest.raises(UnknownFormatError, match=r"\[plugins\.quiet\] enabled = false"):
            app.export_calendar(disabled, "quiet-text")
        with pytest.raises(UnknownFormatError, match="enabled = false"):
            app.publish(disabled, output=tempfile.mkdtemp(), formats=["quiet-text"])
        # Channels: no subscribing to it, and events of that consultation are not routed to it.
        with pytest.raises(RuleRefusedError, match="quiet"):
            app.subscribe(disabled, "https://hooks.example.org/q", channel="quiet")
        app.subscribe(enabled, "https://hooks.example.org/q", channel="quiet")
        assert app.enqueue_reminders(disabled).added
        app.dispatch(settings)
        assert quiet.sent == []
    # The same moments told for a consultation that keeps the plugin on do reach it.
    with Consultkit.open("memory://", clock=FixedClock(OPENING), host=host) as app:
        app.subscribe(enabled, "https://hooks.example.org/q", channel="quiet")
        assert app.enqueue_reminders(enabled).added
        app.dispatch(settings)
    assert sorted(quiet.sent) == ["call.opened", "phase.opened"]
    assert quiet.calls == []


def test_a_table_for_a_plugin_that_is_not_installed_is_a_warning_with_a_suggestion() -> None:
    host = PluginHost.load(entry_points=False, strict=True, disabled=())
    host.register(Length(), name="length")
    host.register(Quiet(), name="quiet")
    (warning,) = plugin_table_warnings(
        consultation("\n[plugins.lenght]\nmin_characters = 5\n"), host
    )
    assert warning.code == "plugin-unknown"
    assert warning.path == "plugins.lenght"
    assert "no plugin named 'lenght' is installed" in warning.message
    assert "length" in warning.message and "quiet" in warning.message  # the installed ones
    assert warning.hint is not None and "did you mean 'length'?" in warning.hint
    # A plugin that is blocked in this environment is known: its table is not a mistake.
    blocked = PluginHost.load(entry_points=False, disabled=["log_notifier"])
    assert plugin_table_warnings(consultation("\n[plugins.log_notifier]\n"), blocked) == ()


def test_validate_and_other_commands_warn_about_an_unknown_plugin_table(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(MINIMAL_CONSULTATION + "\n[plugins.smpt]\nport = 25\n", encoding="utf-8")
    line = MINIMAL_CONSULTATION.count("\n") + 2
    runner = CliRunner()
    validated = runner.invoke(cli, ["validate", str(config)])
    assert validated.exit_code == 0, validated.output
    assert f"warning: {config}:{line}: plugins.smpt: no plugin named 'smpt'" in validated.stderr
    assert "did you mean 'smtp'?" in validated.stderr  # consultkit-smtp is installed here
    assert "(1 warning)" in validated.stdout
    assert runner.invoke(cli, ["validate", "--strict", str(config)]).exit_code == 1
    exported = runner.invoke(cli, ["calendar", str(config)])
    assert exported.exit_code == 0, exported.output
    assert f"warning: {config}:{line}: plugins.smpt: no plugin named 'smpt'" in exported.stderr
