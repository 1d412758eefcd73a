"""Which reminders and clock events are due at an instant, computed from the schedule.

This module only computes (:func:`due_reminders`, :func:`due_moments`); the events that
announce them are built in :mod:`consultkit.events`, and ``consultkit remind`` enqueues them
(:func:`consultkit.app.outbox.due_events`). Every event has a dedupe key that includes the
anchor instant, so running it twice (or from cron every few minutes) enqueues nothing new,
and an item that moved gets reminders for its new instant.

The rules, chosen so a late or missed cron run neither spams nor stays silent:

* A reminder ``before`` an edge is due from ``anchor - before`` until the anchor itself.
  Once the anchor has passed, it is never sent.
* When several offsets of one reminder are due at once (cron was down for a week, so the
  "7 days" and the "1 day" reminders are both due), only the latest-due one (the closest
  to the anchor) is enqueued; the older one would only repeat it.
* Items that are cancelled, unscheduled, or known only to the month get no reminders and
  no clock events: there is no honest instant to anchor them to.
* A phase that is a deadline (phase V of WSIS 2020) gets no ``phase.opened``: announcing
  "now open" at its cut-off would say the opposite of what happened.
* Clock events (phase opened, call opened, call closed) are enqueued when their instant is
  at most ``catch_up`` in the past (2 days by default), so first running ``remind`` on an
  old consultation does not announce long-past openings.
* A reminder already enqueued is delivered even if the item moves before the dispatcher
  runs; the moved item's own reminders follow from the next ``remind`` run.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import attrs

from consultkit.domain.model import ItemStatus, ReminderEdge
from consultkit.domain.windows import Deadline, to_utc
from consultkit.errors import UnknownItemError

if TYPE_CHECKING:
    from consultkit.domain.model import Call, Consultation, Reminder
    from consultkit.domain.windows import AnyWindow

DEFAULT_CATCH_UP = dt.timedelta(days=2)


@attrs.frozen(kw_only=True)
class ItemEdges:
    """The instants (UTC) of one schedule item's edges; None where not known precisely."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None
    deadline: dt.datetime | None = None
    cancelled: bool = False
    groups: tuple[str, ...] = ()

    def edge(self, edge: ReminderEdge) -> dt.datetime | None:
        """The instant of ``edge``; ``deadline`` falls back to ``end`` for ranges."""
        if edge is ReminderEdge.START:
            return self.start
        if edge is ReminderEdge.END:
            return self.end
        return self.deadline if self.deadline is not None else self.end


def _window_edges(window: AnyWindow) -> tuple[dt.datetime | None, dt.datetime | None]:
    if not window.precision.firm:
        return None, None
    # A deadline's earliest and latest are both its cut-off.
    return window.earliest(), window.latest()


def _call_edges(consultation: Consultation, call: Call) -> ItemEdges:
    opens: dt.datetime | None = to_utc(call.opens_at) if call.opens_at else None
    if opens is None and call.opens_with:
        opens = _window_edges(consultation.phase(call.opens_with).window)[0]
    deadline: dt.datetime | None = call.deadline.cutoff() if call.deadline else None
    if deadline is None and call.closes_with:
        deadline = _window_edges(consultation.phase(call.closes_with).window)[1]
    return ItemEdges(start=opens, end=deadline, deadline=deadline, groups=call.groups)


def item_edges(consultation: Consultation, ref: str) -> ItemEdges:
    """The edges of the item ``ref`` (``phase:ID``, ``call:ID``, ``event:ID`` or
    ``review:CALL/ROUND``).

    Raises :class:`~consultkit.errors.UnknownItemError` for an unknown id and
    ``ValueError`` for an unknown kind.
    """
    kind, _, item_id = ref.partition(":")
    if kind == "call":
        return _call_edges(consultation, consultation.call(item_id))
    if kind == "phase":
        phase = consultation.phase(item_id)
        start, end = _window_edges(phase.window)
        deadline = end if isinstance(phase.window, Deadline) else None
        return ItemEdges(
            start=start,
            end=end,
            deadline=deadline,
            cancelled=phase.status is ItemStatus.CANCELLED,
            groups=phase.groups,
        )
    if kind == "event":
        event = consultation.event(item_id)
        start, end = _window_edges(event.window)
        return ItemEdges(start=start, end=end, cancelled=event.status is ItemStatus.CANCELLED)
    if kind == "review":
        call_id, _, round_id = item_id.partition("/")
        call = consultation.call(call_id)
        try:
            round_ = call.review.round(round_id)
        except LookupError as exc:
            raise UnknownItemError(f"call {call_id!r}: {exc}") from None
        start, end = _window_edges(round_.window)
        deadline = end if isinstance(round_.window, Deadline) else None
        return ItemEdges(start=start, end=end, deadline=deadline, groups=call.groups)
    raise ValueError(f"anchor {ref!r}: write phase:ID, call:ID, event:ID or review:CALL/ROUND")


