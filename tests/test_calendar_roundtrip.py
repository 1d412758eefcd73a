"""Round trips: generated consultations through two parsers, and the feed through Radicale."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import attrs
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))

from consultkit.config.loader import load_consultation
from consultkit.domain.model import Consultation, ItemStatus, Phase
from consultkit.domain.schedule import diff, schedule_items
from consultkit.domain.text import Text
from consultkit.domain.windows import (
    AnyWindow,
    CutoffRule,
    DayWindow,
    Deadline,
    ExactWindow,
    LocalTimeError,
    Month,
    MonthWindow,
)
from consultkit.formats.exporter import ExportOptions
from consultkit.formats.ics import calendar_bytes, zone_transitions
from icalcheck import (
    expected_rows,
    lint,
    parse_with_ical,
    parse_with_vobject,
    radicale,
    rename_tzids,
    rows_equal,
)

EXAMPLE = Path(__file__).parents[1] / "examples" / "wsis2020" / "consultation.toml"
ZONES = ["Europe/Zurich", "America/New_York", "Australia/Sydney", "Asia/Tokyo", "UTC"]

texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40
).filter(lambda s: s.strip())


@st.composite
def windows(draw: st.DrawFn, zone: str) -> AnyWindow:
    day = draw(st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2026, 12, 31)))
    kind = draw(st.sampled_from(["exact", "fold", "days", "months", "deadline", "at-time"]))
    if kind == "fold":
        # An instant near a change of offset of that year: a fold time (either occurrence)
        # or the edge of a gap; zones without DST get an ordinary exact window.
        changes = zone_transitions(zone, day.year, day.year)
        if changes:
            instant = draw(st.sampled_from(changes))[0]
            shift = dt.timedelta(minutes=draw(st.integers(-150, 150)))
            start = pendulum.instance(instant + shift).in_timezone(zone)
            return ExactWindow(start=start, end=start.add(minutes=30), zone=zone)
        kind = "exact"
    if kind == "exact":
        hour = draw(st.integers(0, 22))
        minutes = draw(st.integers(15, 600))
        try:
            start = pendulum.instance(dt.datetime(day.year, day.month, day.day, hour), tz=zone)
        except LocalTimeError:  # pragma: no cover - pendulum shifts, never raises
            raise
        start = pendulum.instance(start.in_timezone("UTC")).in_timezone(zone)
        return ExactWindow(start=start, end=start.add(minutes=minutes), zone=zone)
    if kind == "days":
        length = draw(st.integers(0, 20))
        return DayWindow(first=day, last=day + dt.timedelta(days=length), zone=zone)
    if kind == "months":
        first = Month(day.year, day.month)
        last = first.next() if draw(st.booleans()) else first
        return MonthWindow(first=first, last=last, zone=zone)
    if kind == "deadline":
        rule = draw(st.sampled_from([CutoffRule.END_OF_DAY, CutoffRule.ANYWHERE_ON_EARTH]))
        return Deadline(day=day, zone=zone, rule=rule)
    # Times that exist on every day in these zones (DST gaps are at 00:00-03:00).
    time = draw(st.sampled_from([dt.time(12, 0), dt.time(17, 30), dt.time(23, 59)]))
    return Deadline(day=day, zone=zone, rule=CutoffRule.AT_TIME, time=time)


@st.composite
def consultations(draw: st.DrawFn) -> Consultation:
    zone = draw(st.sampled_from(ZONES))
    count = draw(st.integers(1, 8))
    phases = tuple(
        Phase(
            id=f"p{n}",
            ordinal=n + 1,
            title=Text({"en": draw(texts)}),
            window=draw(windows(zone)),
            status=draw(st.sampled_from(list(ItemStatus))),
        )
        for n in range(count)
    )
    return Consultation(
        id=draw(st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)),
        title=Text({"en": draw(texts)}),
        zone=zone,
        languages=("en",),
        phases=phases,
    )


@settings(max_examples=60)
@given(consultations(), st.integers(0, 5))
def test_generated_consultations_round_trip(c: Consultation, bumps: int) -> None:
    items = [attrs.evolve(i, sequence=bumps) for i in schedule_items(c)]
    data = calendar_bytes(c, items, ExportOptions())
    assert lint(data) == []
    want = expected_rows(items)
    assert rows_equal(parse_with_ical(data), want) == []
    assert rows_equal(parse_with_vobject(data), want) == []
    renamed = rename_tzids(data)
    assert rows_equal(parse_with_vobject(renamed), want) == []
    assert rows_equal(parse_with_ical(renamed), want) == []
    assert calendar_bytes(c, items, ExportOptions()) == data


@pytest.mark.slow
def test_radicale_round_trip_and_time_ranges(tmp_path: Path) -> None:
    c = load_consultation(EXAMPLE)
    _, _, items = diff(None, schedule_items(c), dt.datetime(2019, 6, 1, tzinfo=dt.UTC))
    data = calendar_bytes(c, items, ExportOptions(language="en"))
    with radicale(tmp_path / "collections") as server:
        path = server.make_calendar("wsis")
        # The whole feed PUT to the collection: a duplicate UID or a DATE/DATE-TIME mix is a 400.
        status, _, body = server.request(
            "PUT", path, data, {"Content-Type": "text/calendar; charset=utf-8"}
        )
        assert status == 201, body
        status, _, back = server.request("GET", path)
        assert status == 200
        assert rows_equal(parse_with_ical(back), expected_rows(items)) == []
        # Ask the server for each item's window, and for the moment after its end. All-day
        # (DATE) values are floating: CalDAV evaluates them in UTC (RFC 4791 §9.9).
        rows = expected_rows(items)
        for item in items:
            if item.window.kind == "unscheduled":  # the review rounds: no VEVENT without a date
                assert item.uid not in rows, item.ref
                continue
            row = rows[item.uid]
            if row.end is None:  # an instant (at-time cut-off): ends where it starts
                continue
            if len(row.start) == 10:
                earliest = dt.datetime.fromisoformat(row.start).replace(tzinfo=dt.UTC)
                latest = dt.datetime.fromisoformat(row.end).replace(tzinfo=dt.UTC)
            else:
                earliest, latest = item.window.earliest(), item.window.latest()
                assert earliest is not None and latest is not None
            inside = server.time_range(path, earliest, latest)
            assert item.uid in inside, item.ref
            last_minute = server.time_range(path, latest - dt.timedelta(minutes=1), latest)
            assert item.uid in last_minute, item.ref
            after = server.time_range(path, latest, latest + dt.timedelta(minutes=1))
            assert item.uid not in after, f"{item.ref}: the end must be exclusive"
