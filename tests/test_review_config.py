"""Review rounds in the consultation file, the private reviewers file, and round windows
as schedule items (timeline, feeds, reminders)."""

from __future__ import annotations

import datetime as dt

import pytest

from consultkit.config.loader import dump_consultation, loads_consultation
from consultkit.config.reviewers import load_reviewers, loads_reviewers
from consultkit.domain.reminders import due_reminders, item_edges
from consultkit.domain.review.conflicts import Candidate, conflict
from consultkit.domain.review.rounds import RoundKind
from consultkit.domain.schedule import schedule_items
from consultkit.errors import ConfigError, Problem
from consultkit.formats.timeline_json import build_timeline
from consultkit.testing.factories import wsis_consultation

HEAD = """\
id = "c"
zone = "Europe/Zurich"
languages = ["es", "en"]
title = { es = "T", en = "T" }

[[groups]]
id = "gov"
name = { es = "Gobiernos", en = "Governments" }

[[groups]]
id = "cs"
name = { es = "Sociedad civil", en = "Civil society" }

[[calls]]
id = "workshops"
kind = "request"
title = { es = "Talleres", en = "Workshops" }
"""

ROUNDS = """
[[calls.review.rounds]]
id = "screening"
kind = "screening"
title = { es = "Admisibilidad", en = "Screening" }
window = { kind = "days", first = 2020-02-04, last = 2020-02-10 }
per_submission = 2

[[calls.review.rounds]]
id = "scoring"
kind = "scoring"
title = { es = "Evaluación", en = "Scoring" }
window = { kind = "exact", start = 2020-02-11T09:00:00, end = 2020-02-21T18:00:00 }
per_submission = 3
min_groups = 2
same_country_conflict = true

[[calls.review.rounds.criteria]]
id = "relevance"
label = { es = "Pertinencia", en = "Relevance" }
weight = 2.0

[[calls.review.rounds.criteria]]
id = "format"
label = { es = "Formato", en = "Format" }
max = 10
min = 0

[[reminders]]
id = "scoring-closes"
anchor = "review:workshops/scoring"
edge = "end"
before = ["P1D"]
audience = ["organisers"]
"""


def problems(text: str) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        loads_consultation(text, file="c.toml")
    return list(caught.value.problems)


def test_rounds_load_in_the_consultations_zone_and_round_trip() -> None:
    c = loads_consultation(HEAD + ROUNDS)
    review = c.call("workshops").review
    assert [r.kind for r in review.rounds] == [RoundKind.SCREENING, RoundKind.SCORING]
    scoring = review.round("scoring")
    assert scoring.window.zone == "Europe/Zurich"
    assert [(k.id, k.min, k.max, k.weight) for k in scoring.criteria] == [
        ("relevance", 1, 5, 2.0),
        ("format", 0, 10, 1.0),
    ]
    assert scoring.blind and scoring.same_country_conflict
    assert loads_consultation(dump_consultation(c)) == c


def test_a_call_without_rounds_dumps_as_before() -> None:
    assert "review" not in dump_consultation(loads_consultation(HEAD))


@pytest.mark.parametrize(
    ("change", "path", "message", "hint"),
    [
        (
            ('kind = "scoring"', 'kind = "scorng"'),
            "calls[0].review.rounds[1].kind",
            "scorng",
            "scoring",
        ),
        (
            ("per_submission = 3", "per_submision = 3"),
            "calls[0].review.rounds[1].per_submision",
            "unknown key",
            "per_submission",
        ),
        (
            ("min_groups = 2", "min_groups = 4"),
            "calls[0].review.rounds[1].min_groups",
            "4 stakeholder groups cannot come from 3 reviewers",
            "per_submission",
        ),
        (
            ("max = 10\nmin = 0", "max = 0\nmin = 0"),
            "calls[0].review.rounds[1].criteria[1].max",
            "above its min",
            None,
        ),
        (
            ("weight = 2.0", "weight = -1.0"),
            "calls[0].review.rounds[1].criteria[0].weight",
            "positive",
            None,
        ),
        (
            ('label = { es = "Formato", en = "Format" }', 'label = { es = "Formato" }'),
            "calls[0].review.rounds[1].criteria[1].label",
            "no text in en",
            "en = ",
        ),
        (
            ('anchor = "review:workshops/scoring"', 'anchor = "review:workshops/scorin"'),
            "reminders[0].anchor",
            "unknown review",
            "workshops/scoring",
        ),
    ],
)
def test_a_bad_round_is_a_located_error_with_a_suggestion(
    change: tuple[str, str], path: str, message: str, hint: str | None
) -> None:
    text = HEAD + ROUNDS.replace(*change)
    found = problems(text)
    mine = [p for p in found if p.path == path]
    assert mine, found
    assert message in str(mine[0].message) or message in str(mine[0])
    assert mine[0].file == "c.toml" and mine[0].line is not None
    if hint is not None:
        assert hint in str(mine[0].hint or "")


def test_screening_with_criteria_and_scoring_without_are_refused() -> None:
    text = HEAD + ROUNDS.replace('kind = "screening"', 'kind = "scoring"')
    assert any(
        p.path == "calls[0].review.rounds[0].criteria" and "needs a rubric" in str(p.message)
        for p in problems(text)
    )


