"""Builders of valid consultations, submissions, events and deliveries for tests.

Nothing here imports pytest, so the builders work in any test runner (and in scripts);
the fixtures of :mod:`consultkit.testing.fixtures` are built from them.

* :func:`wsis_consultation` (the WSIS Forum 2020 example) and :func:`minimal_consultation`
  (one group, one phase, one open call with a deadline);
* :func:`make_submission`, :func:`received_entry`, :func:`status_entry`;
* :func:`events_of_every_kind` (one ``consultkit.events`` value per kind, keyed by kind),
  :func:`make_event` (a stored outbox event), :func:`make_delivery` and
  :func:`deliveries_of_every_kind` (what a notifier's ``send`` receives).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.resources
import uuid
from typing import TYPE_CHECKING, Any

from consultkit import events as ev
from consultkit.app.outbox import to_outbox
from consultkit.config.loader import loads_consultation
from consultkit.domain.reminders import item_edges
from consultkit.domain.schedule import ChangeKind, ItemChange, schedule_items
from consultkit.domain.submissions import (
    Actor,
    ActorRole,
    HistoryEntry,
    Submission,
    SubmissionStatus,
    Submitter,
)
from consultkit.storage.protocols import Delivery, DeliveryStatus, OutboxEvent

if TYPE_CHECKING:
    from consultkit.domain.model import Consultation

__all__ = [
    "MINIMAL_CONSULTATION",
    "T0",
    "WSIS_AT",
    "WSIS_CALL",
    "deliveries_of_every_kind",
    "events_of_every_kind",
    "make_delivery",
    "make_event",
    "make_submission",
    "minimal_consultation",
    "received_entry",
    "status_entry",
    "wsis_consultation",
]

T0 = dt.datetime(2020, 1, 15, 9, 0, tzinfo=dt.UTC)
#: An instant when the WSIS example's official-submissions call is open.
WSIS_AT = dt.datetime(2020, 1, 20, 9, 0, tzinfo=dt.UTC)
WSIS_CALL = "official-submissions"

#: The smallest useful consultation: one group, one phase, one call open until a deadline,
#: one reminder (so it has an event of every kind).
MINIMAL_CONSULTATION = """\
id = "minimal"
zone = "Europe/Zurich"
languages = ["en", "fr"]
title = { en = "A minimal consultation", fr = "Une consultation minimale" }

[[groups]]
id = "civil-society"
name = { en = "Civil society", fr = "Société civile" }

[[phases]]
id = "comments"
ordinal = 1
title = { en = "Comments", fr = "Commentaires" }
window = { kind = "days", first = 2020-01-06, last = 2020-02-28 }

[[calls]]
id = "comments"
kind = "contribution"
title = { en = "Comments on the draft", fr = "Commentaires sur le projet" }
opens_at = 2020-01-06T09:00:00
deadline = { kind = "deadline", day = 2020-02-28 }

