"""Times around DST transitions: fold times (they happen twice) and gaps (they never do).

An ambiguous wall-clock time with ``TZID`` means its first occurrence (RFC 5545 §3.3.5),
and clients disagree anyway, so the feed writes every time in a fold in UTC. Checked with
the independent parsers of ``icalcheck``, with the real TZIDs and with renamed ones (the
VTIMEZONE rules alone).
"""

from __future__ import annotations

import datetime as dt
import sys
import zoneinfo
from pathlib import Path

import pendulum
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from consultkit.config.loader import ConfigError, load_consultation
from consultkit.domain.model import Consultation, Phase
from consultkit.domain.schedule import schedule_items
from consultkit.domain.text import Text
from consultkit.domain.windows import ExactWindow
from consultkit.formats.exporter import ExportOptions
from consultkit.formats.ics import calendar_bytes, in_fold, zone_transitions
from icalcheck import (
    expected_rows,
    lint,
    parse_with_ical,
    parse_with_vobject,
    rename_tzids,
    rows_equal,
    split_props,
    unfold,
)

AMBIGUOUS = """\
id = "amb"
zone = "Europe/Zurich"
languages = ["en"]
title = { en = "t" }
[[phases]]
id = "second"
ordinal = 1
title = { en = "second 02:30" }
window = { kind = "exact", start = 2019-10-27T02:30:00+01:00, end = 2019-10-27T04:00:00 }
[[phases]]
id = "first"
ordinal = 2
title = { en = "first 02:30" }
window = { kind = "exact", start = 2019-10-27T02:30:00+02:00, end = 2019-10-27T02:45:00+02:00 }
[[phases]]
id = "around"
ordinal = 3
title = { en = "just before and just after the fold" }
window = { kind = "exact", start = 2019-10-27T01:59:00, end = 2019-10-27T03:00:00 }
"""


def _feed(c: Consultation) -> bytes:
    return calendar_bytes(c, schedule_items(c), ExportOptions(language="en"))


def _all_parsers_agree(c: Consultation, data: bytes) -> None:
    assert lint(data) == []
    want = expected_rows(schedule_items(c))
    renamed = rename_tzids(data)
    assert rows_equal(parse_with_ical(data), want) == []
    assert rows_equal(parse_with_vobject(data), want) == []
    assert rows_equal(parse_with_ical(renamed), want) == []
    assert rows_equal(parse_with_vobject(renamed), want) == []


def _uid(c: Consultation, ref: str) -> str:
    return next(i.uid for i in schedule_items(c) if i.ref == ref)


def test_both_occurrences_of_a_fold_time_are_written_in_utc(tmp_path: Path) -> None:
    config = tmp_path / "amb.toml"
    config.write_text(AMBIGUOUS, encoding="utf-8")
    c = load_consultation(config)
    data = _feed(c)
    second = split_props(data, _uid(c, "phase:second"))
    # 02:30+01:00 is the second 02:30: 01:30Z, not the 00:30Z a TZID value would mean.
    assert second["DTSTART"] == ["DTSTART:20191027T013000Z"]
    assert second["DTEND"] == ["DTEND;TZID=Europe/Zurich:20191027T040000"]
    first = split_props(data, _uid(c, "phase:first"))
    assert first["DTSTART"] == ["DTSTART:20191027T003000Z"]
    assert first["DTEND"] == ["DTEND:20191027T004500Z"]
    around = split_props(data, _uid(c, "phase:around"))
    assert around["DTSTART"] == ["DTSTART;TZID=Europe/Zurich:20191027T015900"]
    assert around["DTEND"] == ["DTEND;TZID=Europe/Zurich:20191027T030000"]
    _all_parsers_agree(c, data)


FALL_BACK_ZONES = [
    "Europe/Zurich",
    "America/New_York",
    "Australia/Sydney",  # falls back in April
    "Australia/Lord_Howe",  # a 30-minute fold
    "Europe/Dublin",  # "negative" DST in tzdata: the fold is in October all the same
    "America/Sao_Paulo",  # irregular: the per-transition VTIMEZONE
]


