"""The submission lifecycle: the transition map, who may make each move, public statuses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from consultkit.domain.submissions import (
    Actor,
    ActorRole,
    HistoryEntry,
    Submission,
    SubmissionStatus,
)
from consultkit.errors import PermissionDeniedError, RuleRefusedError, TransitionError
from consultkit.i18n import Text, deferred

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Mapping, Sequence


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


_ROLE_WORDS: Mapping[ActorRole, Text] = {
    ActorRole.SUBMITTER: deferred.pgettext("actor", "submitter"),
    ActorRole.ORGANISER: deferred.pgettext("actor", "organiser"),
    ActorRole.SYSTEM: deferred.pgettext("actor", "system"),
}


def _either(roles: frozenset[ActorRole]) -> Callable[[str], str]:
    """``roles`` as one choice (``organiser or submitter``), worded when the reader is known:
    each language joins a choice its own way (``o``/``u`` in Spanish, ``或`` in Chinese)."""

    def word(language: str) -> str:
        from babel.lists import format_list

        names = sorted(_ROLE_WORDS[role].render(language) for role in roles)
        return format_list(names, style="or", locale=language)

    return word


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
        allowed: str | Text = ", ".join(sorted(TRANSITIONS[current]))
        allowed = allowed or deferred.gettext("nothing (it is final)")
        raise TransitionError(
            "transition",
            deferred.gettext(
                "submission %(number)s is %(status)s: it cannot become %(to_status)s;"
                " from %(status)s it can become %(allowed)s",
                number=submission.tracking_number,
                status=str(current),
                to_status=str(to_status),
                allowed=allowed,
            ),
        )
    roles = ALLOWED_ROLES[to_status]
    if actor.role not in roles:
        raise PermissionDeniedError(
            "who-may",
            deferred.gettext(
                "only the %(roles)s may make submission %(number)s %(to_status)s,"
                " not the %(role)s %(actor)r",
                roles=_either(roles),
                number=submission.tracking_number,
                to_status=str(to_status),
                role=_ROLE_WORDS[actor.role],
                actor=actor.id,
            ),
        )
    if actor.role is ActorRole.SUBMITTER and not is_submitter(actor, submission):
        raise PermissionDeniedError(
            "withdraw-own",
            deferred.gettext(
                "submission %(number)s can only be withdrawn by its submitter:"
                " give the e-mail address it was sent from",
                number=submission.tracking_number,
            ),
        )
    cleaned = reason.strip() if reason else None
    if (current, to_status) in _REASON_REQUIRED and not cleaned:
        raise RuleRefusedError(
            "reason-required",
            deferred.gettext(
                "making submission %(number)s %(to_status)s needs a reason"
                " (it is sent to the submitter and kept in the history)",
                number=submission.tracking_number,
                to_status=str(to_status),
            ),
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
