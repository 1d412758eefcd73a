"""Assigning reviewers to submissions: seeded, balanced, free of conflicts, diverse.

The rules every assignment must keep, whoever produced it (:func:`violations` checks them):

* each submission gets exactly ``per_submission`` different reviewers;
* no reviewer gets a submission they are conflicted with;
* each submission's reviewers come from at least ``min_groups`` stakeholder groups;
* reviewers' loads differ by at most one.

:func:`solve` is the built-in solver: a randomized greedy with repair. Submissions are
taken most-constrained first (fewest reviewers without a conflict), ties broken by a
generator seeded with ``seed``; each takes the least-loaded eligible reviewers, preferring
a new stakeholder group while the diversity rule still needs one. A reviewer may go above
``base = total // reviewers`` only while fewer than ``total % reviewers`` reviewers have;
with every slot filled that makes the loads ``base`` or ``base + 1``. When a submission
finds no reviewer with room, a repair moves a busy eligible reviewer off another
submission and puts a reviewer with room there instead. If that fails too, the search
starts again with the next derived seed (a few times). Should every try fail, an exact
flow model (:mod:`consultkit.domain.review.assignment_flow`) either finds an assignment
the greedy missed or proves there is none, and the refusal names the rule that cannot
hold (``diversity`` when the round would work with one group per submission, else
``balance``). The same problem and seed always give the same assignment.

Before searching, :func:`infeasibility` looks for what makes any assignment impossible
(too few reviewers without a conflict for a submission, too few groups among them, a
reviewer who cannot reach a balanced load, a stakeholder group too large or too small for
balance and diversity to hold together, groups that together reach too few submissions),
so a refusal says why, not "no solution".
"""

from __future__ import annotations

import random
from collections import Counter
from typing import TYPE_CHECKING

import attrs

from consultkit.domain.review.assignment_flow import exact_pairs
from consultkit.errors import RuleRefusedError
from consultkit.i18n import Text, deferred

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

RESTARTS = 8
"""How many derived seeds :func:`solve` tries before it refuses."""


@attrs.frozen(kw_only=True)
class ReviewerSlot:
    """A reviewer as the solver sees them: an id and a stakeholder group."""

    id: str
    group: str


