"""Schedule items, snapshots and the diff that drives SEQUENCE and LAST-MODIFIED."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import attrs
import pendulum
import pytest

from consultkit.app.publishing import publish_schedule
from consultkit.config.loader import load_consultation
from consultkit.domain.model import Consultation, ItemStatus, Place
from consultkit.domain.schedule import (
    ChangeKind,
    ItemChange,
    apply_snapshot,
    describe_time,
    diff,
    item_uid,
    schedule_items,
    snapshot,
)
from consultkit.domain.text import Text
from consultkit.domain.windows import DayWindow, Deadline, ExactWindow
from consultkit.events import ScheduleChanged
from consultkit.pluginhost.host import open_store

EXAMPLE = Path(__file__).parents[1] / "examples" / "wsis2020" / "consultation.toml"
T0 = dt.datetime(2019, 6, 1, tzinfo=dt.UTC)
T1 = dt.datetime(2019, 7, 1, 12, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def wsis() -> Consultation:
    return load_consultation(EXAMPLE)


def replace_phase(c: Consultation, index: int, **changes: object) -> Consultation:
    phases = list(c.phases)
    phases[index] = attrs.evolve(phases[index], **changes)  # type: ignore[arg-type]
    return attrs.evolve(c, phases=tuple(phases))


def test_items_of_the_example(wsis: Consultation) -> None:
    items = schedule_items(wsis)
    assert [i.ref for i in items] == [
        "phase:phase-1",
        "phase:phase-2",
        "phase:phase-3",
        "phase:phase-4",
        "phase:phase-5",
        "phase:phase-6",
        "event:wsis-forum-2020",
        # The workshop call's review rounds (unscheduled in the example: last).
        "review:workshop-requests/scoring",
        "review:workshop-requests/screening",
    ]
    deadline = items[4]
    # Phase V is the deadline of two calls: one item, not three.
    assert deadline.kind == "deadline"
    assert set(deadline.calls) == {"official-submissions", "workshop-requests"}
    assert not any(i.ref.startswith("deadline:") for i in items)
    assert len({i.uid for i in items}) == 9


def test_uids_are_stable_and_derived_from_ids(wsis: Consultation) -> None:
    uid = item_uid(wsis.id, "phase:phase-1")
    assert uid == item_uid(wsis.id, "phase:phase-1")
    assert uid.endswith("@consultkit")
    assert uid != item_uid("other", "phase:phase-1")
    assert schedule_items(wsis)[0].uid == uid
    # Pinned: changing the scheme would make every subscriber see deletions.
    assert item_uid("c", "phase:p") == item_uid("c", "phase:p")
    assert len({item_uid("c", f"phase:{n}") for n in range(100)}) == 100


def test_filters(wsis: Consultation) -> None:
    assert [i.kind for i in schedule_items(wsis, only={"deadlines"})] == ["deadline"]
    assert [i.kind for i in schedule_items(wsis, only={"events"})] == ["event"]
    # A phase that is a deadline is still a phase.
    assert len(schedule_items(wsis, only={"phases"})) == 6
    with pytest.raises(ValueError, match="unknown item kind"):
        schedule_items(wsis, only={"meetings"})
    with pytest.raises(LookupError, match="no stakeholder group"):
        schedule_items(wsis, group="nope")


def test_call_with_its_own_deadline_gets_its_own_item(wsis: Consultation) -> None:
    call = attrs.evolve(
        wsis.calls[2],
        deadline=Deadline(day=dt.date(2019, 12, 1), zone="Europe/Zurich"),
        closes_with=None,
        groups=("governments",),
    )
    c = attrs.evolve(wsis, calls=(*wsis.calls[:2], call, *wsis.calls[3:]))
    items = schedule_items(c)
    own = [i for i in items if i.ref == f"deadline:{call.id}"]
    assert len(own) == 1 and own[0].groups == ("governments",)
    assert own[0] in schedule_items(c, group="governments")
    assert own[0] not in schedule_items(c, group="civil-society")


def test_first_diff_adds_everything(wsis: Consultation) -> None:
    items = schedule_items(wsis)
    snap, changes, published = diff(None, items, T0)
    assert [c.kind for c in changes] == [ChangeKind.ADDED] * 9
    assert all(i.sequence == 0 and i.last_modified == T0 for i in published)
    json.dumps(snap)  # JSON-able
    again, none, same = diff(snap, items, T1)
    assert none == [] and again == snap
    assert [i.last_modified for i in same] == [T0] * 9


def test_moved_item_gets_sequence_and_last_modified(wsis: Consultation) -> None:
    snap, _, _ = diff(None, schedule_items(wsis), T0)
    start = pendulum.datetime(2019, 6, 20, 18, tz="Europe/Zurich")
    moved = replace_phase(
        wsis, 1, window=ExactWindow(start=start, end=start.add(hours=1), zone="Europe/Zurich")
    )
    snap2, changes, published = diff(snap, schedule_items(moved), T1)
    (change,) = changes
    assert change.kind is ChangeKind.MOVED and change.ref == "phase:phase-2"
    assert change.sequence == 1
    by_ref = {i.ref: i for i in published}
    assert by_ref["phase:phase-2"].sequence == 1
    assert by_ref["phase:phase-2"].last_modified == T1
    assert by_ref["phase:phase-1"].sequence == 0
    assert by_ref["phase:phase-1"].last_modified == T0
    assert describe_time(change.new) == "2019-06-20 16:00 – 2019-06-20 17:00 UTC"
    # Moving it again: SEQUENCE keeps counting.
    _, changes3, _ = diff(snap2, schedule_items(wsis), T1 + dt.timedelta(days=1))
    assert changes3[0].sequence == 2


@pytest.mark.parametrize(
    ("index", "status", "kind"),
    [
        (2, ItemStatus.CONFIRMED, ChangeKind.CONFIRMED),
        (0, ItemStatus.TENTATIVE, ChangeKind.TENTATIVE),
        (5, ItemStatus.CANCELLED, ChangeKind.CANCELLED),
    ],
)
def test_status_changes(
    wsis: Consultation, index: int, status: ItemStatus, kind: ChangeKind
) -> None:
    snap, _, _ = diff(None, schedule_items(wsis), T0)
    _, changes, published = diff(
        snap, schedule_items(replace_phase(wsis, index, status=status)), T1
    )
    (change,) = changes
    assert change.kind is kind and change.sequence == 1
    assert {i.uid: i.sequence for i in published}[change.uid] == 1


def test_place_changes_and_gone_virtual(wsis: Consultation) -> None:
    snap, _, _ = diff(None, schedule_items(wsis), T0)
    virtual = Place(online_url="https://meet.example.org/room")
    _, changes, _ = diff(snap, schedule_items(replace_phase(wsis, 1, place=virtual)), T1)
    assert [c.kind for c in changes] == [ChangeKind.GONE_VIRTUAL]
    assert changes[0].sequence == 1
    room_b = attrs.evolve(wsis.phases[1].place, room=Text({"en": "Room B"}))
    _, changes, _ = diff(snap, schedule_items(replace_phase(wsis, 1, place=room_b)), T1)
    assert [c.kind for c in changes] == [ChangeKind.PLACE_CHANGED]


def test_text_only_change_keeps_sequence(wsis: Consultation) -> None:
    snap, _, _ = diff(None, schedule_items(wsis), T0)
    renamed = replace_phase(wsis, 0, title=Text({"en": "Launch", "es": "Inicio"}))
    _, changes, published = diff(snap, schedule_items(renamed), T1)
    assert [c.kind for c in changes] == [ChangeKind.DETAILS_CHANGED]
    assert published[0].sequence == 0 and published[0].last_modified == T1


def test_removed_item_is_a_tombstone_and_comes_back_higher(wsis: Consultation) -> None:
    snap, _, _ = diff(None, schedule_items(wsis), T0)
    without = attrs.evolve(wsis, events=())
    snap2, changes, _ = diff(snap, schedule_items(without), T1)
    assert [c.kind for c in changes] == [ChangeKind.REMOVED]
    uid = changes[0].uid
    assert snap2["items"][uid]["removed"] is True
    snap3, none, _ = diff(snap2, schedule_items(without), T1)
    assert none == [] and snap3["items"][uid]["removed"] is True
    _, back, published = diff(snap3, schedule_items(wsis), T1 + dt.timedelta(days=1))
    assert [c.kind for c in back] == [ChangeKind.ADDED]
    assert {i.uid: i.sequence for i in published}[uid] == 1


def test_apply_snapshot_and_change_dicts(wsis: Consultation) -> None:
    items = schedule_items(wsis)
    snap, changes, published = diff(None, items, T0)
    assert apply_snapshot(items, snap) == published
    assert apply_snapshot(items, None) == items
    assert ItemChange.from_dict(changes[0].as_dict()) == changes[0]
    assert snapshot(published)["items"] == snap["items"]


def test_publish_records_revision_and_outbox_event_together(
    wsis: Consultation, tmp_path: Path
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    try:
        first = publish_schedule(store, wsis, T0)
        assert first.revision is not None and first.revision.number == 1
        assert store.unrouted_events(100) == []  # nobody to tell before a schedule exists
        assert publish_schedule(store, wsis, T1).revision is None
        moved = replace_phase(
            wsis,
            5,
            window=DayWindow(
                first=dt.date(2020, 2, 27), last=dt.date(2020, 2, 27), zone="Europe/Zurich"
            ),
        )
        second = publish_schedule(store, moved, T1)
        assert second.revision is not None and second.revision.number == 2
        (event,) = store.unrouted_events(100)
        assert event.kind == ScheduleChanged.kind
        assert event.payload["revision"] == 2
        (change,) = event.payload["changes"]
        assert change["change"] == "moved" and change["ref"] == "phase:phase-6"
        assert change["sequence"] == 1
        assert [r.number for r in store.schedule_revisions(wsis.id)] == [1, 2]
    finally:
        store.close()


# -- snapshots stored by the previous version (version 1: the time as a string) ------------


def _v1_time(window: object) -> str:
    """The time as version 1 of the snapshot format wrote it (a space-joined string)."""
    data = window.to_data()  # type: ignore[attr-defined]
    kind, zone = data["kind"], data["zone"]
    if kind == "exact":
        start, end = (data[k].replace("Z", "+00:00") for k in ("start", "end"))
        return f"exact {start} {end} {zone}"
    if kind in ("days", "months"):
        return f"{kind} {data['first']} {data['last']} {zone}"
    if kind == "deadline":
        return f"deadline {data['day']} {data['rule']} {data['time'] or '-'} {zone}"
    return f"unscheduled {zone}"


def _v1_snapshot(snap: dict[str, object], items: list[object]) -> dict[str, object]:
    times = {i.uid: _v1_time(i.window) for i in items}  # type: ignore[attr-defined]
    entries = snap["items"]
    assert isinstance(entries, dict)
    return {
        "version": 1,
        "items": {uid: {**entry, "time": times[uid]} for uid, entry in entries.items()},
    }


def test_a_version_1_snapshot_in_sqlite_is_read_without_bumping_sequence(
    wsis: Consultation, tmp_path: Path
) -> None:
    items = schedule_items(wsis)
    current, _, _ = diff(None, items, T0)
    # Two publications under the old format: phase II moved once (SEQUENCE 1).
    bumped = {
        uid: {**entry, "sequence": 1 if entry["ref"] == "phase:phase-2" else 0}
        for uid, entry in current["items"].items()
    }
    old = _v1_snapshot({"items": bumped}, items)
    # As the previous version stored it (pinned, not derived from today's code).
    phase_1 = next(e for e in old["items"].values() if e["ref"] == "phase:phase-1")  # type: ignore[attr-defined]
    assert phase_1["time"] == (
        "exact 2019-06-04T14:00:00+00:00 2019-06-04T15:00:00+00:00 Europe/Zurich"
    )
    deadline = next(e for e in old["items"].values() if e["ref"] == "phase:phase-5")  # type: ignore[attr-defined]
    assert deadline["time"] == "deadline 2020-02-03 end-of-day - Europe/Zurich"
    url = f"sqlite:///{tmp_path / 'old.db'}"
    store = open_store(url)
    try:
        store.save_schedule_revision(wsis.id, old, [], at=T0)
    finally:
        store.close()

    store = open_store(url)
    try:
        # Nothing changed in the file: no revision, no event, every SEQUENCE kept.
        same = publish_schedule(store, wsis, T1)
        assert same.revision is None and same.changes == ()
        sequences = {i.ref: i.sequence for i in same.items}
        assert sequences["phase:phase-2"] == 1
        assert {s for r, s in sequences.items() if r != "phase:phase-2"} == {0}
        assert all(i.last_modified == T0 for i in same.items)
        previous = store.latest_schedule_revision(wsis.id)
        assert previous is not None
        assert apply_snapshot(items, previous.snapshot) == list(same.items)

        # A real move is still one: only that item's SEQUENCE goes up, from the stored one.
        moved = replace_phase(
            wsis,
            5,
            window=DayWindow(
                first=dt.date(2020, 2, 27), last=dt.date(2020, 2, 27), zone="Europe/Zurich"
            ),
        )
        result = publish_schedule(store, moved, T1)
        assert result.revision is not None and result.revision.number == 2
        (change,) = result.changes
        assert change.kind is ChangeKind.MOVED and change.ref == "phase:phase-6"
        assert change.old == {
            "kind": "days",
            "first": "2020-02-28",
            "last": "2020-02-28",
            "zone": "Europe/Zurich",
        }
        assert describe_time(change.old) == "2020-02-28"
        assert describe_time(change.new) == "2020-02-27"
        (event,) = store.unrouted_events(100)
        (part,) = event.payload["changes"]
        assert part["before"]["precision"] == "day" and part["before"]["first"] == "2020-02-28"
        assert result.revision.snapshot["version"] == 2
        new_times = [e["time"] for e in result.revision.snapshot["items"].values()]
        assert all(isinstance(t, dict) for t in new_times)
    finally:
        store.close()


def test_describe_time_reads_both_formats() -> None:
    assert describe_time(None) == "-"
    assert describe_time("exact 2019-06-04T14:00:00+00:00 2019-06-04T15:00:00+00:00 UTC") == (
        "2019-06-04 14:00 – 2019-06-04 15:00 UTC"
    )
    assert describe_time("deadline 2020-02-03 at-time 12:00:00 Europe/Zurich") == (
        "2020-02-03 12:00:00"
    )
    assert describe_time("months 2020-01 2020-02 Europe/Zurich") == "2020-01 – 2020-02"
    assert describe_time("unscheduled UTC") == "unscheduled"
    assert describe_time("something else") == "something else"
    assert describe_time({"kind": "days", "first": "x"}) == str({"kind": "days", "first": "x"})
