"""Reminders addressed to a review round's reviewers (issue 12, leftovers).

A reminder anchored to ``review:CALL/ROUND`` with ``audience = ["reviewers"]`` reaches each
assigned reviewer who still has reviews to give, at the address of the private reviewers
file, in the reviewer's language, once; the address is in no stored payload. Over real
SMTP (aiosmtpd on loopback), through the command line.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from consultkit.app.application import Consultkit
from consultkit.cli import cli
from consultkit.config.loader import loads_consultation
from consultkit.config.reviewers import loads_reviewers
from consultkit.domain.clock import FixedClock
from consultkit.domain.submissions import Submitter
from consultkit.errors import ConfigError
from smtp_inbox import Inbox, serving_inbox

if TYPE_CHECKING:
    from collections.abc import Iterator

pytest.importorskip("aiosmtpd.controller")
pytest.importorskip("consultkit_smtp")

CONSULTATION = """\
id = "c"
zone = "Europe/Zurich"
languages = ["en", "fr"]
title = { en = "Workshops 2020", fr = "Ateliers 2020" }

[[groups]]
id = "gov"
name = { en = "Governments", fr = "Gouvernements" }

[[groups]]
id = "cs"
name = { en = "Civil society", fr = "Société civile" }

[[calls]]
id = "workshops"
kind = "request"
title = { en = "Workshops", fr = "Ateliers" }
opens_at = 2020-01-06T09:00:00
deadline = { kind = "deadline", day = 2020-02-03 }

[[calls.review.rounds]]
id = "scoring"
kind = "scoring"
title = { en = "Scoring", fr = "Évaluation" }
window = { kind = "exact", start = 2020-02-11T09:00:00, end = 2020-02-21T18:00:00 }
per_submission = 2

[[calls.review.rounds.criteria]]
id = "relevance"
label = { en = "Relevance", fr = "Pertinence" }

[[reminders]]
id = "scoring-closes"
anchor = "review:workshops/scoring"
edge = "end"
before = ["P3D", "P1D"]
audience = ["reviewers"]
"""

REVIEWERS = """\
[[reviewers]]
id = "r1"
name = "Ana Pérez"
email = "ana.reviewer@example.net"
group = "gov"

[[reviewers]]
id = "r2"
name = "Jean Dupont"
email = "jean.reviewer@example.net"
group = "cs"
language = "fr"