def test_round_windows_are_schedule_items_in_the_timeline_and_the_feeds() -> None:
    c = loads_consultation(HEAD + ROUNDS)
    items = {i.ref: i for i in schedule_items(c)}
    scoring = items["review:workshops/scoring"]
    assert scoring.kind == "review" and scoring.calls == ("workshops",)
    assert [i.ref for i in schedule_items(c, only=["reviews"])] == [
        "review:workshops/screening",
        "review:workshops/scoring",
    ]
    timeline = build_timeline(c, at=dt.datetime(2020, 2, 12, tzinfo=dt.UTC), language="en")
    entry = next(i for i in timeline["items"] if i["ref"] == "review:workshops/scoring")
    assert entry["type"] == "review" and entry["relation"] == "current"
    edges = item_edges(c, "review:workshops/scoring")
    assert edges.end == dt.datetime(2020, 2, 21, 17, tzinfo=dt.UTC)


def test_a_reminder_anchored_to_a_round_is_due_before_it_closes() -> None:
    c = loads_consultation(HEAD + ROUNDS)
    due = due_reminders(c, dt.datetime(2020, 2, 20, 17, 30, tzinfo=dt.UTC))
    assert [(d.reminder.id, d.anchor_at) for d in due] == [
        ("scoring-closes", dt.datetime(2020, 2, 21, 17, tzinfo=dt.UTC))
    ]


def test_the_wsis_example_marks_its_review_rounds_illustrative() -> None:
    workshops = wsis_consultation().call("workshop-requests")
    assert "review.rounds" in workshops.inferred
    assert [r.id for r in workshops.review.rounds] == ["screening", "scoring"]
    # No review window is in the letter: none is invented.
    assert all(r.window.kind == "unscheduled" for r in workshops.review.rounds)


# -- the reviewers file -------------------------------------------------------------------

REVIEWERS = """\
[[reviewers]]
id = "r01"
name = "Ana Pérez"
email = "ana@example.org"
group = "cs"
organisation = "Fundación Ejemplo"
country = "UY"
conflicts = ["CK-AAAA-BBBB-CCCC-DDDD"]

[[reviewers]]
id = "r02"
name = "Bo Li"
group = "gov"
conflict_organisations = ["Ministry of Examples"]
"""


def test_a_reviewers_file_loads_into_a_pool(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "reviewers.toml"
    path.write_text(REVIEWERS, encoding="utf-8")
    pool = load_reviewers(path, loads_consultation(HEAD))
    assert [r.id for r in pool.reviewers] == ["r01", "r02"]
    assert pool.reviewer("r01").conflicts == ("CK-AAAA-BBBB-CCCC-DDDD",)


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (
            ('group = "cs"', 'group = "civil"'),
            "reviewers[0].group",
            "unknown stakeholder group 'civil'",
        ),
        (('country = "UY"', 'country = "Uruguay"'), "reviewers[0].country", "ISO 3166-1"),
        (('id = "r02"', 'id = "r01"'), "reviewers[1].id", "duplicate id 'r01'"),
        (
            ("conflict_organisations", "conflict_organisation"),
            "reviewers[1].conflict_organisation",
            "unknown key",
        ),
        (('email = "ana@example.org"', 'email = "ana"'), "reviewers[0].email", ""),
    ],
)
def test_a_bad_reviewers_file_is_a_located_error(
    change: tuple[str, str], path: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        loads_reviewers(REVIEWERS.replace(*change), loads_consultation(HEAD), file="reviewers.toml")
    mine = [p for p in caught.value.problems if p.path == path]
    assert mine, caught.value.problems
    assert message in str(mine[0].message) and mine[0].line is not None
    assert mine[0].file == "reviewers.toml"


def test_conflicts_are_declared_or_derived() -> None:
    pool = loads_reviewers(REVIEWERS, loads_consultation(HEAD))
    ana, bo = pool.reviewers
    own = Candidate(id="s1", reference="CK-1", email="ANA@example.org ")
    same_org = Candidate(id="s2", reference="CK-2", organisation="fundación  ejemplo")
    declared = Candidate(id="s3", reference="CK-AAAA-BBBB-CCCC-DDDD")
    uruguay = Candidate(id="s4", reference="CK-4", country="UY")
    ministry = Candidate(id="s5", reference="CK-5", organisation="Ministry of Examples")
    assert conflict(ana, own, same_country=False) == "authorship"
    assert conflict(ana, same_org, same_country=False) == "same organisation"
    assert conflict(ana, declared, same_country=False) == "declared conflict"
    assert conflict(ana, uruguay, same_country=False) is None
    assert conflict(ana, uruguay, same_country=True) == "same country"
    assert conflict(bo, ministry, same_country=False) == "declared conflict with the organisation"
    assert conflict(bo, uruguay, same_country=True) is None


def test_the_feed_of_review_rounds_holds_their_windows(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from consultkit.cli import cli

    config = tmp_path / "c.toml"
    config.write_text(HEAD + ROUNDS, encoding="utf-8")
    out = tmp_path / "reviews.ics"
    result = CliRunner().invoke(
        cli, ["calendar", str(config), "--only", "reviews", "--lang", "es", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    feed = out.read_text(encoding="utf-8")
    assert feed.count("BEGIN:VEVENT") == 2
    assert "SUMMARY:Evaluación" in feed and "Evaluación" in feed.split("CATEGORIES:")[1]
    assert "DTSTART;TZID=Europe/Zurich:20200211T090000" in feed
