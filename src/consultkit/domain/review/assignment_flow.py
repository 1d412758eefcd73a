"""An exact answer to an assignment problem, as a flow with lower bounds.

The built-in greedy search is fast but can miss an assignment that exists (a diversity
rule between 2 and the reviewers per submission leaves it many ways to spend a scarce
group too early). This module decides exactly, by a flow through:

* source → each reviewer: at least ``base``, at most ``base + 1`` (``base`` when no one
  needs more), so loads are balanced;
* reviewer → (submission, reviewer's group): 1, unless they are conflicted;
* (submission, group) → "new group" of the submission: 1, and → "more of a group": any;
* "new group" → submission: at least ``min_groups``; "more" → submission: any;
* submission → sink: exactly ``per_submission``.

A whole flow is an assignment keeping every rule (each unit through "new group" comes
from a different group), and any such assignment is a flow, so "no flow" proves "no
assignment". Lower bounds are removed the usual way (a circulation with a super source
and sink) and the flow is found with Dinic's algorithm, in time polynomial in the pairs.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence


class _Reviewer(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def group(self) -> str: ...


class AssignmentProblem(Protocol):
    """What the flow reads of :class:`consultkit.domain.review.assignment.AssignmentProblem`
    (described here, so the solver's module may import this one without a cycle)."""

    @property
    def submissions(self) -> tuple[str, ...]: ...
    @property
    def reviewers(self) -> Sequence[_Reviewer]: ...
    @property
    def per_submission(self) -> int: ...
    @property
    def min_groups(self) -> int: ...
    @property
    def total(self) -> int: ...
    @property
    def balanced_loads(self) -> tuple[int, int]: ...
    def eligible(self, submission: str) -> Sequence[_Reviewer]: ...


class _Network:
    def __init__(self) -> None:
        self.heads: list[int] = []  # edge -> target node
        self.caps: list[int] = []  # edge -> remaining capacity (edge ^ 1 is its reverse)
        self.out: list[list[int]] = []  # node -> edges

    def node(self) -> int:
        self.out.append([])
        return len(self.out) - 1

    def edge(self, u: int, v: int, capacity: int) -> int:
        self.out[u].append(len(self.heads))
        self.heads.append(v)
        self.caps.append(capacity)
        self.out[v].append(len(self.heads))
        self.heads.append(u)
        self.caps.append(0)
        return len(self.heads) - 2

    def max_flow(self, source: int, sink: int) -> int:
        total = 0
        while True:
            level = [-1] * len(self.out)
            level[source] = 0
            queue = deque([source])
            while queue:
                u = queue.popleft()
                for e in self.out[u]:
                    if self.caps[e] and level[self.heads[e]] < 0:
                        level[self.heads[e]] = level[u] + 1
                        queue.append(self.heads[e])
            if level[sink] < 0:
                return total
            cursor = [0] * len(self.out)
            while pushed := self._push(source, sink, level, cursor):
                total += pushed

    def _push(self, source: int, sink: int, level: list[int], cursor: list[int]) -> int:
        # Iterative depth-first search along the level graph (no recursion limit to hit).
        path: list[int] = []
        u = source
        while True:
            if u == sink:
                pushed = min(self.caps[e] for e in path)
                for e in path:
                    self.caps[e] -= pushed
                    self.caps[e ^ 1] += pushed
                return pushed
            edges = self.out[u]
            while cursor[u] < len(edges):
                e = edges[cursor[u]]
                if self.caps[e] and level[self.heads[e]] == level[u] + 1:
                    break
                cursor[u] += 1
            else:
                if not path:
                    return 0
                level[u] = -1  # a dead end: never try it again in this phase
                e = path.pop()
                u = self.heads[e ^ 1]
                cursor[u] += 1
                continue
            path.append(edges[cursor[u]])
            u = self.heads[edges[cursor[u]]]


def exact_pairs(problem: AssignmentProblem) -> list[tuple[str, str]] | None:
    """Pairs ``(submission, reviewer)`` keeping every rule of ``problem``, or None when no
    assignment can (proved, not guessed)."""
    k, least = problem.per_submission, problem.min_groups
    base, extra = problem.balanced_loads
    net = _Network()
    source, sink = net.node(), net.node()
    demand: dict[int, int] = {}

    def bounded(u: int, v: int, low: int, high: int) -> int:
        demand[v] = demand.get(v, 0) + low
        demand[u] = demand.get(u, 0) - low
        return net.edge(u, v, high - low)

    reviewer_node = {r.id: net.node() for r in problem.reviewers}
    for node in reviewer_node.values():
        bounded(source, node, base, base + (1 if extra else 0))
    pair_edges: list[tuple[int, str, str]] = []
    for submission in problem.submissions:
        new, more, whole = net.node(), net.node(), net.node()
        bounded(new, whole, least, k)
        net.edge(more, whole, k)
        bounded(whole, sink, k, k)
        slots: dict[str, int] = {}
        for reviewer in problem.eligible(submission):
            if reviewer.group not in slots:
                slots[reviewer.group] = net.node()
                net.edge(slots[reviewer.group], new, 1)
                net.edge(slots[reviewer.group], more, k)
            edge = net.edge(reviewer_node[reviewer.id], slots[reviewer.group], 1)
            pair_edges.append((edge, submission, reviewer.id))
    net.edge(sink, source, problem.total)
    top, bottom = net.node(), net.node()
    needed = 0
    for node, balance in demand.items():
        if balance > 0:
            net.edge(top, node, balance)
            needed += balance
        elif balance < 0:
            net.edge(node, bottom, -balance)
    if net.max_flow(top, bottom) < needed:
        return None
    return [(s, r) for edge, s, r in pair_edges if net.caps[edge] == 0]


__all__ = ["exact_pairs"]
