"""Ranking a scoring round: scores normalised per reviewer, weighted by the rubric, explained.

The method (``z-per-reviewer``), step by step:

1. **Raw score of a review**: each criterion's score is put on 0..1
   (``(score - min) / (max - min)``) and the rubric's weights average them.
2. **Normalised per reviewer**: a reviewer with two or more scored reviews in the round,
   whose raw scores are not all equal, gets z-scores against their own mean and
   (population) standard deviation; that removes a harsh or a generous hand. A reviewer
   with fewer than two, or all equal, is measured against the whole round's mean and
   standard deviation instead (``pool-z``); 0 when every score in the round is equal.
3. **A submission's score** is the mean of its reviews' normalised scores, weighted by
   each review's confidence (3, the middle of the 1..5 scale, when none was given).
   Abstentions are left out and counted.
4. **Order**: score, high first; ties are broken by the raw mean (high first), then by
   more scores, then by tracking number, so the order never depends on chance. A
   submission without any score comes last.

Each row carries which scores were used, how each was normalised and which tie-break, if
any, decided its place (:meth:`RankedSubmission.explanation`).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from typing import TYPE_CHECKING

import attrs

from consultkit.domain.review.scores import DEFAULT_CONFIDENCE
from consultkit.i18n import messages

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from consultkit.domain.review.rounds import ReviewRound
    from consultkit.domain.review.scores import Review
    from consultkit.i18n import Messages

METHOD = "z-per-reviewer"


@attrs.frozen(kw_only=True)
class ScoreUsed:
    """One review's part in a ranking: raw (0..1), normalised, how, and its weight."""

    reviewer_id: str
    raw: float
    normalised: float
    normalisation: str
    """``z`` (against the reviewer's own scores) or ``pool-z`` (against the round's)."""
    weight: int


@attrs.frozen(kw_only=True)
class RankedSubmission:
    """A submission's place in a ranking, with everything needed to explain it."""

    submission_id: str
    reference: str
    rank: int
    score: float | None
    raw_mean: float | None
    scores: tuple[ScoreUsed, ...] = ()
    abstentions: int = 0
    tie_break: str | None = None
    method: str = METHOD

    def explanation(self, words: Messages | None = None) -> str:
        """The row in words: scores used, normalisation, and the tie-break if one decided.

        Worded in ``words``' language (English by default); reviewer ids, the method and
        the normalisations (``z``, ``pool-z``) are identifiers and stay as they are.
        """
        words = words or messages("en")
        if self.score is None:
            parts = [words.gettext("no scores")]
        else:
            used = "; ".join(
                words.gettext(
                    "%(reviewer)s raw %(raw)s -> %(normalisation)s %(normalised)s"
                    " (weight %(weight)s)",
                    reviewer=s.reviewer_id,
                    raw=f"{s.raw:.3f}",
                    normalisation=s.normalisation,
                    normalised=f"{s.normalised:+.3f}",
                    weight=s.weight,
                )
                for s in self.scores
            )
            parts = [
                words.gettext(
                    "%(method)s: %(scores)s; weighted mean %(score)s",
                    method=self.method,
                    scores=used,
                    score=f"{self.score:+.3f}",
                )
            ]
        if self.abstentions:
            parts.append(
                words.ngettext(
                    "%(num)s abstention left out", "%(num)s abstentions left out", self.abstentions
                )
            )
        if self.tie_break:
            parts.append(
                words.gettext("tie broken by %(key)s", key=tie_break_label(self.tie_break, words))
            )
        return "; ".join(parts)


def tie_break_label(tie_break: str, words: Messages) -> str:
    """A tie-break key (:data:`TIE_BREAKS`) in words; a plugin's own key as it is."""
    labels = {
        "raw mean": words.pgettext("tie-break", "raw mean"),
        "number of scores": words.pgettext("tie-break", "number of scores"),
        "tracking number": words.pgettext("tie-break", "tracking number"),
    }
    return labels.get(tie_break, tie_break)


