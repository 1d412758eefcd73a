"""Reviewer assignment: balanced, conflict-free, diverse, seeded, and clear when it cannot be.

Properties over generated pools (hypothesis), the refusals people read, and the
``assign_reviewers`` hook: a plugin's solver is used, and checked like the built-in one.
"""

from __future__ import annotations

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from consultkit import hookimpl
from consultkit.domain.review.assignment import (
    Assignment,
    AssignmentProblem,
    AssignmentRefusedError,
    ReviewerSlot,
    infeasibility,
    solve,
    violations,
)
from consultkit.domain.review.assignment_flow import exact_pairs
from consultkit.errors import PluginError
from consultkit.pluginhost.host import PluginHost
from consultkit.testing.factories import wsis_consultation

GROUPS = ("governments", "private-sector", "civil-society", "academia-technical")


@st.composite
def problems(draw: st.DrawFn, *, max_conflict: float = 0.25) -> AssignmentProblem:
    n_reviewers = draw(st.integers(2, 12))
    per = draw(st.integers(1, min(4, n_reviewers)))
    reviewers = tuple(
        ReviewerSlot(id=f"r{i:02d}", group=draw(st.sampled_from(GROUPS)))
        for i in range(n_reviewers)
    )
    n_groups = len({r.group for r in reviewers})
    min_groups = draw(st.integers(1, max(1, min(2, per, n_groups))))
    submissions = tuple(f"s{i:03d}" for i in range(draw(st.integers(0, 40))))
    rate = draw(st.floats(0, max_conflict))
    conflicts = {
        (s, r.id): "declared conflict"
        for s in submissions
        for r in reviewers
        if draw(st.floats(0, 1)) < rate
    }
    return AssignmentProblem(
        submissions=submissions,
        reviewers=reviewers,
        per_submission=per,
        min_groups=min_groups,
        conflicts=conflicts,
        seed=draw(st.integers(0, 2**31)),
    )


@given(problems())
def test_a_solution_keeps_every_rule_or_the_refusal_says_which(problem: AssignmentProblem) -> None:
    try:
        assignment = solve(problem)
    except AssignmentRefusedError as exc:
        assert exc.constraint in {"per-submission", "conflicts", "diversity", "balance", "search"}
        assert str(exc).startswith(exc.constraint + ": ")
        return
    assert violations(problem, assignment) == []
    loads = assignment.loads(r.id for r in problem.reviewers).values()
    assert max(loads, default=0) - min(loads, default=0) <= 1
    assert not any(pair in problem.conflicts for pair in assignment.pairs)


@given(problems(max_conflict=0.0))
def test_without_conflicts_the_search_never_gives_up(problem: AssignmentProblem) -> None:
    # Without conflicts, a problem is either solved or refused by a check that names
    # the rule that cannot hold (here only diversity against balance can clash).
    try:
        assignment = solve(problem)
    except AssignmentRefusedError as exc:
        assert exc.constraint == "diversity", str(exc)
        return
    assert violations(problem, assignment) == []


@given(problems())
def test_the_same_seed_gives_the_same_assignment(problem: AssignmentProblem) -> None:
    try:
        first = solve(problem)
    except AssignmentRefusedError as exc:
        with pytest.raises(AssignmentRefusedError) as again:
            solve(problem)
        assert str(again.value) == str(exc)
        return
    assert solve(problem) == first


@given(problems(max_conflict=0.0), st.data())
def test_a_submission_everyone_is_conflicted_with_is_refused_by_name(
    problem: AssignmentProblem, data: st.DataObject
) -> None:
    assume(problem.submissions)
    victim = data.draw(st.sampled_from(problem.submissions))
    keep = data.draw(st.integers(0, problem.per_submission - 1))
    blocked = {(victim, r.id): "same organisation" for r in problem.reviewers[keep:]}
    with pytest.raises(AssignmentRefusedError) as refused:
        solve(attrs.evolve(problem, conflicts=blocked))
    assert refused.value.constraint == "conflicts"
    assert refused.value.submission == victim
    assert f"submission {victim} has {keep} reviewer(s) without a conflict" in str(refused.value)


def test_different_seeds_give_different_assignments() -> None:
    base = _mag_problem(seed=1)
    other = _mag_problem(seed=2)
    assert solve(base).pairs != solve(other).pairs


