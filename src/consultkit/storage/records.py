"""The values a store keeps beside submissions.

Outbox events and their deliveries, subscriptions, schedule revisions, erasure
tombstones and organisers' API tokens. Submission values come from
:mod:`consultkit.domain.submissions`; the protocols that store these records are in
:mod:`consultkit.storage.protocols`.
"""

from __future__ import annotations

import datetime as dt  # noqa: TC003 (attrs reads the field annotations at run time)
import enum
from typing import TYPE_CHECKING, Any

import attrs

from consultkit.domain.instants import utc_instant, utc_instant_or_none
from consultkit.i18n import Text  # noqa: TC001 (attrs reads the field annotations at run time)
from consultkit.trusted_values import trusted_builder
from consultkit.value_methods import shared_value_methods

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


def _frozen_mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    # A copy, so a caller mutating its dict afterwards cannot change a stored value.
    return dict(value)


@attrs.frozen(kw_only=True)
@shared_value_methods
class OutboxEvent:
    """Something that happened and may need telling, written in the same transaction as the change.

    ``kind`` names the event (``submission.received``, ``schedule.changed``,
    ``reminder.due``…); ``payload`` holds what templates need and must be JSON-serialisable.
    ``dedupe_key`` makes enqueueing idempotent: an event whose key is already stored is
    skipped (a reminder run twice enqueues nothing the second time). ``submission_id`` links
    the event to a submission so erasure can scrub it.
    """

    id: str
    kind: str
    consultation_id: str
    occurred_at: dt.datetime = attrs.field(converter=utc_instant)
    payload: Mapping[str, Any] = attrs.field(
        factory=dict, converter=_frozen_mapping, eq=False, hash=False
    )
    dedupe_key: str | None = None
    submission_id: str | None = None


@attrs.frozen(kw_only=True)
@shared_value_methods
class DeliveryTarget:
    """One recipient of an event on one channel, in the language they read."""

    channel: str
    recipient: str
    language: str = "en"


class DeliveryStatus(enum.StrEnum):
    """Where a delivery is: waiting, being sent by a worker, sent, or given up on."""

    PENDING = "pending"
    CLAIMED = "claimed"
    DONE = "done"
    DEAD = "dead"


@attrs.frozen(kw_only=True)
@shared_value_methods
class Delivery:
    """One event to send to one recipient on one channel, with its sending state.

    ``attempts`` counts claims (each claim is one attempt to send). ``claimed_by`` and
    ``lease_until`` say which worker holds it and until when; after the lease expires
    another worker may claim it again. ``last_error`` keeps the latest failure.
    """

    id: str
    event: OutboxEvent
    channel: str
    recipient: str
    language: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime = attrs.field(converter=utc_instant)
    last_error: str | None = None
    last_error_words: Text | None = None
    """``last_error``'s words, to render in the reader's language; ``None`` for an error
    stored as text only (a plain reply, or a row older than this column)."""
    claimed_by: str | None = None
    lease_until: dt.datetime | None = attrs.field(default=None, converter=utc_instant_or_none)


@attrs.frozen(kw_only=True)
@shared_value_methods
class DeliveryFailure:
    """One failed attempt to record: the error, and when to retry (``None``: dead-letter it)."""

    delivery_id: str
    error: str | Text
    """A :class:`~consultkit.i18n.Text` is stored with its words, so that it can be read in
    any language later; a string (a server's own reply) is stored as it came."""
    retry_at: dt.datetime | None = attrs.field(default=None, converter=utc_instant_or_none)
    attempted: bool = True
    """False when nothing was tried (no configured channel could take it): the claim's
    attempt is given back, so waiting for a channel never counts toward dead-lettering."""


# Positional builders for values a store reads back from its own rows and routing makes
# from strings it has checked: every field already in the form the converters give (aware
# UTC instants from the dialect, a payload dict decoded for this value alone), so the
# keyword call and the converters are skipped (issue 14: four values per drained event).
# Fields in the classes' order; anything else builds by keyword.
stored_event: Callable[
    [str, str, str, dt.datetime, dict[str, Any], str | None, str | None], OutboxEvent
] = trusted_builder(OutboxEvent)
"""``OutboxEvent`` from (id, kind, consultation_id, occurred_at, payload, dedupe_key,
submission_id); the payload is kept, not copied."""
stored_delivery: Callable[
    [
        str,
        OutboxEvent,
        str,
        str,
        str,
        DeliveryStatus,
        int,
        dt.datetime,
        str | None,
        Text | None,
        str | None,
        dt.datetime | None,
    ],
    Delivery,
] = trusted_builder(Delivery)
"""``Delivery`` from (id, event, channel, recipient, language, status, attempts,
next_attempt_at, last_error, last_error_words, claimed_by, lease_until)."""
routed_target: Callable[[str, str, str], DeliveryTarget] = trusted_builder(DeliveryTarget)
"""``DeliveryTarget`` from (channel, recipient, language)."""


@attrs.frozen(kw_only=True)
@shared_value_methods
class Subscription:
    """Someone who asked to be told about a consultation's changes on one channel."""

    consultation_id: str
    channel: str
    address: str
    group: str | None = None
    language: str = "en"
    created_at: dt.datetime = attrs.field(converter=utc_instant)


@attrs.frozen(kw_only=True)
@shared_value_methods
class ScheduleRevision:
    """One published version of a consultation's schedule; ``number`` counts from 1."""

    consultation_id: str
    number: int
    published_at: dt.datetime = attrs.field(converter=utc_instant)
    snapshot: Mapping[str, Any] = attrs.field(converter=_frozen_mapping, eq=False, hash=False)


@attrs.frozen(kw_only=True)
@shared_value_methods
class Tombstone:
    """The record that a submitter's identity was erased, kept without the identity.

    It names the submissions affected, when, why (the legal ground, e.g. "GDPR Art. 17
    request") and whether their text was kept. It holds no name or address.
    """

    id: str
    consultation_id: str
    erased_at: dt.datetime = attrs.field(converter=utc_instant)
    reason: str
    submission_ids: tuple[str, ...] = attrs.field(converter=tuple)
    kept_text: bool


@attrs.frozen(kw_only=True)
@shared_value_methods
class ApiToken:
    """An organiser's bearer token for one consultation's organiser API, without the secret.

    Only ``token_hash`` (sha256 of the secret, hex) is stored: the secret is shown once,
    when the token is made, and cannot be read back. ``revoked_at`` is set when it is
    revoked; a revoked token answers nothing.
    """

    name: str
    consultation_id: str
    token_hash: str = attrs.field(repr=False)
    created_at: dt.datetime = attrs.field(converter=utc_instant)
    revoked_at: dt.datetime | None = attrs.field(default=None, converter=utc_instant_or_none)


__all__ = [
    "ApiToken",
    "Delivery",
    "DeliveryFailure",
    "DeliveryStatus",
    "DeliveryTarget",
    "OutboxEvent",
    "ScheduleRevision",
    "Subscription",
    "Tombstone",
]