@attrs.frozen(kw_only=True)
class DueReminder:
    """One reminder offset that is due now, with the instants it is computed from."""

    reminder: Reminder
    before: dt.timedelta
    anchor_at: dt.datetime
    groups: tuple[str, ...]

    @property
    def due_at(self) -> dt.datetime:
        return self.anchor_at - self.before


def due_reminders(consultation: Consultation, now: dt.datetime) -> list[DueReminder]:
    """The reminders due at ``now`` (see the module docstring for the rules)."""
    at = to_utc(now)
    due: list[DueReminder] = []
    for reminder in consultation.reminders:
        edges = item_edges(consultation, reminder.anchor)
        anchor_at = edges.edge(reminder.edge)
        if edges.cancelled or anchor_at is None or at >= anchor_at:
            continue
        ready = [b for b in reminder.before if anchor_at - b <= at]
        if not ready:
            continue
        closest = min(ready)
        due.append(
            DueReminder(
                reminder=reminder,
                before=closest,
                anchor_at=anchor_at,
                groups=edges.groups,
            )
        )
    return due


def upcoming_reminders(
    consultation: Consultation, now: dt.datetime
) -> list[tuple[dt.datetime, DueReminder]]:
    """Every reminder offset still to come after ``now``, sorted by when it falls due."""
    at = to_utc(now)
    upcoming: list[tuple[dt.datetime, DueReminder]] = []
    for reminder in consultation.reminders:
        edges = item_edges(consultation, reminder.anchor)
        anchor_at = edges.edge(reminder.edge)
        if edges.cancelled or anchor_at is None or at >= anchor_at:
            continue
        for before in reminder.before:
            if anchor_at - before > at:
                item = DueReminder(
                    reminder=reminder, before=before, anchor_at=anchor_at, groups=edges.groups
                )
                upcoming.append((item.due_at, item))
    upcoming.sort(key=lambda pair: (pair[0], pair[1].reminder.id))
    return upcoming


class Moment(enum.StrEnum):
    """An instant of the schedule worth announcing when the clock reaches it."""

    PHASE_OPENED = "phase opened"
    CALL_OPENED = "call opened"
    CALL_CLOSED = "call closed"


@attrs.frozen(kw_only=True)
class DueMoment:
    """A phase or call that opened or closed at ``at``, recently enough to announce."""

    moment: Moment
    ref: str
    at: dt.datetime
    groups: tuple[str, ...]


def due_moments(
    consultation: Consultation,
    now: dt.datetime,
    *,
    catch_up: dt.timedelta = DEFAULT_CATCH_UP,
) -> list[DueMoment]:
    """The phases opened and calls opened or closed that are due at ``now``.

    Phases first, then each call's opening and closing, in the consultation's order (see
    the module docstring for the rules).
    """
    at = to_utc(now)
    out: list[DueMoment] = []
    for phase in consultation.phases:
        ref = f"phase:{phase.id}"
        edges = item_edges(consultation, ref)
        if edges.cancelled or edges.start is None or isinstance(phase.window, Deadline):
            # A deadline phase does not "open": its instant is a cut-off, told by the
            # call.closed of its calls and by the reminders anchored to it.
            continue
        still_open = edges.end is None or at < edges.end or edges.start == edges.end
        if edges.start <= at < edges.start + catch_up and still_open:
            out.append(
                DueMoment(moment=Moment.PHASE_OPENED, ref=ref, at=edges.start, groups=phase.groups)
            )
    for call in consultation.calls:
        ref = f"call:{call.id}"
        edges = item_edges(consultation, ref)
        if (
            edges.start is not None
            and edges.start <= at < edges.start + catch_up
            and (edges.deadline is None or at < edges.deadline)
        ):
            out.append(
                DueMoment(moment=Moment.CALL_OPENED, ref=ref, at=edges.start, groups=call.groups)
            )
        if edges.deadline is not None and edges.deadline <= at < edges.deadline + catch_up:
            out.append(
                DueMoment(moment=Moment.CALL_CLOSED, ref=ref, at=edges.deadline, groups=call.groups)
            )
    return out
