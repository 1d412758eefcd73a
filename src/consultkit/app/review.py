"""Review and selection verbs: assign reviewers, score, follow progress, rank, decide.

:class:`~consultkit.app.application.Consultkit` exposes these as methods; the functions
here take what they use (the store, the plugin host, the instant) so they stay testable
and free of the application object. The rules live in :mod:`consultkit.domain.review`;
the methods come from plugins through ``assign_reviewers`` and ``rank_submissions`` and
are checked here, whoever gave them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import attrs

from consultkit.app.outbox import to_outbox
from consultkit.app.routing import reviewer_targets
from consultkit.domain.model import REVIEWERS_AUDIENCE
from consultkit.domain.reminders import due_reminders, item_edges
from consultkit.domain.rendering import listed
from consultkit.domain.review.assignment import (
    AssignmentProblem,
    AssignmentRefusedError,
    ReviewerSlot,
    violations,
)
from consultkit.domain.review.conflicts import Candidate, conflict
from consultkit.domain.review.rounds import RoundKind, round_ref
from consultkit.domain.review.scores import (
    Review,
    ReviewAssignment,
    passes_screening,
    review_problems,
)
from consultkit.domain.submissions import SubmissionStatus
from consultkit.errors import PermissionDeniedError, RuleRefusedError, UnknownItemError
from consultkit.events import ReminderDue, ReviewerWork
from consultkit.i18n import Text, deferred, joined

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Mapping, Sequence

    from consultkit.domain.model import Call, Consultation
    from consultkit.domain.review.pool import ReviewerPool
    from consultkit.domain.review.ranking import RankedSubmission
    from consultkit.domain.review.rounds import ReviewRound
    from consultkit.domain.submissions import Submission
    from consultkit.pluginhost.host import PluginHost
    from consultkit.storage.protocols import DeliveryTarget, OutboxEvent, Store

#: Statuses a submission may have to enter review (decided or withdrawn ones stay out).
REVIEWABLE = frozenset({SubmissionStatus.SUBMITTED, SubmissionStatus.UNDER_REVIEW})
#: Statuses a bulk decision looks at: reviewable, or decided already (left or reported).
DECIDABLE = REVIEWABLE | {SubmissionStatus.ACCEPTED, SubmissionStatus.REJECTED}


def find_round(consultation: Consultation, ref: str) -> tuple[Call, ReviewRound]:
    """The call and round named ``CALL/ROUND`` (or ``ROUND`` when only one call has it)."""
    call_id, slash, round_id = ref.strip().partition("/")
    if not slash:
        round_id = call_id
        owners = [c for c in consultation.calls if any(r.id == round_id for r in c.review.rounds)]
        if len(owners) != 1:
            raise UnknownItemError(_round_help(consultation, ref))
        call_id = owners[0].id
    call = consultation.call(call_id)
    try:
        return call, call.review.round(round_id)
    except LookupError:
        raise UnknownItemError(_round_help(consultation, ref)) from None


def _round_help(consultation: Consultation, ref: str) -> Text:
    known = [round_ref(c.id, r.id) for c in consultation.calls for r in c.review.rounds]
    names = listed(known) if known else deferred.pgettext("no review rounds", "none declared")
    return deferred.gettext(
        "no review round %(round)r: name one as CALL/ROUND (%(known)s)", round=ref, known=names
    )


# -- assigning ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class AssignmentResult:
    """What ``review assign`` stored: the pairs, by whom, and the loads that came out."""

    round: str
    solver: str
    assignments: tuple[ReviewAssignment, ...]
    loads: Mapping[str, int]
    groups_met: int
    """Submissions whose reviewers come from at least the round's ``min_groups`` groups."""
    submissions: int


def candidates(
    store: Store, consultation: Consultation, call: Call, round_: ReviewRound
) -> list[Submission]:
    """The submissions a round reviews: the call's reviewable ones that passed every
    screening round before it."""
    found = [
        s
        for s in store.list_submissions(consultation.id, call_id=call.id)
        if s.status in REVIEWABLE
    ]
    for screening in call.review.screenings_before(round_.id):
        reviews = store.reviews(consultation.id, round_ref(call.id, screening.id))
        by_submission: dict[str, list[Review]] = {}
        for review in reviews:
            by_submission.setdefault(review.submission_id, []).append(review)
        found = [s for s in found if passes_screening(by_submission.get(s.id, ())) is True]
    return found