@pytest.mark.parametrize("zone", FALL_BACK_ZONES)
def test_every_minute_around_each_transition_survives_every_parser(zone: str) -> None:
    year = 2018 if zone == "America/Sao_Paulo" else 2019
    transitions = zone_transitions(zone, year, year)
    assert len(transitions) == 2
    phases = []
    for instant, _, _, _ in transitions:
        # UTC instants every 10 minutes from 2 h before to 2 h after the transition:
        # both occurrences of every fold time, the edges of every gap.
        for step in range(-12, 13):
            start = pendulum.instance(instant + dt.timedelta(minutes=10 * step)).in_timezone(zone)
            n = len(phases)
            phases.append(
                Phase(
                    id=f"p{n}",
                    ordinal=n + 1,
                    title=Text({"en": f"P{n}"}),
                    window=ExactWindow(start=start, end=start.add(minutes=25), zone=zone),
                )
            )
    c = Consultation(
        id="dst", title=Text({"en": "DST"}), zone=zone, languages=("en",), phases=tuple(phases)
    )
    data = _feed(c)
    _all_parsers_agree(c, data)
    tz = zoneinfo.ZoneInfo(zone)
    in_utc = 0
    for line in unfold(data):
        if not line.startswith(("DTSTART", "DTEND")) or line.startswith("DTSTART:1"):
            continue
        head, value = line.split(":", 1)
        if head in ("DTSTART", "DTEND") and value.endswith("Z"):
            in_utc += 1
            local = dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
            assert in_fold(local.astimezone(tz)), line  # UTC only where TZID is ambiguous
        elif ";TZID=" in head and "VALUE" not in head:
            wall = dt.datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=tz)
            assert not in_fold(wall), f"{line} is ambiguous"
    assert in_utc > 0


def test_fold_and_gap_times_need_an_offset_or_are_refused(tmp_path: Path) -> None:
    def load(start: str) -> Consultation:
        config = tmp_path / "c.toml"
        config.write_text(
            AMBIGUOUS.split("[[phases]]")[0]
            + "[[phases]]\nid = 'p'\nordinal = 1\ntitle = { en = 'p' }\n"
            + f"window = {{ kind = 'exact', start = {start}, end = 2019-10-27T05:00:00 }}\n",
            encoding="utf-8",
        )
        return load_consultation(config)

    with pytest.raises(ConfigError) as gap:
        load("2019-03-31T02:30:00")  # skipped by the spring change
    assert "does not exist" in str(gap.value.problems)
    with pytest.raises(ConfigError) as fold:
        load("2019-10-27T02:30:00")  # happens twice: which one?
    assert "happens twice" in str(fold.value.problems)
    with pytest.raises(ConfigError):
        load("2019-10-27T02:30:00+03:00")  # an offset the zone does not use then
    assert load("2019-10-27T02:30:00+01:00").phases[0].window.earliest() == pendulum.datetime(
        2019, 10, 27, 1, 30, tz="UTC"
    )


def test_zone_utc_has_z_values_and_no_vtimezone() -> None:
    start = pendulum.datetime(2020, 6, 1, 10, tz="UTC")
    c = Consultation(
        id="u",
        title=Text({"en": "U"}),
        zone="UTC",
        languages=("en",),
        phases=(
            Phase(
                id="p",
                ordinal=1,
                title=Text({"en": "P"}),
                window=ExactWindow(start=start, end=start.add(hours=1), zone="UTC"),
            ),
        ),
    )
    data = _feed(c)
    assert b"VTIMEZONE" not in data and b"TZID" not in data
    props = split_props(data, _uid(c, "phase:p"))
    assert props["DTSTART"] == ["DTSTART:20200601T100000Z"]
    assert props["DTEND"] == ["DTEND:20200601T110000Z"]
    assert b"X-WR-TIMEZONE:UTC" in data
    _all_parsers_agree(c, data)
