"""The timeline document: every phase and event, open calls and the next deadline, as JSON data.

``consultkit timeline --format json`` prints it and the ``json`` exporter writes it, so its
shape is a contract, documented in ``docs/timeline-json.md``: keys appear in a fixed order,
instants are ISO 8601 strings (UTC ones end in ``Z``), and nothing depends on the machine
running it except what the caller passes in (``at``, ``zone``, ``language``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict, cast

from consultkit.domain.fields import call_schema
from consultkit.domain.links import safe_url
from consultkit.domain.model import ItemStatus
from consultkit.domain.queries import (
    CallState,
    call_deadline,
    call_opens,
    call_state,
    current_phase,
    next_deadline,
    next_phase,
    phases_at,
)
from consultkit.domain.review.rounds import round_ref
from consultkit.domain.windows import check_zone, sort_key, to_utc

if TYPE_CHECKING:
    from consultkit.domain.model import Consultation, Phase, RelatedEvent
    from consultkit.domain.review.rounds import ReviewRound
    from consultkit.domain.text import Text

__all__ = [
    "TIMELINE_FORMAT",
    "TIMELINE_VERSION",
    "TimelineCall",
    "TimelineConsultation",
    "TimelineDeadline",
    "TimelineDocument",
    "TimelineItem",
    "TimelinePlace",
    "TimelineText",
    "build_timeline",
    "utc_text",
]

TIMELINE_FORMAT = "consultkit-timeline"
TIMELINE_VERSION = 1


# The document's shape, key by key in the order it is written (docs/timeline-json.md).
class TimelineText(TypedDict):
    """A text in the language asked for, or the fallback it came in."""

    text: str
    language: str
    fallback: bool


class TimelinePlace(TypedDict):
    """Where a phase or event happens."""

    venue: str | None
    room: str | None
    address: str | None
    online_url: str | None


class TimelineItem(TypedDict):
    """One phase, related event or review round (``type`` ``review``, ``id`` ``CALL/ROUND``)."""

    ref: str
    type: str
    id: str
    ordinal: int | None
    title: TimelineText
    kind: str
    status: str
    precision: str
    window_zone: str
    start_utc: str | None
    end_utc: str | None
    start_local: str | None
    end_local: str | None
    relation: str
    text: str
    place: TimelinePlace | None
    inferred: list[str]
    note: str | None


class TimelineCall(TypedDict):
    """One call for submissions and its state at the document's instant."""

    id: str
    kind: str
    title: TimelineText
    state: str
    binding: bool
    opens_utc: str | None
    deadline_utc: str | None
    deadline_text: str | None
    fields_schema: NotRequired[dict[str, Any]]
    """Only for a call that declares fields: the JSON Schema (draft 2020-12) of their values,
    labels in the document's language."""
    groups: list[str]
    opens_with: str | None
    accepting: bool


class TimelineDeadline(TypedDict):
    """The next deadline and what it closes."""

    items: list[str]
    cutoff_utc: str | None
    last_moment_utc: str | None
    text: str
    seconds_left: int


class TimelineConsultation(TypedDict):
    """Who the document is about."""

    id: str
    title: TimelineText
    zone: str
    languages: list[str]
    reference: str | None
    website: str | None


class TimelineDocument(TypedDict):
    """The whole timeline document :func:`build_timeline` returns."""

    format: str
    version: int
    consultation: TimelineConsultation
    at: str | None
    zone: str
    language: str
    items: list[TimelineItem]
    current_phase: str | None
    possible_phases: list[str]
    next_phase: str | None
    calls: list[TimelineCall]
    open_calls: list[str]
    next_deadline: TimelineDeadline | None
    accepting_calls: list[str]


def utc_text(instant: dt.datetime | None) -> str | None:
    """``2019-06-04T14:00:00Z`` (None stays None)."""
    if instant is None:
        return None
    # isoformat, not strftime: strftime("%Y") drops the zero padding of years before 1000.
    return to_utc(instant).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def _local_text(instant: dt.datetime | None, zone: str) -> str | None:
    if instant is None:
        return None
    return str(to_utc(instant).in_timezone(zone).isoformat())


def _text(text: Text, language: str, fallbacks: tuple[str, ...]) -> TimelineText:
    chosen = text.get(language, fallbacks)
    return {"text": chosen.text, "language": chosen.language, "fallback": chosen.is_fallback}


