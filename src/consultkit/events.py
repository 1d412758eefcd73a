"""Notification events: one value class per kind, each owning its kind, audience, dedupe key
and payload.

Everything that emits an event (the application, publishing, ``consultkit remind``) builds
one of these classes; the app layer stores it as an outbox record
(:func:`consultkit.app.outbox.to_outbox`); routing and every channel (e-mail templates,
webhook bodies, the log) read the one payload it wrote. :data:`EVENTS` maps each kind to
its class, so a renderer can look a kind up, and ``docs/notifications.md`` is checked
against it by a test.

A payload carries everything a notifier needs to render a message *as it was when the
event happened*: titles, the instants involved (ISO 8601, UTC, with a ``Z``) and who should
hear about it. Routing and rendering therefore never reload the consultation, and a later
edit of the consultation file cannot change what an already written event says. Payloads
hold only JSON values (str, int, float, bool, None, lists and string-keyed dicts).

Keys every payload has (the envelope):

``consultation``
    ``{"id", "title": {lang: text}, "languages": [...], "zone", "website"}``, plus
    ``"plugins_off": [...]`` when the file turns plugins off (``[plugins.NAME] enabled =
    false``): routing keeps the event off those plugins' channels
``organisers``
    the organisers' addresses (the consultation contact's e-mail)
``audience``
    who receives it: ``submitter``, ``subscribers``, ``organisers`` or ``group:ID``
``groups``
    the stakeholder groups the event concerns (empty: all of them)
``language``
    the language a single-recipient message is written in (a receipt: the submission's)

Beside the envelope, a submission event's facts are top-level keys (``tracking_number``,
``title``, ``submitter_email``…: what webhook receivers have always been sent), while a
schedule item, a reminder and a schedule change are nested parts (``item``,
``reminder``, ``changes``) because one event can hold several of them or a part is shared
between kinds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final, Protocol

import attrs

from consultkit.domain.instants import utc_instant
from consultkit.domain.lifecycle import public_status
from consultkit.domain.model import Call
from consultkit.domain.queries import call_deadline
from consultkit.domain.reminders import Moment, item_edges
from consultkit.domain.schedule import ChangeKind, describe_time, time_data
from consultkit.domain.submissions import ActorRole, submitter_identity
from consultkit.domain.text import UN_LANGUAGES
from consultkit.domain.windows import Deadline, Precision, window_from_data
from consultkit.errors import UnknownItemError
from consultkit.formats.submission_export import public_field_values

if TYPE_CHECKING:
    from collections.abc import Sequence

    from consultkit.domain.model import Consultation, Phase, RelatedEvent, Reminder
    from consultkit.domain.reminders import DueMoment, DueReminder
    from consultkit.domain.review.rounds import ReviewRound
    from consultkit.domain.schedule import ItemChange, ScheduleItem
    from consultkit.domain.submissions import HistoryEntry, Submission
    from consultkit.domain.text import Text

Payload = dict[str, Any]


class Event(Protocol):
    """What every notification event class provides (see the module docstring)."""

    kind: ClassVar[str]
    """The event's name, as stored and as sent (``submission.received``…)."""
    default_audience: ClassVar[tuple[str, ...]]
    """Who hears of an event of this kind unless the event itself says otherwise."""

    @property
    def consultation_id(self) -> str: ...

    @property
    def occurred_at(self) -> dt.datetime:
        """When it happened (UTC): the instant a clock event or a reminder is for."""
        ...

    @property
    def audience(self) -> tuple[str, ...]:
        """Who hears of this event: ``submitter``, ``organisers``, ``subscribers``, ``group:ID``."""
        ...

    @property
    def dedupe_key(self) -> str:
        """Enqueueing an event whose key is already stored does nothing."""
        ...

    @property
    def submission_id(self) -> str | None:
        """The submission it is about (erasure scrubs its payload), if any."""
        ...

    @property
    def stable_id(self) -> str | None:
        """An event id derived from what happened, or None for a fresh random one."""
        ...

    def payload(self) -> Payload:
        """The one JSON shape every channel receives (module docstring)."""
        ...


# -- parts shared by several kinds -------------------------------------------------------


