"""The built-in review methods, answering last through the hooks a plugin would use.

``assign_reviewers``: the seeded randomized greedy with repair of
:func:`consultkit.domain.review.assignment.solve`. ``rank_submissions``: z-scores per
reviewer, :func:`consultkit.domain.review.ranking.rank`. A plugin that answers first
replaces either; the application checks whatever answer it gets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from consultkit.hookspecs import hookimpl

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from consultkit.domain.model import Consultation
    from consultkit.domain.review.assignment import Assignment, AssignmentProblem
    from consultkit.domain.review.ranking import RankedSubmission
    from consultkit.domain.review.rounds import ReviewRound
    from consultkit.domain.review.scores import Review


@hookimpl(trylast=True)
def assign_reviewers(consultation: Consultation, problem: AssignmentProblem) -> Assignment:
    # Imported here: every command loads the default plugins (start-up benchmark).
    from consultkit.domain.review.assignment import solve

    return solve(problem)


@hookimpl(trylast=True)
def rank_submissions(
    consultation: Consultation,
    round: ReviewRound,
    reviews: Sequence[Review],
    references: Mapping[str, str],
) -> list[RankedSubmission]:
    from consultkit.domain.review.ranking import rank

    return rank(round, reviews, references)
