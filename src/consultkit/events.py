"""Event kinds and the payloads templates need, built from domain values.

An outbox event carries everything a notifier needs to render a message *at the time the
event happened*: titles in every language, the instants involved (ISO 8601, UTC), and who
should hear about it (``audience``). Routing and rendering therefore never reload the
consultation, and a later edit of the consultation file cannot change what an already
written event says. Payloads hold only JSON values (str, int, float, bool, None, lists and
string-keyed dicts) so every store and every webhook receiver can hold them as they are.

Payload keys every kind has:

``consultation``
    ``{"id", "title": {lang: text}, "languages": [...], "zone", "website"}``
``organisers``
    the organisers' addresses (the consultation contact e-mail by default)
``audience``
    who receives it: ``submitter``, ``subscribers``, ``organisers`` or ``group:ID``
``groups``
    the stakeholder groups the event concerns (empty: all of them)
``language``
    the language a single-recipient message is written in (a receipt: the submission's)
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs

from consultkit.domain.schedule import describe_time, time_data
from consultkit.domain.text import UN_LANGUAGES
from consultkit.domain.windows import Deadline, Precision, to_utc, window_from_data

if TYPE_CHECKING:
    from collections.abc import Sequence

    from consultkit.domain.model import Call, Consultation, Phase, RelatedEvent, Reminder
    from consultkit.domain.schedule import ItemChange, ScheduleItem
    from consultkit.domain.submissions import HistoryEntry, Receipt, Submission
    from consultkit.domain.text import Text
    from consultkit.storage.protocols import OutboxEvent

SUBMISSION_RECEIVED: Final = "submission.received"
SUBMISSION_STATUS_CHANGED: Final = "submission.status-changed"
PHASE_OPENED: Final = "phase.opened"
CALL_OPENED: Final = "call.opened"
CALL_CLOSED: Final = "call.closed"
REMINDER_DUE: Final = "reminder.due"
SCHEDULE_CHANGED: Final = "schedule.changed"

EVENT_KINDS: Final = (
    SUBMISSION_RECEIVED,
    SUBMISSION_STATUS_CHANGED,
    PHASE_OPENED,
    CALL_OPENED,
    CALL_CLOSED,
    REMINDER_DUE,
    SCHEDULE_CHANGED,
)

Payload = dict[str, Any]


def new_event_id() -> str:
    """A fresh event id receivers can deduplicate on (a random UUID, as text)."""
    return str(uuid.uuid4())


def iso(instant: dt.datetime | None) -> str | None:
    """An instant as ISO 8601 in UTC with a ``Z``, or None."""
    if instant is None:
        return None
    return to_utc(instant).strftime("%Y-%m-%dT%H:%M:%SZ")


def text_values(text: Text) -> dict[str, str]:
    """A multilingual text as a plain ``{language: text}`` dict."""
    return {lang: value for lang, value in text.values.items() if value}


def organiser_addresses(consultation: Consultation) -> list[str]:
    """Where organisers are notified: the consultation contact's e-mail, if any."""
    return [consultation.contact.email] if consultation.contact.email else []


def consultation_part(consultation: Consultation) -> Payload:
    """The ``consultation`` part every payload carries."""
    return {
        "id": consultation.id,
        "title": text_values(consultation.title),
        "languages": list(consultation.languages),
        "zone": consultation.zone,
        "website": consultation.website,
    }


def base_payload(
    consultation: Consultation,
    *,
    audience: Sequence[str],
    groups: Sequence[str] = (),
    language: str | None = None,
) -> Payload:
    """The keys every payload has (see the module docstring)."""
    return {
        "consultation": consultation_part(consultation),
        "organisers": organiser_addresses(consultation),
        "audience": list(audience),
        "groups": list(groups),
        "language": language or consultation.default_language,
    }


def item_part(consultation: Consultation, ref: str, *, at: dt.datetime | None = None) -> Payload:
    """A schedule item (``phase:ID``, ``call:ID``, ``event:ID``) as templates need it."""
    from consultkit.domain.reminders import item_edges

    kind, _, item_id = ref.partition(":")
    item: Phase | Call | RelatedEvent
    if kind == "phase":
        item = consultation.phase(item_id)
    elif kind == "call":
        item = consultation.call(item_id)
    else:
        item = consultation.event(item_id)
    edges = item_edges(consultation, ref)
    part: Payload = {
        "ref": ref,
        "kind": kind,
        "id": item_id,
        "title": text_values(item.title),
        "start": iso(edges.start),
        "end": iso(edges.end),
        "deadline": iso(edges.deadline),
        "zone": consultation.zone,
        "url": getattr(item, "url", None) or consultation.website,
    }
    deadline = _deadline_of(consultation, item)
    if deadline is not None:
        # A cut-off is shown as its rule ("end of 3 February 2020, Europe/Zurich …"),
        # never as the first instant that is too late (midnight of the next day).
        languages = dict.fromkeys([*consultation.languages, *UN_LANGUAGES])
        part["deadline_text"] = {lang: deadline.render(None, lang) for lang in languages}
    if at is not None:
        part["at"] = iso(at)
    return part


