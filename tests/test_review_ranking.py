"""Rankings: per-reviewer normalisation, rubric weights, explanations and tie-breaks; the
``rank_submissions`` hook."""

from __future__ import annotations

import datetime as dt

import pytest

from consultkit import hookimpl
from consultkit.domain.review.ranking import RankedSubmission, rank, raw_score
from consultkit.domain.review.rounds import Criterion, ReviewRound, RoundKind
from consultkit.domain.review.scores import Review, passes_screening, review_problems
from consultkit.domain.text import Text
from consultkit.domain.windows import Unscheduled
from consultkit.pluginhost.host import PluginHost
from consultkit.testing.factories import wsis_consultation

AT = dt.datetime(2020, 2, 10, tzinfo=dt.UTC)
ROUND = ReviewRound(
    id="scoring",
    kind=RoundKind.SCORING,
    title=Text({"en": "Scoring"}),
    window=Unscheduled(zone="UTC"),
    criteria=(
        Criterion(id="relevance", label=Text({"en": "Relevance"}), weight=3.0),
        Criterion(id="format", label=Text({"en": "Format"}), min=0, max=10),
    ),
)


def _review(submission: str, reviewer: str, relevance: int, fmt: int, **kw: object) -> Review:
    return Review(
        consultation_id="c",
        round="call/scoring",
        submission_id=submission,
        reviewer_id=reviewer,
        at=AT,
        scores={"relevance": relevance, "format": fmt},
        **kw,  # type: ignore[arg-type]
    )


def test_raw_score_puts_each_criterion_on_0_to_1_and_weights_them() -> None:
    # relevance 5 of 1..5 -> 1.0 (weight 3); format 0 of 0..10 -> 0.0 (weight 1)
    assert raw_score(ROUND, _review("s", "r", 5, 0)) == pytest.approx(0.75)
    assert raw_score(ROUND, _review("s", "r", 1, 10)) == pytest.approx(0.25)


def test_a_harsh_and_a_generous_reviewer_rank_the_same_way_after_normalisation() -> None:
    # Harsh h scores low, generous g high; each ranks a above b above c. Raw means would
    # favour whatever g reviewed; z-scores per reviewer do not.
    reviews = [
        _review("a", "h", 3, 4),
        _review("b", "h", 2, 3),
        _review("c", "h", 1, 1),
        _review("d", "g", 5, 10),
        _review("e", "g", 5, 8),
        _review("f", "g", 4, 6),
    ]
    refs = {s: f"T-{s}" for s in "abcdef"}
    rows = rank(ROUND, reviews, refs)
    order = [r.submission_id for r in rows]
    assert order.index("a") < order.index("f") and order.index("a") < order.index("e")
    assert all(s.normalisation == "z" for r in rows for s in r.scores)
    top = rows[0]
    assert "z-per-reviewer" in top.explanation() and "weighted mean" in top.explanation()


def test_a_reviewer_with_one_score_falls_back_to_the_rounds_mean() -> None:
    reviews = [_review("a", "x", 5, 10), _review("b", "y", 3, 5), _review("c", "y", 1, 0)]
    rows = {r.submission_id: r for r in rank(ROUND, reviews, {s: s for s in "abc"})}
    assert rows["a"].scores[0].normalisation == "pool-z"
    assert rows["b"].scores[0].normalisation == "z"


def test_abstentions_are_left_out_and_counted_and_unscored_come_last() -> None:
    reviews = [
        _review("a", "x", 4, 6),
        _review("a", "y", 2, 2),
        Review(
            consultation_id="c",
            round="call/scoring",
            submission_id="b",
            reviewer_id="x",
            at=AT,
            abstained=True,
        ),
    ]
    rows = rank(ROUND, reviews, {"a": "T-A", "b": "T-B"})
    assert [r.submission_id for r in rows] == ["a", "b"]
    assert rows[1].score is None and rows[1].abstentions == 1
    assert rows[1].explanation() == "no scores; 1 abstention left out"


def test_confidence_weights_the_mean() -> None:
    sure = _review("a", "x", 5, 10, confidence=5)
    unsure = _review("a", "y", 1, 0, confidence=1)
    other = [_review("b", "x", 1, 0), _review("b", "y", 5, 10)]
    row = next(
        r
        for r in rank(ROUND, [sure, unsure, *other], {"a": "A", "b": "B"})
        if r.submission_id == "a"
    )
    assert [s.weight for s in row.scores] == [5, 1]
    assert row.score is not None and row.score > 0


def test_ties_are_broken_by_raw_mean_then_count_then_tracking_number_and_say_so() -> None:
    # Two reviewers who each give every submission the same raw score: every z is 0.
    reviews = [_review(s, r, 3, 5) for s in ("b", "a") for r in ("x", "y")]
    rows = rank(ROUND, reviews, {"a": "CK-2", "b": "CK-1"})
    assert [r.reference for r in rows] == ["CK-1", "CK-2"]
    assert all(r.tie_break == "tracking number" for r in rows)
    assert "tie broken by tracking number" in rows[0].explanation()


def test_review_problems_name_what_is_wrong() -> None:
    # The problems are deferred words (issue 11): str() gives their English.
    said = review_problems(
        ROUND, scores={"relevance": 6}, passed=None, abstained=False, confidence=9
    )
    assert [str(problem) for problem in said] == [
        "confidence goes from 1 to 5, not 9",
        "criterion 'relevance' takes 1 to 5, not 6",
        "no score for format (score every criterion, or abstain)",
    ]
    screening = ReviewRound(
        id="s", kind=RoundKind.SCREENING, title=Text({"en": "S"}), window=Unscheduled(zone="UTC")
    )
    said = review_problems(screening, scores={}, passed=None, abstained=False, confidence=None)
    assert [str(problem) for problem in said] == [
        "round 's' is a screening: give pass or fail (or abstain)"
    ]


def test_screening_passes_with_at_least_half_of_the_verdicts() -> None:
    def v(passed: bool | None, abstained: bool = False) -> Review:
        return Review(
            consultation_id="c",
            round="r",
            submission_id="s",
            reviewer_id=str(passed),
            at=AT,
            passed=passed,
            abstained=abstained,
        )

    assert passes_screening([v(True), v(False)]) is True
    assert passes_screening([v(False), v(False), v(True)]) is False
    assert passes_screening([v(None, abstained=True)]) is None


# -- the hook --------------------------------------------------------------------------------


class ByTrackingNumber:
    @hookimpl
    def rank_submissions(self, consultation, round, reviews, references):  # type: ignore[no-untyped-def]
        return [
            RankedSubmission(
                submission_id=s,
                reference=ref,
                rank=i + 1,
                score=None,
                raw_mean=None,
                method="alphabetical",
            )
            for i, (s, ref) in enumerate(sorted(references.items(), key=lambda p: p[1]))
        ]


def test_rank_submissions_uses_the_first_plugin_that_answers() -> None:
    host = PluginHost.load(
        entry_points=False, strict=True, disabled=(), plugins=[ByTrackingNumber()]
    )
    reviews = [_review("a", "x", 5, 10), _review("b", "x", 1, 0)]
    plugin, rows = host.rank_submissions(wsis_consultation(), ROUND, reviews, {"a": "Z", "b": "A"})
    assert plugin != "review_defaults"
    assert [r.reference for r in rows] == ["A", "Z"]
    builtin = PluginHost.load(entry_points=False, strict=True, disabled=())
    plugin, rows = builtin.rank_submissions(
        wsis_consultation(), ROUND, reviews, {"a": "Z", "b": "A"}
    )
    assert plugin == "review_defaults" and [r.reference for r in rows] == ["Z", "A"]