[[reminders]]
id = "comments-deadline"
anchor = "call:comments"
edge = "deadline"
before = ["P7D"]
"""


def wsis_consultation() -> Consultation:
    """The WSIS Forum 2020 Open Consultation Process (``examples/wsis2020``), loaded."""
    text = (
        importlib.resources.files("consultkit.testing")
        .joinpath("data", "wsis2020.toml")
        .read_text(encoding="utf-8")
    )
    return loads_consultation(text, file="wsis2020.toml")


def minimal_consultation() -> Consultation:
    """:data:`MINIMAL_CONSULTATION`, loaded."""
    return loads_consultation(MINIMAL_CONSULTATION, file="minimal.toml")


def make_submission(
    n: int = 0,
    *,
    consultation_id: str = "wsis-2020",
    call_id: str = "workshops",
    email: str | None = None,
    name: str | None = None,
    organisation: str = "Example NGO",
    body: str | None = None,
    key: str | None = None,
    status: SubmissionStatus = SubmissionStatus.SUBMITTED,
    at: dt.datetime | None = None,
) -> Submission:
    """Submission number ``n``: unique id and tracking number, received ``n`` minutes after T0."""
    received = at or T0 + dt.timedelta(minutes=n)
    text = body if body is not None else f"Proposal {n}: bridge the digital divide."
    return Submission(
        id=f"sub-{n:06d}-{uuid.uuid4().hex[:8]}",
        tracking_number=f"WSIS-{uuid.uuid4().hex[:10].upper()}",
        consultation_id=consultation_id,
        call_id=call_id,
        submitter=Submitter(
            name=name or f"Person {n}",
            email=email or f"person{n}@example.org",
            group="civil-society",
            organisation=organisation,
            country="CH",
        ),
        title=f"Workshop {n}",
        body=text,
        language="en",
        tags=("access",),
        attachments=(f"https://example.org/{n}.pdf",),
        status=status,
        received_at=received,
        updated_at=received,
        fingerprint=hashlib.sha256(" ".join(text.lower().split()).encode()).hexdigest(),
        idempotency_key=key,
    )


def received_entry(submission: Submission) -> HistoryEntry:
    """The first history entry of ``submission``, by its submitter."""
    who = submission.submitter
    return HistoryEntry(
        submission_id=submission.id,
        at=submission.received_at,
        actor=Actor(role=ActorRole.SUBMITTER, id=who.email if who else "unknown"),
        from_status=None,
        to_status=submission.status,
        reason=None,
    )


def make_event(
    kind: str = "submission.received",
    *,
    consultation_id: str = "wsis-2020",
    submission: Submission | None = None,
    dedupe_key: str | None = None,
    at: dt.datetime | None = None,
    payload: dict[str, Any] | None = None,
    event_id: str | None = None,
) -> OutboxEvent:
    """An outbox event; about ``submission`` (with its identity in the payload) if given."""
    body: dict[str, Any] = dict(payload or {})
    if submission is not None and submission.submitter is not None and payload is None:
        body = {
            "tracking_number": submission.tracking_number,
            "title": submission.title,
            "submitter": {
                "name": submission.submitter.name,
                "email": submission.submitter.email,
            },
            "email": submission.submitter.email,
            "note": f"sent to {submission.submitter.email}",
        }
    return OutboxEvent(
        id=event_id or str(uuid.uuid4()),
        kind=kind,
        consultation_id=consultation_id,
        occurred_at=at or (submission.received_at if submission else T0),
        payload=body,
        dedupe_key=dedupe_key,
        submission_id=submission.id if submission else None,
    )


def status_entry(
    submission: Submission,
    *,
    to_status: SubmissionStatus = SubmissionStatus.UNDER_REVIEW,
    role: ActorRole = ActorRole.ORGANISER,
    who: str = "organiser",
    at: dt.datetime | None = None,
) -> HistoryEntry:
    """A history entry moving ``submission`` from its status to ``to_status``, a day later."""
    return HistoryEntry(
        submission_id=submission.id,
        at=at or submission.received_at + dt.timedelta(days=1),
        actor=Actor(role=role, id=who),
        from_status=submission.status,
        to_status=to_status,
        reason="checking eligibility",
    )


def events_of_every_kind(consultation: Consultation | None = None) -> dict[str, ev.Event]:
    """One event of every kind of :data:`consultkit.events.EVENTS`, keyed by kind.

    Built from ``consultation`` (default: the WSIS example): its first call with an
    opening and a deadline, its first phase with a start, its first reminder.
    """
    c = consultation or wsis_consultation()
    call = next(
        call
        for call in c.calls
        if (edges := item_edges(c, f"call:{call.id}")).start and edges.deadline
    )
    call_edges = item_edges(c, f"call:{call.id}")
    phase = next(p for p in c.phases if item_edges(c, f"phase:{p.id}").start)
    phase_start = item_edges(c, f"phase:{phase.id}").start
    assert call_edges.start and call_edges.deadline and phase_start  # found just above
    deadline = call_edges.deadline
    sub = make_submission(
        1, consultation_id=c.id, call_id=call.id, at=deadline - dt.timedelta(days=3)
    )
    items = tuple(schedule_items(c))
    moved = next(i for i in items if i.ref == f"phase:{phase.id}")
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
        ev.SubmissionReceived(consultation=c, submission=sub),
        ev.SubmissionStatusChanged(consultation=c, submission=sub, entry=status_entry(sub)),
        ev.SubmissionEdited(consultation=c, submission=sub, version=2),
        ev.SubmissionConfirmationRequested(
            consultation=c,
            submission=sub,
            confirm_url=f"https://consult.example.org/{c.id}/confirm/TOKEN",
            expires_at=sub.received_at + dt.timedelta(days=3),
        ),
        ev.PhaseOpened(consultation=c, ref=f"phase:{phase.id}", at=phase_start),
        ev.CallOpened(
            consultation=c, ref=f"call:{call.id}", at=call_edges.start, groups=call.groups
        ),
        ev.CallClosed(consultation=c, ref=f"call:{call.id}", at=deadline),
    ]
    if c.reminders:
        reminder = c.reminders[0]
        anchor = item_edges(c, reminder.anchor)
        anchor_at = getattr(anchor, str(reminder.edge).replace("-", "_"), None) or deadline
        made.append(
            ev.ReminderDue(
                consultation=c, reminder=reminder, before=reminder.before[0], anchor_at=anchor_at
            )
        )
    made.append(
        ev.ScheduleChanged(
            consultation=c,
            revision=2,
            previous_revision=1,
            changes=(change,),
            items=items,
            at=sub.received_at,
        )
    )
    return {event.kind: event for event in made}


def make_delivery(
    event: OutboxEvent | ev.Event | None = None,
    *,
    n: int = 0,
    channel: str = "email",
    recipient: str = "person0@example.org",
    language: str = "en",
    attempts: int = 1,
    delivery_id: str | None = None,
) -> Delivery:
    """A claimed delivery of ``event`` (an outbox event or a ``consultkit.events`` value;
    default: a ``submission.received`` one) to ``recipient`` on ``channel``."""
    if event is None:
        event = make_event(submission=make_submission(n))
    elif not isinstance(event, OutboxEvent):
        event = to_outbox(event)
    return Delivery(
        id=delivery_id or f"delivery-{n}-{uuid.uuid4().hex[:8]}",
        event=event,
        channel=channel,
        recipient=recipient,
        language=language,
        status=DeliveryStatus.CLAIMED,
        attempts=attempts,
        next_attempt_at=event.occurred_at,
    )


def deliveries_of_every_kind(
    consultation: Consultation | None = None,
    *,
    channel: str = "email",
    recipient: str = "person0@example.org",
    language: str | None = None,
) -> list[Delivery]:
    """One claimed delivery per event kind (see :func:`events_of_every_kind`), in kind order."""
    c = consultation or wsis_consultation()
    return [
        make_delivery(
            event,
            n=n,
            channel=channel,
            recipient=recipient,
            language=language or c.default_language,
        )
        for n, event in enumerate(events_of_every_kind(c).values())
    ]
