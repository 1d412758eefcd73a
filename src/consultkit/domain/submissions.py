"""Submissions: the values, the lifecycle transition map, who may do what, receipts.

Everything here is pure (no I/O, no plugins): frozen attrs values and functions over them.
The application (``consultkit.app.application``) combines them with a store and plugins.
"""

from __future__ import annotations

import collections
import datetime as dt
import enum
import itertools
import os
import random as _random
import time
from collections.abc import Mapping  # noqa: TC003 (attrs reads the annotations)
from typing import TYPE_CHECKING, Any, Final, Generic, NamedTuple, TypeAlias, TypeVar

import attrs

from consultkit.domain.instants import instant_text, utc_instant, utc_instant_or_none
from consultkit.i18n import Text, deferred
from consultkit.value_methods import shared_value_methods

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    # A record's instants are datetimes unless its type says otherwise; the default needs
    # typing_extensions before Python 3.13, which nothing else loads at run time.
    from typing_extensions import TypeVar as DefaultTypeVar

    InstantT = DefaultTypeVar("InstantT", dt.datetime, str, default=dt.datetime)
else:
    InstantT = TypeVar("InstantT", dt.datetime, str)


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return values if type(values) is tuple else tuple(values)


class SubmissionStatus(enum.StrEnum):
    """Where a submission is in its lifecycle (the internal, organiser-facing status)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under-review"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Provenance(enum.StrEnum):
    """How a submission reached consultkit."""

    WEB = "web"
    API = "api"
    BULK_IMPORT = "bulk-import"
    ORGANISER = "organiser"


class Verification(enum.StrEnum):
    """How far a submission's sender was verified: recorded with every submission.

    ``none``: nothing was asked (the call does not ask, an organiser entered it, a bulk
    import). ``email-unconfirmed``: the call asks for e-mail confirmation and the link
    sent has not been followed yet; such a submission is kept and counted apart, never
    dropped. ``email-confirmed``: the link was followed.
    """

    NONE = "none"
    EMAIL_UNCONFIRMED = "email-unconfirmed"
    EMAIL_CONFIRMED = "email-confirmed"


class ActorRole(enum.StrEnum):
    """The kind of party performing an action on a submission."""

    SUBMITTER = "submitter"
    ORGANISER = "organiser"
    SYSTEM = "system"


def optional_text(value: str | None) -> str | None:
    """An optional one-line value as stored: without surrounding spaces, and ``None`` when
    nothing is left (a form's empty box, a CSV's empty cell)."""
    if value is None:
        return None
    value = value.strip()
    return value or None


@attrs.frozen(kw_only=True)
@shared_value_methods
class Submitter:
    """The person (or body) who sent a submission, in the stakeholder group they chose.

    ``organisation`` and ``country`` are stored as :func:`optional_text` gives them, by
    every way in (``submit``, the web form, the bulk import), so the same person is stored
    alike whichever way they came.
    """

    name: str
    email: str
    group: str
    organisation: str | None = attrs.field(default=None, converter=optional_text)
    country: str | None = attrs.field(default=None, converter=optional_text)


SUBMITTER_IDENTITY: Final[Mapping[str, str]] = {
    "submitter_name": "name",
    "submitter_email": "email",
    "submitter_organisation": "organisation",
}
"""The keys a submitter's identity has in an event payload, each with its :class:`Submitter`
field: what ``consultkit.events`` writes and what erasure empties (one definition, so a
key added to the payload cannot escape erasure)."""


def submitter_identity(submitter: Submitter | None) -> dict[str, str | None]:
    """A submitter's identity under the payload keys of :data:`SUBMITTER_IDENTITY`."""
    return {
        key: None if submitter is None else getattr(submitter, field)
        for key, field in SUBMITTER_IDENTITY.items()
    }


@attrs.frozen(kw_only=True)
@shared_value_methods
class Consent:
    """What the submitter allows to be published; nothing is published by default."""

    publish_text: bool = False
    publish_name: bool = False
    publish_organisation: bool = False


@attrs.frozen(kw_only=True)
@shared_value_methods
class Actor:
    """Who performs an action: a submitter (id: e-mail), an organiser (id: name), the system."""

    role: ActorRole
    id: str