def iso(instant: dt.datetime | None) -> str | None:
    """An instant as ISO 8601 in UTC with a ``Z``, or None."""
    if instant is None:
        return None
    # Stdlib, not pendulum: every receipt formats one, inside the submitting call (issue 14).
    return utc_instant(instant).strftime("%Y-%m-%dT%H:%M:%SZ")


def text_values(text: Text) -> dict[str, str]:
    """A multilingual text as a plain ``{language: text}`` dict."""
    return {lang: value for lang, value in text.values.items() if value}


def organiser_addresses(consultation: Consultation) -> list[str]:
    """Where organisers are notified: the consultation contact's e-mail, if any."""
    return [consultation.contact.email] if consultation.contact.email else []


def consultation_part(consultation: Consultation) -> Payload:
    """The ``consultation`` part every payload carries."""
    part: Payload = {
        "id": consultation.id,
        "title": text_values(consultation.title),
        "languages": list(consultation.languages),
        "zone": consultation.zone,
        "website": consultation.website,
    }
    if consultation.plugins_off:
        part["plugins_off"] = list(consultation.plugins_off)
    return part


def envelope(
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
    """A schedule item (``phase:ID``, ``call:ID``, ``event:ID``, ``review:CALL/ROUND``) as
    templates need it."""
    kind, _, item_id = ref.partition(":")
    item: Phase | Call | RelatedEvent | ReviewRound
    if kind == "phase":
        item = consultation.phase(item_id)
    elif kind == "call":
        item = consultation.call(item_id)
    elif kind == "review":
        call_id, _, round_id = item_id.partition("/")
        item = consultation.call(call_id).review.round(round_id)
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


def _deadline_of(
    consultation: Consultation, item: Phase | Call | RelatedEvent | ReviewRound
) -> Deadline | None:
    if isinstance(item, Call):
        return call_deadline(consultation, item)
    return item.window if isinstance(item.window, Deadline) else None


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


def _consultation_id(consultation: Consultation) -> str:
    return consultation.id


def _consultation_repr(consultation: Consultation) -> str:
    return repr(consultation.id)


# -- submissions ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _CallFacts:
    """What every submission event of one call, told in one language, says of the
    consultation and the call: the same for each of a call's submissions."""

    consultation: Consultation
    call: Call | None
    consultation_title: str
    call_title: str | None
    consultation_part: Payload
    """Shared by the payloads of the call's events, which are never changed once built."""
    organisers: tuple[str, ...]


_CALL_FACTS_KEPT = 64
_call_facts_kept: dict[tuple[int, str, str], _CallFacts] = {}


def _call_facts(consultation: Consultation, call_id: str, language: str) -> _CallFacts:
    """The :class:`_CallFacts` of ``call_id`` in ``language``, built once per consultation
    value (issue 14: about 2 KB, the consultation's titles in six languages, was built for
    every receipt). A consultation value never changes; an edited file is a new value, so
    the entry is found by the value's identity and checked to be for it."""
    key = (id(consultation), call_id, language)
    found = _call_facts_kept.get(key)
    if found is not None and found.consultation is consultation:
        return found
    try:
        call: Call | None = consultation.call(call_id)
    except UnknownItemError:
        call = None  # the call left the consultation file since
    languages = consultation.languages
    found = _CallFacts(
        consultation=consultation,
        call=call,
        consultation_title=consultation.title(language, languages),
        call_title=call.title(language, languages) if call is not None else None,
        consultation_part=consultation_part(consultation),
        organisers=tuple(organiser_addresses(consultation)),
    )
    if len(_call_facts_kept) >= _CALL_FACTS_KEPT:
        _call_facts_kept.clear()  # bounded: a few consultations live in one process
    _call_facts_kept[key] = found
    return found


@attrs.frozen(kw_only=True)
class SubmissionEvent:
    """What both submission events share: the consultation, the submission, its facts."""

    # Events compare and print by the consultation's id, not by the whole value.
    consultation: Consultation = attrs.field(eq=_consultation_id, repr=_consultation_repr)
    submission: Submission

    @property
    def consultation_id(self) -> str:
        return self.consultation.id

    @property
    def submission_id(self) -> str | None:
        return self.submission.id

    @property
    def stable_id(self) -> str | None:
        return None

    def _groups(self) -> list[str]:
        submitter = self.submission.submitter
        return [submitter.group] if submitter is not None and submitter.group else []

    def _envelope(self, audience: tuple[str, ...]) -> Payload:
        # Told in the submission's language, to its submitter's group: what envelope()
        # gives, its consultation's part kept per call (_CallFacts).
        consultation, submission = self.consultation, self.submission
        facts = _call_facts(consultation, submission.call_id, submission.language)
        return {
            "consultation": facts.consultation_part,
            "organisers": list(facts.organisers),
            "audience": list(audience),
            "groups": self._groups(),
            "language": submission.language or consultation.default_language,
        }

    def _facts(self) -> Payload:
        consultation, submission = self.consultation, self.submission
        facts = _call_facts(consultation, submission.call_id, submission.language)
        call = facts.call
        submitter = submission.submitter
        return {
            "tracking_number": submission.tracking_number,
            "submission_id": submission.id,
            "consultation_id": consultation.id,
            "consultation_title": facts.consultation_title,
            "call_id": submission.call_id,
            "call_title": facts.call_title,
            "title": submission.title,
            # submitter_name, submitter_email, submitter_organisation: the keys erasure
            # empties (domain.submissions.SUBMITTER_IDENTITY).
            **submitter_identity(submitter),
            "group": submitter.group if submitter else None,
            # Only public fields, consent applied: a payload reaches channels and plugins.
            "fields": public_field_values(submission, call.fields) if call is not None else {},
        }


@attrs.frozen(kw_only=True)
class OnReceipt(SubmissionEvent):
    """An event told once per submission, when it is stored, to its default audience."""

    kind: ClassVar[str]
    default_audience: ClassVar[tuple[str, ...]]

    @property
    def occurred_at(self) -> dt.datetime:
        return self.submission.received_at

    @property
    def audience(self) -> tuple[str, ...]:
        return self.default_audience

    @property
    def dedupe_key(self) -> str:
        return f"{self.kind}:{self.submission.id}"


@attrs.frozen(kw_only=True)
class SubmissionReceived(OnReceipt):
    """A submission was stored: its receipt, written in the same transaction.

    The submitter gets a receipt in the submission's language; the organisers hear of
    every submission.
    """

    kind: ClassVar[str] = "submission.received"
    default_audience: ClassVar[tuple[str, ...]] = ("submitter", "organisers")

    def payload(self) -> Payload:
        """Envelope, the submission's facts, ``received_at``, ``status``, ``public_status``,
        ``provenance`` and ``zone``."""
        submission = self.submission
        return {
            **self._facts(),
            "received_at": iso(submission.received_at),
            "status": str(submission.status),
            "public_status": public_status(submission.status),
            "provenance": str(submission.provenance),
            "zone": self.consultation.zone,
            **self._envelope(self.audience),
        }


@attrs.frozen(kw_only=True)
class SubmissionStatusChanged(SubmissionEvent):
    """A submission's status changed (``entry`` is the history entry recording it).

    The submitter is told, in the submission's language; the organisers too unless one of
    them made the change (a withdrawal is news to them, their own review is not).
    """

    kind: ClassVar[str] = "submission.status-changed"
    default_audience: ClassVar[tuple[str, ...]] = ("submitter", "organisers")

    entry: HistoryEntry

    @property
    def occurred_at(self) -> dt.datetime:
        return self.entry.at

    @property
    def audience(self) -> tuple[str, ...]:
        if self.entry.actor.role is ActorRole.ORGANISER:
            return ("submitter",)
        return self.default_audience

    @property
    def dedupe_key(self) -> str:
        # The format outbox rows have carried since the first release: keep it, so a
        # transition retried across an upgrade is still recognised.
        entry = self.entry
        return (
            f"{self.kind}:{self.submission.id}:{entry.from_status}>{entry.to_status}"
            f"@{entry.at.isoformat()}"
        )

    def payload(self) -> Payload:
        """Envelope, the submission's facts, ``from_status``, ``to_status``,
        ``public_status`` (of the new status), ``reason``, ``actor_role``, ``changed_at``."""
        entry = self.entry
        return {
            **self._facts(),
            "from_status": str(entry.from_status) if entry.from_status else None,
            "to_status": str(entry.to_status),
            "public_status": public_status(entry.to_status),
            "reason": entry.reason,
            "actor_role": str(entry.actor.role),
            "changed_at": iso(entry.at),
            **self._envelope(self.audience),
        }


@attrs.frozen(kw_only=True)
class SubmissionEdited(SubmissionEvent):
    """A submitter edited a submission before the deadline: an updated receipt.

    ``submission`` is the new content; ``version`` its number (2 after the first edit).
    Only the submitter is told: the organisers read the submission when the call closes.
    """

    kind: ClassVar[str] = "submission.edited"
    default_audience: ClassVar[tuple[str, ...]] = ("submitter",)

    version: int

    @property
    def occurred_at(self) -> dt.datetime:
        return self.submission.updated_at

    @property
    def audience(self) -> tuple[str, ...]:
        return self.default_audience

    @property
    def dedupe_key(self) -> str:
        return f"{self.kind}:{self.submission.id}:{self.version}"

    def payload(self) -> Payload:
        """Envelope, the submission's facts, ``received_at``, ``edited_at``, ``version``,
        ``status``, ``public_status`` and ``zone``."""
        submission = self.submission
        return {
            **self._facts(),
            "received_at": iso(submission.received_at),
            "edited_at": iso(submission.updated_at),
            "version": self.version,
            "status": str(submission.status),
            "public_status": public_status(submission.status),
            "zone": self.consultation.zone,
            **self._envelope(self.audience),
        }


@attrs.frozen(kw_only=True)
class SubmissionConfirmationRequested(OnReceipt):
    """A call that asks for e-mail confirmation stored a submission: its submitter gets a
    signed link to follow before ``expires_at`` (written in the same transaction).

    Only the submitter hears of it: the link proves that the address is theirs.
    """

    kind: ClassVar[str] = "submission.confirmation-requested"
    default_audience: ClassVar[tuple[str, ...]] = ("submitter",)

    confirm_url: str
    """The link to follow (absolute when the settings give ``public_url``)."""
    expires_at: dt.datetime = attrs.field(converter=utc_instant)

    def payload(self) -> Payload:
        """Envelope, the submission's facts, ``received_at``, ``confirm_url`` and
        ``expires_at``."""
        return {
            **self._facts(),
            "received_at": iso(self.submission.received_at),
            "confirm_url": self.confirm_url,
            "expires_at": iso(self.expires_at),
            **self._envelope(self.audience),
        }


# -- the clock: phases and calls opening and closing, reminders ------------------------------


@attrs.frozen(kw_only=True)
class ItemEvent:
    """A schedule item reached an instant ``at``; ``ref`` is ``phase:ID`` or ``call:ID``.

    The dedupe key holds the instant, so running ``consultkit remind`` again enqueues
    nothing, while an item moved to a new instant gets its own event.
    """

    kind: ClassVar[str]
    default_audience: ClassVar[tuple[str, ...]] = ("subscribers", "organisers")

    # Events compare and print by the consultation's id, not by the whole value.
    consultation: Consultation = attrs.field(eq=_consultation_id, repr=_consultation_repr)
    ref: str
    at: dt.datetime = attrs.field(converter=utc_instant)
    groups: tuple[str, ...] = ()

    @property
    def consultation_id(self) -> str:
        return self.consultation.id

    @property
    def occurred_at(self) -> dt.datetime:
        return self.at

    @property
    def audience(self) -> tuple[str, ...]:
        return self.default_audience

    @property
    def submission_id(self) -> str | None:
        return None

    @property
    def stable_id(self) -> str | None:
        return None

    @property
    def dedupe_key(self) -> str:
        return f"{self.kind}:{self.consultation.id}:{self.ref}:{iso(self.at)}"

    def payload(self) -> Payload:
        """Envelope and ``item`` (:func:`item_part`, with ``at``)."""
        return {
            **envelope(self.consultation, audience=self.audience, groups=self.groups),
            "item": item_part(self.consultation, self.ref, at=self.at),
        }


@attrs.frozen(kw_only=True)
class PhaseOpened(ItemEvent):
    """A phase started (not sent for a phase that is a deadline)."""

    kind: ClassVar[str] = "phase.opened"


@attrs.frozen(kw_only=True)
class CallOpened(ItemEvent):
    """A call opened for submissions."""

    kind: ClassVar[str] = "call.opened"


@attrs.frozen(kw_only=True)
class CallClosed(ItemEvent):
    """A call's deadline passed."""

    kind: ClassVar[str] = "call.closed"


_FOR_MOMENT: Final[Mapping[Moment, type[ItemEvent]]] = {
    Moment.PHASE_OPENED: PhaseOpened,
    Moment.CALL_OPENED: CallOpened,
    Moment.CALL_CLOSED: CallClosed,
}


def moment_event(consultation: Consultation, due: DueMoment) -> ItemEvent:
    """The event announcing a due moment (:func:`consultkit.domain.reminders.due_moments`)."""
    return _FOR_MOMENT[due.moment](
        consultation=consultation, ref=due.ref, at=due.at, groups=due.groups
    )


@attrs.frozen(kw_only=True)
class ReviewerWork:
    """What one reviewer still has to do in a review round, for a reminder addressed to
    them: their id (never their name or address), how many reviews they were assigned and
    how many are still to give, and the language to write to them in."""

    reviewer_id: str
    assigned: int
    open: int
    language: str


@attrs.frozen(kw_only=True)
class ReminderDue:
    """A reminder ``before`` the instant ``anchor_at`` of ``reminder.anchor`` fell due.

    Its audience is the reminder's own (default: subscribers). The dedupe key is
    ``reminder:CONSULTATION:REMINDER:SECONDS:ANCHOR_INSTANT``: a second run enqueues
    nothing; when the item moves, the anchor instant changes and the new instant gets its
    own reminder.

    With ``work``, it is the copy of a review round's reminder addressed to one reviewer
    (audience ``reviewer``): the key ends with ``:reviewer:ID``, the id comes from the key,
    and the payload's ``review`` part says what is left to do. The reviewer's address is
    not in the event: ``consultkit remind --reviewers FILE`` routes it from the private
    reviewers file.
    """

    kind: ClassVar[str] = "reminder.due"
    default_audience: ClassVar[tuple[str, ...]] = ("subscribers",)

    # Events compare and print by the consultation's id, not by the whole value.
    consultation: Consultation = attrs.field(eq=_consultation_id, repr=_consultation_repr)
    reminder: Reminder
    before: dt.timedelta
    anchor_at: dt.datetime = attrs.field(converter=utc_instant)
    groups: tuple[str, ...] = ()
    work: ReviewerWork | None = None

    @classmethod
    def of(
        cls, consultation: Consultation, due: DueReminder, work: ReviewerWork | None = None
    ) -> ReminderDue:
        """The event of a due reminder (:func:`consultkit.domain.reminders.due_reminders`),
        addressed to one reviewer with ``work``."""
        return cls(
            consultation=consultation,
            reminder=due.reminder,
            before=due.before,
            anchor_at=due.anchor_at,
            groups=() if work is not None else due.groups,
            work=work,
        )

    @property
    def consultation_id(self) -> str:
        return self.consultation.id

    @property
    def occurred_at(self) -> dt.datetime:
        return self.anchor_at - self.before

    @property
    def audience(self) -> tuple[str, ...]:
        if self.work is not None:
            return ("reviewer",)
        return tuple(self.reminder.audience)

    @property
    def submission_id(self) -> str | None:
        return None

    @property
    def stable_id(self) -> str | None:
        # A reviewer's copy is routed by the run that enqueues it, and again by a later run
        # if that one stopped half-way: both must name the same stored event.
        if self.work is None:
            return None
        return f"reminder-{hashlib.sha256(self.dedupe_key.encode()).hexdigest()[:32]}"

    @property
    def dedupe_key(self) -> str:
        seconds = int(self.before.total_seconds())
        key = f"reminder:{self.consultation.id}:{self.reminder.id}:{seconds}:{iso(self.anchor_at)}"
        return key if self.work is None else f"{key}:reviewer:{self.work.reviewer_id}"

    def payload(self) -> Payload:
        """Envelope, ``item`` and ``reminder`` (id, anchor, edge, before_seconds,
        anchor_at, due_at); a reviewer's copy also ``review`` (round, reviewer, assigned,
        open)."""
        reminder = self.reminder
        work = self.work
        payload: Payload = {
            **envelope(
                self.consultation,
                audience=self.audience,
                groups=self.groups,
                language=work.language if work is not None else None,
            ),
            "item": item_part(self.consultation, reminder.anchor, at=self.anchor_at),
            "reminder": {
                "id": reminder.id,
                "anchor": reminder.anchor,
                "edge": str(reminder.edge),
                "before_seconds": int(self.before.total_seconds()),
                "anchor_at": iso(self.anchor_at),
                "due_at": iso(self.occurred_at),
            },
        }
        if work is not None:
            payload["review"] = {
                "round": reminder.anchor.partition(":")[2],
                "reviewer": work.reviewer_id,
                "assigned": work.assigned,
                "open": work.open,
            }
        return payload


# -- publishing ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ScheduleChanged:
    """A published schedule revision changed something since ``previous_revision``.

    ``changes`` are the revision's item changes; ``items`` the schedule as now published
    (for titles, groups and times). The event concerns the union of the changed items'
    groups, or every group when one of the items concerns everyone: a subscriber scoped to
    a stakeholder group hears only about a revision that touches something for them.
    Its id and dedupe key come from what changed, so publishing the same revision twice
    (a retried command) cannot enqueue two events.
    """

    kind: ClassVar[str] = "schedule.changed"
    default_audience: ClassVar[tuple[str, ...]] = ("subscribers", "organisers")

    # Events compare and print by the consultation's id, not by the whole value.
    consultation: Consultation = attrs.field(eq=_consultation_id, repr=_consultation_repr)
    revision: int
    previous_revision: int
    changes: tuple[ItemChange, ...]
    items: tuple[ScheduleItem, ...] = attrs.field(eq=False, repr=False)
    at: dt.datetime = attrs.field(converter=utc_instant)

    @property
    def consultation_id(self) -> str:
        return self.consultation.id

    @property
    def occurred_at(self) -> dt.datetime:
        return self.at

    @property
    def audience(self) -> tuple[str, ...]:
        return self.default_audience

    @property
    def submission_id(self) -> str | None:
        return None

    @property
    def _digest(self) -> str:
        what = [
            self.consultation.id,
            self.revision,
            self.previous_revision,
            [c.as_dict() for c in self.changes],
        ]
        return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:32]

    @property
    def stable_id(self) -> str | None:
        return f"schedule-{self.consultation.id}-{self.revision}-{self._digest[:8]}"

    @property
    def dedupe_key(self) -> str:
        return f"{self.kind}:{self.consultation.id}:{self.revision}:{self._digest}"

    def change_parts(self) -> list[Payload]:
        """One :func:`change_part` per change, with the item as now published."""
        by_uid = {item.uid: item for item in self.items}
        return [change_part(c, by_uid.get(c.uid)) for c in self.changes]

    def payload(self) -> Payload:
        """Envelope, ``revision``, ``previous_revision`` and ``changes`` (one
        :func:`change_part` per item: ``ref``, ``change``, ``title``, ``groups``,
        ``status``, ``time``, ``before``/``after``…)."""
        changes = self.change_parts()
        groups: list[str] = []
        for change in changes:
            item_groups = change.get("groups") or []
            if not item_groups:
                groups = []
                break
            groups.extend(g for g in item_groups if g not in groups)
        return {
            **envelope(self.consultation, audience=self.audience, groups=groups),
            "revision": self.revision,
            "previous_revision": self.previous_revision,
            "changes": changes,
        }


# -- the registry ----------------------------------------------------------------------------

EVENTS: Final[Mapping[str, type[Event]]] = {
    cls.kind: cls
    for cls in (
        SubmissionReceived,
        SubmissionStatusChanged,
        SubmissionEdited,
        SubmissionConfirmationRequested,
        PhaseOpened,
        CallOpened,
        CallClosed,
        ReminderDue,
        ScheduleChanged,
    )
}
"""Every event kind and its class, in the order ``docs/notifications.md`` lists them."""


def event_class(kind: str) -> type[Event] | None:
    """The class of events of ``kind``, or None for a kind consultkit does not define."""
    return EVENTS.get(kind)
