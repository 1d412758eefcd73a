"""The review verbs' rules: windows, assignment only, rubric checks, refusals that name the
submission, a plugin's assignment checked, decisions that never flip silently; and the
command line's usage errors."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from consultkit import hookimpl
from consultkit.app.application import Consultkit
from consultkit.cli import cli
from consultkit.config.loader import loads_consultation
from consultkit.config.reviewers import loads_reviewers
from consultkit.domain.clock import FixedClock
from consultkit.domain.review.assignment import Assignment, AssignmentRefusedError
from consultkit.domain.submissions import SubmissionStatus, Submitter
from consultkit.errors import PermissionDeniedError, RuleRefusedError
from consultkit.pluginhost.host import PluginHost
from consultkit.storage.memory import MemoryStore

if TYPE_CHECKING:
    from pathlib import Path

FILE = """\
id = "c"
zone = "UTC"
languages = ["en"]
title = { en = "T" }

[[groups]]
id = "gov"
name = { en = "Governments" }

[[groups]]
id = "cs"
name = { en = "Civil society" }

[[calls]]
id = "talks"
kind = "request"
title = { en = "Talks" }
deadline = { kind = "deadline", day = 2020-02-01 }

[[calls.review.rounds]]
id = "scoring"
kind = "scoring"
title = { en = "Scoring" }
window = { kind = "exact", start = 2020-02-10T09:00:00, end = 2020-02-20T18:00:00 }
per_submission = 2
min_groups = 2

[[calls.review.rounds.criteria]]
id = "quality"
label = { en = "Quality" }
"""

POOL = """\
[[reviewers]]
id = "a"
name = "A"
group = "gov"
organisation = "Org 1"

[[reviewers]]
id = "b"
name = "B"
group = "cs"

