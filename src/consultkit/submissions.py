"""Submissions: the values, the lifecycle transition map, who may do what, receipts.

Everything here is pure (no I/O, no plugins): frozen attrs values and functions over them.
The application (``consultkit.app``) combines them with a store and plugins.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import random as _random
import re
import secrets
import time
import unicodedata
import uuid
import zoneinfo
from typing import TYPE_CHECKING

import attrs

from consultkit.errors import PermissionDeniedError, RuleRefusedError, TransitionError
from consultkit.instants import utc_instant, utc_instant_or_none
from consultkit.windows import DayWindow, Deadline, ExactWindow, Precision

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from consultkit.model import Call, Consultation


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


class ActorRole(enum.StrEnum):
    """The kind of party performing an action on a submission."""

    SUBMITTER = "submitter"
    ORGANISER = "organiser"
    SYSTEM = "system"


@attrs.frozen(kw_only=True)
class Submitter:
    """The person (or body) who sent a submission, in the stakeholder group they chose."""

    name: str
    email: str
    group: str
    organisation: str | None = None
    country: str | None = None


@attrs.frozen(kw_only=True)
class Consent:
    """What the submitter allows to be published; nothing is published by default."""

    publish_text: bool = False
    publish_name: bool = False
    publish_organisation: bool = False


@attrs.frozen(kw_only=True)
class Actor:
    """Who performs an action: a submitter (id: e-mail), an organiser (id: name), the system."""

    role: ActorRole
    id: str


@attrs.frozen(kw_only=True)
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


@attrs.frozen(kw_only=True)
class HistoryEntry:
    """One recorded status change: who, when, from which status to which, and why."""

    submission_id: str
    at: dt.datetime = attrs.field(converter=utc_instant)
    actor: Actor
    from_status: SubmissionStatus | None
    to_status: SubmissionStatus
    reason: str | None = None


@attrs.frozen(kw_only=True)
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


# --------------------------------------------------------------------------------------
# Drafts: what a submitter sends before consultkit gives it an id and a tracking number.


@attrs.frozen(kw_only=True)
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
    return str(uuid.UUID(int=value))


def new_tracking_number() -> str:
    """An unguessable, human-typable tracking number such as ``CK-7Q2M-9X4D-HT3P-0B5R``.

    80 bits from :mod:`secrets`, written in Crockford base32 (no I, L, O or U, so nothing
    is ambiguous when read aloud or retyped) in groups of four.
    """
    # base64's RFC 4648 base32 runs in C; translating its alphabet to Crockford's keeps
    # this cheap enough for bulk imports.
    text = base64.b32encode(secrets.token_bytes(TRACKING_BITS // 8)).decode("ascii")
    text = text.translate(_RFC4648_TO_CROCKFORD)
    return f"{TRACKING_PREFIX}-{text[0:4]}-{text[4:8]}-{text[8:12]}-{text[12:16]}"


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


# --------------------------------------------------------------------------------------
# Tags: WSIS Action Lines C1-C11 and the Sustainable Development Goals 1-17.

_TAG_PATTERN = re.compile(r"^\s*(?:(c)\s*(\d{1,2})|(sdg)\s*[-_ ]?\s*(\d{1,2}))\s*$", re.IGNORECASE)
ACTION_LINES = tuple(f"C{i}" for i in range(1, 12))
SDGS = tuple(f"SDG{i}" for i in range(1, 18))
KNOWN_TAGS = frozenset(ACTION_LINES + SDGS)


def normalize_tag(text: str) -> str:
    """The canonical tag (``C7``, ``SDG4``) for what a person typed (``c7``, ``SDG 4``).

    Raises ``ValueError`` naming the accepted tags when ``text`` is neither a WSIS Action
    Line (C1-C11) nor a Sustainable Development Goal (SDG1-SDG17).
    """
    match = _TAG_PATTERN.match(text)
    if match is not None:
        tag = f"C{int(match[2])}" if match[1] else f"SDG{int(match[4])}"
        if tag in KNOWN_TAGS:
            return tag
    raise ValueError(
        f"unknown tag {text!r}: use a WSIS Action Line C1 to C11 or a Sustainable"
        " Development Goal SDG1 to SDG17"
    )


# --------------------------------------------------------------------------------------
# Fingerprints: campaign duplicates are detected and counted, never dropped.

_PUNCTUATION = re.compile(r"[^\w\s]+")


def normalize_body(text: str) -> str:
    """The body as campaigns are compared: casefolded, punctuation removed, spaces collapsed.

    Unicode is put in NFKC form first so that look-alike characters (full-width letters,
    ligatures) compare equal.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    without = _PUNCTUATION.sub(" ", folded).replace("_", " ")
    # split/join collapses Unicode whitespace like ``\s+`` but in C, without a second regex
    # pass (this runs once per row in bulk imports).
    return " ".join(without.split())