def _deadline_of(consultation: Consultation, item: Phase | Call | RelatedEvent) -> Deadline | None:
    from consultkit.domain.model import Call as CallType
    from consultkit.domain.queries import call_deadline

    if isinstance(item, CallType):
        return call_deadline(consultation, item)
    return item.window if isinstance(item.window, Deadline) else None


def _event(
    kind: str,
    consultation: Consultation,
    payload: Payload,
    *,
    occurred_at: dt.datetime,
    dedupe_key: str | None,
    submission_id: str | None = None,
) -> OutboxEvent:
    from consultkit.storage.protocols import OutboxEvent

    return OutboxEvent(
        id=new_event_id(),
        kind=kind,
        consultation_id=consultation.id,
        occurred_at=to_utc(occurred_at),
        payload=payload,
        dedupe_key=dedupe_key,
        submission_id=submission_id,
    )


def _submission_part(submission: Submission, consultation: Consultation) -> Payload:
    try:
        call_title = text_values(consultation.call(submission.call_id).title)
    except LookupError:
        call_title = {}
    return {
        "id": submission.id,
        "tracking_number": submission.tracking_number,
        "call_id": submission.call_id,
        "call_title": call_title,
        "title": submission.title,
        "language": submission.language,
        "status": str(submission.status),
        "received_at": iso(submission.received_at),
    }


def _submitter_part(submission: Submission) -> Payload | None:
    if submission.submitter is None:
        return None
    return {
        "name": submission.submitter.name,
        "email": submission.submitter.email,
        "group": submission.submitter.group,
    }


def submission_received(
    consultation: Consultation, submission: Submission, receipt: Receipt
) -> OutboxEvent:
    """The receipt event: written in the same transaction as the submission.

    The submitter hears about it in the submission's language; organisers too.
    """
    payload = base_payload(
        consultation,
        audience=("submitter", "organisers"),
        groups=[submission.submitter.group] if submission.submitter else [],
        language=submission.language,
    )
    payload["submission"] = _submission_part(submission, consultation)
    payload["submitter"] = _submitter_part(submission)
    payload["receipt"] = {
        "tracking_number": receipt.tracking_number,
        "received_at": iso(receipt.received_at),
        "status": str(receipt.status),
    }
    return _event(
        SUBMISSION_RECEIVED,
        consultation,
        payload,
        occurred_at=receipt.received_at,
        dedupe_key=f"{SUBMISSION_RECEIVED}:{submission.id}",
        submission_id=submission.id,
    )


def submission_status_changed(
    consultation: Consultation, submission: Submission, entry: HistoryEntry
) -> OutboxEvent:
    """A submission's status changed: its submitter is told, in the submission's language."""
    payload = base_payload(
        consultation,
        audience=("submitter",),
        groups=[submission.submitter.group] if submission.submitter else [],
        language=submission.language,
    )
    payload["submission"] = _submission_part(submission, consultation)
    payload["submitter"] = _submitter_part(submission)
    payload["change"] = {
        "from_status": str(entry.from_status) if entry.from_status else None,
        "to_status": str(entry.to_status),
        "reason": entry.reason,
        "at": iso(entry.at),
        "by": str(entry.actor.role),
    }
    return _event(
        SUBMISSION_STATUS_CHANGED,
        consultation,
        payload,
        occurred_at=entry.at,
        dedupe_key=(
            f"{SUBMISSION_STATUS_CHANGED}:{submission.id}:{entry.to_status}:{iso(entry.at)}"
        ),
        submission_id=submission.id,
    )


def item_event(
    kind: str,
    consultation: Consultation,
    ref: str,
    *,
    at: dt.datetime,
    groups: Sequence[str] = (),
) -> OutboxEvent:
    """A clock event (phase opened, call opened or closed) at instant ``at``.

    The dedupe key holds the instant, so running ``consultkit remind`` again enqueues
    nothing, while an item moved to a new instant gets its own event.
    """
    payload = base_payload(consultation, audience=("subscribers", "organisers"), groups=groups)
    payload["item"] = item_part(consultation, ref, at=at)
    return _event(
        kind,
        consultation,
        payload,
        occurred_at=at,
        dedupe_key=f"{kind}:{consultation.id}:{ref}:{iso(at)}",
    )


def reminder_due(
    consultation: Consultation,
    reminder: Reminder,
    *,
    before: dt.timedelta,
    anchor_at: dt.datetime,
    groups: Sequence[str] = (),
) -> OutboxEvent:
    """A reminder ``before`` the anchor instant ``anchor_at`` of ``reminder.anchor``.

    The dedupe key is ``reminder:CONSULTATION:REMINDER:SECONDS:ANCHOR_INSTANT``: a second
    run enqueues nothing; when the item moves, the anchor instant changes and the new
    instant gets its own reminder.
    """
    seconds = int(before.total_seconds())
    due_at = to_utc(anchor_at) - before
    payload = base_payload(consultation, audience=reminder.audience, groups=groups)
    payload["item"] = item_part(consultation, reminder.anchor, at=anchor_at)
    payload["reminder"] = {
        "id": reminder.id,
        "anchor": reminder.anchor,
        "edge": str(reminder.edge),
        "before_seconds": seconds,
        "anchor_at": iso(anchor_at),
        "due_at": iso(due_at),
    }
    return _event(
        REMINDER_DUE,
        consultation,
        payload,
        occurred_at=due_at,
        dedupe_key=f"reminder:{consultation.id}:{reminder.id}:{seconds}:{iso(anchor_at)}",
    )