def build_problem(
    submissions: Sequence[Submission], round_: ReviewRound, pool: ReviewerPool, seed: int
) -> AssignmentProblem:
    """The assignment problem of ``round_``: its reviewers, their conflicts, its rules."""
    reviewers = pool.select(round_.reviewers)
    conflicts: dict[tuple[str, str], str] = {}
    for s in submissions:
        who = s.submitter
        candidate = Candidate(
            id=s.id,
            reference=s.tracking_number,
            email=who.email if who else None,
            organisation=who.organisation if who else None,
            country=who.country if who else None,
        )
        for reviewer in reviewers:
            reason = conflict(reviewer, candidate, same_country=round_.same_country_conflict)
            if reason is not None:
                conflicts[s.id, reviewer.id] = reason
    return AssignmentProblem(
        submissions=tuple(s.id for s in submissions),
        reviewers=tuple(ReviewerSlot(id=r.id, group=r.group) for r in reviewers),
        per_submission=round_.per_submission,
        min_groups=round_.min_groups,
        conflicts=conflicts,
        seed=seed,
    )


def assign(
    store: Store,
    host: PluginHost,
    consultation: Consultation,
    ref: str,
    pool: ReviewerPool,
    *,
    seed: int,
    now: dt.datetime,
) -> tuple[AssignmentResult, list[Submission]]:
    """Assign the round's reviewers and store the pairs; returns the result and the
    submissions still to move into review (the caller moves them, with notifications)."""
    call, round_ = find_round(consultation, ref)
    key = round_ref(call.id, round_.id)
    stored = store.review_assignments(consultation.id, key)
    if stored:
        raise RuleRefusedError(
            "assigned-once",
            deferred.ngettext(
                "round %(round)s already has %(num)s assignment; it is kept once made so"
                " that no reviewer's work is lost (see it with `consultkit review status`)",
                "round %(round)s already has %(num)s assignments; they are kept once made so"
                " that no reviewer's work is lost (see them with `consultkit review status`)",
                len(stored),
                round=key,
            ),
        )
    submissions = candidates(store, consultation, call, round_)
    if not submissions:
        raise RuleRefusedError(
            "nothing-to-review",
            deferred.gettext("round %(round)s has no submission to review", round=key),
        )
    problem = build_problem(submissions, round_, pool, seed)
    by_id = {s.id: s for s in submissions}
    try:
        solver, assignment = host.assign_reviewers(consultation, problem)
    except AssignmentRefusedError as exc:
        raise _named(exc, by_id) from None
    broken = violations(problem, assignment)
    if broken:
        raise AssignmentRefusedError(
            "checked",
            _checked_refusal(solver, broken),
        )
    rows = tuple(
        ReviewAssignment(
            consultation_id=consultation.id,
            round=key,
            submission_id=s,
            reviewer_id=r,
            assigned_at=now,
        )
        for s, r in assignment.pairs
    )
    store.add_review_assignments(rows)
    groups = {r.id: r.group for r in problem.reviewers}
    met = sum(
        1
        for s in problem.submissions
        if len({groups[r] for r in assignment.reviewers_of(s)}) >= round_.min_groups
    )
    result = AssignmentResult(
        round=key,
        solver=solver,
        assignments=rows,
        loads=assignment.loads(groups),
        groups_met=met,
        submissions=len(submissions),
    )
    return result, [s for s in submissions if s.status is SubmissionStatus.SUBMITTED]


def _named(exc: AssignmentRefusedError, by_id: Mapping[str, Submission]) -> AssignmentRefusedError:
    """The refusal with tracking numbers instead of internal ids, which people can look up."""
    if exc.submission is None or exc.submission not in by_id:
        return exc
    reference = by_id[exc.submission].tracking_number
    message: str | Text
    if isinstance(exc.detail, Text):
        values = tuple((k, reference if v == exc.submission else v) for k, v in exc.detail.values)
        message = attrs.evolve(exc.detail, values=values)
    else:
        message = exc.detail.replace(exc.submission, reference)
    return AssignmentRefusedError(
        exc.constraint, message, submission=reference, reviewer=exc.reviewer
    )