def fingerprint(text: str) -> str:
    """The sha256 (hex) of :func:`normalize_body`: identical campaign letters share it."""
    return hashlib.sha256(normalize_body(text).encode("utf-8")).hexdigest()


NEAR_DUPLICATE_SIMILARITY = 0.5
"""Default Jaccard similarity (of word 3-shingle sets) at which two texts are one campaign."""
NEAR_DUPLICATE_MIN_WORDS = 10
"""Texts with fewer words are grouped only when identical: in "I agree." vs "I disagree."
one word is the whole meaning, and a few shingles give no reliable similarity."""
SHINGLE_WORDS = 3
MINHASH_BANDS = 32
"""LSH bands of :data:`MINHASH_ROWS` MinHash values each: a pair at similarity s shares a
band with probability about 1 - (1 - s**2)**32 (0.9999 at 0.5, 0.996 at 0.4, 0.077 at
0.05), so candidates are found near-linearly and then checked exactly."""
MINHASH_ROWS = 2
_BINS = MINHASH_BANDS * MINHASH_ROWS  # 64: a power of two, the top 6 bits pick the bin
_BIN_SHIFT = 64 - (_BINS.bit_length() - 1)
_LOW = (1 << _BIN_SHIFT) - 1


def shingles(text: str, *, size: int = SHINGLE_WORDS) -> frozenset[int]:
    """64-bit hashes of the word ``size``-shingles of :func:`normalize_body`.

    A text of ``size`` words or fewer is one shingle (none when empty). Each word is
    hashed with blake2b and a shingle's hash mixes its words' hashes with odd 64-bit
    multipliers, so it is the same in every process and costs a few multiplications
    instead of a hash call per shingle. Hashes rather than strings: smaller sets.
    """
    return _shingle_hashes(normalize_body(text).split(), {}, size)


_WORD_MEMO_LIMIT = 500_000
_MIX_A = 0x9E3779B97F4A7C15  # odd 64-bit constants (golden ratio, splitmix64)
_MIX_B = 0xBF58476D1CE4E5B9
_MASK64 = (1 << 64) - 1


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest())


def _shingle_hashes(
    words: Sequence[str], memo: dict[str, int], size: int = SHINGLE_WORDS
) -> frozenset[int]:
    if len(memo) > _WORD_MEMO_LIMIT:  # the vocabulary of a huge consultation: start afresh
        memo.clear()
    hashes = []
    for word in words:
        value = memo.get(word)
        if value is None:
            value = memo[word] = _word_hash(word)
        hashes.append(value)
    if len(hashes) <= size:
        hashes = [_combine(hashes)] if hashes else []
    elif size == SHINGLE_WORDS:
        hashes = [
            ((a * _MIX_A + b) * _MIX_A + c) * _MIX_B & _MASK64
            for a, b, c in zip(hashes, hashes[1:], hashes[2:], strict=False)
        ]
    else:
        hashes = [_combine(hashes[i : i + size]) for i in range(len(hashes) - size + 1)]
    return frozenset(hashes)


