"""Questions about a consultation at an instant: which phase, which calls are open, what is due.

Every function takes the instant explicitly (from a :class:`~consultkit.domain.clock.Clock`) and
compares UTC instants only. Fuzzy windows are honest here too: a phase known only to the
month is never "current" for certain; :func:`phases_at` can include such possible phases
when asked.
"""

from __future__ import annotations

import datetime as dt  # noqa: TC003 (typing.get_type_hints resolves the public types)
import enum
from typing import TYPE_CHECKING

import attrs

from consultkit.domain.instants import utc_instant
from consultkit.domain.windows import Deadline, Precision, Relation, sort_key, to_utc
from consultkit.value_methods import shared_value_methods

if TYPE_CHECKING:
    from consultkit.domain.model import Call, Consultation, Phase

__all__ = [
    "CallState",
    "UpcomingDeadline",
    "call_deadline",
    "call_opens",
    "call_state",
    "current_phase",
    "next_deadline",
    "next_phase",
    "open_calls",
    "phases_at",
    "phases_in_order",
]


class CallState(enum.StrEnum):
    """Whether a call accepts submissions at an instant."""

    NOT_YET_OPEN = "not-yet-open"
    OPEN = "open"
    CLOSED = "closed"
    UNKNOWN = "unknown"
    """The opening is not known (and the deadline, if any, has not passed)."""


@attrs.frozen(kw_only=True)
@shared_value_methods
class UpcomingDeadline:
    """The next deadline and every item it closes (``call:ID``, ``phase:ID``).

    ``cutoff`` is the first instant that is too late, a standard UTC ``datetime`` like
    every instant of the public API.
    """

    deadline: Deadline
    cutoff: dt.datetime = attrs.field(converter=utc_instant)
    items: tuple[str, ...]


def phases_in_order(consultation: Consultation) -> tuple[Phase, ...]:
    """Phases by earliest start (unscheduled last), ties broken by ordinal."""
    return tuple(sorted(consultation.phases, key=lambda p: (*sort_key(p.window), p.ordinal, p.id)))


def phases_at(
    consultation: Consultation, at: dt.datetime, *, include_uncertain: bool = False
) -> tuple[Phase, ...]:
    """Phases running at ``at``; with ``include_uncertain`` also fuzzy ones that may be."""
    wanted = {Relation.CURRENT}
    if include_uncertain:
        wanted.add(Relation.UNCERTAIN)
    found = []
    for phase in phases_in_order(consultation):
        relation = phase.window.relation(at)
        if relation is Relation.UNCERTAIN and phase.window.earliest() is None:
            continue  # an unscheduled phase could be anywhere: it says nothing about `at`
        if relation in wanted:
            found.append(phase)
    return tuple(found)


def current_phase(consultation: Consultation, at: dt.datetime) -> Phase | None:
    """The phase surely running at ``at`` (the latest started if several overlap), or None."""
    running = phases_at(consultation, at)
    return running[-1] if running else None


def next_phase(consultation: Consultation, at: dt.datetime) -> Phase | None:
    """The first phase that has surely not started at ``at``, or None."""
    instant = to_utc(at)
    for phase in phases_in_order(consultation):
        earliest = phase.window.earliest()
        if earliest is not None and earliest > instant:
            return phase
    return None


def call_opens(consultation: Consultation, call: Call) -> dt.datetime | None:
    """When ``call`` opens, as a UTC ``datetime``, or None when that is not known to the day."""
    if call.opens_at is not None:
        return utc_instant(call.opens_at)
    if call.opens_with is not None:
        window = consultation.phase(call.opens_with).window
        earliest = window.earliest()
        if earliest is not None and window.precision in (Precision.MINUTE, Precision.DAY):
            return utc_instant(earliest)
    return None


def call_deadline(consultation: Consultation, call: Call) -> Deadline | None:
    """The deadline of ``call``: its own or its closing phase's; None when open-ended."""
    if call.deadline is not None:
        return call.deadline
    if call.closes_with is not None:
        window = consultation.phase(call.closes_with).window
        if isinstance(window, Deadline):
            return window
    return None


def call_state(consultation: Consultation, call: Call, at: dt.datetime) -> CallState:
    """Whether ``call`` accepts submissions at ``at``."""
    instant = to_utc(at)
    deadline = call_deadline(consultation, call)
    if deadline is not None and not deadline.is_met_by(instant):
        return CallState.CLOSED
    opens = call_opens(consultation, call)
    if opens is None:
        return CallState.UNKNOWN
    if instant < opens:
        return CallState.NOT_YET_OPEN
    return CallState.OPEN


def open_calls(consultation: Consultation, at: dt.datetime) -> tuple[Call, ...]:
    """Calls that surely accept submissions at ``at``, in file order."""
    return tuple(c for c in consultation.calls if call_state(consultation, c, at) is CallState.OPEN)


def next_deadline(consultation: Consultation, at: dt.datetime) -> UpcomingDeadline | None:
    """The first deadline still to come after ``at`` (of a call or a phase), or None."""
    instant = to_utc(at)
    candidates: list[tuple[str, Deadline]] = []
    for call in consultation.calls:
        deadline = call_deadline(consultation, call)
        if deadline is not None:
            candidates.append((f"call:{call.id}", deadline))
    for phase in consultation.phases:
        if isinstance(phase.window, Deadline):
            candidates.append((f"phase:{phase.id}", phase.window))
    upcoming = [(d.cutoff(), ref, d) for ref, d in candidates if d.cutoff() > instant]
    if not upcoming:
        return None
    first = min(cutoff for cutoff, _, _ in upcoming)
    items = tuple(sorted(ref for cutoff, ref, _ in upcoming if cutoff == first))
    deadline = next(d for cutoff, _, d in upcoming if cutoff == first)
    return UpcomingDeadline(deadline=deadline, cutoff=first, items=items)