@attrs.frozen(kw_only=True)
@shared_value_methods
class Submission:
    """One contribution to a call, as stored.

    ``submitter`` is ``None`` and ``erased_at`` is set after the submitter's identity was
    erased; ``body`` is ``None`` when the text was removed too. ``fingerprint`` is the
    sha256 of the normalised body (campaign duplicates share it) and stays after erasure.
    """

    id: str
    tracking_number: str
    consultation_id: str
    call_id: str
    submitter: Submitter | None
    title: str
    body: str | None
    language: str
    tags: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    attachments: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    consent: Consent = Consent()
    provenance: Provenance = Provenance.WEB
    status: SubmissionStatus = SubmissionStatus.SUBMITTED
    received_at: dt.datetime = attrs.field(converter=utc_instant)
    updated_at: dt.datetime = attrs.field(converter=utc_instant)
    fingerprint: str
    idempotency_key: str | None = None
    erased_at: dt.datetime | None = attrs.field(default=None, converter=utc_instant_or_none)
    fields: Mapping[str, Any] = attrs.field(factory=dict, converter=dict)
    """Values of the call's declared fields by key (JSON data); empty for calls without."""
    verification: Verification = Verification.NONE
    """How far the sender was verified (:class:`Verification`)."""
    held: str | None = None
    """Why plugins hold it for review (``plugin: reason``, ``; ``-separated), or None.

    A held submission is stored and counted like any other; organisers see it, and their
    review decision releases it (``screen_submission``)."""


class SubmissionRecord(NamedTuple, Generic[InstantT]):
    """A submission flat: its submitter and consent as plain fields, for reading many fast.

    What :meth:`~consultkit.storage.protocols.SubmissionStore.submission_records` streams
    for exports (issue 14: building a :class:`Submission` per row, five JSON decodes and
    an attrs object, was most of an export's cost). The fields are the full export's
    columns in order, then the call fields' values; :func:`submission_record` makes one
    from a :class:`Submission`, and a store's records must equal those.

    Its instants are datetimes (``SubmissionRecord`` is ``SubmissionRecord[datetime]``), or
    in a store's stream the text an export writes (``SubmissionRecord[str]``, see
    :class:`SubmissionRecordStream`).
    """

    id: str
    tracking_number: str
    consultation_id: str
    call_id: str
    group: str | None
    language: str
    status: SubmissionStatus
    received_at: InstantT
    updated_at: InstantT
    title: str
    body: str | None
    tags: tuple[str, ...]
    attachments: tuple[str, ...]
    submitter_name: str | None
    submitter_email: str | None
    submitter_organisation: str | None
    submitter_country: str | None
    consent_publish_text: bool
    consent_publish_name: bool
    consent_publish_organisation: bool
    provenance: Provenance
    fingerprint: str
    idempotency_key: str | None
    erased_at: InstantT | None
    verification: Verification
    held: str | None
    fields: Mapping[str, Any]


def submission_record(s: Submission) -> SubmissionRecord:
    """``s`` flat (a submitter erased: ``None`` in each of its fields)."""
    who = s.submitter
    consent = s.consent
    return SubmissionRecord(
        s.id,
        s.tracking_number,
        s.consultation_id,
        s.call_id,
        None if who is None else who.group,
        s.language,
        s.status,
        s.received_at,
        s.updated_at,
        s.title,
        s.body,
        s.tags,
        s.attachments,
        None if who is None else who.name,
        None if who is None else who.email,
        None if who is None else who.organisation,
        None if who is None else who.country,
        consent.publish_text,
        consent.publish_name,
        consent.publish_organisation,
        s.provenance,
        s.fingerprint,
        s.idempotency_key,
        s.erased_at,
        s.verification,
        s.held,
        s.fields,
    )


def record_instants_as_text(r: SubmissionRecord) -> SubmissionRecord[str]:
    """``r`` with its instants as an export writes them
    (:func:`~consultkit.domain.instants.instant_text`)."""
    values = r._asdict()
    values["received_at"] = instant_text(r.received_at)
    values["updated_at"] = instant_text(r.updated_at)
    if r.erased_at is not None:
        values["erased_at"] = instant_text(r.erased_at)
    return SubmissionRecord(**values)