def _combine(hashes: Sequence[int]) -> int:
    value = 0
    for item in hashes:
        value = value * _MIX_A + item
    return value * _MIX_B & _MASK64


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    """|a & b| / |a | b|: 1.0 for equal sets (two empty sets included), 0.0 for disjoint."""
    if not a and not b:
        return 1.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def minhash(hashes: Iterable[int]) -> tuple[int, ...]:
    """A MinHash signature of 64 values for a set of 64-bit shingle hashes.

    One-permutation hashing (Li, Owen and Zhang 2012): the top 6 bits of each hash pick
    one of 64 bins and each bin keeps its smallest remaining bits, so one pass over the
    set gives all 64 minima; an empty bin borrows the next filled bin's value tagged with
    the distance (rotation densification, Shrivastava and Li 2014). Two sets agree on a
    value with probability about their Jaccard similarity. Empty input gives ``()``.
    """
    empty = _LOW + 1
    mins = [empty] * _BINS
    for value in hashes:
        slot = value >> _BIN_SHIFT
        low = value & _LOW
        if low < mins[slot]:
            mins[slot] = low
    if empty not in mins:
        return tuple(mins)
    filled = [slot for slot in range(_BINS) if mins[slot] != empty]
    if not filled:
        return ()
    signature = list(mins)
    donor, distance = mins[filled[-1]], 0
    for slot in range(filled[-1] - 1, filled[-1] - _BINS, -1):  # once round, backwards
        current = mins[slot]  # negative slots wrap round
        if current != empty:
            donor, distance = current, 0
        else:
            distance += 1
            signature[slot] = donor | distance << _BIN_SHIFT
    return tuple(signature)


@attrs.frozen(kw_only=True)
class DuplicateGroup:
    """Submissions whose bodies are the same (``exact``) or nearly the same campaign text.

    ``ids`` lists the copies of the group's leading text (its most copied one) first, then
    the others; within one text, in the order given.
    """

    ids: tuple[str, ...]
    exact: bool

    @property
    def count(self) -> int:
        return len(self.ids)


def duplicate_groups(
    bodies: Iterable[tuple[str, str]],
    *,
    similarity: float = NEAR_DUPLICATE_SIMILARITY,
    exact_only: bool = False,
) -> list[DuplicateGroup]:
    """Group ``(id, body)`` pairs into exact and near-duplicate campaigns; singletons omitted.

    Exact groups share a :func:`fingerprint`. Near groups gather distinct texts whose word
    3-shingle sets have a Jaccard similarity of at least ``similarity`` with the group's
    leading text. Texts are taken most copied first (ties by fingerprint, so the result
    does not depend on the input order); each one joins the first leading text it is
    similar enough to (candidates in band order), or leads a new group. Candidates come
    from MinHash LSH over the leading texts only (:data:`MINHASH_BANDS` bands of
    :data:`MINHASH_ROWS`), and each candidate is
    checked on the exact shingle sets, so the cost stays near linear and no group holds a
    text below the threshold against its leader (any two members are then at least
    ``2 * similarity - 1`` similar: Jaccard distance is a metric). Texts of fewer than
    :data:`NEAR_DUPLICATE_MIN_WORDS` words are only grouped with identical copies.

    ``exact_only`` keeps identical copies only. Nothing is removed: the groups are for
    counting and reporting.
    """
    if not 0.0 < similarity <= 1.0:
        raise ValueError(f"similarity must be in (0, 1], not {similarity!r}")
    by_print: dict[str, list[str]] = {}
    texts: dict[str, str] = {}
    for item_id, body in bodies:
        normalized = normalize_body(body)
        key = hashlib.sha256(normalized.encode("utf-8")).hexdigest()  # fingerprint(body)
        members = by_print.setdefault(key, [])
        if not members:
            texts[key] = normalized
        members.append(item_id)

    order = sorted(by_print, key=lambda key: (-len(by_print[key]), key))
    near = not exact_only and similarity < 1.0
    leader_of: dict[str, str] = {}
    leader_grams: dict[str, frozenset[int]] = {}
    memo: dict[str, int] = {}
    buckets: dict[tuple[int, ...], list[str]] = {}
    for key in order:
        leader_of[key] = key
        if not near:
            continue
        words = texts[key].split()
        if len(words) < NEAR_DUPLICATE_MIN_WORDS:
            continue
        grams = _shingle_hashes(words, memo)
        signature = minhash(grams)
        bands = [
            (band, *signature[band * MINHASH_ROWS : (band + 1) * MINHASH_ROWS])
            for band in range(MINHASH_BANDS)
        ]
        best = None
        seen: set[str] = set()
        smallest, largest = len(grams) * similarity, len(grams) / similarity
        for band_key in bands:
            for candidate in buckets.get(band_key, ()):
                if candidate in seen:
                    continue
                seen.add(candidate)
                other = leader_grams[candidate]
                # |a & b| / |a | b| <= min / max: skip sizes that cannot reach the threshold.
                if smallest <= len(other) <= largest and jaccard(grams, other) >= similarity:
                    best = candidate
                    break
            if best is not None:
                break
        if best is not None:
            leader_of[key] = best
            continue
        leader_grams[key] = grams
        for band_key in bands:
            buckets.setdefault(band_key, []).append(key)

    clusters: dict[str, list[str]] = {}
    for key in order:  # leaders come first in their own cluster
        clusters.setdefault(leader_of[key], []).append(key)
    groups = []
    for keys in clusters.values():
        ids = tuple(item for key in keys for item in by_print[key])
        if len(ids) > 1:
            groups.append(DuplicateGroup(ids=ids, exact=len(keys) == 1))
    groups.sort(key=lambda g: (-g.count, g.ids))
    return groups