# -- scoring ------------------------------------------------------------------------------


def score(
    store: Store,
    consultation: Consultation,
    ref: str,
    submission: Submission,
    *,
    reviewer: str,
    scores: Mapping[str, int],
    passed: bool | None,
    abstain: bool,
    confidence: int | None,
    comment: str | None,
    now: dt.datetime,
) -> Review:
    """Store ``reviewer``'s review of ``submission`` in the round, after the checks."""
    call, round_ = find_round(consultation, ref)
    key = round_ref(call.id, round_.id)
    mine = store.review_assignments(consultation.id, key, reviewer.strip())
    if not any(a.submission_id == submission.id for a in mine):
        raise PermissionDeniedError(
            "assigned-only",
            deferred.gettext(
                "reviewer %(reviewer)r is not assigned submission %(number)s in round %(round)s;"
                " see your list with `consultkit review status --reviewer`",
                reviewer=reviewer,
                number=submission.tracking_number,
                round=key,
            ),
        )
    edges = item_edges(consultation, f"review:{key}")
    if edges.start is not None and now < edges.start:
        raise RuleRefusedError(
            "review-window",
            deferred.gettext(
                "round %(round)s opens at %(opens)s; score then",
                round=key,
                opens=edges.start.isoformat(),
            ),
        )
    if edges.end is not None and now >= edges.end:
        raise RuleRefusedError(
            "review-window",
            deferred.gettext(
                "round %(round)s closed at %(closed)s; scores are final",
                round=key,
                closed=edges.end.isoformat(),
            ),
        )
    problems = review_problems(
        round_, scores=scores, passed=passed, abstained=abstain, confidence=confidence
    )
    if problems:
        raise RuleRefusedError("review", joined(problems))
    review = Review(
        consultation_id=consultation.id,
        round=key,
        submission_id=submission.id,
        reviewer_id=reviewer.strip(),
        at=now,
        scores=scores,
        passed=passed,
        abstained=abstain,
        confidence=confidence,
        comment=(comment or "").strip() or None,
    )
    store.save_review(review)
    return review


# -- following progress ---------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class AssignedSubmission:
    """A submission as a reviewer sees it: in a blind round, without who sent it and
    without the call's fields that name people (speakers, organisers, e-mail addresses)."""

    reference: str
    title: str
    body: str | None
    language: str
    fields: Mapping[str, object]
    submitter: str | None
    """Name and organisation of the submitter; ``None`` in a blind round."""
    reviewed: bool
    abstained: bool


@attrs.frozen(kw_only=True)
class RoundStatus:
    """Progress of a round: per reviewer, assigned and done; and, for one reviewer, their
    submissions."""

    round: str
    kind: RoundKind
    blind: bool
    assigned: int
    reviewed: int
    abstained: int
    reviewers: Mapping[str, tuple[int, int]]
    """Reviewer id -> (assigned, reviewed)."""
    mine: tuple[AssignedSubmission, ...] = ()


def status(
    store: Store, consultation: Consultation, ref: str, *, reviewer: str | None = None
) -> RoundStatus:
    """How far a round is; with ``reviewer``, what that reviewer has to review."""
    call, round_ = find_round(consultation, ref)
    key = round_ref(call.id, round_.id)
    assignments = store.review_assignments(consultation.id, key)
    reviews = {(r.submission_id, r.reviewer_id): r for r in store.reviews(consultation.id, key)}
    per: dict[str, tuple[int, int]] = {}
    for a in assignments:
        total, done = per.get(a.reviewer_id, (0, 0))
        per[a.reviewer_id] = (total + 1, done + ((a.submission_id, a.reviewer_id) in reviews))
    mine: list[AssignedSubmission] = []
    if reviewer is not None:
        if reviewer not in per:
            raise UnknownItemError(
                deferred.gettext(
                    "reviewer %(reviewer)r has no assignments in round %(round)s",
                    reviewer=reviewer,
                    round=key,
                )
            )
        for a in assignments:
            if a.reviewer_id != reviewer:
                continue
            s = store.get_submission(a.submission_id)
            if s is None:
                continue
            given = reviews.get((s.id, reviewer))
            mine.append(
                AssignedSubmission(
                    reference=s.tracking_number,
                    title=s.title,
                    body=s.body,
                    language=s.language,
                    fields=_visible_fields(call, s, blind=round_.blind),
                    submitter=None if round_.blind else _identity(s),
                    reviewed=given is not None,
                    abstained=given is not None and given.abstained,
                )
            )
    return RoundStatus(
        round=key,
        kind=round_.kind,
        blind=round_.blind,
        assigned=len(assignments),
        reviewed=len(reviews),
        abstained=sum(1 for r in reviews.values() if r.abstained),
        reviewers=dict(sorted(per.items())),
        mine=tuple(mine),
    )


