"""``consultkit review``: assign reviewers, score, follow a round, rank, and decide.

Rounds are named ``CALL/ROUND`` as the consultation file declares them
(``[[calls.review.rounds]]``). The reviewer pool comes from the organisers' private
reviewers file (``--reviewers``), never from the published consultation file.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

import click

from consultkit.cli.common import (
    EXIT_USAGE,
    STORE_HELP,
    bad_parameter,
    exit_on_problems,
    fail,
    load_or_exit,
    open_app,
    ui_words,
)
from consultkit.cli.help_text import N_, HelpGroup
from consultkit.cli.submit_cmd import guarded
from consultkit.cli.terminal import for_terminal, json_for_terminal

if TYPE_CHECKING:
    from consultkit.app.review import Ranking, RoundStatus
    from consultkit.domain.model import Consultation
    from consultkit.domain.review.pool import ReviewerPool
    from consultkit.i18n import Messages


@click.group(
    cls=HelpGroup,
    help=N_("Review rounds: assign reviewers, score, follow progress, rank and decide."),
)
def review() -> None:
    pass


_config = click.argument("config", type=click.Path(exists=True, dir_okay=False))
_round = click.argument("round_ref", metavar="ROUND")
_store = click.option("--store", "store_url", metavar="URL", help=STORE_HELP)
_organiser = click.option(
    "--organiser", required=True, help=N_("Who decides (kept in the history).")
)


def load_pool_or_exit(path: str, consultation: Consultation) -> ReviewerPool:
    """The reviewers file at ``path``, or its located problems and exit status 2."""
    from consultkit.config.reviewers import load_reviewers
    from consultkit.errors import ConfigError

    try:
        return load_reviewers(path, consultation)
    except ConfigError as exc:
        exit_on_problems(exc)


@review.command(
    help=N_("Assign reviewers to every submission of ROUND (CALL/ROUND), balanced and seeded.")
)
@_config
@_round
@click.option(
    "--reviewers",
    "reviewers_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help=N_("The private reviewers file (TOML, [[reviewers]])."),
)
@_organiser
@click.option(
    "--seed", default=0, show_default=True, help=N_("The same seed gives the same assignment.")
)
@_store
@click.pass_context
def assign(
    ctx: click.Context,
    config: str,
    round_ref: str,
    reviewers_file: str,
    organiser: str,
    seed: int,
    store_url: str | None,
) -> None:
    """Assign reviewers to every submission of ROUND (CALL/ROUND), balanced and seeded."""
    consultation = load_or_exit(config)
    pool = load_pool_or_exit(reviewers_file, consultation)
    with guarded(open_app(ctx, store_url)) as app:
        result = app.assign_reviewers(consultation, round_ref, pool, organiser=organiser, seed=seed)
    loads = result.loads.values()
    words = ui_words(None)
    assignments = words.ngettext(
        "%(num)s assignment", "%(num)s assignments", len(result.assignments)
    )
    submissions = words.ngettext("%(num)s submission", "%(num)s submissions", result.submissions)
    reviewers = words.ngettext("%(num)s reviewer", "%(num)s reviewers", len(result.loads))
    click.echo(
        words.gettext(
            "%(round)s: %(assignments)s for %(submissions)s to %(reviewers)s"
            " (solver: %(solver)s, seed %(seed)s); loads %(fewest)s to %(most)s;"
            " stakeholder-group rule met for %(met)s of %(total)s",
            round=result.round,
            assignments=assignments,
            submissions=submissions,
            reviewers=reviewers,
            solver=result.solver,
            seed=seed,
            fewest=min(loads),
            most=max(loads),
            met=result.groups_met,
            total=result.submissions,
        )
    )


def _scores(values: tuple[str, ...]) -> dict[str, int]:
    from consultkit.i18n import deferred

    scores: dict[str, int] = {}
    for value in values:
        key, eq, number = value.partition("=")
        if not eq or not key.strip():
            raise bad_parameter(
                deferred.gettext("%(value)s: write CRITERION=NUMBER", value=repr(value)), "--score"
            )
        try:
            scores[key.strip()] = int(number)
        except ValueError:
            raise bad_parameter(
                deferred.gettext("%(value)s: the score must be a whole number", value=repr(value)),
                "--score",
            ) from None
    return scores


@review.command(help=N_("Give your review of submission REFERENCE in ROUND (again to change it)."))
@_config
@_round
@click.argument("reference")
@click.option("--reviewer", required=True, help=N_("Your reviewer id (from the reviewers file)."))
@click.option("--pass", "verdict", flag_value="pass", help=N_("Screening: it goes on."))
@click.option("--fail", "verdict", flag_value="fail", help=N_("Screening: it stops here."))
@click.option(
    "--score",
    "scores",
    multiple=True,
    metavar="CRITERION=N",
    help=N_("Scoring: one per criterion."),
)
@click.option(
    "--abstain", is_flag=True, help=N_("You cannot judge this one (say why in --comment).")
)
@click.option("--confidence", type=int, help=N_("How sure you are: 1 (unsure) to 5 (sure)."))
@click.option("--comment", help=N_("A note for the organisers."))
@_store
@click.pass_context
def score(
    ctx: click.Context,
    config: str,
    round_ref: str,
    reference: str,
    reviewer: str,
    verdict: str | None,
    scores: tuple[str, ...],
    abstain: bool,
    confidence: int | None,
    comment: str | None,
    store_url: str | None,
) -> None:
    consultation = load_or_exit(config)
    parsed = _scores(scores)
    passed = None if verdict is None else verdict == "pass"
    with guarded(open_app(ctx, store_url)) as app:
        given = app.score(
            consultation,
            round_ref,
            reference,
            reviewer=reviewer,
            scores=parsed,
            passed=passed,
            abstain=abstain,
            confidence=confidence,
            comment=comment,
        )
        words = ui_words(None)
        what = (
            words.pgettext("review", "abstained")
            if given.abstained
            else (
                words.pgettext("review", "pass")
                if given.passed
                else words.pgettext("review", "fail")
            )
            if given.passed is not None
            else ", ".join(f"{k}={v}" for k, v in given.scores.items())
        )
        recorded = words.gettext(
            "Recorded for %(reference)s in %(round)s: %(what)s",
            reference=reference.strip().upper(),
            round=given.round,
            what=what,
        )
        click.echo(recorded)


_format = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)


@review.command(
    help=N_("How far ROUND is, per reviewer; with --reviewer, what they have to review.")
)
@_config
@_round
@click.option(
    "--reviewer", help=N_("Show this reviewer's submissions (blind rounds hide who sent them).")
)
@_format
@_store
@click.pass_context
def status(
    ctx: click.Context,
    config: str,
    round_ref: str,
    reviewer: str | None,
    fmt: str,
    store_url: str | None,
) -> None:
    consultation = load_or_exit(config)
    with guarded(open_app(ctx, store_url)) as app:
        found = app.review_status(consultation, round_ref, reviewer=reviewer)
    if fmt == "json":
        click.echo(json_for_terminal(_status_json(found)))
        return
    words = ui_words(None)
    click.echo(
        words.gettext(
            "%(round)s (%(kind)s, %(visibility)s): %(given)s, %(abstentions)s",
            round=found.round,
            kind=_round_kind(str(found.kind), words),
            visibility=words.pgettext("review round", "blind")
            if found.blind
            else words.pgettext("review round", "open"),
            given=words.ngettext(
                "%(reviewed)s of %(num)s review given",
                "%(reviewed)s of %(num)s reviews given",
                found.assigned,
                reviewed=found.reviewed,
            ),
            abstentions=words.ngettext(
                "%(num)s abstention", "%(num)s abstentions", found.abstained
            ),
        )
    )
    if reviewer is None:
        for who, (total, done) in found.reviewers.items():
            click.echo(f"  {for_terminal(who)}: {done}/{total}")
        return
    for item in found.mine:
        mark = (
            words.pgettext("review", "abstained")
            if item.abstained
            else words.pgettext("review", "done")
            if item.reviewed
            else words.pgettext("review", "to do")
        )
        by = f" — {for_terminal(item.submitter)}" if item.submitter else ""
        click.echo(f"  {item.reference} [{mark}] {for_terminal(item.title)}{by}")


def _round_kind(kind: str, words: Messages) -> str:
    kinds = {
        "screening": words.pgettext("review round", "screening"),
        "scoring": words.pgettext("review round", "scoring"),
    }
    return kinds.get(kind, kind)


def _status_json(found: RoundStatus) -> dict[str, Any]:
    data: dict[str, Any] = {
        "round": found.round,
        "kind": str(found.kind),
        "blind": found.blind,
        "assigned": found.assigned,
        "reviewed": found.reviewed,
        "abstained": found.abstained,
        "reviewers": {k: {"assigned": a, "reviewed": d} for k, (a, d) in found.reviewers.items()},
    }
    if found.mine:
        data["submissions"] = [
            {
                "reference": m.reference,
                "title": m.title,
                "body": m.body,
                "language": m.language,
                "fields": dict(m.fields),
                "reviewed": m.reviewed,
                "abstained": m.abstained,
                # Blind rounds: no key at all, so nothing downstream can show it by mistake.
                **({"submitter": m.submitter} if m.submitter is not None else {}),
            }
            for m in found.mine
        ]
    return data


@review.command(help=N_("Rank a scoring ROUND: normalised scores, with each row's explanation."))
@_config
@_round
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True
)
@click.option(
    "--lang",
    "language",
    metavar="LANG",
    help=N_("Language of the explanations and headings (default: the locale's, LANG/LC_ALL)."),
)
@_store
@click.pass_context
def rank(
    ctx: click.Context,
    config: str,
    round_ref: str,
    fmt: str,
    language: str | None,
    store_url: str | None,
) -> None:
    consultation = load_or_exit(config)
    with guarded(open_app(ctx, store_url)) as app:
        ranked = app.rank(consultation, round_ref)
    click.echo(_ranking_text(ranked, fmt, ui_words(language)), nl=fmt != "csv")


def _ranking_text(ranked: Ranking, fmt: str, words: Messages) -> str:
    rows: list[dict[str, Any]] = [
        {
            "rank": r.rank,
            "reference": r.reference,
            "score": None if r.score is None else round(r.score, 6),
            "raw_mean": None if r.raw_mean is None else round(r.raw_mean, 6),
            "reviews": len(r.scores),
            "abstentions": r.abstentions,
            "tie_break": r.tie_break,
            "explanation": r.explanation(words),
        }
        for r in ranked.rows
    ]
    if fmt == "json":
        # For programs, the explanation's parts as values too (the text is for people).
        for row, r in zip(rows, ranked.rows, strict=True):
            row["scores"] = [
                {
                    "reviewer": s.reviewer_id,
                    "raw": round(s.raw, 6),
                    "normalisation": s.normalisation,
                    "normalised": round(s.normalised, 6),
                    "weight": s.weight,
                }
                for s in r.scores
            ]
        document = {
            "round": ranked.round,
            "method": ranked.method,
            "language": words.language,
            "rows": rows,
        }
        return json_for_terminal(document)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["rank"])
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()
    heading = words.gettext(
        "%(round)s (method from plugin %(method)s):", round=ranked.round, method=ranked.method
    )
    lines = [heading]
    for row in rows:
        score_text = "—" if row["score"] is None else f"{row['score']:+.3f}"
        lines.append(f"{row['rank']:>4}. {row['reference']}  {score_text}  {row['explanation']}")
    return "\n".join(lines)


@review.command(
    help=N_(
        "Decide on one submission (REFERENCE --decision) or on a whole ranked "
        "round\n(--round with --top or --cutoff); the submitters are told once, in "
        "their language."
    )
)
@_config
@click.argument("reference", required=False)
@click.option(
    "--decision",
    type=click.Choice(["under-review", "accepted", "rejected"]),
    help=N_("One submission (REFERENCE): the organisers' decision."),
)
@click.option("--round", "round_ref", help=N_("Bulk: the scoring round (CALL/ROUND) to decide on."))
@click.option("--top", type=int, help=N_("Bulk: accept this many from the top of the ranking."))
@click.option("--cutoff", type=float, help=N_("Bulk: accept those whose score is at least this."))
@click.option("--reason", help=N_("Why (required to reject or to reopen a decision)."))
@_organiser
@_store
@click.pass_context
def decide(
    ctx: click.Context,
    config: str,
    reference: str | None,
    decision: str | None,
    round_ref: str | None,
    top: int | None,
    cutoff: float | None,
    reason: str | None,
    organiser: str,
    store_url: str | None,
) -> None:
    from consultkit.domain.lifecycle import public_status
    from consultkit.domain.submissions import SubmissionStatus
    from consultkit.formats.labels import submission_status_label

    consultation = load_or_exit(config)
    if reference is not None:
        if decision is None or round_ref is not None or top is not None or cutoff is not None:
            fail(
                ui_words(None).gettext("for one submission give REFERENCE and --decision only"),
                EXIT_USAGE,
            )
        with guarded(open_app(ctx, store_url)) as app:
            changed = app.review(
                consultation,
                reference,
                decision=SubmissionStatus(decision),
                organiser=organiser,
                reason=reason,
            )
            words = ui_words(None)
            click.echo(
                words.gettext(
                    "%(number)s: %(status)s (the submitter sees: %(public)s)",
                    number=changed.tracking_number,
                    status=submission_status_label(changed.status, words),
                    public=submission_status_label(public_status(changed.status), words),
                )
            )
        return
    if round_ref is None or decision is not None or (top is None) == (cutoff is None):
        fail(
            ui_words(None).gettext(
                "give REFERENCE with --decision, or --round with either --top or --cutoff"
            ),
            EXIT_USAGE,
        )
    with guarded(open_app(ctx, store_url)) as app:
        report = app.decide(
            consultation,
            round_ref,
            organiser=organiser,
            reason=reason or "",
            top=top,
            cutoff=cutoff,
        )
    words = ui_words(None)
    click.echo(
        words.gettext(
            "accepted %(accepted)s, rejected %(rejected)s, already so %(unchanged)s,"
            " decided otherwise %(conflicting)s",
            accepted=len(report.accepted),
            rejected=len(report.rejected),
            unchanged=len(report.unchanged),
            conflicting=len(report.conflicting),
        )
    )
    if report.conflicting:
        click.echo(
            words.gettext(
                "left as they are (reopen one by one, with a reason): %(numbers)s",
                numbers=", ".join(report.conflicting),
            )
        )


__all__ = ["review"]
