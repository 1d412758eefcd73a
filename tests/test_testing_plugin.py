"""consultkit.testing as plugin authors use it: a pytest plugin, factories, contract suites."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from consultkit import events as ev
from consultkit.notify import DeliveryResult
from consultkit.pluginhost.host import PluginHost
from consultkit.testing import ExporterContract, NotifierContract, factories
from consultkit.testing.fixtures import RecordingNotifier

if TYPE_CHECKING:
    from consultkit.domain.model import Consultation
    from consultkit.formats.exporter import Exporter
    from consultkit.storage.protocols import Delivery

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]


def test_factories_and_fixtures_import_without_pytest() -> None:
    # None in sys.modules makes `import pytest` raise ImportError, as if not installed.
    code = textwrap.dedent(
        """
        import sys
        for name in ("pytest", "_pytest", "pluggy._pytest"):
            sys.modules[name] = None
        import consultkit
        import consultkit.testing
        import consultkit.testing.factories as f
        import consultkit.testing.fixtures as fx
        c = f.minimal_consultation()
        assert len(f.deliveries_of_every_kind(c)) == 9
        assert fx.RecordingNotifier().send(f.deliveries_of_every_kind(c))[0].ok
        assert "_pytest" not in {m.split(".")[0] for m in sys.modules if sys.modules[m]}
        print("ok")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_the_plugin_is_registered_through_pytest11() -> None:
    import importlib.metadata

    found = [
        ep
        for ep in importlib.metadata.entry_points(group="pytest11")
        if ep.value.startswith("consultkit")
    ]
    assert [(ep.name, ep.value) for ep in found] == [
        ("consultkit.testing.fixtures", "consultkit.testing.fixtures")
    ]


def test_fixtures_need_no_conftest(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        textwrap.dedent(
            """
            import pytest
            from consultkit import hookimpl

            class Refuser:
                @hookimpl
                def validate_submission(self, consultation, submission):
                    return ["no"] if "http://" in submission.body else None

            @pytest.fixture
            def consultkit_plugins():
                return [Refuser()]

            def test_everything_is_there(
                consultation, minimal_consultation, clock, plugin_host, app, store,
                events, deliveries, recording_notifier,
            ):
                assert consultation.id == "wsis-forum-2020-ocp"
                assert minimal_consultation.id == "minimal"
                assert app.store is store and app.host is plugin_host
                assert "Refuser" in plugin_host.plugin_names()
                assert sorted(events) == sorted(d.event.kind for d in deliveries)
                results = recording_notifier.send(deliveries)
                assert all(r.ok for r in results)

            def test_host_with_just_my_plugin(plugin_host, minimal_consultation):
                from consultkit.testing.factories import make_submission
                sub = make_submission(body="see http://example.org")
                assert plugin_host.validate_submission(minimal_consultation, sub) == ["no"]
            """
        )
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_a_conftest_listing_the_module_still_works(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["consultkit.testing.fixtures"]\n')
    pytester.makepyfile("def test_it(minimal_consultation):\n    assert minimal_consultation\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_events_of_every_kind_cover_the_registry(consultation: Consultation) -> None:
    made = factories.events_of_every_kind(consultation)
    assert list(made) == list(ev.EVENTS)
    assert list(factories.events_of_every_kind(factories.minimal_consultation())) == list(ev.EVENTS)


def test_the_shipped_wsis_copy_is_the_example() -> None:
    shipped = ROOT / "src" / "consultkit" / "testing" / "data" / "wsis2020.toml"
    example = ROOT / "examples" / "wsis2020" / "consultation.toml"
    assert shipped.read_bytes() == example.read_bytes(), "copy the example again"


# -- the contracts, run against consultkit's own notifier and exporters ------------------


class ScriptedNotifier:
    """A notifier over a fake channel that can be told to fail (the contract's own check)."""

    channel = "scripted"

    def __init__(self) -> None:
        self.mode: str | None = None

    def send(self, deliveries: list[Delivery]) -> list[DeliveryResult]:
        results = []
        for d in deliveries:
            if self.mode == "retry":
                results.append(DeliveryResult.failure(d.id, "421 later"))
            elif self.mode == "permanent":
                results.append(DeliveryResult.failure(d.id, "550 no", retry=False))
            elif self.mode == "throttle":
                results.append(
                    DeliveryResult.failure(d.id, "429", retry_after=dt.timedelta(seconds=30))
                )
            else:
                results.append(DeliveryResult.success(d.id))
        return results

    def close(self) -> None:
        self.mode = "closed"


class TestScriptedNotifier(NotifierContract):
    retry_after = dt.timedelta(seconds=30)

    @pytest.fixture
    def notifier(self) -> ScriptedNotifier:
        return ScriptedNotifier()

    @pytest.fixture
    def recipient(self) -> str:
        return "someone@example.org"

    def make_channel_fail(self, request: pytest.FixtureRequest, how: str) -> None:
        request.getfixturevalue("notifier").mode = how


class TestRecordingNotifier(NotifierContract):
    @pytest.fixture
    def notifier(self) -> RecordingNotifier:
        return RecordingNotifier()

    @pytest.fixture
    def recipient(self) -> str:
        return "someone@example.org"

    def make_channel_fail(self, request: pytest.FixtureRequest, how: str) -> None:
        notifier: RecordingNotifier = request.getfixturevalue("notifier")
        (notifier.fail if how == "retry" else notifier.reject).add("someone@example.org")


def test_the_notifier_contract_catches_a_notifier_that_raises(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        textwrap.dedent(
            """
            import pytest
            from consultkit.notify import DeliveryResult
            from consultkit.testing import NotifierContract

            class Fragile:
                channel = "fragile"
                def send(self, deliveries):
                    return [DeliveryResult.success(d.id) for d in deliveries
                            if d.event.payload.get("consultation") is not None]
                def close(self):
                    pass

            class TestFragile(NotifierContract):
                @pytest.fixture
                def notifier(self):
                    return Fragile()
                @pytest.fixture
                def recipient(self):
                    return "x@example.org"
                def make_channel_fail(self, request, how):
                    pytest.skip("cannot fail")
            """
        )
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, failed=1, skipped=3)
    result.stdout.fnmatch_lines(["*test_never_raises_on_bad_input*"])


class TestBuiltinExporters(ExporterContract):
    @pytest.fixture(params=["ics", "json", "html", "svg"])
    def exporter(self, request: pytest.FixtureRequest) -> Exporter:
        host = PluginHost.load(entry_points=False, strict=True, disabled=())
        return host.exporters()[request.param]
