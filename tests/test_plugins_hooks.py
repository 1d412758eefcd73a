"""One test (at least) per hook, through the typed facade, plus failure containment."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import icalendar
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from consultkit import hookimpl
from consultkit.domain.submissions import Receipt
from consultkit.errors import PluginError
from consultkit.storage.protocols import ScheduleRevision
from consultkit.testing.factories import T0, make_event, make_submission, received_entry
from consultkit.testing.fixtures import (
    memory_store,  # noqa: F401 (a fixture)
    plugin_host,  # noqa: F401 (a fixture)
)
from plugin_helpers import load_sample

if TYPE_CHECKING:
    from consultkit.pluginhost.host import PluginHost

CONSULTATION: Any = object()  # the hooks pass it through untouched


@pytest.fixture
def sample() -> Any:
    return load_sample("sample_plugin").SamplePlugin()


@pytest.fixture
def host(plugin_host: PluginHost, sample: Any) -> PluginHost:  # noqa: F811
    plugin_host.register(sample, name="sample")
    return plugin_host


def _receipt(submission: Any) -> Receipt:
    return Receipt(
        tracking_number=submission.tracking_number,
        submission_id=submission.id,
        consultation_id=submission.consultation_id,
        call_id=submission.call_id,
        received_at=submission.received_at,
        status=submission.status,
    )


# -- contribution hooks -------------------------------------------------------------------


def test_register_stores(host: PluginHost) -> None:
    store = host.open_store("sample://anything")
    try:
        assert store.get_submission("x") is None
    finally:
        store.close()
    assert host.registered_by("stores", "sample") == "sample"


def test_register_notifiers(host: PluginHost) -> None:
    notifier = host.notifier_factories()["sample"]({"timeout": "5"})
    assert notifier.channel == "sample"
    assert host.registered_by("notifiers", "sample") == "sample"


def test_register_exporters(host: PluginHost) -> None:
    exporter = host.exporters()["sample"]
    assert exporter.export(CONSULTATION, ["a", "b"], None) == b"a\nb"


def test_register_commands(host: PluginHost) -> None:
    from click.testing import CliRunner

    command = host.commands()["sample-hello"]
    result = CliRunner().invoke(command, ["--who", "Geneva"])
    assert result.output == "hello Geneva from a plugin\n"
    assert "submit" not in host.commands()  # built-ins are not plugin commands


def test_contributions_are_collected_once(host: PluginHost) -> None:
    calls = []

    class Counting:
        @hookimpl
        def register_exporters(self, register: Any) -> None:
            calls.append(1)

    host.register(Counting())
    host.exporters()
    host.exporters()
    assert calls == [1]


# -- event hooks ----------------------------------------------------------------------


def test_validate_submission_collects_reasons(host: PluginHost, sample: Any) -> None:
    class Strict:
        @hookimpl
        def validate_submission(self, consultation: Any, submission: Any) -> Any:
            return "a single reason is accepted as a string"

    host.register(Strict())
    good = make_submission(1)
    assert host.validate_submission(CONSULTATION, good) == [
        "a single reason is accepted as a string"
    ]
    host.unregister("Strict")
    assert host.validate_submission(CONSULTATION, good) == []
    spam = make_submission(2)
    spam = type(spam)(**{**_fields(spam), "title": "SPAM offer"})
    assert host.validate_submission(CONSULTATION, spam) == ["the title looks like spam"]
    assert [name for name, _ in sample.calls] == ["validate_submission"] * 3


def test_a_crashing_validator_refuses_naming_the_plugin(host: PluginHost) -> None:
    host.register(load_sample("failing_plugin"), name="failing")
    reasons = host.validate_submission(CONSULTATION, make_submission(1))
    assert len(reasons) == 1
    assert "'failing'" in reasons[0]
    assert "refused" in reasons[0]
    assert host.event_failures[-1].plugin == "failing"


def test_submission_received(host: PluginHost, sample: Any) -> None:
    s = make_submission(1)
    assert host.submission_received(CONSULTATION, s, _receipt(s)) == []
    ((hook, args),) = sample.calls
    assert hook == "submission_received"
    assert args["receipt"].tracking_number == s.tracking_number


def test_submission_status_changed(host: PluginHost, sample: Any) -> None:
    s = make_submission(1)
    entry = received_entry(s)
    assert host.submission_status_changed(CONSULTATION, s, entry) == []
    assert sample.calls == [("submission_status_changed", {"entry": entry})]


def test_schedule_changed(host: PluginHost, sample: Any) -> None:
    revision = ScheduleRevision(consultation_id="c", number=2, published_at=T0, snapshot={})
    assert host.schedule_changed(CONSULTATION, revision, ["phase-1 moved"]) == []
    assert sample.calls == [
        ("schedule_changed", {"revision": revision, "changes": ["phase-1 moved"]})
    ]


def test_calendar_item_built_lets_plugins_add_properties(host: PluginHost) -> None:
    event = icalendar.Event()
    event.add("summary", "Phase 1")
    assert host.calendar_item_built(CONSULTATION, object(), event, "fr") == []
    assert event["X-SAMPLE-LANGUAGE"] == "fr"


def test_failing_event_hooks_are_reported_and_the_others_still_run(
    host: PluginHost, sample: Any
) -> None:
    host.register(load_sample("failing_plugin"), name="failing")
    s = make_submission(1)
    revision = ScheduleRevision(consultation_id="c", number=1, published_at=T0, snapshot={})
    event = icalendar.Event()
    failures = [
        *host.submission_received(CONSULTATION, s, _receipt(s)),
        *host.submission_status_changed(CONSULTATION, s, received_entry(s)),
        *host.schedule_changed(CONSULTATION, revision, []),
        *host.calendar_item_built(CONSULTATION, object(), event, "en"),
    ]
    assert [(f.plugin, f.hook) for f in failures] == [
        ("failing", "submission_received"),
        ("failing", "submission_status_changed"),
        ("failing", "schedule_changed"),
        ("failing", "calendar_item_built"),
    ]
    assert all(isinstance(f, PluginError) for f in failures)
    assert "received hook crashed" in str(failures[0])
    assert [name for name, _ in sample.calls] == [
        "submission_received",
        "submission_status_changed",
        "schedule_changed",
        "calendar_item_built",
    ]
    assert event["X-HALF-DONE"] == "yes"  # kept as the plugins left it
    assert event["X-SAMPLE-LANGUAGE"] == "en"


def test_a_failing_hook_never_loses_committed_data(
    host: PluginHost,
    memory_store: Any,  # noqa: F811
) -> None:
    host.register(load_sample("failing_plugin"), name="failing")
    s = make_submission(1)
    receipt, created = memory_store.add_submission(s, received_entry(s), [make_event(submission=s)])
    failures = host.submission_received(CONSULTATION, s, receipt)
    assert created and failures
    assert memory_store.get_submission(s.id) == s
    assert len(memory_store.unrouted_events(10)) == 1


def test_hook_wrappers_are_honoured(host: PluginHost, sample: Any) -> None:
    seen: list[str] = []

    class Wrapper:
        @hookimpl(wrapper=True)
        def submission_received(self, consultation: Any, submission: Any, receipt: Any) -> Any:
            seen.append("before")
            result = yield
            seen.append("after")
            return result

    host.register(Wrapper())
    s = make_submission(1)
    assert host.submission_received(CONSULTATION, s, _receipt(s)) == []
    assert seen == ["before", "after"]
    assert [name for name, _ in sample.calls] == ["submission_received"]
    host.register(load_sample("failing_plugin"), name="failing")
    (failure,) = host.submission_received(CONSULTATION, s, _receipt(s))
    assert failure.plugin == "(hook wrappers)"


def test_implementations_run_in_pluggy_order(plugin_host: PluginHost) -> None:  # noqa: F811
    order: list[str] = []

    def plugin(name: str, **marks: bool) -> object:
        class P:
            @hookimpl(**marks)
            def submission_received(self, consultation: Any, submission: Any, receipt: Any) -> None:
                order.append(name)

        return P()

    plugin_host.register(plugin("first-registered"), name="a")
    plugin_host.register(plugin("last-registered"), name="b")
    plugin_host.register(plugin("tryfirst", tryfirst=True), name="c")
    s = make_submission(1)
    plugin_host.submission_received(CONSULTATION, s, _receipt(s))
    assert order == ["tryfirst", "last-registered", "first-registered"]


def _fields(value: Any) -> dict[str, Any]:
    import attrs

    return attrs.asdict(value, recurse=False)