[[reviewers]]
id = "c"
name = "C"
group = "cs"
"""

SENT = dt.datetime(2020, 1, 15, tzinfo=dt.UTC)
DURING = dt.datetime(2020, 2, 12, tzinfo=dt.UTC)
AFTER = dt.datetime(2020, 2, 21, tzinfo=dt.UTC)
ROUND = "talks/scoring"
CONSULTATION = loads_consultation(FILE)


def _app(store: MemoryStore, at: dt.datetime, *plugins: object) -> Consultkit:
    """The application at instant ``at`` on one memory store shared across instants."""
    host = PluginHost.load(entry_points=False, strict=True, disabled=(), plugins=list(plugins))
    return Consultkit(host=host, store=store, clock=FixedClock(at))


def _submit(app: Consultkit, n: int, organisation: str | None = None) -> str:
    receipt = app.submit(
        CONSULTATION,
        call_id="talks",
        submitter=Submitter(
            name=f"S{n}", email=f"s{n}@example.org", group="gov", organisation=organisation
        ),
        title=f"Talk {n}",
        body="A talk.",
    )
    return receipt.tracking_number


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


def test_scores_are_taken_only_from_assigned_reviewers_within_the_window(
    store: MemoryStore,
) -> None:
    tn = _submit(_app(store, SENT), 1)
    during = _app(store, DURING)
    result = during.assign_reviewers(
        CONSULTATION, ROUND, loads_reviewers(POOL, CONSULTATION), organiser="o"
    )
    assert result.loads == {"a": 1, "b": 1, "c": 0} or sorted(result.loads.values()) == [0, 1, 1]
    assert during.find(CONSULTATION, tn).status is SubmissionStatus.UNDER_REVIEW
    mine = {a.reviewer_id for a in store.review_assignments("c", ROUND)}
    outsider = ({"a", "b", "c"} - mine).pop()
    with pytest.raises(PermissionDeniedError) as refused:
        during.score(CONSULTATION, ROUND, tn, reviewer=outsider, scores={"quality": 3})
    assert refused.value.rule == "assigned-only"
    reviewer = sorted(mine)[0]
    with pytest.raises(RuleRefusedError) as bad:
        during.score(CONSULTATION, ROUND, tn, reviewer=reviewer, scores={"quality": 9})
    assert bad.value.rule == "review" and "takes 1 to 5, not 9" in str(bad.value)
    with pytest.raises(RuleRefusedError) as early:
        _app(store, SENT).score(CONSULTATION, ROUND, tn, reviewer=reviewer, scores={"quality": 3})
    assert early.value.rule == "review-window" and "opens at 2020-02-10T09:00:00" in str(
        early.value
    )
    during.score(CONSULTATION, ROUND, tn, reviewer=reviewer, scores={"quality": 3})
    with pytest.raises(RuleRefusedError) as late:
        _app(store, AFTER).score(CONSULTATION, ROUND, tn, reviewer=reviewer, scores={"quality": 5})
    assert late.value.rule == "review-window" and "scores are final" in str(late.value)


def test_an_impossible_round_is_refused_naming_the_tracking_number(store: MemoryStore) -> None:
    app = _app(store, SENT)
    _submit(app, 1)
    own = _submit(app, 2, organisation="Org 1")  # reviewer a works there: only cs remain
    with pytest.raises(AssignmentRefusedError) as refused:
        _app(store, DURING).assign_reviewers(
            CONSULTATION, ROUND, loads_reviewers(POOL, CONSULTATION), organiser="o"
        )
    assert refused.value.constraint == "diversity" and refused.value.submission == own
    assert own in str(refused.value)
    assert store.review_assignments("c", ROUND) == []  # nothing stored


class Lazy:
    """A solver that gives every submission to the first reviewer only."""

    @hookimpl
    def assign_reviewers(self, consultation, problem):  # type: ignore[no-untyped-def]
        return Assignment(pairs=[(s, "a") for s in problem.submissions], solver="lazy")


def test_a_plugins_assignment_that_breaks_the_rules_is_refused_naming_it(
    store: MemoryStore,
) -> None:
    _submit(_app(store, SENT), 1)
    with pytest.raises(AssignmentRefusedError) as refused:
        _app(store, DURING, Lazy()).assign_reviewers(
            CONSULTATION, ROUND, loads_reviewers(POOL, CONSULTATION), organiser="o"
        )
    assert refused.value.constraint == "checked"
    assert "breaks the round's rules" in str(
        refused.value
    ) and "1 reviewer, the round needs 2" in str(refused.value)
    # Issue 11: the refusal and each broken rule in the reader's language; ids are data.
    french = refused.value.render("fr")
    assert "'Lazy'" in french and "breaks" not in french and "reviewer," not in french
    assert "le tour exige 2" in french, french
    assert store.review_assignments("c", ROUND) == []


def test_a_bulk_decision_never_flips_an_earlier_one(store: MemoryStore) -> None:
    first, second = _submit(_app(store, SENT), 1), _submit(_app(store, SENT), 2)
    app = _app(store, DURING)
    app.assign_reviewers(CONSULTATION, ROUND, loads_reviewers(POOL, CONSULTATION), organiser="o")
    for a in store.review_assignments("c", ROUND):
        s = store.get_submission(a.submission_id)
        assert s is not None
        app.score(
            CONSULTATION,
            ROUND,
            s.tracking_number,
            reviewer=a.reviewer_id,
            scores={"quality": 5 if s.tracking_number == first else 1},
        )
    app.review(CONSULTATION, second, decision=SubmissionStatus.ACCEPTED, organiser="o")
    with pytest.raises(RuleRefusedError) as no_reason:
        app.decide(CONSULTATION, ROUND, organiser="o", reason=" ", top=1)
    assert no_reason.value.rule == "reason-required"
    report = app.decide(CONSULTATION, ROUND, organiser="o", reason="Room for one.", top=1)
    assert report.accepted == (first,) and report.rejected == ()
    assert report.conflicting == (second,)
    assert app.find(CONSULTATION, second).status is SubmissionStatus.ACCEPTED


# -- the command line ---------------------------------------------------------------------


def _cli(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_an_impossible_round_exits_1_naming_the_rule(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(FILE, encoding="utf-8")
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    with Consultkit.open(store, clock=FixedClock(SENT), entry_points=False) as app:
        for n in range(5):
            _submit(app, n)
    pool = tmp_path / "reviewers.toml"
    pool.write_text(POOL, encoding="utf-8")  # one reviewer outside civil society
    result = _cli(
        "review",
        "assign",
        str(config),
        ROUND,
        "--reviewers",
        str(pool),
        "--organiser",
        "o",
        "--store",
        store,
    )
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert result.stderr == (  # type: ignore[attr-defined]
        "error: diversity: with 2 groups per submission, reviewers outside group cs must do"
        " 5 reviews, but balanced loads let their 1 reviewer(s) do at most 4; add reviewers"
        " from other groups [rule: assignment]\n"
    )


def test_review_decide_needs_one_way_or_the_other(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(FILE, encoding="utf-8")
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    both = _cli(
        "review",
        "decide",
        str(config),
        "CK-1",
        "--decision",
        "accepted",
        "--top",
        "3",
        "--organiser",
        "o",
        "--store",
        store,
    )
    assert both.exit_code == 2 and "REFERENCE and --decision only" in both.stderr  # type: ignore[attr-defined]
    neither = _cli("review", "decide", str(config), "--organiser", "o", "--store", store)
    assert neither.exit_code == 2 and "--round with either --top or --cutoff" in neither.stderr  # type: ignore[attr-defined]


def test_review_assign_reports_a_bad_reviewers_file_with_its_line(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(FILE, encoding="utf-8")
    pool = tmp_path / "reviewers.toml"
    pool.write_text(POOL.replace('group = "cs"', 'group = "civil"', 1), encoding="utf-8")
    result = _cli(
        "review",
        "assign",
        str(config),
        ROUND,
        "--reviewers",
        str(pool),
        "--organiser",
        "o",
        "--store",
        f"sqlite:///{tmp_path / 'ck.sqlite'}",
    )
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert f"{pool}:10: reviewers[1].group: unknown stakeholder group 'civil'" in result.stderr  # type: ignore[attr-defined]


def test_review_score_reads_criterion_equals_number(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(FILE, encoding="utf-8")
    result = _cli(
        "review",
        "score",
        str(config),
        ROUND,
        "CK-1",
        "--reviewer",
        "a",
        "--score",
        "quality:4",
        "--store",
        f"sqlite:///{tmp_path / 'ck.sqlite'}",
    )
    assert result.exit_code == 2 and "write CRITERION=NUMBER" in result.stderr  # type: ignore[attr-defined]


def test_an_unknown_round_lists_the_known_ones(store: MemoryStore) -> None:
    with pytest.raises(Exception) as unknown:
        _app(store, DURING).rank(CONSULTATION, "talks/scorin")
    assert "talks/scoring" in str(unknown.value)


MAG = FILE.replace(
    """[[calls.review.rounds]]
