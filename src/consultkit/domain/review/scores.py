"""What reviewers give: one review per reviewer, submission and round, and its checks.

A screening review is a pass or a fail; a scoring review gives a whole number for every
criterion of the round's rubric. Either may be an abstention instead (a reviewer who
finds they cannot judge), and either may carry a confidence from 1 (unsure) to 5 (sure).
"""

from __future__ import annotations

import datetime as dt  # noqa: TC003 (attrs)
from collections.abc import Mapping  # noqa: TC003 (attrs)
from typing import TYPE_CHECKING

import attrs

from consultkit.domain.instants import utc_instant
from consultkit.domain.rendering import listed
from consultkit.domain.review.rounds import RoundKind
from consultkit.i18n import Text, deferred
from consultkit.value_methods import shared_value_methods

if TYPE_CHECKING:
    from collections.abc import Iterable

    from consultkit.domain.review.rounds import ReviewRound

CONFIDENCE = (1, 5)
"""The confidence scale: 1 unsure .. 5 sure."""
DEFAULT_CONFIDENCE = 3
"""The weight of a review that gives no confidence (the middle of the scale)."""


@attrs.frozen(kw_only=True)
@shared_value_methods
class ReviewAssignment:
    """Reviewer ``reviewer_id`` is to review ``submission_id`` in round ``round`` (a
    :func:`~consultkit.domain.review.rounds.round_ref`)."""

    consultation_id: str
    round: str
    submission_id: str
    reviewer_id: str
    assigned_at: dt.datetime = attrs.field(converter=utc_instant)


def _scores(value: Mapping[str, int] | Iterable[tuple[str, int]]) -> dict[str, int]:
    return dict(sorted(dict(value).items()))


@attrs.frozen(kw_only=True)
@shared_value_methods
class Review:
    """One reviewer's review of one submission in one round (the latest they gave)."""

    consultation_id: str
    round: str
    submission_id: str
    reviewer_id: str
    at: dt.datetime = attrs.field(converter=utc_instant)
    scores: Mapping[str, int] = attrs.field(factory=dict, converter=_scores)
    passed: bool | None = None
    abstained: bool = False
    confidence: int | None = None
    comment: str | None = None


def review_problems(
    round_: ReviewRound,
    *,
    scores: Mapping[str, int],
    passed: bool | None,
    abstained: bool,
    confidence: int | None,
) -> list[Text]:
    """What is wrong with a review for ``round_``, as sentences (empty: it may be stored)."""
    problems: list[Text] = []
    if confidence is not None and not CONFIDENCE[0] <= confidence <= CONFIDENCE[1]:
        problems.append(
            deferred.gettext(
                "confidence goes from %(least)s to %(most)s, not %(confidence)s",
                least=CONFIDENCE[0],
                most=CONFIDENCE[1],
                confidence=confidence,
            )
        )
    if abstained:
        if scores or passed is not None:
            problems.append(deferred.gettext("an abstention gives no scores and no pass or fail"))
        return problems
    if round_.kind is RoundKind.SCREENING:
        if scores:
            problems.append(
                deferred.gettext(
                    "round %(round)r is a screening: give pass or fail, not scores",
                    round=round_.id,
                )
            )
        if passed is None:
            problems.append(
                deferred.gettext(
                    "round %(round)r is a screening: give pass or fail (or abstain)",
                    round=round_.id,
                )
            )
        return problems
    if passed is not None:
        problems.append(
            deferred.gettext(
                "round %(round)r is scored: give a score per criterion, not pass/fail",
                round=round_.id,
            )
        )
    known = {c.id: c for c in round_.criteria}
    for key, score in scores.items():
        criterion = known.get(key)
        if criterion is None:
            problems.append(
                deferred.gettext(
                    "round %(round)r has no criterion %(criterion)r (criteria: %(known)s)",
                    round=round_.id,
                    criterion=key,
                    known=listed(list(known)),
                )
            )
        elif (problem := criterion.problem(score)) is not None:
            problems.append(problem)
    missing = [c for c in known if c not in scores]
    if missing:
        problems.append(
            deferred.gettext(
                "no score for %(criteria)s (score every criterion, or abstain)",
                criteria=listed(missing),
            )
        )
    return problems


def passes_screening(reviews: Iterable[Review]) -> bool | None:
    """Whether a submission passed a screening round: at least half of the reviewers who
    did not abstain passed it. ``None`` while nobody has given a verdict."""
    verdicts = [r.passed for r in reviews if not r.abstained and r.passed is not None]
    if not verdicts:
        return None
    return 2 * sum(verdicts) >= len(verdicts)