[[reviewers]]
id = "r3"
name = "Wu Lin"
email = "wu.reviewer@example.net"
group = "cs"
"""

RECEIVED = dt.datetime(2020, 1, 20, 9, tzinfo=dt.UTC)
REVIEWING = dt.datetime(2020, 2, 12, 9, tzinfo=dt.UTC)
DUE = "2020-02-19T09:00:00Z"  # P3D before the round ends (2020-02-21 17:00 UTC)
LATER = "2020-02-20T09:00:00Z"  # the P3D reminder again: still once
ADDRESSES = ("ana.reviewer@example.net", "jean.reviewer@example.net", "wu.reviewer@example.net")


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with serving_inbox() as served:
        yield served


def run(env: dict[str, str], *args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == code, result.output + result.stderr
    return result


def _stored_bytes(db: Path) -> bytes:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        rows = conn.execute("SELECT payload FROM outbox_events").fetchall()
    return b"".join(str(r[0]).encode() for r in rows)


def test_each_reviewer_with_reviews_left_is_reminded_once_in_their_language(
    tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    db = tmp_path / "ck.sqlite"
    store = f"sqlite:///{db}"
    config = tmp_path / "consultation.toml"
    config.write_text(CONSULTATION, encoding="utf-8")
    pool_file = tmp_path / "reviewers.toml"
    pool_file.write_text(REVIEWERS, encoding="utf-8")
    consultation = loads_consultation(CONSULTATION)
    pool = loads_reviewers(REVIEWERS, consultation)
    env = {
        "CONSULTKIT_STORE": store,
        "CONSULTKIT_NOTIFY_CHANNELS": "email",
        "CONSULTKIT_EMAIL_HOST": "127.0.0.1",
        "CONSULTKIT_EMAIL_PORT": str(port),
    }

    with Consultkit.open(store, clock=FixedClock(RECEIVED), entry_points=False) as app:
        for n in range(3):
            app.submit(
                consultation,
                call_id="workshops",
                submitter=Submitter(name=f"Submitter {n}", email=f"s{n}@example.org", group="cs"),
                title=f"Workshop {n}",
                body="A workshop.",
            )
    with Consultkit.open(store, clock=FixedClock(REVIEWING), entry_points=False) as app:
        app.assign_reviewers(consultation, "workshops/scoring", pool, organiser="o", seed=1)
        mine = app.store.review_assignments("c", "workshops/scoring")
        # r3 finishes every review: no reminder for them. r1 gives one of theirs.
        by_number = {s.id: s.tracking_number for s in app.list_submissions(consultation)}
        given_by_r1 = 0
        for a in mine:
            if a.reviewer_id == "r3" or (a.reviewer_id == "r1" and not given_by_r1):
                given_by_r1 += a.reviewer_id == "r1"
                app.score(
                    consultation,
                    "workshops/scoring",
                    by_number[a.submission_id],
                    reviewer=a.reviewer_id,
                    scores={"relevance": 4},
                )
        left = {
            r: sum(1 for a in mine if a.reviewer_id == r) - (1 if r == "r1" else 0)
            for r in ("r1", "r2")
        }
    run(env, "--now", "2020-02-12T10:00:00Z", "notify", "run")  # what came before
    before = len(handler.messages)

    # Without the reviewers file, the reminder waits and the command says why.
    waiting = run(env, "--now", DUE, "remind", str(config))
    assert "scoring-closes" in waiting.stderr and "--reviewers" in waiting.stderr

    reminded = run(env, "--now", DUE, "remind", str(config), "--reviewers", str(pool_file))
    assert "2 new event(s) enqueued" in reminded.output
    run(env, "--now", DUE, "notify", "run")
    sent = handler.messages[before:]
    assert sorted(str(m["To"]) for m in sent) == sorted(ADDRESSES[:2])
    ana, jean = handler.to(ADDRESSES[0])[-1], handler.to(ADDRESSES[1])[-1]
    assert ana["Content-Language"] == "en" and jean["Content-Language"] == "fr"
    ana_text = ana.get_body(preferencelist=("plain",)).get_content()
    jean_text = jean.get_body(preferencelist=("plain",)).get_content()
    assert f"{left['r1']} review" in ana_text and "Scoring" in ana_text
    assert f"{left['r2']} évaluation" in jean_text and "Évaluation" in jean_text
    assert "February 21, 2020" in ana_text  # the round's end, in Europe/Zurich
    assert "février 2020" in jean_text

    # Running it again, or when the next offset is not due yet, sends nothing new.
    for now in (DUE, LATER):
        again = run(env, "--now", now, "remind", str(config), "--reviewers", str(pool_file))
        assert "0 new event(s) enqueued" in again.output
        run(env, "--now", now, "notify", "run")
    assert len(handler.messages) == before + 2

    # The store keeps reviewer ids and counts, never their names or addresses.
    stored = _stored_bytes(db)
    for private in (*ADDRESSES, "Ana Pérez", "Jean Dupont"):
        assert private.encode() not in stored
    with sqlite3.connect(db) as conn:
        payloads = [
            json.loads(r[0])
            for r in conn.execute(
                "SELECT payload FROM outbox_events WHERE kind = 'reminder.due'"
            ).fetchall()
        ]
    assert sorted(p["review"]["reviewer"] for p in payloads) == ["r1", "r2"]
    assert {p["review"]["open"] for p in payloads if p["review"]["reviewer"] == "r2"} == {
        left["r2"]
    }


def test_the_reviewers_audience_needs_a_review_anchor() -> None:
    text = CONSULTATION.replace('anchor = "review:workshops/scoring"', 'anchor = "call:workshops"')
    with pytest.raises(ConfigError) as caught:
        loads_consultation(text, file="c.toml")
    [problem] = caught.value.problems
    assert problem.path == "reminders[0].audience[0]"
    assert "review:CALL/ROUND" in str(problem.hint or "")


def test_a_reviewers_language_must_be_one_of_the_consultations() -> None:
    consultation = loads_consultation(CONSULTATION)
    with pytest.raises(ConfigError) as caught:
        loads_reviewers(REVIEWERS.replace('language = "fr"', 'language = "de"'), consultation)
    [problem] = caught.value.problems
    assert problem.path == "reviewers[1].language" and "en, fr" in str(problem.hint or "")
