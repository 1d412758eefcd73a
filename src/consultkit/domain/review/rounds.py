"""What a call declares about its review: rounds (screening, then scoring) and their rubrics.

A call's ``[[calls.review.rounds]]`` are taken in order. A screening round asks each
reviewer for a pass or a fail; a scoring round asks for a score per criterion of its
rubric. A scoring round reviews only what passed every screening round before it.
"""

from __future__ import annotations

import enum

import attrs

from consultkit.domain.text import Text
from consultkit.domain.windows import AnyWindow  # noqa: TC001 (resolved by cattrs)
from consultkit.i18n import Text as Words
from consultkit.i18n import deferred
from consultkit.value_methods import shared_value_methods

_EMPTY = Text({})


class RoundKind(enum.StrEnum):
    SCREENING = "screening"
    SCORING = "scoring"


@attrs.frozen(kw_only=True)
@shared_value_methods
class Criterion:
    """One criterion of a scoring rubric: a whole-number scale ``min``..``max`` and a weight."""

    id: str
    label: Text
    min: int = 1
    max: int = 5
    weight: float = 1.0
    help: Text = _EMPTY

    def problem(self, score: int) -> Words | None:
        """Why ``score`` is not on this criterion's scale, or ``None``."""
        if not self.min <= score <= self.max:
            return deferred.gettext(
                "criterion %(criterion)r takes %(least)s to %(most)s, not %(score)s",
                criterion=self.id,
                least=self.min,
                most=self.max,
                score=score,
            )
        return None


@attrs.frozen(kw_only=True)
@shared_value_methods
class ReviewRound:
    """One review round of a call.

    ``reviewers`` lists reviewer ids from the pool (empty: the whole pool);
    ``per_submission`` is how many reviewers see each submission; ``min_groups`` how many
    different stakeholder groups they must come from; ``blind`` hides the submitter from
    reviewers; ``same_country_conflict`` makes a reviewer from the submitter's country
    conflicted. ``window`` is when reviewers work (a schedule item ``review:CALL/ROUND``;
    ``kind = "unscheduled"`` when it is not known yet).
    """

    id: str
    kind: RoundKind
    title: Text
    window: AnyWindow
    reviewers: tuple[str, ...] = ()
    per_submission: int = 3
    min_groups: int = 1
    blind: bool = True
    same_country_conflict: bool = False
    criteria: tuple[Criterion, ...] = ()
    description: Text = _EMPTY
    inferred: tuple[str, ...] = ()
    """Field paths below this round that the source implies but does not state."""


@attrs.frozen(kw_only=True)
@shared_value_methods
class CallReview:
    """A call's review: its rounds, in the order they run."""

    rounds: tuple[ReviewRound, ...] = ()

    def round(self, round_id: str) -> ReviewRound:
        for found in self.rounds:
            if found.id == round_id:
                return found
        known = ", ".join(r.id for r in self.rounds) or "none"
        raise LookupError(f"no review round {round_id!r} (rounds: {known})")

    def screenings_before(self, round_id: str) -> tuple[ReviewRound, ...]:
        """The screening rounds declared before ``round_id``."""
        before: list[ReviewRound] = []
        for found in self.rounds:
            if found.id == round_id:
                return tuple(before)
            if found.kind is RoundKind.SCREENING:
                before.append(found)
        raise LookupError(f"no review round {round_id!r}")


def round_ref(call_id: str, round_id: str) -> str:
    """How a round is named in the store, in schedule refs and on the command line."""
    return f"{call_id}/{round_id}"