# --------------------------------------------------------------------------------------
# Lifecycle: the transition map, who may make each move, and the public face of a status.

S = SubmissionStatus

TRANSITIONS: Mapping[SubmissionStatus | None, frozenset[SubmissionStatus]] = {
    None: frozenset({S.DRAFT, S.SUBMITTED}),
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.WITHDRAWN}),
    S.UNDER_REVIEW: frozenset({S.ACCEPTED, S.REJECTED, S.WITHDRAWN}),
    # An organiser may reopen a decision (an appeal, a mistake); the reason is required.
    S.ACCEPTED: frozenset({S.UNDER_REVIEW}),
    S.REJECTED: frozenset({S.UNDER_REVIEW}),
    S.WITHDRAWN: frozenset(),
}
"""Allowed status changes; ``None`` is "not yet stored". Withdrawn is final."""

ALLOWED_ROLES: Mapping[SubmissionStatus, frozenset[ActorRole]] = {
    # Creating: the submitter sends it, an organiser enters it on someone's behalf, or the
    # system imports it in bulk.
    S.DRAFT: frozenset({ActorRole.SUBMITTER, ActorRole.ORGANISER, ActorRole.SYSTEM}),
    S.SUBMITTED: frozenset({ActorRole.SUBMITTER, ActorRole.ORGANISER, ActorRole.SYSTEM}),
    S.UNDER_REVIEW: frozenset({ActorRole.ORGANISER}),
    S.ACCEPTED: frozenset({ActorRole.ORGANISER}),
    S.REJECTED: frozenset({ActorRole.ORGANISER}),
    S.WITHDRAWN: frozenset({ActorRole.SUBMITTER}),
}
"""Who may move a submission *into* each status."""

PUBLIC_STATUS: Mapping[SubmissionStatus, str] = {
    S.DRAFT: "draft",
    S.SUBMITTED: "received",
    # Deliberations are internal: the public sees "received" until a decision is made.
    S.UNDER_REVIEW: "received",
    S.ACCEPTED: "accepted",
    S.REJECTED: "not-accepted",
    S.WITHDRAWN: "withdrawn",
}
"""The status shown to the public and to the submitter."""

_REASON_REQUIRED = frozenset(
    {(S.UNDER_REVIEW, S.REJECTED), (S.ACCEPTED, S.UNDER_REVIEW), (S.REJECTED, S.UNDER_REVIEW)}
)


def public_status(status: SubmissionStatus) -> str:
    """The status as the public and the submitter see it (under review shows as received)."""
    return PUBLIC_STATUS[status]


def is_submitter(actor: Actor, submission: Submission) -> bool:
    """True when ``actor`` is the submitter of ``submission`` (e-mail compared casefolded)."""
    return (
        actor.role is ActorRole.SUBMITTER
        and submission.submitter is not None
        and actor.id.strip().casefold() == submission.submitter.email.strip().casefold()
    )


