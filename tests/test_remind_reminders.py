"""WSIS 2020 reminders and clock events: due once, never twice, moved with the item."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consultkit import events as ev
from consultkit.app.outbox import due_events
from consultkit.config.loader import load_consultation
from consultkit.domain.model import Consultation, Reminder, ReminderEdge
from consultkit.domain.reminders import item_edges, upcoming_reminders
from consultkit.domain.windows import Deadline
from consultkit.notify.backoff import Backoff
from consultkit.storage.memory import open_memory

if TYPE_CHECKING:
    from consultkit.storage.protocols import OutboxEvent

REMINDER_DUE = ev.ReminderDue.kind
CALL_CLOSED = ev.CallClosed.kind
PHASE_OPENED = ev.PhaseOpened.kind
EXAMPLE = Path(__file__).parents[1] / "examples" / "wsis2020" / "consultation.toml"


@pytest.fixture(scope="module")
def wsis() -> Consultation:
    return load_consultation(EXAMPLE)


def _deadline(wsis: Consultation) -> dt.datetime:
    edges = item_edges(wsis, "call:official-submissions")
    assert edges.deadline is not None
    return edges.deadline


def _kinds(events: list[OutboxEvent]) -> list[str]:
    return sorted(e.kind for e in events)


def test_the_example_has_deadline_and_meeting_reminders(wsis: Consultation) -> None:
    ids = {r.id for r in wsis.reminders}
    assert {"official-submissions-deadline", "phase-2-start"} <= ids
    before = _deadline(wsis)
    upcoming = upcoming_reminders(wsis, before - dt.timedelta(days=30))
    due = [(at, item.reminder.id, item.before) for at, item in upcoming]
    assert (
        before - dt.timedelta(days=7),
        "official-submissions-deadline",
        dt.timedelta(days=7),
    ) in due
    assert (
        before - dt.timedelta(days=1),
        "official-submissions-deadline",
        dt.timedelta(days=1),
    ) in due


def test_seven_days_then_one_day_before_the_deadline_each_once(wsis: Consultation) -> None:
    store = open_memory("memory://")
    deadline = _deadline(wsis)
    seven = deadline - dt.timedelta(days=7) + dt.timedelta(minutes=5)
    first = [e for e in due_events(wsis, seven) if e.kind == REMINDER_DUE]
    mine = [e for e in first if e.payload["reminder"]["id"] == "official-submissions-deadline"]
    assert [e.payload["reminder"]["before_seconds"] for e in mine] == [7 * 86400]
    assert store.enqueue_events(first) == len(first)
    # Running again (cron every few minutes) enqueues nothing new.
    assert store.enqueue_events(due_events(wsis, seven + dt.timedelta(minutes=10))) == 0
    one = deadline - dt.timedelta(hours=20)
    second = [
        e
        for e in due_events(wsis, one)
        if e.kind == REMINDER_DUE and e.payload["reminder"]["id"] == "official-submissions-deadline"
    ]
    assert [e.payload["reminder"]["before_seconds"] for e in second] == [86400]
    assert store.enqueue_events(second) == 1
    # After the deadline: no reminder at all.
    late = due_events(wsis, deadline + dt.timedelta(seconds=1))
    assert not [
        e for e in late if e.kind == REMINDER_DUE and "official" in e.payload["reminder"]["id"]
    ]


def test_a_missed_week_sends_only_the_closest_reminder(wsis: Consultation) -> None:
    deadline = _deadline(wsis)
    events = [
        e
        for e in due_events(wsis, deadline - dt.timedelta(hours=2))
        if e.kind == REMINDER_DUE and e.payload["reminder"]["id"] == "official-submissions-deadline"
    ]
    assert [e.payload["reminder"]["before_seconds"] for e in events] == [86400]


def test_a_moved_deadline_gets_a_new_reminder(wsis: Consultation) -> None:
    store = open_memory("memory://")
    deadline = _deadline(wsis)
    at = deadline - dt.timedelta(days=6)
    store.enqueue_events(due_events(wsis, at))
    call = wsis.call("official-submissions")
    assert call.closes_with is not None
    phase = wsis.phase(call.closes_with)
    assert isinstance(phase.window, Deadline)
    window = attrs.evolve(phase.window, day=phase.window.day + dt.timedelta(days=3))
    moved = attrs.evolve(
        wsis,
        phases=tuple(
            attrs.evolve(p, window=window) if p.id == phase.id else p for p in wsis.phases
        ),
    )
    again = [
        e
        for e in due_events(moved, at)
        if e.kind == REMINDER_DUE and e.payload["reminder"]["id"] == "official-submissions-deadline"
    ]
    # 6 days before the old deadline is 9 days before the new one: the 7-day reminder is not due.
    assert again == []
    later = [
        e
        for e in due_events(moved, at + dt.timedelta(days=3))
        if e.kind == REMINDER_DUE and e.payload["reminder"]["id"] == "official-submissions-deadline"
    ]
    assert len(later) == 1 and store.enqueue_events(later) == 1
    assert later[0].payload["reminder"]["anchor_at"] == ev.iso(deadline + dt.timedelta(days=3))


def test_phase_two_reminder_one_hour_before(wsis: Consultation) -> None:
    start = item_edges(wsis, "phase:phase-2").start
    assert start is not None
    events = [
        e
        for e in due_events(wsis, start - dt.timedelta(minutes=30))
        if e.kind == REMINDER_DUE and e.payload["reminder"]["id"] == "phase-2-start"
    ]
    assert len(events) == 1
    assert events[0].payload["item"]["title"]["en"]
    assert events[0].payload["audience"] == ["subscribers"]


def test_clock_events_once_within_the_catch_up_window(wsis: Consultation) -> None:
    store = open_memory("memory://")
    deadline = _deadline(wsis)
    closed = [
        e for e in due_events(wsis, deadline + dt.timedelta(hours=1)) if e.kind == CALL_CLOSED
    ]
    assert any(e.payload["item"]["ref"] == "call:official-submissions" for e in closed)
    assert store.enqueue_events(closed) == len(closed)
    assert (
        store.enqueue_events(
            [e for e in due_events(wsis, deadline + dt.timedelta(hours=2)) if e.kind == CALL_CLOSED]
        )
        == 0
    )
    # Long after, nothing is announced any more.
    assert not [
        e for e in due_events(wsis, deadline + dt.timedelta(days=30)) if e.kind == CALL_CLOSED
    ]
    start = item_edges(wsis, "phase:phase-2").start
    assert start is not None
    opened = [
        e for e in due_events(wsis, start + dt.timedelta(minutes=1)) if e.kind == PHASE_OPENED
    ]
    assert [e.payload["item"]["ref"] for e in opened] == ["phase:phase-2"]


def test_cancelled_items_get_no_reminders(wsis: Consultation) -> None:
    from consultkit.domain.model import ItemStatus

    phase = wsis.phase("phase-2")
    cancelled = attrs.evolve(
        wsis,
        phases=tuple(
            attrs.evolve(p, status=ItemStatus.CANCELLED) if p.id == phase.id else p
            for p in wsis.phases
        ),
    )
    start = item_edges(wsis, "phase:phase-2").start
    assert start is not None
    assert not [
        e
        for e in due_events(cancelled, start - dt.timedelta(minutes=30))
        if e.kind == REMINDER_DUE and "phase-2" in e.payload["reminder"]["id"]
    ]


def test_unknown_anchor_kind_is_refused(wsis: Consultation) -> None:
    broken = attrs.evolve(
        wsis,
        reminders=(
            Reminder(
                id="x", anchor="room:1", edge=ReminderEdge.START, before=(dt.timedelta(hours=1),)
            ),
        ),
    )
    with pytest.raises(ValueError, match="phase:ID"):
        due_events(broken, dt.datetime(2020, 1, 1, tzinfo=dt.UTC))


@settings(max_examples=100, deadline=None)
@given(
    attempts=st.integers(min_value=1, max_value=40),
    draw=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
    hint=st.none()
    | st.integers(min_value=0, max_value=10**7).map(lambda s: dt.timedelta(seconds=s)),
)
def test_backoff_is_bounded_and_ends_in_dead_letter(
    attempts: int, draw: float, hint: dt.timedelta | None
) -> None:
    policy = Backoff(base=dt.timedelta(seconds=30), cap=dt.timedelta(hours=1), max_attempts=8)
    now = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    at = policy.next_attempt(attempts, now, retry_after=hint, rand=lambda: draw)
    if attempts >= 8:
        assert at is None
        return
    assert at is not None
    wait = at - now
    assert policy.floor <= wait <= policy.cap
    assert wait <= max(
        policy.ceiling(attempts), policy.floor, min(hint or dt.timedelta(0), policy.cap)
    )
    if hint is not None:
        assert wait >= min(hint, policy.cap)


def test_backoff_ceiling_doubles_until_the_cap() -> None:
    policy = Backoff(base=dt.timedelta(seconds=30), cap=dt.timedelta(minutes=5))
    assert [policy.ceiling(n).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 300, 300]
