"""Submissions: the values, the lifecycle transition map, who may do what, receipts.

Everything here is pure (no I/O, no plugins): frozen attrs values and functions over them.
The application (``consultkit.app``) combines them with a store and plugins.
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from consultkit.windows import to_utc


def _utc(value: dt.datetime) -> dt.datetime:
    # Stored instants are plain aware UTC datetimes (not pendulum) so that values compare,
    # hash and serialise the same whichever clock produced them.
    instant = to_utc(value)
    return dt.datetime(
        instant.year,
        instant.month,
        instant.day,
        instant.hour,
        instant.minute,
        instant.second,
        instant.microsecond,
        tzinfo=dt.UTC,
    )


def _utc_or_none(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else _utc(value)


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
    tags: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    attachments: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    consent: Consent = Consent()
    provenance: Provenance = Provenance.WEB
    status: SubmissionStatus = SubmissionStatus.SUBMITTED
    received_at: dt.datetime = attrs.field(converter=_utc)
    updated_at: dt.datetime = attrs.field(converter=_utc)
    fingerprint: str
    idempotency_key: str | None = None
    erased_at: dt.datetime | None = attrs.field(default=None, converter=_utc_or_none)


@attrs.frozen(kw_only=True)
class HistoryEntry:
    """One recorded status change: who, when, from which status to which, and why."""

    submission_id: str
    at: dt.datetime = attrs.field(converter=_utc)
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
    received_at: dt.datetime = attrs.field(converter=_utc)
    status: SubmissionStatus
    replayed: bool = False
