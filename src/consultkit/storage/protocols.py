"""The storage contract: one protocol per concern, and ``Store``, the four together.

A store is opened from a URL whose scheme picks the backend (``memory://``,
``sqlite:///PATH``; plugins register more through ``register_stores``; the plugin host
opens it, :meth:`consultkit.pluginhost.host.PluginHost.open_store`). Every method is one
transaction: either all of its writes are stored or none are.

The concerns, so that code can ask for only what it uses:

* :class:`SubmissionStore`: submissions, their history, idempotent intake, erasure
  (and, optionally, :class:`SubmissionRecordLoader`: bulk loads of flat submissions).
* :class:`OutboxStore`: notification events and their leased deliveries.
* :class:`ScheduleLog`: published schedule revisions.
* :class:`SubscriptionStore`: who asked to be told about a consultation.
* :class:`ReviewStore`: reviewer assignments and reviews, by round.
* :class:`TokenStore`: organisers' bearer tokens for the organiser API (hashes only).

Submission values come from :mod:`consultkit.domain.submissions`, the other records from
:mod:`consultkit.storage.records` (importable from here too). Backends are checked by one
shared suite, :class:`consultkit.testing.store_contract.StoreContract`; SQL backends can
build on :mod:`consultkit.storage.sql`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from consultkit.errors import StoreError
from consultkit.storage.records import (
    ApiToken,
    Delivery,
    DeliveryFailure,
    DeliveryStatus,
    DeliveryTarget,
    OutboxEvent,
    ScheduleRevision,
    Subscription,
    Tombstone,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Iterator, Mapping, Sequence

    from consultkit.domain.quotas import QuotaLimit
    from consultkit.domain.review.scores import Review, ReviewAssignment
    from consultkit.domain.submissions import (
        AnySubmissionRecordStream,
        HistoryEntry,
        Receipt,
        Submission,
        SubmissionRecord,
        SubmissionStatus,
        SubmissionVersion,
        Verification,
    )

DEFAULT_STORE_URL = "sqlite:///./consultkit.sqlite"
"""Where data goes when nothing else is said: a SQLite file in the current directory."""

STORE_ENV = "CONSULTKIT_STORE"
DEFAULT_CHUNK_SIZE = 10_000


IDEMPOTENCY_SCOPE = "consultkit-idempotency-2"
"""Tags the form of :func:`idempotency_key_hash` (version 1 hashed the key alone)."""


def idempotency_key_hash(key: str | None, submitter_email: str | None = None) -> str | None:
    """What a backend stores and matches an idempotency key by: a sha256 of the key and its
    submitter, in hex.

    A key is its submitter's (issue 9, finding 8): the same key sent by another person is
    another request, so the hash covers the submitter's address (trimmed and lower-cased;
    empty for a submission without a submitter) beside the key. Matching on a hash lets
    erasure drop the key itself; every backend uses this one so stores agree on it. In SQL:
    ``sha256_hex(SCOPE || ':' || sha256_hex(address) || ':' || key)``.
    """
    if key is None:
        return None
    import hashlib  # here: only a request with a key pays OpenSSL's bindings (issue 14)

    address = (submitter_email or "").strip().lower()
    scope = hashlib.sha256(address.encode()).hexdigest()
    return hashlib.sha256(f"{IDEMPOTENCY_SCOPE}:{scope}:{key}".encode()).hexdigest()


def default_store_url() -> str:
    """The store URL to use: ``$CONSULTKIT_STORE`` if set, else ``sqlite:///./consultkit.sqlite``.

    The default is a visible file next to where the command runs, so an organiser can see,
    copy and back up their data without hunting for a per-user data directory.
    """
    return os.environ.get(STORE_ENV, "").strip() or DEFAULT_STORE_URL


class StoreConflictError(StoreError):
    """A compare-and-set failed: the stored value changed since the caller read it.

    Reload the submission and decide again; nothing was written.
    """


class QuotaReachedError(StoreError):
    """A submission was not stored: its call's quota ``limit`` has no slot left.

    The application turns it into a refusal with rule ``quota``; nothing was written.
    """

    def __init__(self, limit: QuotaLimit) -> None:
        self.limit = limit
        super().__init__(f"quota per {limit.kind} reached ({limit.limit})")


@runtime_checkable
class SubmissionStore(Protocol):
    """Submissions, their history and their erasure.

    Each method is one transaction. Instants go in and come out as aware UTC datetimes.
    Lookups of something absent return ``None`` (or an empty list); changes to something
    absent raise :class:`~consultkit.errors.UnknownItemError`.
    """

    def add_submission(
        self,
        submission: Submission,
        entry: HistoryEntry,
        events: Sequence[OutboxEvent],
        *,
        limits: Sequence[QuotaLimit] = (),
    ) -> tuple[Receipt, bool]:
        """Store a submission, its first history entry and its outbox events together.

        Returns the receipt and ``True``. If the submission's idempotency key is already
        stored for its consultation and submitter, nothing is written and the original receipt is
        returned (``replayed=True``) with ``False``, even when two processes race.

        Each of ``limits`` (its call's quotas) must have a slot left: the stored
        submissions of the same call under the same key, withdrawn ones aside, must be
        fewer than its ``limit``, counted so that two racing transactions cannot both take
        the last slot; otherwise :class:`QuotaReachedError` is raised and nothing is
        written. A replay is answered before quotas are counted.
        """

    def add_submissions(
        self, submissions: Iterable[Submission], chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> int:
        """Bulk-store submissions, committing every ``chunk_size`` rows; returns how many were new.

        Each gets a history entry by the system actor ``bulk-import``. Submissions whose
        id or idempotency key is already stored are skipped, so a re-run import resumes.
        """

    def get_submission(self, submission_id: str) -> Submission | None:
        """The submission with this id, or ``None``."""

    def find_by_tracking_number(self, tracking_number: str) -> Submission | None:
        """The submission with this tracking number, or ``None``."""

    def find_by_idempotency_key(
        self, consultation_id: str, key: str, submitter_email: str | None
    ) -> Receipt | None:
        """The receipt (``replayed=True``) stored under ``submitter_email``'s key, or ``None``.

        Lets a retry be answered with the original receipt, never refused: ``submit`` asks
        when a rule refuses (a retry that arrives after the deadline still gets it) and
        before plugins check a submission (they never see a retry); otherwise
        :meth:`add_submission` answers it in its own transaction. A key is its submitter's:
        the same key from another address, or from an erased submitter, finds nothing.
        """

    def list_submissions(
        self,
        consultation_id: str,
        *,
        call_id: str | None = None,
        status: SubmissionStatus | None = None,
        after: tuple[dt.datetime, str] | None = None,
        limit: int | None = None,
    ) -> Iterator[Submission]:
        """A consultation's submissions in a stable order (received_at, then id).

        ``after`` (a received_at and an id) keeps only those after that point in this order
        and ``limit`` at most so many: keyset paging, which neither repeats nor skips a
        submission when others are stored between pages.
        """

    def submission_records(
        self, consultation_id: str, *, status: SubmissionStatus | None = None
    ) -> AnySubmissionRecordStream:
        """The submissions of :meth:`list_submissions` (only ``status``'s if given), each flat.

        Same order, streamed from one snapshot, as a
        :class:`~consultkit.domain.submissions.SubmissionRecordStream`. Each record equals
        :func:`~consultkit.domain.submissions.submission_record` of the listed submission;
        a backend that holds instants as text gives them as the text an export writes
        (``SubmissionRecordStream.of_text``: each record then equals
        :func:`~consultkit.domain.submissions.record_instants_as_text` of that), one
        that reads datetimes may give those (``of_datetimes``). Exports read this: a
        backend should read the columns straight into records, without building
        :class:`~consultkit.domain.submissions.Submission` objects or, where it can,
        datetimes.
        """

    def history(self, submission_id: str) -> list[HistoryEntry]:
        """A submission's history entries, oldest first."""

    def change_status(
        self,
        submission_id: str,
        expected: SubmissionStatus,
        entry: HistoryEntry,
        events: Sequence[OutboxEvent],
    ) -> Submission:
        """Move a submission to ``entry.to_status`` if it is still ``expected`` (compare-and-set).

        Records ``entry`` and enqueues ``events`` in the same transaction; returns the new
        value. Raises :class:`StoreConflictError` if the status is no longer ``expected``.
        An entry whose actor is an organiser also releases a hold (``Submission.held``).
        """

    def set_verification(
        self, submission_id: str, level: Verification, at: dt.datetime
    ) -> Submission:
        """Record ``level`` as how far the submission's sender was verified, at ``at``.

        Returns the new value; raises :class:`~consultkit.errors.UnknownItemError` for an
        unknown id. The status and history are left alone: verifying is not a decision.
        """

    def edit_submission(
        self, previous: Submission, updated: Submission, events: Sequence[OutboxEvent]
    ) -> int:
        """Replace ``previous`` with ``updated`` (same id), keeping ``previous`` as an earlier
        :class:`~consultkit.domain.submissions.SubmissionVersion`.

        Compare-and-set on ``previous``'s status and ``updated_at``; enqueues ``events`` in
        the same transaction; returns the new version's number (2 after the first edit).
        Raises :class:`StoreConflictError` when the submission changed meanwhile.
        """

    def versions(self, submission_id: str) -> list[SubmissionVersion]:
        """The earlier versions of a submission, oldest first; erasure removes them."""

    def erase_submitter(
        self,
        consultation_id: str,
        email: str,
        *,
        keep_text: bool,
        reason: str,
        at: dt.datetime,
    ) -> int:
        """Erase a submitter's identity from a consultation; returns the submissions affected.

        The name, address and organisation go from submissions, history actors, outbox
        payloads, deliveries (unsent ones become dead) and subscriptions; title, body and
        attachments go too unless ``keep_text``. A :class:`Tombstone` records the erasure.
        """

    def count_submissions(
        self, consultation_id: str
    ) -> list[tuple[str, str | None, str, str, str, bool, int]]:
        """How many submissions share each (call id, group, language, status, verification
        level, held or not), in any order.

        The group is ``None`` for submissions whose submitter was erased. Counted by the
        store (one ``GROUP BY``), so statistics cost no more than the counts themselves.
        """

    def campaign_counts(self, consultation_id: str) -> list[tuple[str, int, str]]:
        """``(fingerprint, count, title)`` for each body fingerprint shared by two or more.

        Most frequent first, ties by fingerprint; ``title`` is that of the first such
        submission (received_at, then id), to recognise the campaign.
        """

    def campaign_texts(self, consultation_id: str) -> Iterator[tuple[str, int, str]]:
        """``(fingerprint, copies, body)`` once per distinct text, most copied first.

        Ties by fingerprint; the body is that of any one copy, the first stored by the
        built-in stores (all copies of a fingerprint normalise to the same text).
        Submissions without a body (erased) are left out. Streamed: campaign detection
        reads it once, in bounded memory.
        """

    def submission_fingerprints(self, consultation_id: str) -> Iterator[tuple[str, str]]:
        """``(id, fingerprint)`` of every submission with a body, in listing order, streamed."""


@runtime_checkable
class SubmissionRecordLoader(Protocol):
    """A store that bulk-loads flat submissions: optional, beside :class:`SubmissionStore`.

    A bulk import builds one :class:`~consultkit.domain.submissions.SubmissionRecord` per
    row; a store with this method stores them as they are, instead of the import building
    a :class:`~consultkit.domain.submissions.Submission` per row for
    :meth:`SubmissionStore.add_submissions` to take apart again (issue 14). A store
    without it still works: the import then hands it submissions.
    """

    def add_submission_records(
        self, records: Iterable[SubmissionRecord], chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> int:
        """:meth:`SubmissionStore.add_submissions` of records; stores exactly the same rows.

        A record stores what the submission
        :func:`~consultkit.domain.submissions.submission_from_record` gives would store.
        """


@runtime_checkable
class OutboxStore(Protocol):
    """The transactional outbox: events, and their deliveries claimed under a lease.

    Events are usually written by the change that caused them (``add_submission``,
    ``change_status``, ``save_schedule_revision``); this side routes them to recipients and
    hands deliveries to workers. Each method is one transaction.
    """

    def enqueue_events(self, events: Sequence[OutboxEvent]) -> int:
        """Store events on their own; an event whose ``dedupe_key`` is stored is skipped."""

    def unrouted_events(self, limit: int) -> list[OutboxEvent]:
        """Events not yet routed to recipients, oldest first."""

    def route_events(
        self, routes: Sequence[tuple[str, Sequence[DeliveryTarget]]], now: dt.datetime
    ) -> int:
        """Route many events in one transaction: ``routes`` pairs an event id with its targets.

        For each event, one pending delivery per (channel, recipient) is created and the
        event is marked routed. Idempotent: routing again creates no duplicates. Returns how
        many deliveries were created. An unknown event id raises
        :class:`~consultkit.errors.UnknownItemError` and nothing is written.
        """

    def claim_deliveries(
        self, worker: str, limit: int, now: dt.datetime, lease: dt.timedelta
    ) -> list[Delivery]:
        """Claim up to ``limit`` due deliveries for ``worker`` until ``now + lease``.

        Due means pending with ``next_attempt_at <= now``, or claimed with an expired
        lease. Two workers never receive the same delivery from overlapping calls.
        """

    def complete_deliveries(
        self, delivery_ids: Sequence[str], worker: str, now: dt.datetime
    ) -> int:
        """Mark deliveries done in one transaction; returns how many were marked.

        Only those ``worker`` still holds are changed: a delivery whose claim was lost (its
        lease expired and another worker took it) or that is not claimed is left alone.
        """

    def fail_deliveries(
        self, failures: Sequence[DeliveryFailure], worker: str, now: dt.datetime
    ) -> frozenset[str]:
        """Record failed attempts in one transaction; returns the ids whose failure was recorded.

        Each failure is retried at its ``retry_at``, or dead-lettered when that is ``None``.
        A failure with ``attempted=False`` gives back the attempt its claim counted.
        Deliveries ``worker`` no longer holds are left alone (and are not in the result).
        """

    def delivery_counts(self) -> Mapping[DeliveryStatus, int]:
        """How many deliveries are in each status (every status is present)."""

    def list_deliveries(self, status: DeliveryStatus, limit: int) -> list[Delivery]:
        """Deliveries in ``status``, by next attempt time then id."""

    def retry_dead(self, delivery_ids: Sequence[str] | None, now: dt.datetime) -> int:
        """Make dead deliveries (all, or those listed) pending again with a fresh attempt count."""


@runtime_checkable
class ScheduleLog(Protocol):
    """The published revisions of each consultation's schedule, numbered from 1."""

    def save_schedule_revision(
        self,
        consultation_id: str,
        snapshot: Mapping[str, Any],
        events: Sequence[OutboxEvent],
        *,
        at: dt.datetime | None = None,
    ) -> ScheduleRevision:
        """Store the next schedule revision and its events together; numbers count from 1."""

    def latest_schedule_revision(self, consultation_id: str) -> ScheduleRevision | None:
        """The most recent revision, or ``None`` before the first publish."""

    def schedule_revisions(self, consultation_id: str) -> list[ScheduleRevision]:
        """Every revision, oldest first."""


@runtime_checkable
class SubscriptionStore(Protocol):
    """Who asked to be told about a consultation's changes, on which channel."""

    def add_subscription(self, subscription: Subscription) -> bool:
        """Store a subscription; ``False`` if it existed (its group and language are updated)."""

    def remove_subscription(self, consultation_id: str, channel: str, address: str) -> bool:
        """Remove a subscription; ``False`` if there was none."""

    def list_subscriptions(
        self, consultation_id: str, group: str | None = None
    ) -> list[Subscription]:
        """A consultation's subscriptions (only ``group``'s and group-less ones if given)."""


@runtime_checkable
class ReviewStore(Protocol):
    """Who reviews which submission in each review round, and the reviews they gave.

    A round is named by :func:`~consultkit.domain.review.rounds.round_ref` (``CALL/ROUND``);
    reviewers by the id they have in the organisers' reviewers file, nothing more.
    """

    def add_review_assignments(self, assignments: Sequence[ReviewAssignment]) -> int:
        """Store assignments, skipping pairs already stored; returns how many were new."""

    def review_assignments(
        self, consultation_id: str, round: str, reviewer_id: str | None = None
    ) -> list[ReviewAssignment]:
        """A round's assignments (only ``reviewer_id``'s if given), by submission, reviewer."""

    def save_review(self, review: Review) -> None:
        """Store a review, replacing the one the reviewer gave the submission in that round."""

    def reviews(self, consultation_id: str, round: str) -> list[Review]:
        """A round's reviews, by submission, then reviewer."""


@runtime_checkable
class TokenStore(Protocol):
    """Organisers' bearer tokens for the organiser API, kept as hashes only."""

    def add_token(self, token: ApiToken) -> bool:
        """Store a token; ``False`` (nothing written) if its consultation has one of that
        name already, revoked or not."""

    def find_token(self, token_hash: str) -> ApiToken | None:
        """The token with this hash (revoked ones too), or ``None``."""

    def list_tokens(self, consultation_id: str) -> list[ApiToken]:
        """A consultation's tokens, oldest first, revoked ones included."""

    def revoke_token(self, consultation_id: str, name: str, at: dt.datetime) -> bool:
        """Revoke the token ``name``; ``False`` if there is none or it was revoked already."""


@runtime_checkable
class Store(
    SubmissionStore,
    OutboxStore,
    ScheduleLog,
    SubscriptionStore,
    ReviewStore,
    TokenStore,
    Protocol,
):
    """Where consultkit keeps submissions, their history, the outbox and schedule revisions.

    What the application opens from a URL: every concern's protocol, plus ``url`` and
    :meth:`close`. Each method is one transaction.
    """

    url: str

    def close(self) -> None:
        """Release connections; the store cannot be used afterwards."""


__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_STORE_URL",
    "IDEMPOTENCY_SCOPE",
    "STORE_ENV",
    "ApiToken",
    "Delivery",
    "DeliveryFailure",
    "DeliveryStatus",
    "DeliveryTarget",
    "OutboxEvent",
    "OutboxStore",
    "QuotaReachedError",
    "ReviewStore",
    "ScheduleLog",
    "ScheduleRevision",
    "Store",
    "StoreConflictError",
    "SubmissionRecordLoader",
    "SubmissionStore",
    "Subscription",
    "SubscriptionStore",
    "TokenStore",
    "Tombstone",
    "default_store_url",
    "idempotency_key_hash",
]