IDENTIFYING_FIELD_KINDS = frozenset({"people", "email"})
"""Field kinds that name people: a blind round never shows them to reviewers."""


def _visible_fields(call: Call, s: Submission, *, blind: bool) -> dict[str, object]:
    if not blind:
        return dict(s.fields)
    hidden = {f.key for f in call.fields if f.kind in IDENTIFYING_FIELD_KINDS}
    return {k: v for k, v in s.fields.items() if k not in hidden}


def _identity(s: Submission) -> str | None:
    who = s.submitter
    if who is None:
        return None
    return f"{who.name} ({who.organisation})" if who.organisation else who.name


# -- ranking and deciding -------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Ranking:
    """A round's ranking, best first, and the plugin whose method made it."""

    round: str
    method: str
    rows: tuple[RankedSubmission, ...]


def ranking(store: Store, host: PluginHost, consultation: Consultation, ref: str) -> Ranking:
    """Rank a scoring round with the first plugin that answers ``rank_submissions``."""
    call, round_ = find_round(consultation, ref)
    key = round_ref(call.id, round_.id)
    if round_.kind is not RoundKind.SCORING:
        raise RuleRefusedError(
            "scoring-only",
            deferred.gettext(
                "round %(round)s is a screening: it has passes, not a ranking", round=key
            ),
        )
    submitted = {a.submission_id for a in store.review_assignments(consultation.id, key)}
    references = {}
    for submission_id in sorted(submitted):
        s = store.get_submission(submission_id)
        if s is not None:
            references[s.id] = s.tracking_number
    reviews = store.reviews(consultation.id, key)
    plugin, rows = host.rank_submissions(consultation, round_, reviews, references)
    ranked = [r.submission_id for r in rows]
    if sorted(ranked) != sorted(references):
        raise AssignmentRefusedError(
            "checked",
            deferred.ngettext(
                "the ranking from plugin %(plugin)r must list the round's %(num)s submission"
                " once; it listed %(listed)s",
                "the ranking from plugin %(plugin)r must list each of the round's %(num)s"
                " submissions once; it listed %(listed)s",
                len(references),
                plugin=plugin,
                listed=len(ranked),
            ),
        )
    return Ranking(round=key, method=plugin, rows=tuple(rows))


@attrs.frozen(kw_only=True)
class DecisionPlan:
    """Who a bulk decision accepts and rejects (tracking numbers), and who it leaves."""

    accept: tuple[Submission, ...]
    reject: tuple[Submission, ...]


def plan_decisions(
    store: Store,
    consultation: Consultation,
    ranked: Ranking,
    *,
    top: int | None,
    cutoff: float | None,
) -> DecisionPlan:
    """Accept the top ``top`` (or those scoring ``cutoff`` or more), reject the rest of the
    round and what failed a screening before it. Submissions without a score are rejected."""
    if (top is None) == (cutoff is None):
        raise RuleRefusedError(
            "decide", deferred.gettext("give either a number to accept (top) or a cut-off")
        )
    if top is not None and top < 0:
        raise RuleRefusedError(
            "decide", deferred.gettext("the number to accept cannot be negative")
        )
    call, round_ = find_round(consultation, ranked.round)
    accepted: list[str] = []
    for row in ranked.rows:
        if row.score is None or (cutoff is not None and not math.isfinite(row.score)):
            continue
        if (top is not None and len(accepted) < top) or (
            cutoff is not None and row.score >= cutoff
        ):
            accepted.append(row.submission_id)
    chosen = set(accepted)
    rejected = [r.submission_id for r in ranked.rows if r.submission_id not in chosen]
    in_round = {r.submission_id for r in ranked.rows}
    failed = _failed_screenings(store, consultation, call, round_)
    for s in store.list_submissions(consultation.id, call_id=call.id):
        if s.id not in in_round and s.id in failed:
            rejected.append(s.id)

    def load(ids: Sequence[str]) -> tuple[Submission, ...]:
        # Withdrawn ones leave the plan: nobody decides on what its submitter took back.
        found = (store.get_submission(i) for i in ids)
        return tuple(s for s in found if s is not None and s.status in DECIDABLE)

    return DecisionPlan(accept=load(accepted), reject=load(rejected))