@attrs.frozen
@shared_value_methods
class SubmissionRecordStream(Generic[InstantT]):
    """Records read in one pass, and the form their instants take.

    What :meth:`~consultkit.storage.protocols.SubmissionStore.submission_records` returns.
    A store that holds instants as text gives them as the text an export writes
    (:meth:`of_text`), so an export neither parses nor formats one per row (issue 14);
    records made from submissions keep their datetimes (:meth:`of_datetimes`). Build one
    with those two, so the form said is the records' form.
    """

    records: Iterable[SubmissionRecord[InstantT]]
    instants_as_text: bool
    """Whether the instants are :func:`~consultkit.domain.instants.instant_text`'s text."""

    @classmethod
    def of_text(cls, records: Iterable[SubmissionRecord[str]]) -> SubmissionRecordStream[str]:
        """A stream of records whose instants are an export's text already."""
        return SubmissionRecordStream(records=records, instants_as_text=True)

    @classmethod
    def of_datetimes(
        cls, records: Iterable[SubmissionRecord[dt.datetime]]
    ) -> SubmissionRecordStream[dt.datetime]:
        """A stream of records whose instants are datetimes."""
        return SubmissionRecordStream(records=records, instants_as_text=False)

    def __iter__(self) -> Iterator[SubmissionRecord[InstantT]]:
        return iter(self.records)

    def with_instant_text(self) -> Iterator[SubmissionRecord[str]]:
        """The records with their instants as an export writes them (converted only when
        they are datetimes)."""
        if self.instants_as_text:
            return iter(self.records)  # type: ignore[arg-type]  # said by the constructor
        return map(record_instants_as_text, self.records)  # type: ignore[arg-type]


#: What a store's :meth:`~consultkit.storage.protocols.SubmissionStore.submission_records`
#: may return: records with text instants or with datetimes.
AnySubmissionRecordStream: TypeAlias = (
    "SubmissionRecordStream[str] | SubmissionRecordStream[dt.datetime]"
)


def submission_from_record(r: SubmissionRecord) -> Submission:
    """The :class:`Submission` of a record: the inverse of :func:`submission_record`.

    A record whose ``group`` is ``None`` has no submitter (erased).
    """
    return Submission(
        id=r.id,
        tracking_number=r.tracking_number,
        consultation_id=r.consultation_id,
        call_id=r.call_id,
        submitter=None
        if r.group is None
        else Submitter(
            name=r.submitter_name or "",
            email=r.submitter_email or "",
            group=r.group,
            organisation=r.submitter_organisation,
            country=r.submitter_country,
        ),
        title=r.title,
        body=r.body,
        language=r.language,
        tags=r.tags,
        attachments=r.attachments,
        consent=Consent(
            publish_text=r.consent_publish_text,
            publish_name=r.consent_publish_name,
            publish_organisation=r.consent_publish_organisation,
        ),
        provenance=r.provenance,
        status=r.status,
        received_at=r.received_at,
        updated_at=r.updated_at,
        fingerprint=r.fingerprint,
        idempotency_key=r.idempotency_key,
        erased_at=r.erased_at,
        fields=r.fields,
        verification=r.verification,
        held=r.held,
    )


@attrs.frozen(kw_only=True)
@shared_value_methods
class HistoryEntry:
    """One recorded status change: who, when, from which status to which, and why."""

    submission_id: str
    at: dt.datetime = attrs.field(converter=utc_instant)
    actor: Actor
    from_status: SubmissionStatus | None
    to_status: SubmissionStatus
    reason: str | None = None


@attrs.frozen(kw_only=True)
@shared_value_methods
class SubmissionVersion:
    """An earlier version of an edited submission: its content until ``replaced_at``.

    Version 1 is the content first received; each edit keeps the content it replaces as
    the next version, so a submission edited twice has versions 1 and 2 here and shows
    version 3. Erasing the submitter removes these too.
    """

    submission_id: str
    version: int
    replaced_at: dt.datetime = attrs.field(converter=utc_instant)
    title: str
    body: str | None
    language: str
    tags: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    attachments: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    consent: Consent = Consent()
    fields: Mapping[str, Any] = attrs.field(factory=dict, converter=dict)
    fingerprint: str


