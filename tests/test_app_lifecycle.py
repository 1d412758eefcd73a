"""A state machine over the application and the memory store: random people, random moves."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from consultkit.app.application import Consultkit
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.lifecycle import ALLOWED_ROLES, is_valid_history
from consultkit.domain.submissions import ActorRole, SubmissionStatus, Submitter
from consultkit.errors import RuleRefusedError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
CONSULTATION = load_consultation(EXAMPLE)
EMAILS = ["ana@example.org", "bo@example.org", "chen@example.org"]
S = SubmissionStatus


class AppLifecycle(RuleBasedStateMachine):
    """Submissions move only along the map, only by allowed people, always with history."""

    submissions = Bundle("submissions")

    def __init__(self) -> None:
        super().__init__()
        self.app = Consultkit.open(
            "memory://",
            clock=FixedClock(dt.datetime(2019, 12, 2, 10, 0, tzinfo=dt.UTC)),
            entry_points=False,
        )
        self.owner: dict[str, str] = {}

    def teardown(self) -> None:
        self.app.close()

    @rule(target=submissions, email=st.sampled_from(EMAILS))
    def submit(self, email: str) -> str:
        receipt = self.app.submit(
            CONSULTATION,
            call_id="official-submissions",
            submitter=Submitter(name=email.split("@")[0], email=email, group="civil-society"),
            title="A title",
            body=f"A body from {email}",
        )
        self.owner[receipt.tracking_number] = email
        return receipt.tracking_number

    @rule(tn=submissions, email=st.sampled_from(EMAILS))
    def withdraw(self, tn: str, email: str) -> None:
        before = self.app.find(CONSULTATION, tn).status
        try:
            after = self.app.withdraw(CONSULTATION, tn, email=email)
        except RuleRefusedError:
            allowed = S.WITHDRAWN in {
                S.SUBMITTED: {S.UNDER_REVIEW, S.WITHDRAWN},
                S.UNDER_REVIEW: {S.ACCEPTED, S.REJECTED, S.WITHDRAWN},
            }.get(before, set())
            assert not (allowed and email == self.owner[tn])
            assert self.app.find(CONSULTATION, tn).status is before
        else:
            assert email == self.owner[tn]
            assert before in (S.SUBMITTED, S.UNDER_REVIEW)
            assert after.status is S.WITHDRAWN

    @rule(
        tn=submissions,
        decision=st.sampled_from([S.UNDER_REVIEW, S.ACCEPTED, S.REJECTED]),
        reason=st.sampled_from([None, "fits the theme"]),
    )
    def review(self, tn: str, decision: S, reason: str | None) -> None:
        before = self.app.find(CONSULTATION, tn).status
        try:
            after = self.app.review(
                CONSULTATION, tn, decision=decision, organiser="ITU", reason=reason
            )
        except RuleRefusedError:
            assert self.app.find(CONSULTATION, tn).status is before
        else:
            assert after.status is decision
            assert ActorRole.ORGANISER in ALLOWED_ROLES[decision]

    @invariant()
    def histories_are_valid_paths(self) -> None:
        for submission in self.app.list_submissions(CONSULTATION):
            history = self.app.store.history(submission.id)
            assert is_valid_history(history)
            assert history[-1].to_status is submission.status
            for entry in history[1:]:
                assert entry.actor.role in ALLOWED_ROLES[entry.to_status]
                if entry.actor.role is ActorRole.SUBMITTER:
                    assert entry.actor.id == self.owner[submission.tracking_number]


AppLifecycle.TestCase.settings = settings(max_examples=50, stateful_step_count=20)
TestAppLifecycle = AppLifecycle.TestCase