def time_part(time: object) -> Payload | None:
    """A published time (a snapshot's window data) as templates need it, or None.

    ``precision`` is ``minute`` (``start``/``end`` ISO instants), ``deadline`` (``deadline``,
    the first instant that is too late), ``day`` or ``month`` (``first``/``last``, local
    dates or months) or ``unscheduled``; ``text`` is a short English fallback and
    ``window`` the window's data (``consultkit.domain.windows.window_from_data``).
    A version 1 snapshot's string is read too.
    """
    if not time:
        return None
    data = time_data(time)
    try:
        window = window_from_data(data)
    except ValueError:
        # Not a window this version knows: the text is all there is.
        kind = str(data.get("kind")) if isinstance(data, Mapping) else str(time).split(" ")[0]
        return {"precision": kind, "text": describe_time(time)}
    part: Payload = {"precision": window.kind, "text": window.describe(), "window": data}
    earliest, latest = window.earliest(), window.latest()
    if earliest is None or latest is None:
        return part
    if earliest == latest:
        part.update(precision="deadline", deadline=iso(earliest), zone=window.zone)
    elif window.precision is Precision.MINUTE:
        part.update(precision="minute", start=iso(earliest), end=iso(latest), zone=window.zone)
    elif window.precision in (Precision.DAY, Precision.MONTH):
        part.update(
            precision=window.precision.value,
            first=data.get("first"),
            last=data.get("last"),
            zone=window.zone,
        )
    return part


def dt_from_iso(text: str) -> dt.datetime:
    """An ISO 8601 instant (``Z`` or an offset) as an aware datetime."""
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def change_part(change: ItemChange, item: ScheduleItem | None) -> Payload:
    """One published change of one schedule item, with what a message needs to say it.

    Besides the stored change (``uid``, ``ref``, ``change``, ``old``, ``new``,
    ``sequence``): ``item_kind``, ``title`` ({lang: text}, empty for a removed item),
    ``groups`` (the stakeholder groups it concerns; empty: everyone), ``status``, ``time``
    (the item's published time now), and for a move ``before``/``after``
    (:func:`time_part`).
    """
    from consultkit.domain.schedule import ChangeKind

    part: Payload = change.as_dict()
    current = item.window.to_data() if item is not None else None
    part.update(
        item_kind=str(item.kind) if item is not None else change.ref.partition(":")[0],
        title=text_values(item.title) if item is not None else {},
        groups=list(item.groups) if item is not None else [],
        status=item.status.value if item is not None else None,
        time=time_part(current) if item is not None else time_part(change.old),
        before=None,
        after=None,
    )
    if change.kind is ChangeKind.MOVED:
        part["before"] = time_part(change.old)
        part["after"] = time_part(change.new)
    elif change.kind is ChangeKind.ADDED:
        part["after"] = time_part(change.new)
    elif change.kind is ChangeKind.REMOVED:
        part["before"] = time_part(change.old)
    return part


def schedule_changed(
    consultation: Consultation,
    *,
    revision: int,
    changes: Sequence[Mapping[str, Any]],
    at: dt.datetime,
    previous_revision: int | None = None,
    event_id: str | None = None,
    dedupe_key: str | None = None,
) -> OutboxEvent:
    """The published schedule changed; ``changes`` are JSON dicts, one per item.

    Each change has ``ref``, ``change`` (``added``, ``moved``, ``confirmed``, ``tentative``,
    ``cancelled``, ``gone virtual``, ``place changed``, ``details changed``, ``removed``),
    ``title`` ({lang: text}), ``groups`` and optionally ``before``/``after``
    (:func:`change_part` builds them). The event concerns the union of the changed items'
    groups, or every group when one of the items concerns everyone: a subscriber scoped to
    a stakeholder group hears only about a revision that touches something for them.
    """
    groups: list[str] = []
    for change in changes:
        item_groups = change.get("groups") or []
        if not item_groups:
            groups = []
            break
        groups.extend(g for g in item_groups if g not in groups)
    payload = base_payload(consultation, audience=("subscribers", "organisers"), groups=groups)
    payload["revision"] = revision
    payload["previous_revision"] = previous_revision
    payload["changes"] = [dict(change) for change in changes]
    event = _event(
        SCHEDULE_CHANGED,
        consultation,
        payload,
        occurred_at=at,
        dedupe_key=dedupe_key or f"{SCHEDULE_CHANGED}:{consultation.id}:{revision}",
    )
    return event if event_id is None else attrs.evolve(event, id=event_id)
