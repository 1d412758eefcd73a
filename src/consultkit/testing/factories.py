"""Builders of valid submissions, history entries and outbox events for tests."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

from consultkit.domain.submissions import (
    Actor,
    ActorRole,
    HistoryEntry,
    Submission,
    SubmissionStatus,
    Submitter,
)
from consultkit.storage.protocols import OutboxEvent

T0 = dt.datetime(2020, 1, 15, 9, 0, tzinfo=dt.UTC)


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
        id=str(uuid.uuid4()),
        kind=kind,
        consultation_id=consultation_id,
        occurred_at=at or (submission.received_at if submission else T0),
        payload=body,
        dedupe_key=dedupe_key,
        submission_id=submission.id if submission else None,
    )
