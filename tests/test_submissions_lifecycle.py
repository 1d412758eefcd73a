"""The submission lifecycle: transition map, who may do what, history as a valid path."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from consultkit.domain.campaigns import fingerprint
from consultkit.domain.lifecycle import (
    TRANSITIONS,
    is_valid_history,
    plan_transition,
    public_status,
)
from consultkit.domain.submissions import (
    Actor,
    ActorRole,
    HistoryEntry,
    Submission,
    SubmissionStatus,
    Submitter,
)
from consultkit.errors import PermissionDeniedError, RuleRefusedError, TransitionError

S = SubmissionStatus
EMAIL = "ana@example.org"
START = dt.datetime(2020, 1, 10, 9, 0, tzinfo=dt.UTC)

# The rules written out independently of the implementation's tables: (from, to) -> who.
EXPECTED: dict[tuple[S, S], set[ActorRole]] = {
    (S.DRAFT, S.SUBMITTED): {ActorRole.SUBMITTER, ActorRole.ORGANISER, ActorRole.SYSTEM},
    (S.DRAFT, S.WITHDRAWN): {ActorRole.SUBMITTER},
    (S.SUBMITTED, S.UNDER_REVIEW): {ActorRole.ORGANISER},
    (S.SUBMITTED, S.WITHDRAWN): {ActorRole.SUBMITTER},
    (S.UNDER_REVIEW, S.ACCEPTED): {ActorRole.ORGANISER},
    (S.UNDER_REVIEW, S.REJECTED): {ActorRole.ORGANISER},
    (S.UNDER_REVIEW, S.WITHDRAWN): {ActorRole.SUBMITTER},
    (S.ACCEPTED, S.UNDER_REVIEW): {ActorRole.ORGANISER},
    (S.REJECTED, S.UNDER_REVIEW): {ActorRole.ORGANISER},
}
NEEDS_REASON = {
    (S.UNDER_REVIEW, S.REJECTED),
    (S.ACCEPTED, S.UNDER_REVIEW),
    (S.REJECTED, S.UNDER_REVIEW),
}

ACTORS = [
    Actor(role=ActorRole.SUBMITTER, id=EMAIL),
    Actor(role=ActorRole.SUBMITTER, id=" ANA@Example.org "),
    Actor(role=ActorRole.SUBMITTER, id="mallory@example.org"),
    Actor(role=ActorRole.ORGANISER, id="ITU secretariat"),
    Actor(role=ActorRole.SYSTEM, id="bulk-import"),
]


def stored(status: S = S.SUBMITTED) -> Submission:
    return Submission(
        id="0190b8a0-0000-7000-8000-000000000001",
        tracking_number="CK-0000-0000-0000-0001",
        consultation_id="wsis2020",
        call_id="official",
        submitter=Submitter(name="Ana", email=EMAIL, group="civil-society"),
        title="Title",
        body="Body",
        language="en",
        status=status,
        received_at=START,
        updated_at=START,
        fingerprint=fingerprint("Body"),
    )


def test_map_matches_the_written_rules() -> None:
    pairs = {(a, b) for a, targets in TRANSITIONS.items() if a is not None for b in targets}
    assert pairs == set(EXPECTED)
    assert TRANSITIONS[S.WITHDRAWN] == frozenset()


def test_public_status_hides_deliberation() -> None:
    assert public_status(S.UNDER_REVIEW) == "received"
    assert public_status(S.SUBMITTED) == "received"
    assert public_status(S.REJECTED) == "not-accepted"
    assert {public_status(s) for s in S} >= {"accepted", "withdrawn", "draft"}


def test_withdraw_by_someone_else_names_the_rule() -> None:
    with pytest.raises(PermissionDeniedError) as info:
        plan_transition(stored(), S.WITHDRAWN, ACTORS[2], START)
    assert info.value.rule == "withdraw-own"


def test_organiser_cannot_withdraw() -> None:
    with pytest.raises(PermissionDeniedError) as info:
        plan_transition(stored(), S.WITHDRAWN, ACTORS[3], START)
    assert info.value.rule == "who-may"
    assert "submitter" in str(info.value)


def test_erased_submitter_cannot_withdraw() -> None:
    erased = attrs.evolve(stored(), submitter=None)
    with pytest.raises(PermissionDeniedError):
        plan_transition(erased, S.WITHDRAWN, ACTORS[0], START)


def test_withdrawn_is_final() -> None:
    with pytest.raises(TransitionError) as info:
        plan_transition(stored(S.WITHDRAWN), S.UNDER_REVIEW, ACTORS[3], START)
    assert "final" in str(info.value)


def test_rejection_needs_a_reason() -> None:
    with pytest.raises(RuleRefusedError) as info:
        plan_transition(stored(S.UNDER_REVIEW), S.REJECTED, ACTORS[3], START, reason="  ")
    assert info.value.rule == "reason-required"
    entry = plan_transition(
        stored(S.UNDER_REVIEW), S.REJECTED, ACTORS[3], START, reason=" off-topic "
    )
    assert entry.reason == "off-topic"
    assert entry.from_status is S.UNDER_REVIEW


def test_history_validity() -> None:
    first = HistoryEntry(
        submission_id="x", at=START, actor=ACTORS[0], from_status=None, to_status=S.SUBMITTED
    )
    second = HistoryEntry(
        submission_id="x", at=START, actor=ACTORS[3], from_status=S.SUBMITTED, to_status=S.ACCEPTED
    )
    assert is_valid_history([first])
    assert not is_valid_history([first, second])
    assert not is_valid_history([second])


class Lifecycle(RuleBasedStateMachine):
    """Random actors try random moves; only the allowed ones change anything."""

    def __init__(self) -> None:
        super().__init__()
        self.submission = stored(S.DRAFT)
        self.clock = START
        self.history = [
            HistoryEntry(
                submission_id=self.submission.id,
                at=self.clock,
                actor=ACTORS[0],
                from_status=None,
                to_status=S.DRAFT,
            )
        ]

    @rule(
        actor=st.sampled_from(ACTORS),
        to_status=st.sampled_from(list(S)),
        reason=st.sampled_from([None, "", "duplicate of an earlier submission"]),
    )
    def attempt(self, actor: Actor, to_status: S, reason: str | None) -> None:
        target = to_status
        self.clock += dt.timedelta(minutes=1)
        current = self.submission.status
        allowed_roles = EXPECTED.get((current, target))
        owner = actor.role is not ActorRole.SUBMITTER or actor.id.strip().casefold() == EMAIL
        should_pass = (
            allowed_roles is not None
            and actor.role in allowed_roles
            and owner
            and ((current, target) not in NEEDS_REASON or bool(reason))
        )
        try:
            entry = plan_transition(self.submission, target, actor, self.clock, reason)
        except TransitionError:
            assert allowed_roles is None
            assert not should_pass
        except PermissionDeniedError:
            assert allowed_roles is not None
            assert not should_pass
        except RuleRefusedError as exc:
            assert exc.rule == "reason-required"
            assert not should_pass
        else:
            assert should_pass, (current, target, actor)
            assert entry.from_status is current and entry.to_status is target
            assert entry.actor == actor and entry.at == self.clock
            self.history.append(entry)
            self.submission = attrs.evolve(self.submission, status=target, updated_at=self.clock)

    @invariant()
    def history_is_a_valid_path(self) -> None:
        assert is_valid_history(self.history)
        assert self.history[-1].to_status is self.submission.status

    @invariant()
    def only_allowed_actors_succeeded(self) -> None:
        for entry in self.history[1:]:
            assert entry.from_status is not None
            assert entry.actor.role in EXPECTED[(entry.from_status, entry.to_status)]
            if entry.actor.role is ActorRole.SUBMITTER:
                assert entry.actor.id.strip().casefold() == EMAIL


TestLifecycle = Lifecycle.TestCase
