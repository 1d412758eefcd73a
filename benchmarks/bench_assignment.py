"""Benchmark: reviewer assignment, the built-in solver against a plain greedy baseline.

The problem is issue 12's: 2,000 submissions, 40 reviewers in five stakeholder groups of
unequal size (14, 10, 8, 5, 3, listed group by group as a reviewers file would be), 3
reviews each from at least 2 groups, and conflicts: every reviewer's own organisation
(which submits about 1 in 50), the same country (10 countries, submitters skewed towards
some), and declared ones (about 2 % of the remaining pairs). Both solvers run in
this process on the same problem, and both answers are checked with the same checker
(:func:`consultkit.domain.review.assignment.violations`). The baseline is what one would
write first: each submission in turn takes the least-loaded reviewers without a conflict.

Reported: time of each (best of ``--repeat``), the ratio built-in / baseline, and the
quality of each (load spread, submissions whose reviewers cover the groups rule, rule
violations). A full run fails (exit 1) when the built-in answer breaks any rule; time is
reported, not enforced (the baseline does less work: no balance, no diversity).

    python benchmarks/bench_assignment.py           # 2,000 x 40, 3 reviews each
    python benchmarks/bench_assignment.py --smoke   # 200 x 12, quick, for CI
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter

from consultkit.domain.review.assignment import (
    Assignment,
    AssignmentProblem,
    ReviewerSlot,
    solve,
    violations,
)

GROUPS = ("governments", "private-sector", "civil-society", "academia-technical", "intl-orgs")


SIZES = (14, 10, 8, 5, 3)
"""Reviewers per group, as pools are: many from civil society, few from international
organisations. The reviewers file lists them group by group."""


def make_problem(submissions: int, reviewers: int, per: int, seed: int = 12) -> AssignmentProblem:
    rng = random.Random(seed)
    shares = [round(reviewers * size / sum(SIZES)) for size in SIZES]
    shares[0] += reviewers - sum(shares)
    groups = [g for g, n in zip(GROUPS, shares, strict=True) for _ in range(n)]
    slots = tuple(ReviewerSlot(id=f"r{i:03d}", group=g) for i, g in enumerate(groups))
    countries = [rng.randrange(10) for _ in slots]  # reviewers from 10 countries
    ids = tuple(f"s{i:05d}" for i in range(submissions))
    conflicts: dict[tuple[str, str], str] = {}
    for s in ids:
        organisation = rng.randrange(50)  # the submitter's organisation, of 50
        country = min(rng.randrange(10), rng.randrange(10))  # skewed: country 0 most often
        for r_index, r in enumerate(slots):
            if organisation == r_index:  # reviewer i works for organisation i
                conflicts[s, r.id] = "same organisation"
            elif country == countries[r_index]:
                conflicts[s, r.id] = "same country"
            elif rng.random() < 0.02:
                conflicts[s, r.id] = "declared conflict"
    return AssignmentProblem(
        submissions=ids,
        reviewers=slots,
        per_submission=per,
        min_groups=2,
        conflicts=conflicts,
        seed=2020,
    )


def greedy(problem: AssignmentProblem) -> Assignment:
    """The plain baseline: least-loaded reviewers without a conflict, in order."""
    load = dict.fromkeys((r.id for r in problem.reviewers), 0)
    pairs = []
    for s in problem.submissions:
        eligible = [r for r in load if (s, r) not in problem.conflicts]
        chosen = sorted(eligible, key=lambda r: (load[r], r))[: problem.per_submission]
        for r in chosen:
            load[r] += 1
            pairs.append((s, r))
    return Assignment(pairs=pairs, solver="greedy")


def quality(problem: AssignmentProblem, assignment: Assignment) -> dict[str, object]:
    groups = {r.id: r.group for r in problem.reviewers}
    loads = assignment.loads(groups).values()
    by_submission: dict[str, set[str]] = {}
    for s, r in assignment.pairs:
        by_submission.setdefault(s, set()).add(groups[r])
    diverse = sum(
        1 for s in problem.submissions if len(by_submission.get(s, ())) >= problem.min_groups
    )
    broken = [str(v) for v in violations(problem, assignment)]  # Texts: their English
    kinds = Counter(
        "unbalanced"
        if v.startswith("loads")
        else "diversity"
        if "stakeholder group" in v
        else "other"
        for v in broken
    )
    return {
        "load_spread": max(loads) - min(loads),
        "loads": f"{min(loads)}..{max(loads)}",
        "diversity_met": f"{diverse}/{len(problem.submissions)}",
        "violations": len(broken),
        "by_rule": dict(kinds),
    }


def best(fn, problem: AssignmentProblem, repeat: int) -> tuple[float, Assignment]:  # type: ignore[no-untyped-def]
    times = []
    answer = None
    for _ in range(repeat):
        start = time.perf_counter()
        answer = fn(problem)
        times.append(time.perf_counter() - start)
    assert answer is not None
    return min(times), answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="200 x 12, one repeat")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    size = (200, 12, 3) if args.smoke else (2000, 40, 3)
    repeat = 1 if args.smoke else args.repeat
    problem = make_problem(*size)
    conflicted = len(problem.conflicts) / (size[0] * size[1])
    print(
        f"assignment: {size[0]} submissions, {size[1]} reviewers, {size[2]} each,"
        f" min 2 groups, {len(problem.conflicts)} conflicted pairs ({conflicted:.1%})"
    )
    built_in_time, built_in = best(solve, problem, repeat)
    greedy_time, baseline = best(greedy, problem, repeat)
    ours, theirs = quality(problem, built_in), quality(problem, baseline)
    print(f"  built-in: {built_in_time * 1000:8.1f} ms  {ours}")
    print(f"  greedy:   {greedy_time * 1000:8.1f} ms  {theirs}")
    print(f"  time ratio built-in / greedy: {built_in_time / greedy_time:.2f}x")
    if ours["violations"]:
        print("FAIL: the built-in assignment breaks a rule", file=sys.stderr)
        return 0 if args.smoke else 1
    if solve(problem) != built_in:
        print("FAIL: the same seed gave another assignment", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
