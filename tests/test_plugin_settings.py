"""Per-consultation plugin settings: [plugins.NAME] tables handed to that plugin's hooks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from consultkit import hookimpl
from consultkit.app.application import Consultkit
from consultkit.config.loader import dump_consultation, loads_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.model import PluginSettings
from consultkit.domain.submissions import Submitter
from consultkit.errors import ConfigError, PluginRefusedError
from consultkit.pluginhost.host import PluginHost
from consultkit.testing.factories import MINIMAL_CONSULTATION, WSIS_AT, make_submission

if TYPE_CHECKING:
    from collections.abc import Generator, Mapping

    from consultkit.domain.model import Consultation

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