def _failed_screenings(
    store: Store, consultation: Consultation, call: Call, round_: ReviewRound
) -> set[str]:
    """Submissions a screening round before ``round_`` did not pass."""
    failed: set[str] = set()
    for screening in call.review.screenings_before(round_.id):
        given: dict[str, list[Review]] = {}
        for review in store.reviews(consultation.id, round_ref(call.id, screening.id)):
            given.setdefault(review.submission_id, []).append(review)
        failed.update(s for s, reviews in given.items() if passes_screening(reviews) is False)
    return failed


@attrs.frozen(kw_only=True)
class DecisionReport:
    """What ``review decide`` did: changed, already so (left alone), decided otherwise."""

    accepted: tuple[str, ...]
    rejected: tuple[str, ...]
    unchanged: tuple[str, ...]
    conflicting: tuple[str, ...]
    """Already decided the other way: left as they are (reopen one by one, with a reason)."""


def apply_decisions(
    plan: DecisionPlan,
    move: Callable[[Submission, SubmissionStatus], None],
) -> DecisionReport:
    """Apply ``plan`` through ``move`` (the lifecycle's transition, with its notifications).

    Running it again changes nothing and tells nobody twice: a submission already in the
    status planned is left alone, and one decided the other way is only reported.
    """
    done: dict[SubmissionStatus, list[str]] = {
        SubmissionStatus.ACCEPTED: [],
        SubmissionStatus.REJECTED: [],
    }
    unchanged: list[str] = []
    conflicting: list[str] = []
    for target, submissions in (
        (SubmissionStatus.ACCEPTED, plan.accept),
        (SubmissionStatus.REJECTED, plan.reject),
    ):
        for s in submissions:
            if s.status is target:
                unchanged.append(s.tracking_number)
                continue
            if s.status not in REVIEWABLE:
                conflicting.append(s.tracking_number)
                continue
            if s.status is SubmissionStatus.SUBMITTED:
                move(s, SubmissionStatus.UNDER_REVIEW)
            move(s, target)
            done[target].append(s.tracking_number)
    return DecisionReport(
        accepted=tuple(done[SubmissionStatus.ACCEPTED]),
        rejected=tuple(done[SubmissionStatus.REJECTED]),
        unchanged=tuple(unchanged),
        conflicting=tuple(conflicting),
    )


# -- outcomes, for reports ------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ReviewOutcome:
    """One submission's way through a call's review: screening verdicts, rank, decision."""

    reference: str
    call_id: str
    status: SubmissionStatus
    screenings: Mapping[str, bool | None]
    """Round ref -> passed (``None``: no verdict yet), for each screening it was in."""
    rank: int | None = None
    score: float | None = None
    round: str | None = None
    """The scoring round the rank comes from (the last declared one it was in)."""
    explanation: str | None = None


def outcomes(
    store: Store, host: PluginHost, consultation: Consultation, call_id: str | None = None
) -> list[ReviewOutcome]:
    """Every reviewed submission of the consultation (or of ``call_id``), in tracking order."""
    found: list[ReviewOutcome] = []
    calls = [consultation.call(call_id)] if call_id else list(consultation.calls)
    for call in calls:
        if not call.review.rounds:
            continue
        screenings: dict[str, dict[str, bool | None]] = {}
        ranks: dict[str, tuple[str, RankedSubmission]] = {}
        for round_ in call.review.rounds:
            key = round_ref(call.id, round_.id)
            assigned = {a.submission_id for a in store.review_assignments(consultation.id, key)}
            if not assigned:
                continue
            if round_.kind is RoundKind.SCREENING:
                given: dict[str, list[Review]] = {}
                for review in store.reviews(consultation.id, key):
                    given.setdefault(review.submission_id, []).append(review)
                for submission_id in assigned:
                    verdict = passes_screening(given.get(submission_id, ()))
                    screenings.setdefault(submission_id, {})[key] = verdict
            else:
                for ranked_row in ranking(store, host, consultation, key).rows:
                    ranks[ranked_row.submission_id] = (key, ranked_row)
        for submission_id in sorted(set(screenings) | set(ranks)):
            s = store.get_submission(submission_id)
            if s is None:
                continue
            key_row = ranks.get(submission_id)
            row: RankedSubmission | None = key_row[1] if key_row else None
            found.append(
                ReviewOutcome(
                    reference=s.tracking_number,
                    call_id=call.id,
                    status=s.status,
                    screenings=screenings.get(submission_id, {}),
                    rank=row.rank if row else None,
                    score=row.score if row else None,
                    round=key_row[0] if key_row else None,
                    explanation=row.explanation() if row else None,
                )
            )
    found.sort(key=lambda o: (o.call_id, o.rank if o.rank is not None else math.inf, o.reference))
    return found


