"""The CalDAV plugin against a real Radicale server started on loopback."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import pytest
from click.testing import CliRunner
from consultkit_caldav import CalDAVClient, CalDAVError, build_resources, sync

from consultkit import Consultation, DayWindow, load_consultation
from consultkit.cli import cli
from consultkit.domain.schedule import diff, schedule_items
from consultkit.pluginhost.host import PluginHost

# The Radicale server and the time-range query are the core's test helpers.
sys.path.insert(0, str(Path(__file__).parents[3] / "tests"))

from icalcheck import RadicaleServer

if TYPE_CHECKING:
    from collections.abc import Iterator

EXAMPLE = Path(__file__).parents[3] / "examples" / "wsis2020" / "consultation.toml"
USER = "secretariat"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    folder = tmp_path_factory.mktemp("radicale")
    server = RadicaleServer(folder, user=USER)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def collection(server: RadicaleServer, request: pytest.FixtureRequest) -> CalDAVClient:
    name = re.sub(r"[^a-z0-9]", "-", request.node.name.lower())
    path = server.make_calendar(name)  # asserts 201 Created
    return CalDAVClient(f"{server.base_url}{path}", user=USER, password="pw")


@pytest.fixture(scope="module")
def wsis() -> Consultation:
    return load_consultation(EXAMPLE)


def sequences(client: CalDAVClient) -> dict[str, int]:
    out = {}
    for remote in client.list():
        status, _, body = client.request("GET", remote.href)
        assert status == 200
        text = body.decode()
        uid = re.search(r"^UID:(.+?)\r?$", text, re.MULTILINE)
        seq = re.search(r"^SEQUENCE:(\d+)\r?$", text, re.MULTILINE)
        assert uid is not None
        out[uid.group(1)] = int(seq.group(1)) if seq else 0
    return out


def test_resources_are_single_events_with_their_timezones(wsis: Consultation) -> None:
    resources = build_resources(wsis, language="en")
    assert len(resources) == 7
    for resource in resources:
        assert resource.body.count(b"BEGIN:VEVENT") == 1
        assert b"METHOD" not in resource.body
        assert f"UID:{resource.uid}".encode() in resource.body
        timed = b"TZID=Europe/Zurich" in resource.body
        assert (b"BEGIN:VTIMEZONE" in resource.body) == timed
    assert build_resources(wsis, language="en") == resources  # deterministic


def test_first_sync_creates_then_nothing_changes(
    wsis: Consultation, collection: CalDAVClient
) -> None:
    report = sync(collection, wsis, language="en")
    assert len(report.created) == 7 and not report.updated and not report.deleted
    before = {r.uid: r.etag for r in collection.list()}
    again = sync(collection, wsis, language="en")
    assert len(again.unchanged) == 7 and not again.created and not again.updated
    assert {r.uid: r.etag for r in collection.list()} == before  # nothing rewritten
    assert set(sequences(collection).values()) == {0}  # the server did not bump SEQUENCE


def test_moved_item_is_updated_with_published_sequence(
    wsis: Consultation, collection: CalDAVClient
) -> None:
    t0 = dt.datetime(2019, 6, 1, tzinfo=dt.UTC)
    snap, _, _ = diff(None, schedule_items(wsis), t0)
    sync(collection, wsis, snapshot=snap)
    phases = list(wsis.phases)
    phases[5] = attrs.evolve(
        phases[5],
        window=DayWindow(
            first=dt.date(2020, 2, 27), last=dt.date(2020, 2, 27), zone="Europe/Zurich"
        ),
    )
    moved = attrs.evolve(wsis, phases=tuple(phases))
    snap2, changes, _ = diff(snap, schedule_items(moved), t0 + dt.timedelta(days=30))
    (change,) = changes
    report = sync(collection, moved, snapshot=snap2)
    assert report.updated == (change.uid,) and len(report.unchanged) == 6
    seqs = sequences(collection)
    assert seqs[change.uid] == 1
    assert sum(seqs.values()) == 1
    # Syncing the same revision again changes nothing and bumps nothing.
    assert len(sync(collection, moved, snapshot=snap2).unchanged) == 7
    assert sequences(collection) == seqs


def test_withdrawn_items_are_deleted_others_kept(
    wsis: Consultation, server: RadicaleServer, collection: CalDAVClient
) -> None:
    sync(collection, wsis)
    foreign = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//someone//EN\r\nBEGIN:VEVENT\r\n"
        b"UID:lunch@example.org\r\nDTSTAMP:20190601T000000Z\r\nDTSTART;VALUE=DATE:20190610\r\n"
        b"SUMMARY:Team lunch\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    status, _, _ = server.request("PUT", f"{collection.path}lunch.ics", foreign)
    assert status == 201
    without_forum = attrs.evolve(wsis, events=())
    report = sync(collection, without_forum)
    assert len(report.deleted) == 1 and len(report.unchanged) == 6
    uids = {r.uid for r in collection.list()}
    assert "lunch@example.org" in uids and len(uids) == 7


def test_dry_run_changes_nothing(wsis: Consultation, collection: CalDAVClient) -> None:
    report = sync(collection, wsis, dry_run=True)
    assert len(report.created) == 7
    assert collection.list() == []


def test_errors_are_caldav_errors(wsis: Consultation, server: RadicaleServer) -> None:
    with pytest.raises(CalDAVError, match="no calendar collection"):
        sync(CalDAVClient(f"{server.base_url}/{USER}/missing/"), wsis)
    with pytest.raises(CalDAVError, match="cannot reach"):
        CalDAVClient("http://127.0.0.1:9/cal/", timeout=2).list()
    with pytest.raises(CalDAVError, match="not a CalDAV URL"):
        CalDAVClient("ftp://example.org/cal/").list()


def test_command_registered_through_the_hook(collection: CalDAVClient, tmp_path: Path) -> None:
    import consultkit_caldav

    host = PluginHost.load(entry_points=False, plugins=[consultkit_caldav])
    assert "caldav-publish" in host.commands()
    store = f"sqlite:///{tmp_path / 's.db'}"
    runner = CliRunner()
    published = runner.invoke(
        cli, ["--now", "2019-06-01T00:00:00Z", "publish", str(EXAMPLE), "--store", store]
    )
    assert published.exit_code == 0, published.output
    result = runner.invoke(
        consultkit_caldav.caldav_publish,
        [str(EXAMPLE), "--url", collection.url, "--user", USER, "--store", store, "--lang", "es"],
    )
    assert result.exit_code == 0, result.output
    assert "creados: 7" in result.output  # the words follow --lang (issue 11)
    bad = runner.invoke(
        consultkit_caldav.caldav_publish, [str(EXAMPLE), "--url", collection.url, "--lang", "de"]
    )
    assert bad.exit_code == 2 and "error: language 'de'" in bad.output


def test_store_with_unpublished_edits_sends_the_next_sequence(
    collection: CalDAVClient, tmp_path: Path
) -> None:
    import consultkit_caldav

    config = tmp_path / "c.toml"
    config.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    store = f"sqlite:///{tmp_path / 's.db'}"
    runner = CliRunner()
    published = runner.invoke(
        cli, ["--now", "2019-06-01T00:00:00Z", "publish", str(config), "--store", store]
    )
    assert published.exit_code == 0, published.output
    args = [str(config), "--url", collection.url, "--user", USER, "--store", store]
    first = runner.invoke(consultkit_caldav.caldav_publish, args)
    assert first.exit_code == 0 and first.stderr == ""
    # Moved in the file but not published: the server must get SEQUENCE 1, not 0.
    config.write_text(
        config.read_text(encoding="utf-8").replace("2020-02-28", "2020-02-27"), encoding="utf-8"
    )
    moved = next(i.uid for i in schedule_items(load_consultation(config)) if i.ref.endswith("6"))
    result = runner.invoke(consultkit_caldav.caldav_publish, args)
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "warning: 1 item changed since revision 1; run consultkit publish to record them\n"
    )
    assert "updated: 1" in result.stdout
    seqs = sequences(collection)
    assert seqs[moved] == 1 and sorted(seqs.values()) == [0] * 6 + [1]


def test_fold_times_reach_the_server_as_the_right_instants(
    server: RadicaleServer, collection: CalDAVClient
) -> None:
    import pendulum

    from consultkit import ExactWindow, Phase, Text

    # 02:30 happens twice in Zurich on 2019-10-27: 00:30Z, then 01:30Z.
    starts = [pendulum.datetime(2019, 10, 27, h, 30, tz="UTC") for h in (0, 1)]
    phases = tuple(
        Phase(
            id=f"p{n}",
            ordinal=n + 1,
            title=Text({"en": f"P{n}"}),
            window=ExactWindow(
                start=s.in_timezone("Europe/Zurich"),
                end=s.add(minutes=20).in_timezone("Europe/Zurich"),
                zone="Europe/Zurich",
            ),
        )
        for n, s in enumerate(starts)
    )
    c = Consultation(
        id="fold", title=Text({"en": "F"}), zone="Europe/Zurich", languages=("en",), phases=phases
    )
    resources = build_resources(c)
    assert [b"DTSTART:20191027T003000Z" in r.body for r in resources] == [True, False]
    assert [b"DTSTART:20191027T013000Z" in r.body for r in resources] == [False, True]
    assert not any(b"VTIMEZONE" in r.body for r in resources)  # no value uses a TZID
    sync(collection, c)
    uids = [r.uid for r in resources]
    for uid, start in zip(uids, starts, strict=True):
        # Only the item really at that instant is found in a ten-minute window there.
        found = server.time_range(collection.path, start, start.add(minutes=10))
        assert found & set(uids) == {uid}


def test_unpublished_edits_are_stamped_at_the_command_line_now(
    collection: CalDAVClient, tmp_path: Path
) -> None:
    # The preview of what the next publish would assign comes from the application, at
    # its clock: `consultkit --now` rehearses a sync at another moment, and an edited item
    # must carry that instant as LAST-MODIFIED/DTSTAMP, not the machine's wall clock.
    config = tmp_path / "c.toml"
    config.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace("2020-02-28", "2020-02-27"), encoding="utf-8"
    )
    store = f"sqlite:///{tmp_path / 's.db'}"
    runner = CliRunner()
    published = runner.invoke(
        cli, ["--now", "2019-06-01T00:00:00Z", "publish", str(EXAMPLE), "--store", store]
    )
    assert published.exit_code == 0, published.output
    moved = next(i.uid for i in schedule_items(load_consultation(config)) if i.ref.endswith("6"))
    sync_args = [str(config), "--url", collection.url, "--user", USER, "--store", store]
    result = runner.invoke(cli, ["--now", "2019-07-01T12:00:00Z", "caldav-publish", *sync_args])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("warning: 1 item changed since revision 1")
    (remote,) = [r for r in collection.list() if r.uid == moved]
    status, _, body = collection.request("GET", remote.href)
    assert status == 200
    assert b"LAST-MODIFIED:20190701T120000Z" in body
    assert b"DTSTAMP:20190701T120000Z" in body
    assert re.search(rb"SEQUENCE:1\r\n", body)


def test_basic_auth_over_plain_http_is_warned() -> None:
    from consultkit_caldav import plain_http_warning

    warning = plain_http_warning("http://dav.example.org/org/wsis/", USER)
    assert warning is not None
    english = str(warning)
    assert "dav.example.org unencrypted" in english and "use an https:// URL" in english
    assert "https://" in warning.render("fr") and "sans chiffrement" in warning.render("fr")
    assert plain_http_warning("https://dav.example.org/c/", USER) is None
    assert plain_http_warning("http://dav.example.org/c/", None) is None
    # Loopback traffic crosses no network (the test server runs there).
    assert plain_http_warning("http://127.0.0.1:5232/c/", USER) is None
    assert plain_http_warning("http://localhost:5232/c/", USER) is None


def test_the_command_prints_the_plain_http_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    import consultkit_caldav

    def unreachable(*_: object, **__: object) -> None:
        raise CalDAVError("cannot reach the server (stub)")

    monkeypatch.setattr(consultkit_caldav, "sync", unreachable)
    result = CliRunner().invoke(
        consultkit_caldav.caldav_publish,
        [str(EXAMPLE), "--url", "http://dav.example.org/c/", "--user", USER, "--dry-run"],
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("warning: the password for 'secretariat' goes to")