def _mag_problem(seed: int, per: int = 3, min_groups: int = 2) -> AssignmentProblem:
    """An IGF-MAG-sized problem: 120 proposals, 10 members, a few conflicts."""
    reviewers = tuple(ReviewerSlot(id=f"m{i:02d}", group=GROUPS[i % 4]) for i in range(10))
    submissions = tuple(f"p{i:03d}" for i in range(120))
    conflicts = {
        (s, f"m{(i * 7) % 10:02d}"): "declared conflict" for i, s in enumerate(submissions)
    }
    return AssignmentProblem(
        submissions=submissions,
        reviewers=reviewers,
        per_submission=per,
        min_groups=min_groups,
        conflicts=conflicts,
        seed=seed,
    )


def test_diversity_that_cannot_be_met_names_the_submission_and_the_groups() -> None:
    reviewers = (
        ReviewerSlot(id="a", group="governments"),
        ReviewerSlot(id="b", group="governments"),
        ReviewerSlot(id="c", group="civil-society"),
    )
    problem = AssignmentProblem(
        submissions=("s1", "s2"),
        reviewers=reviewers,
        per_submission=2,
        min_groups=2,
        conflicts={("s2", "c"): "same organisation"},
    )
    refused = infeasibility(problem)
    assert refused is not None and refused.constraint == "diversity"
    assert refused.submission == "s2"
    assert "from 1 stakeholder group(s) (governments), the round needs 2" in str(refused)


def test_a_reviewer_who_cannot_reach_a_balanced_load_is_named() -> None:
    reviewers = tuple(ReviewerSlot(id=f"r{i}", group="governments") for i in range(3))
    submissions = tuple(f"s{i}" for i in range(6))
    # 6 x 2 = 12 reviews, 4 each; r0 is conflicted with all but two.
    conflicts = {(s, "r0"): "declared conflict" for s in submissions[2:]}
    problem = AssignmentProblem(
        submissions=submissions, reviewers=reviewers, per_submission=2, conflicts=conflicts
    )
    with pytest.raises(AssignmentRefusedError) as refused:
        solve(problem)
    assert refused.value.constraint == "balance" and refused.value.reviewer == "r0"
    assert "reviewer r0 can review 2 submission(s) without a conflict" in str(refused.value)


def test_violations_name_each_broken_rule() -> None:
    problem = AssignmentProblem(
        submissions=("s1", "s2"),
        reviewers=(ReviewerSlot(id="a", group="g1"), ReviewerSlot(id="b", group="g2")),
        per_submission=1,
        conflicts={("s1", "a"): "authorship"},
    )
    bad = Assignment(pairs=[("s1", "a"), ("s2", "a")])
    found = [str(v) for v in violations(problem, bad)]
    assert "submission s1: reviewer a is conflicted (authorship)" in found
    assert any(v.startswith("loads are unbalanced: a has 2, b has 0") for v in found)


# -- the hook --------------------------------------------------------------------------------


class ReverseSolver:
    """A plugin solver: the built-in one's answer with the pairs of the last submission
    moved round, to show the application uses the plugin's answer."""

    @hookimpl
    def assign_reviewers(self, consultation, problem):  # type: ignore[no-untyped-def]
        return Assignment(pairs=solve(problem).pairs, solver="reverse")


class BrokenSolver:
    @hookimpl
    def assign_reviewers(self, consultation, problem):  # type: ignore[no-untyped-def]
        return Assignment(pairs=[(s, problem.reviewers[0].id) for s in problem.submissions])


class CrashingSolver:
    @hookimpl
    def assign_reviewers(self, consultation, problem):  # type: ignore[no-untyped-def]
        raise RuntimeError("solver licence expired")


class PassingSolver:
    @hookimpl
    def assign_reviewers(self, consultation, problem):  # type: ignore[no-untyped-def]
        return None


def _host(*plugins: object) -> PluginHost:
    return PluginHost.load(entry_points=False, strict=True, disabled=(), plugins=list(plugins))