def _conflicts(value: Mapping[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    return dict(value)


@attrs.frozen(kw_only=True)
class AssignmentProblem:
    """What to assign: submission ids, reviewers, the rules, conflicts and a seed.

    ``conflicts`` maps ``(submission id, reviewer id)`` to the reason they may not meet.
    """

    submissions: tuple[str, ...]
    reviewers: tuple[ReviewerSlot, ...]
    per_submission: int
    min_groups: int = 1
    conflicts: Mapping[tuple[str, str], str] = attrs.field(factory=dict, converter=_conflicts)
    seed: int = 0

    @property
    def total(self) -> int:
        return len(self.submissions) * self.per_submission

    @property
    def balanced_loads(self) -> tuple[int, int]:
        """``(base, extra)``: every reviewer gets ``base``, ``extra`` of them one more."""
        if not self.reviewers:
            return 0, 0
        return divmod(self.total, len(self.reviewers))

    def eligible(self, submission: str) -> list[ReviewerSlot]:
        return [r for r in self.reviewers if (submission, r.id) not in self.conflicts]


def _sorted_pairs(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(pairs))


@attrs.frozen(kw_only=True)
class Assignment:
    """Pairs ``(submission id, reviewer id)``, sorted, and which solver made them."""

    pairs: tuple[tuple[str, str], ...] = attrs.field(converter=_sorted_pairs)
    solver: str = "built-in"

    def reviewers_of(self, submission: str) -> list[str]:
        return [r for s, r in self.pairs if s == submission]

    def loads(self, reviewers: Iterable[str]) -> dict[str, int]:
        """Each reviewer's number of submissions (0 for those with none)."""
        counts = Counter(r for _, r in self.pairs)
        return {r: counts.get(r, 0) for r in reviewers}


class AssignmentRefusedError(RuleRefusedError):
    """No assignment keeps the rules (rule ``assignment``); ``constraint`` names which
    (``conflicts``, ``diversity``, ``balance``, ``per-submission``, ``checked``; the
    built-in solver no longer gives up with ``search``),
    ``submission`` or ``reviewer`` the one it fails for (when one does)."""

    def __init__(
        self,
        constraint: str,
        message: str | Text,
        *,
        submission: str | None = None,
        reviewer: str | None = None,
    ) -> None:
        self.constraint = constraint
        self.detail = message
        self.submission = submission
        self.reviewer = reviewer
        super().__init__(
            "assignment",
            deferred.gettext("%(constraint)s: %(detail)s", constraint=constraint, detail=message),
        )


# -- the rules ---------------------------------------------------------------------------


def violations(problem: AssignmentProblem, assignment: Assignment) -> list[Text]:
    """Every rule ``assignment`` breaks for ``problem``, as sentences to word for their reader
    (empty: it keeps them); ids and a conflict's reason are data, the same in every language."""
    found: list[Text] = []
    groups = {r.id: r.group for r in problem.reviewers}
    wanted = set(problem.submissions)
    by_submission: dict[str, list[str]] = {s: [] for s in problem.submissions}
    for submission, reviewer in assignment.pairs:
        if submission not in wanted:
            found.append(
                deferred.gettext(
                    "submission %(submission)s is not part of this round", submission=submission
                )
            )
            continue
        if reviewer not in groups:
            found.append(
                deferred.gettext(
                    "reviewer %(reviewer)s is not in this round's pool", reviewer=reviewer
                )
            )
            continue
        reason = problem.conflicts.get((submission, reviewer))
        if reason is not None:
            found.append(
                deferred.gettext(
                    "submission %(submission)s: reviewer %(reviewer)s is conflicted (%(reason)s)",
                    submission=submission,
                    reviewer=reviewer,
                    reason=reason,
                )
            )
        by_submission[submission].append(reviewer)
    for submission, reviewers in by_submission.items():
        if len(set(reviewers)) != len(reviewers):
            found.append(
                deferred.gettext(
                    "submission %(submission)s: a reviewer is assigned twice", submission=submission
                )
            )
        if len(reviewers) != problem.per_submission:
            found.append(
                deferred.ngettext(
                    "submission %(submission)s: %(num)s reviewer, the round needs %(needed)s",
                    "submission %(submission)s: %(num)s reviewers, the round needs %(needed)s",
                    len(reviewers),
                    submission=submission,
                    needed=problem.per_submission,
                )
            )
        seen = {groups[r] for r in reviewers if r in groups}
        if reviewers and len(seen) < problem.min_groups:
            found.append(
                deferred.ngettext(
                    "submission %(submission)s: reviewers from %(num)s stakeholder group,"
                    " the round needs %(needed)s",
                    "submission %(submission)s: reviewers from %(num)s stakeholder groups,"
                    " the round needs %(needed)s",
                    len(seen),
                    submission=submission,
                    needed=problem.min_groups,
                )
            )
    loads = assignment.loads(groups)
    if loads and max(loads.values()) - min(loads.values()) > 1:
        low = min(loads, key=lambda r: (loads[r], r))
        high = max(loads, key=lambda r: (loads[r], r))
        found.append(
            deferred.gettext(
                "loads are unbalanced: %(high)s has %(high_load)s, %(low)s has %(low_load)s"
                " (they may differ by one at most)",
                high=high,
                high_load=loads[high],
                low=low,
                low_load=loads[low],
            )
        )
    return found


def infeasibility(problem: AssignmentProblem) -> AssignmentRefusedError | None:
    """A reason no assignment can keep the rules, found before searching, or ``None``."""
    k = problem.per_submission
    if k < 1:
        return AssignmentRefusedError(
            "per-submission", deferred.gettext("each submission needs 1 reviewer or more")
        )
    if len(problem.reviewers) < k:
        return AssignmentRefusedError(
            "per-submission",
            deferred.ngettext(
                "the round needs %(num)s reviewer per submission but its pool has %(pool)s",
                "the round needs %(num)s reviewers per submission but its pool has %(pool)s",
                k,
                pool=len(problem.reviewers),
            ),
        )
    if problem.min_groups > k:
        return AssignmentRefusedError(
            "diversity",
            deferred.ngettext(
                "%(groups)s stakeholder groups cannot be met by %(num)s reviewer",
                "%(groups)s stakeholder groups cannot be met by %(num)s reviewers",
                k,
                groups=problem.min_groups,
            ),
        )
    for submission in problem.submissions:
        eligible = problem.eligible(submission)
        if len(eligible) < k:
            return AssignmentRefusedError(
                "conflicts",
                deferred.gettext(
                    "submission %(submission)s has %(num)s reviewer(s) without a conflict,"
                    " the round needs %(needed)s",
                    num=len(eligible),
                    submission=submission,
                    needed=k,
                ),
                submission=submission,
            )
        groups = {r.group for r in eligible}
        if len(groups) < problem.min_groups:
            return AssignmentRefusedError(
                "diversity",
                deferred.gettext(
                    "submission %(submission)s: the reviewers without a conflict come from"
                    " %(num)s stakeholder group(s) (%(groups)s), the round needs %(needed)s",
                    num=len(groups),
                    submission=submission,
                    groups=", ".join(sorted(groups)),
                    needed=problem.min_groups,
                ),
                submission=submission,
            )
    # Diversity caps what one group may review: k - min_groups + 1 of each submission's k.
    # Balance floors it: each of its reviewers needs ``base``. Both cannot always hold.
    cap = len(problem.submissions) * (k - problem.min_groups + 1)
    members: dict[str, int] = {}
    for reviewer in problem.reviewers:
        members[reviewer.group] = members.get(reviewer.group, 0) + 1
    base, extra = problem.balanced_loads
    for group, count in sorted(members.items()):
        # ... and each submission needs min_groups - 1 reviewers from outside any group.
        outside = len(problem.reviewers) - count
        room = outside * base + min(outside, extra)
        needed = len(problem.submissions) * (problem.min_groups - 1)
        if needed > room:
            return AssignmentRefusedError(
                "diversity",
                deferred.gettext(
                    "with %(groups)s groups per submission, reviewers outside group %(group)s"
                    " must do %(needed)s reviews, but balanced loads let their %(num)s"
                    " reviewer(s) do at most %(room)s; add reviewers from other groups",
                    num=outside,
                    groups=problem.min_groups,
                    group=group,
                    needed=needed,
                    room=room,
                ),
            )
        if count * base > cap:
            return AssignmentRefusedError(
                "diversity",
                deferred.gettext(
                    "the %(count)s reviewers of group %(group)s need %(reviews)s reviews between"
                    " them for balanced loads, but with %(groups)s groups per submission one"
                    " group may do at most %(cap)s; add reviewers from other groups",
                    count=count,
                    group=group,
                    reviews=count * base,
                    groups=problem.min_groups,
                    cap=cap,
                ),
            )
    # Each submission needs min_groups different groups; a group reaches no more
    # submissions than its reviewers' balanced loads add up to.
    most = base + (1 if extra else 0)
    open_to: Counter[str] = Counter()
    for submission in problem.submissions:
        open_to.update({r.group for r in problem.eligible(submission)})
    reach = {group: min(count * most, open_to[group]) for group, count in members.items()}
    places = len(problem.submissions) * problem.min_groups
    if problem.min_groups > 1 and sum(reach.values()) < places:
        scarce = ", ".join(f"{g} {n}" for g, n in sorted(reach.items(), key=lambda i: (i[1], i[0])))
        return AssignmentRefusedError(
            "diversity",
            deferred.gettext(
                "%(submissions)s submissions with %(groups)s groups each need %(places)s group"
                " places, but with balanced loads of at most %(most)s the groups reach only"
                " %(reach)s submissions between them (%(scarce)s); add reviewers to the smallest"
                " groups or lower min_groups",
                submissions=len(problem.submissions),
                groups=problem.min_groups,
                places=places,
                most=most,
                reach=sum(reach.values()),
                scarce=scarce,
            ),
        )
    for reviewer in problem.reviewers:
        free = sum(1 for s in problem.submissions if (s, reviewer.id) not in problem.conflicts)
        if free < base:
            return AssignmentRefusedError(
                "balance",
                deferred.gettext(
                    "reviewer %(reviewer)s can review %(num)s submission(s) without a conflict;"
                    " balanced loads need %(base)s each",
                    num=free,
                    reviewer=reviewer.id,
                    base=base,
                ),
                reviewer=reviewer.id,
            )
    return None


# -- the built-in solver ------------------------------------------------------------------


@attrs.define
class _Search:
    problem: AssignmentProblem
    rng: random.Random
    base: int
    extra: int
    group: dict[str, str]
    load: dict[str, int]
    full: int = 0
    chosen: dict[str, list[str]] = attrs.field(factory=dict)

    def has_room(self, reviewer: str) -> bool:
        load = self.load[reviewer]
        return load < self.base or (load == self.base and self.full < self.extra)

    def take(self, submission: str, reviewer: str) -> None:
        if self.load[reviewer] == self.base:
            self.full += 1
        self.load[reviewer] += 1
        self.chosen[submission].append(reviewer)

    def release(self, submission: str, reviewer: str) -> None:
        self.load[reviewer] -= 1
        if self.load[reviewer] == self.base:
            self.full -= 1
        self.chosen[submission].remove(reviewer)

    def fits(self, submission: str, reviewer: str, others: Sequence[str]) -> bool:
        """Whether ``reviewer`` may join ``others`` on ``submission`` under the diversity
        rule (a new group is required once the remaining slots are all needed for groups)."""
        if reviewer in others or (submission, reviewer) in self.problem.conflicts:
            return False
        groups = {self.group[r] for r in others}
        remaining = self.problem.per_submission - len(others)
        missing = self.problem.min_groups - len(groups)
        return missing < remaining or self.group[reviewer] not in groups

    def fill(self, submission: str, order: Mapping[str, float]) -> bool:
        slots = self.chosen.setdefault(submission, [])
        conflicts = self.problem.conflicts
        while len(slots) < self.problem.per_submission:
            # fits() inlined for the hot path: the groups taken are the same for every
            # candidate of this slot.
            taken = {self.group[r] for r in slots}
            new_group = self.problem.min_groups - len(taken) >= (
                self.problem.per_submission - len(slots)
            )
            best: tuple[int, float, str] | None = None
            for r in self.group:
                if r in slots or (submission, r) in conflicts or not self.has_room(r):
                    continue
                if new_group and self.group[r] in taken:
                    continue
                key = (self.load[r], order[r], r)
                if best is None or key < best:
                    best = key
            if best is not None:
                self.take(submission, best[2])
            elif not self.repair(submission):
                return False
        return True

    def repair(self, submission: str) -> bool:
        """Free a busy eligible reviewer for ``submission`` by swapping them off another."""
        slots = self.chosen[submission]
        busy = [r for r in self.group if self.fits(submission, r, slots)]
        self.rng.shuffle(busy)
        spare = [r for r in self.group if self.has_room(r)]
        for reviewer in busy:
            for other, others in self.chosen.items():
                if other == submission or reviewer not in others:
                    continue
                rest = [r for r in others if r != reviewer]
                for substitute in spare:
                    if self.fits(other, substitute, rest):
                        self.release(other, reviewer)
                        self.take(other, substitute)
                        self.take(submission, reviewer)
                        return True
        return False


def _attempt(problem: AssignmentProblem, seed: int) -> tuple[Assignment | None, str | None]:
    rng = random.Random(seed)  # noqa: S311 (reproducible on purpose, not a secret)
    base, extra = problem.balanced_loads
    group = {r.id: r.group for r in problem.reviewers}
    search = _Search(problem, rng, base, extra, group, dict.fromkeys(group, 0))
    order = {r: rng.random() for r in group}
    ties = {s: rng.random() for s in problem.submissions}
    queue = sorted(problem.submissions, key=lambda s: (len(problem.eligible(s)), ties[s]))
    for submission in queue:
        if not search.fill(submission, order):
            return None, submission
    pairs = [(s, r) for s, rs in search.chosen.items() for r in rs]
    return Assignment(pairs=pairs), None


def solve(problem: AssignmentProblem) -> Assignment:
    """The built-in assignment for ``problem``, or :class:`AssignmentRefusedError` saying why."""
    refused = infeasibility(problem)
    if refused is not None:
        raise refused
    stuck: str | None = None
    for restart in range(RESTARTS):
        assignment, stuck = _attempt(problem, problem.seed * 1_000_003 + restart)
        if assignment is not None:
            return assignment
    # The greedy search can miss an assignment that exists; the flow decides exactly.
    pairs = exact_pairs(problem)
    if pairs is not None:
        return Assignment(pairs=pairs)
    raise _proved_refusal(problem, stuck or problem.submissions[0])


def _proved_refusal(problem: AssignmentProblem, stuck: str) -> AssignmentRefusedError:
    """Why no assignment exists, once the flow proved it: diversity when the round would
    work with one group per submission, else conflicts against balanced loads."""
    base, extra = problem.balanced_loads
    loads: str | Text = (
        str(base) if not extra else deferred.gettext("%(low)s or %(high)s", low=base, high=base + 1)
    )
    eligible = Counter(r.group for r in problem.eligible(stuck))
    groups = ", ".join(f"{g} {n}" for g, n in sorted(eligible.items()))
    if problem.min_groups > 1 and exact_pairs(attrs.evolve(problem, min_groups=1)) is not None:
        return AssignmentRefusedError(
            "diversity",
            deferred.gettext(
                "no assignment gives every submission reviewers from %(groups)s stakeholder"
                " groups while each reviewer has %(loads)s submissions (the search could not"
                " serve submission %(submission)s; its reviewers without a conflict, by group:"
                " %(eligible)s); add reviewers from other groups or lower min_groups",
                groups=problem.min_groups,
                loads=loads,
                submission=stuck,
                eligible=groups,
            ),
            submission=stuck,
        )
    return AssignmentRefusedError(
        "balance",
        deferred.gettext(
            "conflicts leave no assignment where each reviewer has %(loads)s submissions and"
            " each submission %(per_submission)s reviewers (the search could not serve"
            " submission %(submission)s; its reviewers without a conflict, by group:"
            " %(eligible)s); add reviewers or resolve conflicts",
            loads=loads,
            per_submission=problem.per_submission,
            submission=stuck,
            eligible=groups,
        ),
        submission=stuck,
    )
