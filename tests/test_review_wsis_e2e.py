"""The WSIS workshop-request selection from end to end (issue 12).

300 requests, 12 reviewers in a private reviewers file, the example's screening round
then its blind scoring round (3 reviewers from at least 2 stakeholder groups each),
ranking, bulk decisions, and the submitters told once each, in their language, over real
SMTP (aiosmtpd on loopback). The organiser's steps go through the command line; the
reviewers' 1,400 reviews through the library.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from consultkit.app.application import Consultkit
from consultkit.cli import cli
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.submissions import Draft, SubmissionStatus, Submitter
from consultkit.formats.labels import submission_status_label
from consultkit.i18n import messages
from smtp_inbox import Inbox, serving_inbox

if TYPE_CHECKING:
    from collections.abc import Iterator

pytest.importorskip("aiosmtpd.controller")
pytest.importorskip("consultkit_smtp")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
GROUPS = [
    "governments",
    "private-sector",
    "civil-society",
    "academia-technical",
    "international-organisations",
]
ORGS = [f"Organisation {i}" for i in range(20)]
RECEIVED = dt.datetime(2020, 1, 20, 9, tzinfo=dt.UTC)
REVIEWING = "2020-02-10T09:00:00Z"
DECIDING = "2020-02-20T09:00:00Z"
N = 300
ACCEPT = 40


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with serving_inbox() as served:
        yield served


def reviewers_file(path: Path) -> Path:
    """12 reviewers, 5 groups; three share an organisation with some submitters, one
    declares a conflict with an organisation, one is from the same country as many."""
    lines = []
    for i in range(12):
        lines += [
            "[[reviewers]]",
            f'id = "r{i + 1:02d}"',
            f'name = "Reviewer {i + 1}"',
            f'email = "reviewer{i + 1}@example.net"',
            f'group = "{GROUPS[i % 5]}"',
        ]
        if i < 3:
            lines.append(f'organisation = "{ORGS[i]}"')
        if i == 3:
            lines.append(f'conflict_organisations = ["{ORGS[5]}"]')
        if i == 4:
            lines.append('country = "CH"')
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def request(n: int) -> Draft:
    return Draft(
        call_id="workshop-requests",
        submitter=Submitter(
            name=f"Organiser {n}",
            email=f"w{n:03d}@example.org",
            group=GROUPS[n % 5],
            organisation=ORGS[n % 20],
            country="CH" if n % 7 == 0 else "KE",
        ),
        title=f"Workshop {n}: digital inclusion",
        body=f"A workshop on Action Line C{n % 11 + 1}.",
        language="es" if n % 3 == 0 else "en",
        fields={
            "organisers": [{"name": f"Organiser {n}", "consent_publish": True}],
            "format": ["panel", "roundtable", "interactive"][n % 3],
            "action_lines": [f"C{n % 11 + 1}"],
        },
    )


def run(env: dict[str, str], *args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


@pytest.mark.slow
def test_the_wsis_workshop_selection_runs_from_request_to_notice(
    tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    env = {
        "CONSULTKIT_STORE": store,
        "CONSULTKIT_NOTIFY_CHANNELS": "email",
        "CONSULTKIT_EMAIL_HOST": "127.0.0.1",
        "CONSULTKIT_EMAIL_PORT": str(port),
    }
    config = str(EXAMPLE)
    pool = str(reviewers_file(tmp_path / "reviewers.toml"))
    consultation = load_consultation(EXAMPLE)

    # -- 300 requests arrive before the deadline -------------------------------------------
    with Consultkit.open(store, clock=FixedClock(RECEIVED), entry_points=False) as app:
        report = app.import_submissions(consultation, [request(n) for n in range(N)])
        assert report.stored == N, report.refused
        tracking = {
            s.submitter.email: s.tracking_number for s in app.list_submissions(consultation)
        }  # type: ignore[union-attr]

    # -- screening: 2 reviewers each, open (not blind) --------------------------------------
    assigned = run(
        env,
        "--now",
        REVIEWING,
        "review",
        "assign",
        config,
        "workshop-requests/screening",
        "--reviewers",
        pool,
        "--organiser",
        "gitanjali",
        "--seed",
        "2020",
    )
    assert "600 assignments for 300 submissions to 12 reviewers" in assigned.output
    assert "loads 50 to 50" in assigned.output
    again = run(
        env,
        "--now",
        REVIEWING,
        "review",
        "assign",
        config,
        "workshop-requests/screening",
        "--reviewers",
        pool,
        "--organiser",
        "gitanjali",
        code=1,
    )
    assert "[rule: assigned-once]" in again.stderr

    open_view = json.loads(
        run(
            env,
            "review",
            "status",
            config,
            "workshop-requests/screening",
            "--reviewer",
            "r01",
            "--format",
            "json",
        ).output
    )
    assert all(s["submitter"].startswith("Organiser") for s in open_view["submissions"])

    failing = {tracking[f"w{n:03d}@example.org"] for n in range(0, N, 10)}
    with Consultkit.open(store, clock=FixedClock(_at(REVIEWING)), entry_points=False) as app:
        for a in app.store.review_assignments(consultation.id, "workshop-requests/screening"):
            s = app.store.get_submission(a.submission_id)
            assert s is not None
            if a.reviewer_id == "r12" and s.tracking_number not in failing:
                app.score(
                    consultation,
                    "workshop-requests/screening",
                    s.tracking_number,
                    reviewer=a.reviewer_id,
                    abstain=True,
                    comment="outside my field",
                )
                continue
            app.score(
                consultation,
                "workshop-requests/screening",
                s.tracking_number,
                reviewer=a.reviewer_id,
                passed=s.tracking_number not in failing,
            )

    # -- scoring: 3 reviewers from 2 groups or more, blind -----------------------------------
    assigned = run(
        env,
        "--now",
        REVIEWING,
        "review",
        "assign",
        config,
        "workshop-requests/scoring",
        "--reviewers",
        pool,
        "--organiser",
        "gitanjali",
        "--seed",
        "2020",
    )
    assert "810 assignments for 270 submissions to 12 reviewers" in assigned.output
    assert "loads 67 to 68" in assigned.output
    assert "stakeholder-group rule met for 270 of 270" in assigned.output

    blind = run(
        env,
        "review",
        "status",
        config,
        "workshop-requests/scoring",
        "--reviewer",
        "r02",
        "--format",
        "json",
    ).output
    assert "Organiser" not in blind and "example.org" not in blind and "submitter" not in blind
    assert len(json.loads(blind)["submissions"]) in (67, 68)

    with Consultkit.open(store, clock=FixedClock(_at(REVIEWING)), entry_points=False) as app:
        assignments = app.store.review_assignments(consultation.id, "workshop-requests/scoring")
        by_id = {s.id: s for s in app.list_submissions(consultation)}
        for a in assignments:
            s = by_id[a.submission_id]
            # No conflicted pair was assigned: same organisation, declared, same country.
            who = s.submitter
            assert who is not None
            assert not (
                a.reviewer_id in ("r01", "r02", "r03")
                and who.organisation == ORGS[int(a.reviewer_id[1:]) - 1]
            )
            assert not (a.reviewer_id == "r04" and who.organisation == ORGS[5])
            n = int(who.email[1:4])
            bias = {"r01": -2, "r07": 1}.get(a.reviewer_id, 0)  # a harsh and a generous hand
            quality = (n * 37) % 5 + 1
            score = max(1, min(5, quality + bias))
            app.score(
                consultation,
                "workshop-requests/scoring",
                s.tracking_number,
                reviewer=a.reviewer_id,
                scores={"relevance": score, "format": quality, "diversity": (n % 5) + 1},
                confidence=1 + n % 5,
            )

    progress = run(env, "review", "status", config, "workshop-requests/scoring").output
    assert "810 of 810 reviews given" in progress

    ranked = json.loads(
        run(env, "review", "rank", config, "workshop-requests/scoring", "--format", "json").output
    )
    assert ranked["method"] == "review_defaults" and len(ranked["rows"]) == 270
    assert [r["rank"] for r in ranked["rows"]] == list(range(1, 271))
    assert all("z-per-reviewer" in r["explanation"] for r in ranked["rows"])
    scores = [r["score"] for r in ranked["rows"]]
    assert scores == sorted(scores, reverse=True)

    # -- bulk decisions, told once ------------------------------------------------------------
    run(env, "--now", REVIEWING, "notify", "run")  # the "under review" notices of assignment
    before = len(handler.messages)
    decide = (
        *("--now", DECIDING, "review", "decide", config, "--round", "workshop-requests/scoring"),
        *("--top", str(ACCEPT), "--organiser", "gitanjali"),
        *("--reason", "The programme has room for 40 workshops."),
    )
    decided = run(env, *decide)
    assert "accepted 40, rejected 260, already so 0" in decided.output
    run(env, "--now", DECIDING, "notify", "run")
    rerun = run(env, *decide)
    assert "accepted 0, rejected 0, already so 300" in rerun.output
    assert "routed 0" in run(env, "--now", DECIDING, "notify", "run").output

    decisions = handler.messages[before:]
    by_recipient = collections.Counter(str(m["To"]) for m in decisions)
    assert len(decisions) == N and set(by_recipient.values()) == {1}

    # The subject names the public status in the submitter's language (Spanish or English).
    def told(message: Any) -> str:
        words = messages(str(message["Content-Language"]))
        subject = str(message["Subject"])
        for status in ("not-accepted", "accepted"):
            if subject.endswith(" " + submission_status_label(status, words)):
                return status
        return subject

    outcome = collections.Counter(told(m) for m in decisions)
    assert outcome == {"accepted": ACCEPT, "not-accepted": N - ACCEPT}
    for m in decisions:
        n = int(str(m["To"])[1:4])
        assert m["Content-Language"] == ("es" if n % 3 == 0 else "en")

    top = {r["reference"] for r in ranked["rows"][:ACCEPT]}
    with Consultkit.open(store, entry_points=False) as app:
        statuses = {s.tracking_number: s.status for s in app.list_submissions(consultation)}
        outcomes = app.review_outcomes(consultation, call_id="workshop-requests")
    assert {t for t, st in statuses.items() if st is SubmissionStatus.ACCEPTED} == top
    assert all(statuses[t] is SubmissionStatus.REJECTED for t in failing)
    assert len(outcomes) == N
    screened_out = [o for o in outcomes if o.rank is None]
    assert {o.reference for o in screened_out} == failing
    assert all(o.screenings == {"workshop-requests/screening": False} for o in screened_out)


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
