"""The application's schedule and notification verbs (issue 8: one house for every caller).

``schedule_changed`` must fire exactly once per recorded revision whether a program calls
``publish_schedule``, ``Consultkit.publish`` or ``consultkit publish``; the preview must
use the application's clock; the command line only calls these verbs.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from consultkit.app.application import Consultkit
from consultkit.app.publishing import publish_schedule
from consultkit.cli import cli
from consultkit.config.loader import load_consultation, loads_consultation
from consultkit.domain.clock import FixedClock
from consultkit.errors import RuleRefusedError, UnknownItemError
from consultkit.events import ScheduleChanged
from consultkit.formats.exporter import ExportOptions, UnknownFormatError, UnknownLanguageError
from consultkit.notify.settings import NotifySettings
from consultkit.pluginhost.host import PluginHost
from plugin_helpers import install_fake_distribution, load_sample

if TYPE_CHECKING:
    from collections.abc import Iterator

    from consultkit.domain.model import Consultation

EXAMPLE = Path(__file__).parents[1] / "examples" / "wsis2020" / "consultation.toml"
T0 = dt.datetime(2019, 6, 1, 8, tzinfo=dt.UTC)
T1 = dt.datetime(2019, 7, 1, 12, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def wsis() -> Consultation:
    return load_consultation(EXAMPLE)


@pytest.fixture(scope="module")
def moved() -> Consultation:
    """WSIS with phase 6 moved from 28 to 27 February 2020, not yet published."""
    text = EXAMPLE.read_text(encoding="utf-8").replace("2020-02-28", "2020-02-27")
    return loads_consultation(text, file=str(EXAMPLE))


@pytest.fixture
def sample() -> Any:
    return load_sample("sample_plugin").SamplePlugin()


def hook_calls(sample: Any) -> list[int]:
    return [args["revision"].number for hook, args in sample.calls if hook == "schedule_changed"]


@pytest.fixture
def app(tmp_path: Path, sample: Any) -> Iterator[Consultkit]:
    with Consultkit.open(
        f"sqlite:///{tmp_path / 's.db'}",
        clock=FixedClock(T0),
        plugins=[sample],
        entry_points=False,
    ) as application:
        yield application


def test_publish_schedule_fires_schedule_changed_once_per_revision(
    wsis: Consultation, moved: Consultation, tmp_path: Path, sample: Any
) -> None:
    host = PluginHost.load(entry_points=False, plugins=[sample])
    store = host.open_store(f"sqlite:///{tmp_path / 's.db'}")
    try:
        assert publish_schedule(store, wsis, T0, host=host).revision is not None
        assert hook_calls(sample) == [1]
        assert publish_schedule(store, wsis, T1, host=host).revision is None
        assert hook_calls(sample) == [1]  # nothing recorded, nothing told
        publish_schedule(store, moved, T1, host=host)
        assert hook_calls(sample) == [1, 2]
    finally:
        store.close()


def test_consultkit_publish_fires_schedule_changed_once(
    app: Consultkit, wsis: Consultation, moved: Consultation, sample: Any
) -> None:
    first = app.publish(wsis)
    assert first.revision is not None and first.latest == first.revision
    assert first.summary() == "9 added"  # 6 phases, the Forum, 2 review rounds
    unchanged = app.publish(wsis)
    assert unchanged.revision is None and unchanged.latest == first.revision
    second = app.publish(moved)
    assert second.summary() == "1 moved"
    assert hook_calls(sample) == [1, 2]
    (event,) = app.store.unrouted_events(10)
    assert event.kind == ScheduleChanged.kind


def test_the_command_line_publish_fires_schedule_changed_once(
    config_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    used = install_fake_distribution(tmp_path, monkeypatch, {"sample": "sample_plugin:plugin"})
    store = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    for now in ("2019-06-01T08:00:00Z", "2019-06-02T08:00:00Z"):
        result = runner.invoke(cli, ["--now", now, "publish", str(config_path), "--store", store])
        assert result.exit_code == 0, result.output
    plugin = sys.modules[used["sample"]].plugin
    assert hook_calls(plugin) == [1]  # the second run changed nothing


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    target = tmp_path / "consultation.toml"
    target.write_bytes(EXAMPLE.read_bytes())
    return target


def test_preview_uses_the_application_clock(
    app: Consultkit, wsis: Consultation, moved: Consultation
) -> None:
    assert app.preview(wsis) is None  # nothing published yet
    app.publish(wsis)
    later = Consultkit(host=app.host, store=app.store, clock=FixedClock(T1))
    preview = later.preview(moved)
    assert preview is not None and preview.changed_items == 1
    assert preview.warning() == (
        "1 item changed since revision 1; run consultkit publish to record them"
    )
    (change,) = preview.changes
    entry = preview.snapshot["items"][change.uid]
    assert entry["sequence"] == 1
    assert entry["last_modified"].startswith("2019-07-01T12:00:00")
    feed = later.export_calendar(moved, "ics", ExportOptions(language="en"), revision=preview)
    assert b"LAST-MODIFIED:20190701T120000Z" in feed
    assert later.preview(wsis) is not None and later.preview(wsis).warning() is None  # type: ignore[union-attr]
    assert app.store.schedule_revisions(wsis.id)[-1].number == 1  # nothing saved


def test_publish_writes_feeds_when_asked(
    app: Consultkit, wsis: Consultation, tmp_path: Path
) -> None:
    with pytest.raises(UnknownFormatError):
        app.publish(wsis, output=tmp_path / "feeds", formats=["pdf"])
    with pytest.raises(UnknownLanguageError):
        app.publish(wsis, output=tmp_path / "feeds", languages=["de"])
    assert app.history(wsis) == []  # a bad format or language records nothing
    result = app.publish(wsis, output=tmp_path / "feeds", formats=["ics"], languages=["en"])
    assert [(f.path.name, f.written) for f in result.files] == [
        ("wsis-forum-2020-ocp.en.ics", True)
    ]
    again = app.publish(wsis, output=tmp_path / "feeds", formats=["ics"], languages=["en"])
    assert [f.written for f in again.files] == [False]  # same bytes: left untouched
    (record,) = app.history(wsis)
    assert record.number == 1 and len(record.changes) == 9


def test_subscriptions_reminders_and_dispatch(app: Consultkit, wsis: Consultation) -> None:
    with pytest.raises(RuleRefusedError, match="one line"):
        app.subscribe(wsis, "a@example.org\r\nBcc: x")
    with pytest.raises(UnknownItemError):
        app.subscribe(wsis, "a@example.org", group="aliens")
    subscription, created = app.subscribe(wsis, " ana@example.org ", channel="log")
    assert created and subscription.address == "ana@example.org"
    assert subscription.language == wsis.default_language
    assert app.subscribe(wsis, "ana@example.org", channel="log", language="es")[1] is False
    assert [s.language for s in app.subscriptions(wsis)] == ["es"]
    week_before = Consultkit(
        host=app.host, store=app.store, clock=FixedClock(dt.datetime(2020, 1, 28, 9, tzinfo=dt.UTC))
    )
    run = week_before.enqueue_reminders(wsis)
    assert run.added == 1 and run.already_enqueued == 0
    assert week_before.enqueue_reminders(wsis).added == 0
    assert week_before.upcoming_reminders(wsis, 1)
    report = week_before.dispatch(NotifySettings(channels=("log",)))
    assert report.routed == 1 and report.delivered == 1
    outbox = week_before.outbox()
    assert outbox.unrouted == 0 and sum(outbox.counts.values()) == 1
    assert week_before.retry_dead() == 0
    assert app.unsubscribe(wsis, "ana@example.org", channel="log")
    assert not app.unsubscribe(wsis, "ana@example.org", channel="log")


def test_plugins_report_and_commands(app: Consultkit) -> None:
    report = app.plugins()
    names = [info.name for info in report.plugins]
    assert names[:2] == ["memory_store", "sqlite_store"] and "SamplePlugin" in names
    assert report.failures == ()
    assert "sample-hello" in app.plugin_commands()


def test_an_app_with_a_deferred_store_opens_it_only_when_needed(
    tmp_path: Path, wsis: Consultation
) -> None:
    url = f"sqlite:///{tmp_path / 'lazy.db'}"
    with Consultkit.open(url, entry_points=False, defer_store=True) as app:
        assert app.export_calendar(wsis).startswith(b"BEGIN:VCALENDAR")
        assert not (tmp_path / "lazy.db").exists()
        assert app.preview(wsis) is None
        assert (tmp_path / "lazy.db").exists()


def test_calendar_without_store_creates_no_database(
    config_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONSULTKIT_STORE", raising=False)
    result = CliRunner().invoke(cli, ["calendar", str(config_path), "-o", "feed.ics"])
    assert result.exit_code == 0, result.output
    plugins = CliRunner().invoke(cli, ["plugins", "--format", "json"])
    assert plugins.exit_code == 0, plugins.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["consultation.toml", "feed.ics"]