def build_timeline(
    consultation: Consultation,
    *,
    at: dt.datetime,
    zone: str | None = None,
    language: str | None = None,
    field_schemas: bool = True,
) -> TimelineDocument:
    """Build the timeline of ``consultation`` as seen at ``at`` by a reader in ``zone``.

    ``zone`` and ``language`` default to the consultation's own. An unknown ``zone`` raises
    ``ValueError``. A language the consultation is not written in takes its texts from the
    consultation's languages (each text says when it did) and its dates from babel; a
    language babel does not know raises :class:`~consultkit.errors.UnknownLanguageError`.

    ``field_schemas=False`` leaves out the calls' ``fields_schema``: a reader that shows no
    schema (the timeline table) then skips describing country fields, which loads
    pycountry's list (20-30 ms of CPU, issue 14).
    """
    instant = to_utc(at)
    zone = check_zone(zone or consultation.zone)
    language = language or consultation.default_language
    fallbacks = tuple(consultation.languages)

    entries: list[tuple[tuple[int, float], int, TimelineItem]] = []
    for order, phase in enumerate(consultation.phases):
        entries.append(
            (
                sort_key(phase.window),
                order,
                _item(phase, "phase", instant, zone, language, fallbacks),
            )
        )
    for order, event in enumerate(consultation.events):
        entries.append(
            (
                sort_key(event.window),
                len(consultation.phases) + order,
                _item(event, "event", instant, zone, language, fallbacks),
            )
        )
    rounds = [(call, r) for call in consultation.calls for r in call.review.rounds]
    for order, (call, round_) in enumerate(rounds):
        review_item = _item(round_, "review", instant, zone, language, fallbacks)
        key = round_ref(call.id, round_.id)
        review_item["ref"], review_item["id"] = f"review:{key}", key
        entries.append(
            (
                sort_key(round_.window),
                len(consultation.phases) + len(consultation.events) + order,
                review_item,
            )
        )
    items = [item for _, _, item in sorted(entries, key=lambda e: (e[0], e[1]))]

    current = current_phase(consultation, instant)
    upcoming = next_phase(consultation, instant)
    calls: list[TimelineCall] = []
    for call in consultation.calls:
        deadline = call_deadline(consultation, call)
        state = call_state(consultation, call, instant)
        entry: dict[str, Any] = {
            "id": call.id,
            "kind": call.kind,
            "title": _text(call.title, language, fallbacks),
            "state": state.value,
            "binding": call.binding,
            "opens_utc": utc_text(call_opens(consultation, call)),
            "deadline_utc": utc_text(deadline.cutoff()) if deadline else None,
            "deadline_text": deadline.render(zone, language) if deadline else None,
        }
        if call.fields and field_schemas:
            # Only calls that declare fields carry the key, so documents of other calls
            # stay byte for byte what they were; it sits before the keys that close a call
            # (``accepting`` stays last, as docs/timeline-json.md promises).
            name = entry["title"]["text"]
            entry["fields_schema"] = call_schema(call.fields, title=name, language=language)
        entry |= {
            "groups": list(call.groups),
            "opens_with": call.opens_with,
            # The submission rules treat an unknown opening as open (with a note), so
            # a call in state "unknown" accepts submissions as much as an open one.
            "accepting": state in (CallState.OPEN, CallState.UNKNOWN),
        }
        calls.append(cast("TimelineCall", entry))
    due = next_deadline(consultation, instant)
    next_due: TimelineDeadline | None = None
    if due is not None:
        left = int((due.cutoff - instant).total_seconds())
        next_due = {
            "items": list(due.items),
            "cutoff_utc": utc_text(due.cutoff),
            "last_moment_utc": utc_text(due.cutoff - dt.timedelta(seconds=1)),
            "text": due.deadline.render(zone, language),
            "seconds_left": left,
        }
    title = _text(consultation.title, language, fallbacks)
    return {
        "format": TIMELINE_FORMAT,
        "version": TIMELINE_VERSION,
        "consultation": {
            "id": consultation.id,
            "title": title,
            "zone": consultation.zone,
            "languages": list(consultation.languages),
            "reference": consultation.reference,
            "website": consultation.website,
        },
        "at": utc_text(instant),
        "zone": zone,
        "language": language,
        "items": items,
        "current_phase": current.id if current else None,
        "possible_phases": [p.id for p in phases_at(consultation, instant, include_uncertain=True)],
        "next_phase": upcoming.id if upcoming else None,
        "calls": calls,
        "open_calls": [c["id"] for c in calls if c["state"] == CallState.OPEN.value],
        "next_deadline": next_due,
        "accepting_calls": [c["id"] for c in calls if c["accepting"]],
    }


def _item(
    item: Phase | RelatedEvent | ReviewRound,
    kind: str,
    instant: dt.datetime,
    zone: str,
    language: str,
    fallbacks: tuple[str, ...],
) -> TimelineItem:
    window = item.window
    earliest, latest = window.earliest(), window.latest()
    place = getattr(item, "place", None)
    note = getattr(item, "note", None)
    status = getattr(item, "status", ItemStatus.CONFIRMED)
    return {
        "ref": f"{kind}:{item.id}",
        "type": kind,
        "id": item.id,
        "ordinal": getattr(item, "ordinal", None),
        "title": _text(item.title, language, fallbacks),
        "kind": window.kind,
        "status": status.value,
        "precision": window.precision.value,
        "window_zone": window.zone,
        "start_utc": utc_text(earliest),
        "end_utc": utc_text(latest),
        "start_local": _local_text(earliest, zone),
        "end_local": _local_text(latest, zone),
        "relation": window.relation(instant).value,
        "text": window.render(zone, language),
        "place": None
        if place is None
        else {
            "venue": place.venue(language, fallbacks) or None,
            "room": place.room(language, fallbacks) or None,
            "address": place.address,
            # A script link never reaches a page that renders this (issue 9).
            "online_url": safe_url(place.online_url),
        },
        "inferred": list(item.inferred),
        "note": (note(language, fallbacks) or None) if note is not None else None,
    }