def plan_transition(
    submission: Submission,
    to_status: SubmissionStatus,
    actor: Actor,
    at: dt.datetime,
    reason: str | None = None,
) -> HistoryEntry:
    """The history entry for moving ``submission`` to ``to_status``, or the rule that refuses.

    Raises :class:`TransitionError` (rule ``transition``) when the map does not allow the
    move, :class:`PermissionDeniedError` when ``actor`` may not make it (rule
    ``who-may``, or ``withdraw-own`` when someone other than the submitter withdraws), and
    :class:`RuleRefusedError` (rule ``reason-required``) when a rejection or a reopening
    has no reason.
    """
    current = submission.status
    if to_status not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "nothing (it is final)"
        raise TransitionError(
            "transition",
            f"submission {submission.tracking_number} is {current}: it cannot become"
            f" {to_status}; from {current} it can become {allowed}",
        )
    roles = ALLOWED_ROLES[to_status]
    if actor.role not in roles:
        who = " or ".join(sorted(roles))
        raise PermissionDeniedError(
            "who-may",
            f"only the {who} may make submission {submission.tracking_number} {to_status},"
            f" not the {actor.role} {actor.id!r}",
        )
    if actor.role is ActorRole.SUBMITTER and not is_submitter(actor, submission):
        raise PermissionDeniedError(
            "withdraw-own",
            f"submission {submission.tracking_number} can only be withdrawn by its submitter:"
            " give the e-mail address it was sent from",
        )
    cleaned = reason.strip() if reason else None
    if (current, to_status) in _REASON_REQUIRED and not cleaned:
        raise RuleRefusedError(
            "reason-required",
            f"making submission {submission.tracking_number} {to_status} needs a reason"
            " (it is sent to the submitter and kept in the history)",
        )
    return HistoryEntry(
        submission_id=submission.id,
        at=at,
        actor=actor,
        from_status=current,
        to_status=to_status,
        reason=cleaned or None,
    )


def is_valid_history(entries: Sequence[HistoryEntry]) -> bool:
    """True when ``entries`` is a path through :data:`TRANSITIONS` starting from nothing."""
    current: SubmissionStatus | None = None
    for entry in entries:
        if entry.from_status != current or entry.to_status not in TRANSITIONS[current]:
            return False
        current = entry.to_status
    return True


# --------------------------------------------------------------------------------------
# Submitting: the rules a draft must pass before it is stored.

MAX_TITLE_CHARS = 500
MAX_BODY_CHARS = 100_000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
CONTENT_FIELDS = ("title", "body", "tags", "attachments", "organisation", "country")


@attrs.frozen(kw_only=True)
class CallTimes:
    """When a call opens and closes, as far as the model knows.

    ``opens`` is the first instant submissions are accepted and ``closes`` the first
    instant that is too late (both UTC); ``None`` means unknown, which counts as open.
    ``deadline`` is the :class:`~consultkit.windows.Deadline` behind ``closes``, if any.
    """

    opens: dt.datetime | None
    closes: dt.datetime | None
    deadline: Deadline | None
    notes: tuple[str, ...] = ()


def call_times(consultation: Consultation, call: Call) -> CallTimes:
    """Resolve a call's opening and closing instants from the call or the phases it names.

    The opening is ``opens_at`` or the start of the ``opens_with`` phase; the closing is
    the call's ``deadline`` or the ``closes_with`` phase's deadline (a phase whose window
    is a day or exact range closes at its end). A month-only or unscheduled phase says
    nothing certain, so that side stays unknown and a note says so.
    """
    notes: list[str] = []
    opens: dt.datetime | None = None
    if call.opens_at is not None:
        opens = utc_instant(call.opens_at)
    elif call.opens_with is not None:
        window = consultation.phase(call.opens_with).window
        if window.precision in (Precision.MINUTE, Precision.DAY) and window.earliest() is not None:
            opens = utc_instant(window.earliest())  # type: ignore[arg-type]
        else:
            notes.append(f"the opening of call {call.id!r} is not known precisely: treated as open")
    else:
        notes.append(f"call {call.id!r} has no opening: treated as open")

    deadline: Deadline | None = call.deadline
    closes: dt.datetime | None = None
    if deadline is None and call.closes_with is not None:
        window = consultation.phase(call.closes_with).window
        if isinstance(window, Deadline):
            deadline = window
        elif isinstance(window, ExactWindow | DayWindow):
            closes = utc_instant(window.latest())
        else:
            notes.append(
                f"the deadline of call {call.id!r} is not known precisely: treated as open"
            )
    elif deadline is None:
        notes.append(f"call {call.id!r} has no deadline: treated as open")
    if deadline is not None:
        closes = utc_instant(deadline.cutoff())
    return CallTimes(opens=opens, closes=closes, deadline=deadline, notes=tuple(notes))