id = "scoring\"""",
    """[[calls.review.rounds]]
id = "screening"
kind = "screening"
title = { en = "Screening" }
window = { kind = "unscheduled" }
per_submission = 1

[[calls.review.rounds]]
id = "scoring\"""",
)


def test_an_igf_style_evaluation_runs_from_the_command_line(tmp_path: Path) -> None:
    """Screening, then scores 1 to 5 from two groups with a declared conflict, a ranking
    and the decision: every step a command."""
    config = tmp_path / "c.toml"
    config.write_text(MAG, encoding="utf-8")
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    app = Consultkit.open(store, clock=FixedClock(SENT), entry_points=False)
    refs = [_submit(app, n) for n in range(6)]
    app.close()
    pool = tmp_path / "reviewers.toml"
    fourth = '[[reviewers]]\nid = "d"\nname = "D"\ngroup = "gov"\n\n'
    pool.write_text(fourth + POOL + f'conflicts = ["{refs[0]}"]\n', encoding="utf-8")

    def ok(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--now", "2020-02-12T10:00:00Z", *args, "--store", store])
        assert result.exit_code == 0, result.output
        return result.output

    ok(
        "review",
        "assign",
        str(config),
        "talks/screening",
        "--reviewers",
        str(pool),
        "--organiser",
        "o",
    )
    for a in StoredAssignments(store).assignments("talks/screening"):
        verdict = "--fail" if a[0] == refs[5] else "--pass"
        ok("review", "score", str(config), "talks/screening", a[0], "--reviewer", a[1], verdict)
    assigned = ok(
        "review",
        "assign",
        str(config),
        "talks/scoring",
        "--reviewers",
        str(pool),
        "--organiser",
        "o",
        "--seed",
        "7",
    )
    assert "10 assignments for 5 submissions to 4 reviewers" in assigned
    assert "stakeholder-group rule met for 5 of 5" in assigned
    for n, (ref, reviewer) in enumerate(StoredAssignments(store).assignments("talks/scoring")):
        assert not (ref == refs[0] and reviewer == "c")  # the declared conflict holds
        ok(
            "review",
            "score",
            str(config),
            "talks/scoring",
            ref,
            "--reviewer",
            reviewer,
            "--score",
            f"quality={refs.index(ref) % 5 + 1}",
            "--confidence",
            str(1 + n % 5),
        )
    assert "10 of 10 reviews given" in ok("review", "status", str(config), "talks/scoring")
    table = ok("review", "rank", str(config), "talks/scoring", "--format", "csv")
    assert table.splitlines()[0].startswith("rank,reference,score,raw_mean,reviews,abstentions")
    assert len(table.splitlines()) == 6
    decided = ok(
        "review",
        "decide",
        str(config),
        "--round",
        "talks/scoring",
        "--cutoff",
        "0",
        "--organiser",
        "o",
        "--reason",
        "Scored below the line.",
    )
    assert "rejected" in decided and ", already so 0" in decided
    shown = ok("submissions", "show", str(config), refs[5], "--format", "json")
    assert '"status": "rejected"' in shown  # failed the screening


class StoredAssignments:
    """Reads a round's assignments from a store file as (tracking number, reviewer)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def assignments(self, round_ref: str) -> list[tuple[str, str]]:
        with Consultkit.open(self.url, entry_points=False) as app:
            found = []
            for a in app.store.review_assignments("c", round_ref):
                s = app.store.get_submission(a.submission_id)
                assert s is not None
                found.append((s.tracking_number, a.reviewer_id))
            return found