def raw_score(round_: ReviewRound, review: Review) -> float:
    """A review's rubric-weighted score on 0..1."""
    total = 0.0
    weights = 0.0
    for criterion in round_.criteria:
        value = review.scores.get(criterion.id)
        if value is None:
            continue
        span = criterion.max - criterion.min
        total += criterion.weight * ((value - criterion.min) / span if span else 1.0)
        weights += criterion.weight
    return total / weights if weights else 0.0


def _z(value: float, mean: float, sd: float) -> float:
    return 0.0 if sd == 0 else (value - mean) / sd


def rank(
    round_: ReviewRound,
    reviews: Sequence[Review],
    references: Mapping[str, str],
) -> list[RankedSubmission]:
    """Rank the submissions of ``references`` (id -> tracking number) by ``reviews``."""
    scored = [r for r in reviews if not r.abstained and r.scores]
    raw = {(r.submission_id, r.reviewer_id): raw_score(round_, r) for r in scored}
    by_reviewer: dict[str, list[float]] = defaultdict(list)
    for r in scored:
        by_reviewer[r.reviewer_id].append(raw[r.submission_id, r.reviewer_id])
    pool = list(raw.values())
    pool_mean = statistics.fmean(pool) if pool else 0.0
    pool_sd = statistics.pstdev(pool) if len(pool) > 1 else 0.0
    own: dict[str, tuple[float, float]] = {}
    for reviewer, values in by_reviewer.items():
        sd = statistics.pstdev(values) if len(values) > 1 else 0.0
        if sd > 0:
            own[reviewer] = (statistics.fmean(values), sd)

    used: dict[str, list[ScoreUsed]] = defaultdict(list)
    for r in sorted(scored, key=lambda r: (r.submission_id, r.reviewer_id)):
        x = raw[r.submission_id, r.reviewer_id]
        if r.reviewer_id in own:
            mean, sd = own[r.reviewer_id]
            normalised, how = _z(x, mean, sd), "z"
        else:
            normalised, how = _z(x, pool_mean, pool_sd), "pool-z"
        weight = r.confidence if r.confidence is not None else DEFAULT_CONFIDENCE
        used[r.submission_id].append(
            ScoreUsed(
                reviewer_id=r.reviewer_id,
                raw=x,
                normalised=normalised,
                normalisation=how,
                weight=weight,
            )
        )
    abstentions: dict[str, int] = defaultdict(int)
    for r in reviews:
        if r.abstained:
            abstentions[r.submission_id] += 1

    def key(submission: str) -> tuple[float, float, int, str]:
        scores = used.get(submission, [])
        if not scores:
            return (math.inf, math.inf, 0, references[submission])
        return (
            -_score(scores),
            -statistics.fmean(s.raw for s in scores),
            -len(scores),
            references[submission],
        )

    order = sorted(references, key=key)
    rows: list[RankedSubmission] = []
    for index, submission in enumerate(order):
        scores = used.get(submission, [])
        rows.append(
            RankedSubmission(
                submission_id=submission,
                reference=references[submission],
                rank=index + 1,
                score=_score(scores) if scores else None,
                raw_mean=statistics.fmean(s.raw for s in scores) if scores else None,
                scores=tuple(scores),
                abstentions=abstentions.get(submission, 0),
                tie_break=_tie_break(key, order, index),
            )
        )
    return rows


def _score(scores: Sequence[ScoreUsed]) -> float:
    return sum(s.normalised * s.weight for s in scores) / sum(s.weight for s in scores)


TIE_BREAKS = ("raw mean", "number of scores", "tracking number")
"""The built-in ranking's tie-break keys, in the order they apply (``tie_break`` of a row)."""


def _tie_break(key: object, order: Sequence[str], index: int) -> str | None:
    """Which key put ``order[index]`` where it is against an equal-scored neighbour."""
    assert callable(key)
    mine = key(order[index])
    if math.isinf(mine[0]):
        return None
    decided: list[int] = []
    for other_index in (index - 1, index + 1):
        if 0 <= other_index < len(order):
            other = key(order[other_index])
            if math.isclose(mine[0], other[0], abs_tol=1e-12):
                for position in range(1, 4):
                    if mine[position] != other[position]:
                        decided.append(position - 1)
                        break
    if not decided:
        return None
    return TIE_BREAKS[min(decided)]
