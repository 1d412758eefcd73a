"""Queries at an instant and consistency warnings, on the example and on small cases."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import attrs
import pendulum
import pytest

from consultkit.config.loader import load_consultation, loads_consultation
from consultkit.domain.checks import check_consultation
from consultkit.domain.queries import (
    CallState,
    call_state,
    current_phase,
    next_deadline,
    next_phase,
    open_calls,
    phases_at,
)
from consultkit.domain.windows import Deadline

if TYPE_CHECKING:
    from consultkit.domain.model import Consultation


@pytest.fixture(scope="module")
def ocp() -> Consultation:
    return load_consultation("examples/wsis2020/consultation.toml")


def at(text: str) -> pendulum.DateTime:
    parsed = pendulum.parse(text)
    assert isinstance(parsed, pendulum.DateTime)
    return parsed


@pytest.mark.parametrize(
    ("instant", "current", "upcoming", "open_ids"),
    [
        ("2019-06-04T13:59:59Z", None, "phase-1", []),
        (
            "2019-06-04T14:00:00Z",
            "phase-1",
            "phase-2",
            ["official-submissions", "hlt-facilitator-nominations"],
        ),
        (
            "2019-06-20T15:30:00Z",
            "phase-2",
            "phase-3",
            ["official-submissions", "hlt-facilitator-nominations"],
        ),
        (
            "2019-11-26T12:00:00Z",
            "phase-3",
            "phase-4",
            ["official-submissions", "hlt-facilitator-nominations"],
        ),
        (
            "2020-01-15T12:00:00Z",
            None,
            "phase-5",
            ["official-submissions", "hlt-facilitator-nominations"],
        ),
        (
            "2020-02-03T22:59:59Z",
            None,
            "phase-5",
            ["official-submissions", "hlt-facilitator-nominations"],
        ),
        ("2020-02-03T23:00:00Z", None, "phase-6", ["hlt-facilitator-nominations"]),
        ("2020-04-10T00:00:00Z", None, None, ["hlt-facilitator-nominations"]),
    ],
)
def test_the_example_over_time(
    ocp: Consultation, instant: str, current: str | None, upcoming: str | None, open_ids: list[str]
) -> None:
    moment = at(instant)
    found = current_phase(ocp, moment)
    assert (found.id if found else None) == current
    following = next_phase(ocp, moment)
    assert (following.id if following else None) == upcoming
    assert [c.id for c in open_calls(ocp, moment)] == open_ids


def test_fuzzy_phase_four_is_only_possible(ocp: Consultation) -> None:
    moment = at("2020-01-15T12:00:00Z")
    assert [p.id for p in phases_at(ocp, moment)] == []
    assert [p.id for p in phases_at(ocp, moment, include_uncertain=True)] == ["phase-4"]


def test_next_deadline_groups_what_it_closes(ocp: Consultation) -> None:
    due = next_deadline(ocp, at("2019-07-01T00:00:00Z"))
    assert due is not None
    assert due.cutoff == pendulum.datetime(2020, 2, 3, 23, tz="UTC")
    assert due.items == ("call:official-submissions", "call:workshop-requests", "phase:phase-5")
    assert next_deadline(ocp, at("2020-02-03T23:00:00Z")) is None


def test_call_states(ocp: Consultation) -> None:
    before = at("2019-06-01T00:00:00Z")
    assert call_state(ocp, ocp.call("official-submissions"), before) is CallState.NOT_YET_OPEN
    assert call_state(ocp, ocp.call("workshop-requests"), before) is CallState.UNKNOWN
    after = at("2020-02-04T00:00:00Z")
    assert call_state(ocp, ocp.call("workshop-requests"), after) is CallState.CLOSED
    assert call_state(ocp, ocp.call("photo-contest"), after) is CallState.UNKNOWN


def test_the_example_warns_only_about_facts_the_letter_leaves_open(ocp: Consultation) -> None:
    found = [(w.code, w.path) for w in check_consultation(ocp)]
    assert found == [
        ("missing-opening", "calls[1]"),
        ("missing-deadline", "calls[2]"),
        ("missing-opening", "calls[3]"),
        ("missing-deadline", "calls[3]"),
    ]


BASE = """\
id = "c"
zone = "UTC"
languages = ["en", "fr"]
title = { en = "T", fr = "T" }