def version_of(
    submission: Submission, *, version: int, replaced_at: dt.datetime
) -> SubmissionVersion:
    """The content of ``submission`` kept as ``version`` when an edit replaces it."""
    return SubmissionVersion(
        submission_id=submission.id,
        version=version,
        replaced_at=replaced_at,
        title=submission.title,
        body=submission.body,
        language=submission.language,
        tags=submission.tags,
        attachments=submission.attachments,
        consent=submission.consent,
        fields=submission.fields,
        fingerprint=submission.fingerprint,
    )


@attrs.frozen(kw_only=True)
@shared_value_methods
class Receipt:
    """What a submitter gets back: the tracking number to quote, and what happened.

    ``replayed`` is true when the same idempotency key was sent again and the original
    receipt is returned instead of a second submission.
    """

    tracking_number: str
    submission_id: str
    consultation_id: str
    call_id: str
    received_at: dt.datetime = attrs.field(converter=utc_instant)
    status: SubmissionStatus
    replayed: bool = False
    version: int = 1
    """1 for a submission as first received, 2 after its first edit, and so on."""


# --------------------------------------------------------------------------------------
# Drafts: what a submitter sends before consultkit gives it an id and a tracking number.


@attrs.frozen(kw_only=True)
@shared_value_methods
class Draft:
    """The fields a submitter fills in; :func:`check_submission` decides if it may be sent."""

    call_id: str
    submitter: Submitter
    title: str
    body: str
    language: str = "en"
    tags: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    attachments: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    consent: Consent = Consent()
    fields: Mapping[str, Any] = attrs.field(factory=dict, converter=dict)
    """Values of the call's declared fields by key (``consultkit.domain.fields``)."""


class DraftFields(NamedTuple):
    """A draft's fields flat, its submitter's spread out and its consent as three flags.

    What a bulk import reads from each row instead of building a :class:`Draft` (issue
    14); :func:`draft_fields` gives them for a draft. ``consent`` is (publish text,
    publish name, publish organisation).
    """

    call_id: str
    group: str
    name: str
    email: str
    organisation: str | None
    country: str | None
    title: str
    body: str
    language: str
    tags: tuple[str, ...]
    attachments: tuple[str, ...]
    consent: tuple[bool, bool, bool]
    fields: Mapping[str, Any]


def draft_fields(draft: Draft) -> DraftFields:
    """The fields of ``draft``, flat."""
    who, consent = draft.submitter, draft.consent
    return DraftFields(
        draft.call_id,
        who.group,
        who.name,
        who.email,
        who.organisation,
        who.country,
        draft.title,
        draft.body,
        draft.language,
        draft.tags,
        draft.attachments,
        (consent.publish_text, consent.publish_name, consent.publish_organisation),
        draft.fields,
    )


# --------------------------------------------------------------------------------------
# Identifiers.

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Crockford's decoding leniency: people read O as 0 and I/L as 1; U is never issued.
_CROCKFORD_DECODE = {c: c for c in _CROCKFORD} | {"O": "0", "I": "1", "L": "1"}
_RFC4648_TO_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _CROCKFORD)
TRACKING_PREFIX = "CK"
TRACKING_BITS = 80
_TRACKING_CHARS = TRACKING_BITS // 5  # 16 characters, 5 bits each


def new_submission_id(at: dt.datetime | None = None) -> str:
    """A time-ordered id in the UUIDv7 layout (RFC 9562 §5.7), as a hyphenated string.

    The first 48 bits are the Unix time in milliseconds, so ids made later sort later and
    SQLite inserts land at the end of the primary-key index (about 1.5x faster bulk loads
    than random uuid4 keys, see the reliability notes §4 1b); 74 random bits follow.
    """
    millis = int((at.timestamp() if at is not None else time.time()) * 1000)
    # Ids are not secrets (the tracking number is), so the fast PRNG is enough here; it is
    # reseeded after fork, and os.urandom costs a system call per row in bulk imports.
    rand = _random.getrandbits(80)
    rand_a = rand >> 68  # 12 bits
    rand_b = rand & ((1 << 62) - 1)
    value = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    h = f"{value:032x}"  # what str(uuid.UUID(int=value)) gives, without building one
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_TRACKING_POOL = 256
"""Tracking numbers drawn per call to :func:`secrets.token_bytes` (issue 14: one system
call per number was a measurable share of a bulk import's per-row cost)."""
_tracking_numbers: collections.deque[str] = collections.deque()
# A forked child must not hand out the numbers its parent drew (both would issue them).
os.register_at_fork(after_in_child=_tracking_numbers.clear)


