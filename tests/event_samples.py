"""One real event of every kind, built from the WSIS 2020 example (tests of consultkit.events)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from consultkit import events as ev
from consultkit.config.loader import load_consultation
from consultkit.domain.reminders import item_edges
from consultkit.domain.schedule import ChangeKind, ItemChange, schedule_items
from consultkit.domain.submissions import Actor, ActorRole, HistoryEntry, SubmissionStatus
from consultkit.testing.factories import make_submission

if TYPE_CHECKING:
    from consultkit.domain.model import Consultation
    from consultkit.domain.submissions import Submission

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
CALL = "official-submissions"
AT = dt.datetime(2020, 1, 20, 9, 0, tzinfo=dt.UTC)


def wsis() -> Consultation:
    return load_consultation(EXAMPLE)


def submission(consultation: Consultation) -> Submission:
    return make_submission(1, consultation_id=consultation.id, call_id=CALL, at=AT)


def status_entry(
    submission: Submission, role: ActorRole = ActorRole.ORGANISER, who: str = "itu"
) -> HistoryEntry:
    return HistoryEntry(
        submission_id=submission.id,
        at=AT + dt.timedelta(days=1),
        actor=Actor(role=role, id=who),
        from_status=SubmissionStatus.SUBMITTED,
        to_status=SubmissionStatus.UNDER_REVIEW,
        reason="checking eligibility",
    )


def one_of_each(consultation: Consultation) -> dict[str, ev.Event]:
    """One event per kind, keyed by kind."""
    sub = submission(consultation)
    call_edges = item_edges(consultation, f"call:{CALL}")
    phase_edges = item_edges(consultation, "phase:phase-2")
    assert call_edges.start and call_edges.deadline and phase_edges.start
    reminder = next(r for r in consultation.reminders if r.id == "official-submissions-deadline")
    items = tuple(schedule_items(consultation))
    moved = next(i for i in items if i.ref == "phase:phase-2")
    fingerprint = moved.window.to_data()
    change = ItemChange(
        uid=moved.uid,
        ref=moved.ref,
        kind=ChangeKind.MOVED,
        old=fingerprint,
        new=fingerprint,
        sequence=1,
    )
    made: list[ev.Event] = [
        ev.SubmissionReceived(consultation=consultation, submission=sub),
        ev.SubmissionStatusChanged(
            consultation=consultation, submission=sub, entry=status_entry(sub)
        ),
        ev.SubmissionEdited(consultation=consultation, submission=sub, version=2),
        ev.SubmissionConfirmationRequested(
            consultation=consultation,
            submission=sub,
            confirm_url=f"https://consult.example.org/{consultation.id}/confirm/TOKEN",
            expires_at=sub.received_at + dt.timedelta(days=3),
        ),
        ev.PhaseOpened(consultation=consultation, ref="phase:phase-2", at=phase_edges.start),
        ev.CallOpened(
            consultation=consultation, ref=f"call:{CALL}", at=call_edges.start, groups=("x",)
        ),
        ev.CallClosed(consultation=consultation, ref=f"call:{CALL}", at=call_edges.deadline),
        ev.ReminderDue(
            consultation=consultation,
            reminder=reminder,
            before=reminder.before[0],
            anchor_at=call_edges.deadline,
        ),
        ev.ScheduleChanged(
            consultation=consultation,
            revision=2,
            previous_revision=1,
            changes=(change,),
            items=items,
            at=AT,
        ),
    ]
    return {event.kind: event for event in made}