def test_assign_reviewers_uses_the_first_plugin_that_answers() -> None:
    problem = _mag_problem(seed=3)
    plugin, assignment = _host(ReverseSolver()).assign_reviewers(wsis_consultation(), problem)
    assert assignment.solver == "reverse" and plugin != "review_defaults"
    plugin, builtin = _host(PassingSolver()).assign_reviewers(wsis_consultation(), problem)
    assert plugin == "review_defaults" and builtin == solve(problem)


def test_assign_reviewers_crash_names_the_plugin_and_never_falls_back() -> None:
    with pytest.raises(PluginError) as failed:
        _host(CrashingSolver()).assign_reviewers(wsis_consultation(), _mag_problem(seed=1))
    assert "assign_reviewers" in str(failed.value) and "licence expired" in str(failed.value)


def test_assign_reviewers_answer_breaking_the_rules_is_caught_by_the_checker() -> None:
    problem = _mag_problem(seed=1)
    _, assignment = _host(BrokenSolver()).assign_reviewers(wsis_consultation(), problem)
    found = [str(v) for v in violations(problem, assignment)]
    assert any("the round needs 3" in v for v in found)
    assert any("is conflicted" in v for v in found)


@st.composite
def wide_diversity_problems(draw: st.DrawFn, *, max_conflict: float = 0.0) -> AssignmentProblem:
    # min_groups strictly between 2 and per_submission: each submission's reviewers must
    # span several groups yet may repeat one, the case the greedy fill used to miss.
    per = draw(st.integers(4, 5))
    min_groups = draw(st.integers(3, per - 1))
    n_reviewers = draw(st.integers(per, 12))
    reviewers = tuple(
        ReviewerSlot(id=f"r{i:02d}", group=draw(st.sampled_from(GROUPS)))
        for i in range(n_reviewers)
    )
    submissions = tuple(f"s{i:03d}" for i in range(draw(st.integers(1, 30))))
    rate = draw(st.floats(0, max_conflict))
    conflicts = {
        (s, r.id): "declared conflict"
        for s in submissions
        for r in reviewers
        if draw(st.floats(0, 1)) < rate
    }
    return AssignmentProblem(
        submissions=submissions,
        reviewers=reviewers,
        per_submission=per,
        min_groups=min_groups,
        conflicts=conflicts,
        seed=draw(st.integers(0, 2**31)),
    )


@given(wide_diversity_problems())
def test_wide_diversity_without_conflicts_is_solved_or_refused_by_a_named_check(
    problem: AssignmentProblem,
) -> None:
    try:
        assignment = solve(problem)
    except AssignmentRefusedError as exc:
        assert exc.constraint == "diversity", str(exc)
        return
    assert violations(problem, assignment) == []


@given(wide_diversity_problems(max_conflict=0.3))
def test_wide_diversity_with_conflicts_keeps_every_rule_or_names_the_rule(
    problem: AssignmentProblem,
) -> None:
    try:
        assignment = solve(problem)
    except AssignmentRefusedError as exc:
        assert exc.constraint in {"per-submission", "conflicts", "diversity", "balance"}, str(exc)
        return
    assert violations(problem, assignment) == []


def test_groups_that_reach_too_few_submissions_are_named_with_their_numbers() -> None:
    # Every reviewer takes one submission; civil society's one reviewer can give only one
    # of the two submissions its third group.
    groups = ["governments"] * 4 + ["private-sector"] * 3 + ["civil-society"]
    problem = AssignmentProblem(
        submissions=("s000", "s001"),
        reviewers=tuple(ReviewerSlot(id=f"r{i:02d}", group=g) for i, g in enumerate(groups)),
        per_submission=4,
        min_groups=3,
    )
    with pytest.raises(AssignmentRefusedError) as refused:
        solve(problem)
    assert refused.value.constraint == "diversity"
    assert (
        "2 submissions with 3 groups each need 6 group places, but with balanced loads of at"
        " most 1 the groups reach only 5 submissions between them (civil-society 1,"
        " governments 2, private-sector 2)"
    ) in str(refused.value)


@given(wide_diversity_problems(max_conflict=0.3))
def test_the_exact_flow_agrees_with_the_rules(problem: AssignmentProblem) -> None:
    pairs = exact_pairs(problem)
    if pairs is not None and infeasibility(problem) is None:
        assert violations(problem, Assignment(pairs=pairs)) == []
    if infeasibility(problem) is not None:
        assert pairs is None