[[phases]]
id = "a"
ordinal = 1
title = { en = "A", fr = "A" }
window = { kind = "days", first = 2020-01-01, last = 2020-01-10 }

[[phases]]
id = "b"
ordinal = 2
title = { en = "B" }
window = { kind = "days", first = 2020-01-05, last = 2020-01-06 }

[[phases]]
id = "c"
ordinal = 3
title = { en = "C", fr = "C" }
window = { kind = "unscheduled" }

[[calls]]
id = "k"
kind = "contribution"
title = { en = "K", fr = "K" }
opens_at = 2020-01-08T00:00:00
deadline = { day = 2020-01-02 }

[[calls]]
id = "late"
kind = "contribution"
title = { en = "L", fr = "L" }
opens_with = "a"
deadline = { day = 2021-01-02 }
"""


def test_each_check_fires_with_a_path() -> None:
    consultation = loads_consultation(BASE)
    found = {(w.code, w.path) for w in check_consultation(consultation)}
    assert found == {
        ("phase-overlap", "phases[1].window"),
        ("missing-date", "phases[2].window"),
        ("never-open", "calls[0].deadline"),
        ("deadline-outside", "calls[1].deadline"),
        ("missing-translation", "phases[1].title"),
    }


def test_out_of_order_phases_are_reported() -> None:
    consultation = loads_consultation(BASE)
    a, b, c = consultation.phases
    swapped = attrs.evolve(
        consultation, phases=(attrs.evolve(a, ordinal=2), attrs.evolve(b, ordinal=1), c)
    )
    codes = [w.code for w in check_consultation(swapped)]
    assert "phase-order" in codes


def test_a_deadline_during_a_related_event_is_inside_the_consultation(
    ocp: Consultation,
) -> None:
    def outside(day: str) -> list[str]:
        contest = attrs.evolve(
            ocp.call("photo-contest"),
            deadline=Deadline(day=dt.date.fromisoformat(day), zone=ocp.zone),
        )
        calls = tuple(contest if k.id == "photo-contest" else k for k in ocp.calls)
        found = check_consultation(attrs.evolve(ocp, calls=calls))
        return [w.path for w in found if w.code == "deadline-outside"]

    # The Forum (30 March-3 April 2020) comes after the last phase but is part of it all.
    assert outside("2020-04-02") == []
    assert outside("2020-05-02") == ["calls[3].deadline"]
    assert outside("2019-01-15") == ["calls[3].deadline"]


def test_a_deadline_is_checked_against_events_when_there_are_no_phases() -> None:
    consultation = loads_consultation(
        'id = "c"\nzone = "UTC"\nlanguages = ["en"]\ntitle = { en = "T" }\n'
        '[[events]]\nid = "e"\ntitle = { en = "E" }\n'
        'window = { kind = "days", first = 2020-01-01, last = 2020-01-02 }\n'
        '[[calls]]\nid = "k"\nkind = "x"\ntitle = { en = "K" }\n'
        "opens_at = 2019-12-01T00:00:00\ndeadline = { day = 2021-01-02 }\n"
    )
    codes = [(w.code, w.path) for w in check_consultation(consultation)]
    assert codes == [("deadline-outside", "calls[0].deadline")]


def test_unknown_groups_and_phases_in_a_model_built_in_code_are_warnings(
    ocp: Consultation,
) -> None:
    phase = attrs.evolve(ocp.phases[1], groups=("civil-society", "civil-societ"))
    call = attrs.evolve(ocp.calls[0], groups=("goverments",), opens_with="phase-9")
    changed = attrs.evolve(
        ocp,
        phases=(ocp.phases[0], phase, *ocp.phases[2:]),
        calls=(call, *ocp.calls[1:]),
    )
    found = [(w.code, w.path) for w in check_consultation(changed)]  # and no crash
    assert found[:3] == [
        ("unknown-group", "phases[1].groups[1]"),
        ("unknown-group", "calls[0].groups[0]"),
        ("unknown-phase", "calls[0].opens_with"),
    ]
    assert "civil-society" in str(check_consultation(changed)[0])
