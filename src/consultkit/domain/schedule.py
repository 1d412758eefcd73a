"""Schedule items: what a consultation publishes on its calendar, and how it changed.

A consultation's phases, related events and deadlines become :class:`ScheduleItem` values,
each with a stable UID. A *snapshot* records, per UID, the item's time (the window's data,
:meth:`~consultkit.domain.windows.ExactWindow.to_data`), fingerprints of its status, place
and text, with the SEQUENCE and LAST-MODIFIED last published. :func:`diff`
compares a snapshot with the current items and says what changed; it bumps SEQUENCE when
the time, status or place changed (RFC 5545 §3.8.7.4, RFC 5546 §2.1.4) and moves
LAST-MODIFIED for any change.

Decisions (see ``docs/calendar.md``):

- A phase whose window is a :class:`~consultkit.domain.windows.Deadline` (WSIS phase V) *is* the
  deadline item (kind ``deadline``, ref ``phase:ID``); calls closing with that phase, or
  with an equal deadline, are named in it instead of getting items of their own.
- Any other call with a deadline gets one item ``deadline:CALL``, named for the call.
- Each review round of a call is an item ``review:CALL/ROUND`` (kind ``review``): when
  its reviewers work. Its groups are the call's (the reviewers see it in their feed).
- Snapshots of version 1 stored the time as a space-joined string; they are still read
  (:func:`time_data` turns such a string into the same data), so an unchanged item keeps
  its SEQUENCE across the change of format.
- Unscheduled windows become items too (a JSON or HTML timeline can say "to be
  announced"); the iCalendar feed leaves them out because a VEVENT needs a DTSTART.

Everything here is pure: no I/O, no plugins.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import attrs

from consultkit.domain.model import Call, Consultation, ItemStatus, Phase, Place
from consultkit.domain.review.rounds import round_ref
from consultkit.domain.text import Text
from consultkit.domain.windows import (
    AnyWindow,
    Deadline,
    sort_key,
    to_utc,
    window_from_data,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

ItemKind = Literal["phase", "event", "deadline", "review"]
ITEM_KINDS: frozenset[str] = frozenset({"phase", "event", "deadline", "review"})
"""The kinds an ``only`` filter may name, in singular; plurals are accepted too."""

UID_NAMESPACE = uuid.UUID("5b0f6a3e-2d55-5c1e-9a57-c0d5a1c1e2f0")
"""Fixed namespace of the UIDs: changing it would change every published UID."""
UID_DOMAIN = "consultkit"

SNAPSHOT_VERSION = 2
"""2: an item's ``time`` is the window's data; 1 (still read): a space-joined string."""
_EMPTY = Text({})


def item_uid(consultation_id: str, ref: str) -> str:
    """The stable UID of an item: ``uuid5(namespace, "<consultation>/<ref>")@consultkit``.

    Derived only from ids, never random, so every export and every publication gives the
    same UID for the same item (RFC 5545 §3.8.4.7; RFC 7986 §5.3 recommends a UUID).
    """
    return f"{uuid.uuid5(UID_NAMESPACE, f'{consultation_id}/{ref}')}@{UID_DOMAIN}"


@attrs.frozen(kw_only=True)
class ScheduleItem:
    """One published item of a consultation's schedule: a phase, a related event or a deadline.

    ``ref`` names the source (``phase:ID``, ``event:ID``, ``deadline:CALL``); ``calls``
    lists the ids of the calls a deadline item closes. ``sequence`` and ``last_modified``
    come from the last published revision (0 and None before any).
    """

    uid: str
    ref: str
    kind: ItemKind
    title: Text
    window: AnyWindow
    description: Text = _EMPTY
    status: ItemStatus = attrs.field(default=ItemStatus.CONFIRMED, converter=ItemStatus)
    place: Place | None = None
    groups: tuple[str, ...] = ()
    """Stakeholder groups concerned; empty means every group."""
    categories: tuple[str, ...] = ()
    url: str | None = None
    calls: tuple[str, ...] = ()
    note: Text = _EMPTY
    sequence: int = 0
    last_modified: dt.datetime | None = None

    def concerns(self, group: str) -> bool:
        """True when the item is for stakeholder group ``group`` (or for everyone)."""
        return not self.groups or group in self.groups


def _normalise_only(only: Iterable[str]) -> frozenset[str]:
    kinds = set()
    for name in only:
        kind = name[:-1] if name.endswith("s") else name
        if kind not in ITEM_KINDS:
            raise ValueError(
                f"unknown item kind {name!r}: choose from deadlines, phases, events, reviews"
            )
        kinds.add(kind)
    return frozenset(kinds)


def matches(item: ScheduleItem, only: frozenset[str], group: str | None) -> bool:
    """Whether ``item`` passes an ``only`` kind filter and a stakeholder ``group`` filter.

    A phase that is a deadline passes both ``phases`` and ``deadlines``.
    """
    if only:
        kinds = _normalise_only(only)
        is_phase = item.ref.startswith("phase:")
        if item.kind not in kinds and not (is_phase and "phase" in kinds):
            return False
    return group is None or item.concerns(group)


def schedule_items(
    consultation: Consultation,
    *,
    only: Iterable[str] = frozenset(),
    group: str | None = None,
) -> list[ScheduleItem]:
    """Build the schedule items of ``consultation``, sorted by start, then by ref.

    ``only`` keeps the kinds named (``phases``, ``events``, ``deadlines``, ``reviews``);
    ``group`` keeps
    what concerns one stakeholder group. An unknown group raises
    :class:`~consultkit.errors.UnknownItemError`; an unknown kind raises ``ValueError``.
    """
    only_kinds = _normalise_only(only)
    if group is not None:
        consultation.group(group)
    items: list[ScheduleItem] = []
    phase_deadlines: dict[str, Phase] = {
        p.id: p for p in consultation.phases if isinstance(p.window, Deadline)
    }
    folded: dict[str, list[Call]] = {pid: [] for pid in phase_deadlines}
    own_deadline_calls: list[tuple[Call, Deadline]] = []
    for call in consultation.calls:
        target = _phase_for_deadline(call, phase_deadlines)
        if target is not None:
            folded[target].append(call)
        elif call.deadline is not None:
            own_deadline_calls.append((call, call.deadline))

    for phase in consultation.phases:
        item = ScheduleItem(
            uid=item_uid(consultation.id, f"phase:{phase.id}"),
            ref=f"phase:{phase.id}",
            kind="phase",
            title=phase.title,
            description=phase.description,
            window=phase.window,
            status=phase.status,
            place=phase.place,
            groups=phase.groups,
            categories=("phase",),
            note=phase.note,
        )
        if phase.id in phase_deadlines:
            # The phase is the deadline item, and speaks for the calls folded into it.
            calls = folded[phase.id]
            item = attrs.evolve(
                item,
                kind="deadline",
                groups=_union_groups([phase.groups, *(c.groups for c in calls)]),
                categories=("phase", "deadline"),
                url=next((c.url for c in calls if c.url), None),
                calls=tuple(c.id for c in calls),
            )
        items.append(item)
    for event in consultation.events:
        items.append(
            ScheduleItem(
                uid=item_uid(consultation.id, f"event:{event.id}"),
                ref=f"event:{event.id}",
                kind="event",
                title=event.title,
                description=event.description,
                window=event.window,
                status=event.status,
                place=event.place,
                categories=("event",),
                url=event.url,
                note=event.note,
            )
        )
    for call, deadline in own_deadline_calls:
        items.append(
            ScheduleItem(
                uid=item_uid(consultation.id, f"deadline:{call.id}"),
                ref=f"deadline:{call.id}",
                kind="deadline",
                title=call.title,
                description=call.description,
                window=deadline,
                groups=call.groups,
                categories=("deadline",),
                url=call.url,
                calls=(call.id,),
                note=call.note,
            )
        )
    for call in consultation.calls:
        for round_ in call.review.rounds:
            ref = f"review:{round_ref(call.id, round_.id)}"
            items.append(
                ScheduleItem(
                    uid=item_uid(consultation.id, ref),
                    ref=ref,
                    kind="review",
                    title=round_.title,
                    description=round_.description,
                    window=round_.window,
                    groups=call.groups,
                    categories=("review",),
                    url=call.url,
                    calls=(call.id,),
                )
            )
    items.sort(key=lambda i: (sort_key(i.window), i.ref))
    return [i for i in items if matches(i, only_kinds, group)]


def _phase_for_deadline(call: Call, phase_deadlines: Mapping[str, Phase]) -> str | None:
    if call.closes_with is not None and call.closes_with in phase_deadlines:
        return call.closes_with
    if call.deadline is not None:
        for pid, phase in phase_deadlines.items():
            if phase.window == call.deadline:
                return pid
    return None


def _union_groups(groups: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    """Union of group lists where an empty list means "everyone" (and so wins)."""
    seen: dict[str, None] = {}
    for gs in groups:
        if not gs:
            return ()
        seen.update(dict.fromkeys(gs))
    return tuple(seen)


# -- fingerprints and snapshots ------------------------------------------------------------


def time_data(time: object) -> Any:
    """The window data of a snapshot's ``time``, whichever snapshot version stored it.

    Version 2 stores the window's data as it is; version 1 stored a space-joined string
    (``exact START END ZONE``, ``days FIRST LAST ZONE``, ``months FIRST LAST ZONE``,
    ``deadline DAY RULE TIME ZONE`` with ``-`` for no time, ``unscheduled ZONE``), which is
    turned into the data the same window gives now. Anything else is returned unchanged.
    """
    if not isinstance(time, str):
        return time
    kind, *rest = time.split(" ")
    if kind == "exact" and len(rest) == 3:
        start, end = (v.replace("+00:00", "Z") for v in rest[:2])
        return {"kind": kind, "start": start, "end": end, "zone": rest[2]}
    if kind in ("days", "months") and len(rest) == 3:
        return {"kind": kind, "first": rest[0], "last": rest[1], "zone": rest[2]}
    if kind == "deadline" and len(rest) == 4:
        day, rule, clock, zone = rest
        return {
            "kind": kind,
            "day": day,
            "rule": rule,
            "time": None if clock == "-" else clock,
            "zone": zone,
        }
    if kind == "unscheduled" and len(rest) == 1:
        return {"kind": kind, "zone": rest[0]}
    return time


def describe_time(time: object) -> str:
    """A short human form of a published time (for history tables and messages).

    ``time`` is window data (:func:`time_data` of a snapshot's ``time``) or a version 1
    string; what is neither is shown as it is.
    """
    if not time:
        return "-"
    data = time_data(time)
    if isinstance(data, Mapping):
        try:
            return window_from_data(data).describe()
        except ValueError:
            pass
    return str(time)


def place_fingerprint(place: Place | None) -> str:
    """A canonical string for a place (venue, room, address, online link)."""
    if place is None:
        return ""
    return json.dumps(
        [
            dict(sorted(place.venue.values.items())),
            dict(sorted(place.room.values.items())),
            place.address,
            place.online_url,
            place.remote_participation,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def text_fingerprint(item: ScheduleItem) -> str:
    """A short hash of the item's texts, URL and audience (changes that move no one)."""
    data = json.dumps(
        [
            sorted(item.title.values.items()),
            sorted(item.description.values.items()),
            sorted(item.note.values.items()),
            item.url,
            list(item.groups),
            list(item.categories),
            list(item.calls),
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def _entry(item: ScheduleItem, sequence: int, last_modified: dt.datetime | None) -> dict[str, Any]:
    return {
        "ref": item.ref,
        "kind": item.kind,
        "time": item.window.to_data(),
        "status": item.status.value,
        "place": place_fingerprint(item.place),
        "virtual": bool(item.place is not None and item.place.is_virtual),
        "text": text_fingerprint(item),
        "sequence": sequence,
        "last_modified": _iso(last_modified),
    }


def _iso(instant: dt.datetime | None) -> str | None:
    if instant is None:
        return None
    return to_utc(instant).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def snapshot(items: Sequence[ScheduleItem]) -> dict[str, Any]:
    """A JSON-able record of ``items`` as published: time, fingerprints, SEQUENCE, LAST-MODIFIED."""
    return {
        "version": SNAPSHOT_VERSION,
        "items": {i.uid: _entry(i, i.sequence, i.last_modified) for i in items},
    }


class ChangeKind(enum.StrEnum):
    """What happened to one schedule item between two publications."""

    ADDED = "added"
    REMOVED = "removed"
    MOVED = "moved"
    CONFIRMED = "confirmed"
    TENTATIVE = "tentative"
    CANCELLED = "cancelled"
    PLACE_CHANGED = "place changed"
    GONE_VIRTUAL = "gone virtual"
    DETAILS_CHANGED = "details changed"


@attrs.frozen(kw_only=True)
class ItemChange:
    """One change of one item: its UID and ref, what changed, before and after, new SEQUENCE.

    ``old`` and ``new`` are fingerprints (strings), or for a change of time (``added``,
    ``moved``, ``removed``) the window data (:func:`describe_time` shows either).
    """

    uid: str
    ref: str
    kind: ChangeKind
    old: Any = None
    new: Any = None
    sequence: int = 0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able form, for outbox payloads and revision records."""
        return {
            "uid": self.uid,
            "ref": self.ref,
            "change": self.kind.value,
            "old": self.old,
            "new": self.new,
            "sequence": self.sequence,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ItemChange:
        return cls(
            uid=str(data["uid"]),
            ref=str(data["ref"]),
            kind=ChangeKind(data["change"]),
            old=data.get("old"),
            new=data.get("new"),
            sequence=int(data.get("sequence", 0)),
        )


def _status_change(old: str, new: str) -> ChangeKind:
    if new == ItemStatus.CANCELLED.value:
        return ChangeKind.CANCELLED
    if new == ItemStatus.TENTATIVE.value:
        return ChangeKind.TENTATIVE
    return ChangeKind.CONFIRMED


def diff(
    previous: Mapping[str, Any] | None,
    items: Sequence[ScheduleItem],
    now: dt.datetime,
) -> tuple[dict[str, Any], list[ItemChange], list[ScheduleItem]]:
    """Compare the last published snapshot with the current ``items``.

    Returns the new snapshot, the list of changes (in item order, removals last) and the
    items with their SEQUENCE and LAST-MODIFIED for this publication:

    - a new item starts at SEQUENCE 0 with LAST-MODIFIED ``now``;
    - a change of time, status or place gives SEQUENCE + 1 and LAST-MODIFIED ``now``
      (RFC 5546 §2.1.4; a place change counts because attendees act on it);
    - a change of text only (title, description, URL, audience) gives LAST-MODIFIED ``now``;
    - an unchanged item keeps both.

    A removed item stays in the snapshot as a tombstone with its SEQUENCE, so that if it
    comes back it continues above the number subscribers last saw.
    """
    stamp = to_utc(now).replace(microsecond=0)
    old_items: Mapping[str, Any] = (previous or {}).get("items", {})
    new_entries: dict[str, Any] = {}
    changes: list[ItemChange] = []
    published: list[ScheduleItem] = []
    for item in items:
        old = old_items.get(item.uid)
        current = _entry(item, 0, None)
        if old is None or old.get("removed"):
            sequence = 0 if old is None else int(old["sequence"]) + 1
            last_modified: dt.datetime | None = stamp
            changes.append(
                ItemChange(
                    uid=item.uid,
                    ref=item.ref,
                    kind=ChangeKind.ADDED,
                    new=current["time"],
                    sequence=sequence,
                )
            )
        else:
            sequence = int(old["sequence"])
            last_modified = _parse_iso(old.get("last_modified"))
            item_changes = _compare(item, old, current)
            if item_changes:
                significant = any(c is not ChangeKind.DETAILS_CHANGED for c, _, _ in item_changes)
                if significant:
                    sequence += 1
                last_modified = stamp
                changes.extend(
                    ItemChange(uid=item.uid, ref=item.ref, kind=k, old=o, new=n, sequence=sequence)
                    for k, o, n in item_changes
                )
        new_entries[item.uid] = {
            **current,
            "sequence": sequence,
            "last_modified": _iso(last_modified),
        }
        published.append(attrs.evolve(item, sequence=sequence, last_modified=last_modified))
    for uid, old in old_items.items():
        if uid in new_entries:
            continue
        if old.get("removed"):
            new_entries[uid] = dict(old)
            continue
        new_entries[uid] = {**old, "removed": True, "last_modified": _iso(stamp)}
        changes.append(
            ItemChange(
                uid=uid,
                ref=str(old.get("ref", "")),
                kind=ChangeKind.REMOVED,
                old=time_data(old.get("time")),
                sequence=int(old["sequence"]),
            )
        )
    return {"version": SNAPSHOT_VERSION, "items": new_entries}, changes, published


def _compare(
    item: ScheduleItem, old: Mapping[str, Any], current: Mapping[str, Any]
) -> list[tuple[ChangeKind, Any, Any]]:
    found: list[tuple[ChangeKind, Any, Any]] = []
    old_time = time_data(old.get("time"))
    if old_time != current["time"]:
        found.append((ChangeKind.MOVED, old_time, current["time"]))
    if old.get("status") != current["status"]:
        found.append(
            (
                _status_change(old.get("status", ""), current["status"]),
                old.get("status"),
                current["status"],
            )
        )
    if old.get("place") != current["place"]:
        kind = (
            ChangeKind.GONE_VIRTUAL
            if current["virtual"] and not old.get("virtual")
            else ChangeKind.PLACE_CHANGED
        )
        found.append((kind, old.get("place") or None, current["place"] or None))
    if old.get("text") != current["text"]:
        found.append((ChangeKind.DETAILS_CHANGED, old.get("text"), current["text"]))
    return found


def apply_snapshot(
    items: Sequence[ScheduleItem], published: Mapping[str, Any] | None
) -> list[ScheduleItem]:
    """Give ``items`` the SEQUENCE and LAST-MODIFIED recorded in a published snapshot.

    Items the snapshot does not know keep 0 and None. This is what ``calendar --store``
    shows: the feed as last published, with any unpublished edits of the file.
    """
    if not published:
        return list(items)
    entries: Mapping[str, Any] = published.get("items", {})
    result = []
    for item in items:
        entry = entries.get(item.uid)
        if entry is None or entry.get("removed"):
            result.append(item)
            continue
        result.append(
            attrs.evolve(
                item,
                sequence=int(entry["sequence"]),
                last_modified=_parse_iso(entry.get("last_modified")),
            )
        )
    return result