def _describe_instant(instant: dt.datetime, zone: str) -> str:
    local = instant.astimezone(zoneinfo.ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M:%S} {zone} ({instant.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC)"


def _describe_deadline(times: CallTimes, zone: str) -> str:
    assert times.closes is not None
    if times.deadline is not None:
        try:
            rendered = times.deadline.render(zone)
        except ImportError:  # consultkit.rendering is optional for the domain core
            rendered = ""
        if rendered:
            utc = f"{times.closes - dt.timedelta(seconds=1):%H:%M:%S} UTC"
            return f"the deadline was {rendered}" + ("" if utc in rendered else f" ({utc})")
    last = times.closes - dt.timedelta(seconds=1)
    return f"the last second accepted was {_describe_instant(last, zone)}"


@attrs.frozen(kw_only=True)
class SubmissionCheck:
    """A draft that passed the rules, with its canonical tags and any notes worth telling."""

    draft: Draft
    notes: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class _CallRule:
    call: Call
    times: CallTimes
    needed: tuple[str, ...]


@attrs.define
class SubmissionRules:
    """The submitting rules of one consultation, with per-call facts worked out once.

    :func:`check_submission` uses it for one draft; a bulk import keeps one instance so
    deadlines and eligibility are resolved once per call, not once per row.
    """

    consultation: Consultation
    _calls: dict[str, _CallRule] = attrs.field(factory=dict, init=False)
    _groups: frozenset[str] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._groups = frozenset(g.id for g in self.consultation.groups)

    def _call_rule(self, call_id: str) -> _CallRule:
        rule = self._calls.get(call_id)
        if rule is None:
            try:
                call = self.consultation.call(call_id)
            except LookupError:
                known = ", ".join(c.id for c in self.consultation.calls) or "none"
                raise RuleRefusedError(
                    "unknown-call",
                    f"consultation {self.consultation.id!r} has no call {call_id!r}"
                    f" (calls: {known})",
                ) from None
            needed = ["title", "body"]
            for requirement in call.requirements:
                field = requirement.field
                # A requirement about another field is for plugins (validate_submission).
                if field is not None and field in CONTENT_FIELDS and field not in needed:
                    needed.append(field)
            rule = _CallRule(
                call=call, times=call_times(self.consultation, call), needed=tuple(needed)
            )
            self._calls[call_id] = rule
        return rule

    def check(self, draft: Draft, at: dt.datetime) -> SubmissionCheck:
        """Check that ``draft`` may be submitted at ``at``; see :func:`check_submission`."""
        instant = utc_instant(at)
        rule = self._call_rule(draft.call_id)
        call, times = rule.call, rule.times
        zone = self.consultation.zone
        if times.opens is not None and instant < times.opens:
            raise RuleRefusedError(
                "call-not-open",
                f"call {call.id!r} opens at {_describe_instant(times.opens, zone)}; it is now"
                f" {_describe_instant(instant, zone)}",
            )
        if times.closes is not None and instant >= times.closes:
            raise RuleRefusedError(
                "call-closed",
                f"call {call.id!r} is closed: {_describe_deadline(times, zone)}; it is now"
                f" {_describe_instant(instant, zone)}",
            )

        submitter = draft.submitter
        group = submitter.group
        if self._groups and group not in self._groups:
            raise RuleRefusedError(
                "unknown-group",
                f"consultation {self.consultation.id!r} has no stakeholder group {group!r}"
                f" (groups: {', '.join(sorted(self._groups))})",
            )
        if call.groups and group not in call.groups:
            raise RuleRefusedError(
                "group-not-eligible",
                f"call {call.id!r} is open to {', '.join(call.groups)}, not to {group!r}",
            )
        if not submitter.name.strip():
            raise RuleRefusedError("submitter", "the submitter's name is empty: give a name")
        if not _EMAIL.match(submitter.email.strip()):
            raise RuleRefusedError(
                "submitter",
                f"{submitter.email!r} is not an e-mail address: receipts are sent there",
            )
        if not _LANGUAGE.match(draft.language):
            raise RuleRefusedError(
                "language",
                f"{draft.language!r} is not a language tag: use e.g. en, fr, zh or es-419",
            )
        for field in rule.needed:
            if not _field_value(draft, field):
                detail = next(
                    (r.description(draft.language) for r in call.requirements if r.field == field),
                    "",
                )
                hint = f" ({detail})" if detail else ""
                raise RuleRefusedError("missing-content", f"call {call.id!r} needs a {field}{hint}")
        if len(draft.title) > MAX_TITLE_CHARS:
            raise RuleRefusedError(
                "too-long",
                f"the title has {len(draft.title)} characters; at most {MAX_TITLE_CHARS}",
            )
        if len(draft.body) > MAX_BODY_CHARS:
            raise RuleRefusedError(
                "too-long",
                f"the body has {len(draft.body)} characters; at most {MAX_BODY_CHARS}"
                " (send longer texts as attachments)",
            )
        if draft.tags:
            tags: list[str] = []
            for raw in draft.tags:
                try:
                    tag = normalize_tag(raw)
                except ValueError as exc:
                    raise RuleRefusedError("tag", str(exc)) from None
                if tag not in tags:
                    tags.append(tag)
            if tuple(tags) != draft.tags:
                draft = attrs.evolve(draft, tags=tuple(tags))
        if draft.consent.publish_organisation and not _field_value(draft, "organisation"):
            raise RuleRefusedError(
                "consent",
                "consent to publish the organisation was given, but no organisation:"
                " add one or drop the consent",
            )
        return SubmissionCheck(draft=draft, notes=times.notes)


def _field_value(draft: Draft, field: str) -> object:
    if field == "title":
        return draft.title.strip()
    if field == "body":
        return draft.body.strip()
    if field == "tags":
        return draft.tags
    if field == "attachments":
        return draft.attachments
    if field == "organisation":
        return (draft.submitter.organisation or "").strip()
    return (draft.submitter.country or "").strip()


def check_submission(consultation: Consultation, draft: Draft, at: dt.datetime) -> SubmissionCheck:
    """Check that ``draft`` may be submitted at ``at``; return it with canonical tags.

    Rules, in order (each refusal is a :class:`RuleRefusedError` whose ``rule`` is named
    here): ``unknown-call``; ``call-not-open`` and ``call-closed`` (the instant against the
    call's opening and deadline, shown in the consultation's zone and in UTC);
    ``unknown-group`` and ``group-not-eligible``; ``submitter`` (name and a plausible
    e-mail); ``language``; ``missing-content`` (title and body, plus each requirement
    that names a field); ``too-long``; ``tag``; ``consent`` (publishing an organisation
    that was not given).
    """
    return SubmissionRules(consultation).check(draft, at)


def new_submission(
    draft: Draft,
    *,
    consultation_id: str,
    at: dt.datetime,
    provenance: Provenance = Provenance.WEB,
    status: SubmissionStatus = SubmissionStatus.SUBMITTED,
    idempotency_key: str | None = None,
    tracking_number: str | None = None,
) -> Submission:
    """A stored submission for ``draft``: a fresh time-ordered id and tracking number.

    ``tracking_number`` keeps an existing one (moving submissions between stores).
    """
    instant = utc_instant(at)
    return Submission(
        id=new_submission_id(instant),
        tracking_number=tracking_number or new_tracking_number(),
        consultation_id=consultation_id,
        call_id=draft.call_id,
        submitter=draft.submitter,
        title=draft.title.strip(),
        body=draft.body,
        language=draft.language,
        tags=draft.tags,
        attachments=draft.attachments,
        consent=draft.consent,
        provenance=provenance,
        status=status,
        received_at=instant,
        updated_at=instant,
        fingerprint=fingerprint(draft.body),
        idempotency_key=idempotency_key,
    )


def receipt_for(submission: Submission, *, replayed: bool = False) -> Receipt:
    """The receipt a submitter gets for ``submission``."""
    return Receipt(
        tracking_number=submission.tracking_number,
        submission_id=submission.id,
        consultation_id=submission.consultation_id,
        call_id=submission.call_id,
        received_at=submission.received_at,
        status=submission.status,
        replayed=replayed,
    )