@attrs.frozen(kw_only=True)
class ReviewerReminders:
    """The reminders of review rounds addressed to their reviewers, due at one instant."""

    events: tuple[OutboxEvent, ...] = ()
    """One per reviewer who still has reviews to give in the reminder's round."""
    routes: tuple[tuple[str, tuple[DeliveryTarget, ...]], ...] = ()
    """Each event's id and its one target, the reviewer's address."""
    waiting: tuple[str, ...] = ()
    """Ids of the reminders due for reviewers that wait for the reviewers file."""
    unreachable: tuple[str, ...] = ()
    """Ids of reviewers with reviews to give but no address in the reviewers file."""


def reviewer_reminders(
    store: Store,
    consultation: Consultation,
    now: dt.datetime,
    pool: ReviewerPool | None,
    *,
    address_channel: str,
    channel_plugins: Mapping[str, str] | None = None,
) -> ReviewerReminders:
    """The due reminders whose audience is a round's ``reviewers``, one per reviewer.

    A reviewer who has given every review assigned in the round gets none. The address and
    language come from ``pool`` (the private reviewers file; the consultation's first
    language when it names none) and only the address goes into the route: the event holds
    the reviewer's id and what is left to do. Without ``pool`` nothing is built and the
    reminders are listed as ``waiting``.
    """
    events: list[OutboxEvent] = []
    routes: list[tuple[str, tuple[DeliveryTarget, ...]]] = []
    waiting: list[str] = []
    unreachable: list[str] = []
    for due in due_reminders(consultation, now):
        if REVIEWERS_AUDIENCE not in due.reminder.audience:
            continue
        if pool is None:
            waiting.append(due.reminder.id)
            continue
        progress = status(store, consultation, due.reminder.anchor.partition(":")[2])
        for reviewer_id, (assigned, done) in progress.reviewers.items():
            if done >= assigned:
                continue
            known = {r.id: r for r in pool.reviewers}.get(reviewer_id)
            if known is None or not known.email:
                unreachable.append(reviewer_id)
                continue
            work = ReviewerWork(
                reviewer_id=reviewer_id,
                assigned=assigned,
                open=assigned - done,
                language=known.language or consultation.default_language,
            )
            event = to_outbox(ReminderDue.of(consultation, due, work))
            targets = reviewer_targets(
                event, known.email, address_channel=address_channel, channel_plugins=channel_plugins
            )
            events.append(event)
            routes.append((event.id, tuple(targets)))
    return ReviewerReminders(
        events=tuple(events),
        routes=tuple(routes),
        waiting=tuple(waiting),
        unreachable=tuple(dict.fromkeys(unreachable)),
    )


def _checked_refusal(solver: str, broken: Sequence[Text]) -> Text:
    """Why a plugin's assignment is refused: its first five broken rules, then how many
    more, each worded for the reader (the plugin's name is data)."""
    reasons = joined(broken[:5])
    if len(broken) > 5:
        reasons = deferred.ngettext(
            "%(reasons)s (and %(num)s more)",
            "%(reasons)s (and %(num)s more)",
            len(broken) - 5,
            reasons=reasons,
        )
    return deferred.gettext(
        "the assignment from plugin %(plugin)r breaks the round's rules: %(reasons)s",
        plugin=solver,
        reasons=reasons,
    )