def _draw_tracking_numbers(count: int) -> list[str]:
    # Imported here: secrets brings hmac, hashlib and OpenSSL's bindings (5 ms), which
    # only a verb that issues a tracking number needs (issue 14).
    import base64
    import secrets

    # base64's RFC 4648 base32 runs in C; translating its alphabet to Crockford's keeps
    # this cheap enough for bulk imports. 10 bytes are exactly 16 characters, no padding.
    raw = secrets.token_bytes(TRACKING_BITS // 8 * count)
    text = base64.b32encode(raw).decode("ascii").translate(_RFC4648_TO_CROCKFORD)
    return [
        f"{TRACKING_PREFIX}-{text[i : i + 4]}-{text[i + 4 : i + 8]}"
        f"-{text[i + 8 : i + 12]}-{text[i + 12 : i + 16]}"
        for i in range(0, _TRACKING_CHARS * count, _TRACKING_CHARS)
    ]


def new_tracking_number() -> str:
    """An unguessable, human-typable tracking number such as ``CK-7Q2M-9X4D-HT3P-0B5R``.

    80 bits from :mod:`secrets`, written in Crockford base32 (no I, L, O or U, so nothing
    is ambiguous when read aloud or retyped) in groups of four. Numbers are drawn
    :data:`_TRACKING_POOL` at a time; each is handed out once (``deque.popleft`` is
    atomic, so threads never share one) and a forked child starts with none.
    """
    while True:
        try:
            return _tracking_numbers.popleft()
        except IndexError:
            _tracking_numbers.extend(_draw_tracking_numbers(_TRACKING_POOL))


def normalize_tracking_number(text: str) -> str | None:
    """The canonical form of a tracking number typed by a person, or None if it is not one.

    Case, spaces and hyphens do not matter, the ``CK`` prefix is optional, and O, I and L
    are read as 0, 1 and 1.
    """
    compact = "".join(ch for ch in text.upper() if ch not in " -_\t")
    if compact.startswith(TRACKING_PREFIX) and len(compact) == _TRACKING_CHARS + 2:
        compact = compact[2:]
    if len(compact) != _TRACKING_CHARS:
        return None
    decoded = []
    for ch in compact:
        mapped = _CROCKFORD_DECODE.get(ch)
        if mapped is None:
            return None
        decoded.append(mapped)
    groups = ["".join(decoded[i : i + 4]) for i in range(0, _TRACKING_CHARS, 4)]
    return "-".join([TRACKING_PREFIX, *groups])


def weak_tracking_number(canonical: str) -> Text | None:
    """Why the canonical tracking number ``canonical`` cannot be random, or None.

    Tracking numbers are 80 random bits and are the only thing a submitter needs to
    withdraw; an imported one must look random too, or it may be guessed
    (``CK-0000-0000-0000-0000``). Refused: fewer than 5 distinct symbols, a run of 8 equal
    symbols, or 8 consecutive symbols of the alphabet (up or down). Each happens to a
    random number with probability below 1e-9, so a number consultkit made is never
    refused.
    """
    symbols = canonical.removeprefix(f"{TRACKING_PREFIX}-").replace("-", "")
    if len(set(symbols)) < 5:
        return deferred.gettext("it uses fewer than 5 different symbols")
    positions = [_CROCKFORD.index(ch) for ch in symbols]
    runs = (
        (0, deferred.gettext("it has 8 equal symbols in a row")),
        (1, deferred.gettext("it has 8 consecutive symbols")),
    )
    for step, what in runs:
        for sign in (1, -1) if step else (1,):
            run = 1
            for a, b in itertools.pairwise(positions):
                run = run + 1 if b - a == sign * step else 1
                if run >= 8:
                    return what
    return None
