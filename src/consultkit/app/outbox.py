"""From notification events to outbox records, and the clock's events due now.

:mod:`consultkit.events` holds the event values and knows nothing of storage; this module
turns one into the :class:`~consultkit.storage.protocols.OutboxEvent` a store writes in
the same transaction as the change that caused it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from consultkit.domain.model import REVIEWERS_AUDIENCE
from consultkit.domain.reminders import DEFAULT_CATCH_UP, due_moments, due_reminders
from consultkit.events import ReminderDue, moment_event
from consultkit.storage.protocols import OutboxEvent

if TYPE_CHECKING:
    import datetime as dt

    from consultkit.domain.model import Consultation
    from consultkit.events import Event


# The variant's two bits (RFC 9562 §4.1) set in the hex digit that holds them.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def _random_event_id() -> str:
    """A random UUID (version 4, RFC 9562 §5.4) as text: what ``str(uuid.uuid4())`` gives.

    Written straight from 16 random bytes: building a ``uuid.UUID`` to print it was a
    third of making a receipt's outbox record, once per durable submission (issue 14).
    """
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


def to_outbox(event: Event, *, event_id: str | None = None) -> OutboxEvent:
    """The outbox record of ``event``: its kind, payload, dedupe key and submission.

    The id is ``event_id`` if given, else the event's own stable id (a schedule change's comes
    from what changed), else a fresh random UUID receivers can deduplicate on.
    """
    return OutboxEvent(
        id=event_id or event.stable_id or _random_event_id(),
        kind=event.kind,
        consultation_id=event.consultation_id,
        occurred_at=event.occurred_at,
        payload=event.payload(),
        dedupe_key=event.dedupe_key,
        submission_id=event.submission_id,
    )


def due_events(
    consultation: Consultation,
    now: dt.datetime,
    *,
    catch_up: dt.timedelta = DEFAULT_CATCH_UP,
) -> list[OutboxEvent]:
    """Outbox records for the clock events and reminders due at ``now``.

    Phases opened, calls opened and closed (:func:`~consultkit.domain.reminders.due_moments`),
    then reminders (:func:`~consultkit.domain.reminders.due_reminders`; a reminder for a
    round's reviewers only is left to :func:`consultkit.app.review.reviewer_reminders`,
    which writes one per reviewer). Enqueue the result
    with ``store.enqueue_events``: events whose dedupe key is already stored are skipped
    there, which makes the whole run idempotent.
    """
    events: list[Event] = [
        moment_event(consultation, due) for due in due_moments(consultation, now, catch_up=catch_up)
    ]
    events += [
        ReminderDue.of(consultation, due)
        for due in due_reminders(consultation, now)
        # Reviewers are reached one by one (consultkit.app.review.reviewer_reminders).
        if set(due.reminder.audience) != {REVIEWERS_AUDIENCE}
    ]
    return [to_outbox(event) for event in events]
