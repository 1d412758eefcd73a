"""What other calendar software makes of the feed (issue 9, findings 2, 3 and 12).

- Bridges that honour ``X-WR-TIMEZONE`` (``x_wr_timezone``, ``recurring_ical_events``)
  rewrite UTC values as wall-clock times of that zone; a fold time written in UTC then
  lands on the wrong occurrence. The feed leaves ``X-WR-TIMEZONE`` out whenever a value is
  written in UTC for that reason.
- A cancelled item does not block anyone's time (``TRANSP:TRANSPARENT``): clients that
  ignore STATUS would otherwise show it as busy.
- A per-transition VTIMEZONE covers the whole documented range (from 1 January of the
  first covered year), so a parser never reads an instant before its first listed change
  as UTC+0.
- Script URLs from a consultation built in code never reach the feed (the loader refuses
  them from files; see ``tests/test_config_links.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import zoneinfo
from pathlib import Path

import pendulum
import pytest
import recurring_ical_events
import x_wr_timezone
from icalendar import Calendar

sys.path.insert(0, str(Path(__file__).parent))

from consultkit.domain.model import Consultation, ItemStatus, Phase, Place, RelatedEvent
from consultkit.domain.schedule import schedule_items
from consultkit.domain.text import Text
from consultkit.domain.windows import DayWindow, ExactWindow
from consultkit.formats.exporter import ExportOptions
from consultkit.formats.ics import calendar_bytes, vtimezone, zone_transitions
from consultkit.formats.timeline_json import build_timeline
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

UTC = dt.UTC


def _feed(c: Consultation) -> bytes:
    return calendar_bytes(c, schedule_items(c), ExportOptions(language="en"))


def _utc(value: dt.date) -> dt.datetime:
    assert isinstance(value, dt.datetime) and value.tzinfo is not None
    return value.astimezone(UTC)


# -- finding 2: X-WR-TIMEZONE beside UTC values ----------------------------------------------

# Zones whose clocks go back: Zurich (1 h), Lord Howe (30 min), Casablanca (Ramadan, 1 h),
# Santiago (at midnight, 1 h).
FOLD_ZONES = [
    ("Europe/Zurich", 2019),
    ("Australia/Lord_Howe", 2019),
    ("Africa/Casablanca", 2023),
    ("America/Santiago", 2023),
]


def _fold_consultation(zone: str, year: int) -> tuple[Consultation, dt.datetime, dt.datetime]:
    """A consultation with one hour-long phase starting in the second occurrence of a fold."""
    (back,) = [t for t in zone_transitions(zone, year, year) if t[2] < t[1]]
    start = back[0] + dt.timedelta(minutes=10)  # 10 minutes into the repeated wall-clock time
    end = start + dt.timedelta(hours=1)
    local = pendulum.instance(start).in_timezone(zone)
    phase = Phase(
        id="fold",
        ordinal=1,
        title=Text.of(en="In the fold"),
        window=ExactWindow(start=local, end=pendulum.instance(end).in_timezone(zone), zone=zone),
    )
    c = Consultation(
        id="fold", title=Text.of(en="Fold"), zone=zone, languages=("en",), phases=(phase,)
    )
    return c, start, end


@pytest.mark.parametrize(("zone", "year"), FOLD_ZONES, ids=[z for z, _ in FOLD_ZONES])
def test_no_x_wr_timezone_beside_fold_times_written_in_utc(zone: str, year: int) -> None:
    c, start, end = _fold_consultation(zone, year)
    data = _feed(c)
    uid = schedule_items(c)[0].uid
    assert split_props(data, uid)["DTSTART"][0].endswith("Z")  # the fold time is in UTC
    assert not any(line.startswith("X-WR-TIMEZONE") for line in unfold(data))

    # Bridges that honour X-WR-TIMEZONE now leave the instants alone.
    standard = x_wr_timezone.to_standard(Calendar.from_ical(data))
    (event,) = standard.walk("VEVENT")
    assert (_utc(event.start), _utc(event.end)) == (start, end)
    (occurrence,) = recurring_ical_events.of(Calendar.from_ical(data)).between(
        start - dt.timedelta(days=1), end + dt.timedelta(days=1)
    )
    assert (_utc(occurrence.start), _utc(occurrence.end)) == (start, end)
    assert lint(data) == []
    want = expected_rows(schedule_items(c))
    assert rows_equal(parse_with_ical(data), want) == []
    assert rows_equal(parse_with_vobject(data), want) == []


def test_x_wr_timezone_stays_when_every_value_has_the_zone() -> None:
    start = pendulum.datetime(2019, 6, 4, 16, tz="Europe/Zurich")
    phase = Phase(
        id="p",
        ordinal=1,
        title=Text.of(en="P"),
        window=ExactWindow(start=start, end=start.add(hours=1), zone="Europe/Zurich"),
    )
    c = Consultation(
        id="c", title=Text.of(en="C"), zone="Europe/Zurich", languages=("en",), phases=(phase,)
    )
    data = _feed(c)
    assert "X-WR-TIMEZONE:Europe/Zurich" in unfold(data)
    (event,) = x_wr_timezone.to_standard(Calendar.from_ical(data)).walk("VEVENT")
    assert _utc(event.start) == start.in_timezone("UTC")


# -- finding 3: cancelled items and the range a per-transition VTIMEZONE covers ----------------


def test_a_cancelled_item_does_not_block_time() -> None:
    zone = "Europe/Zurich"
    start = pendulum.datetime(2019, 6, 4, 16, tz=zone)
    phases = (
        Phase(
            id="briefing",
            ordinal=1,
            title=Text.of(en="Briefing"),
            status=ItemStatus.CANCELLED,
            window=ExactWindow(start=start, end=start.add(hours=1), zone=zone),
        ),
        Phase(
            id="meeting",
            ordinal=2,
            title=Text.of(en="Meeting"),
            status=ItemStatus.CANCELLED,
            window=DayWindow(first=dt.date(2019, 11, 25), last=dt.date(2019, 11, 26), zone=zone),
        ),
        Phase(
            id="kept",
            ordinal=3,
            title=Text.of(en="Kept"),
            window=DayWindow(first=dt.date(2019, 11, 27), last=dt.date(2019, 11, 27), zone=zone),
        ),
    )
    c = Consultation(id="c", title=Text.of(en="C"), zone=zone, languages=("en",), phases=phases)
    data = _feed(c)
    uids = {i.ref: i.uid for i in schedule_items(c)}
    assert split_props(data, uids["phase:briefing"])["TRANSP"] == ["TRANSP:TRANSPARENT"]
    assert split_props(data, uids["phase:meeting"])["TRANSP"] == ["TRANSP:TRANSPARENT"]
    assert split_props(data, uids["phase:kept"])["TRANSP"] == ["TRANSP:OPAQUE"]
    want = expected_rows(schedule_items(c))
    assert rows_equal(parse_with_ical(data), want) == []
    assert rows_equal(parse_with_vobject(data), want) == []


# Zones whose offsets follow no weekday rule in these years: the per-transition VTIMEZONE.
IRREGULAR = [
    ("America/Santiago", 2021, 2023),
    ("Pacific/Apia", 2010, 2012),
    ("Africa/Casablanca", 2021, 2023),
    ("America/Sao_Paulo", 2017, 2019),
]


@pytest.mark.parametrize(("zone", "first", "last"), IRREGULAR, ids=[z for z, _, _ in IRREGULAR])
def test_a_per_transition_vtimezone_covers_its_whole_range(
    zone: str, first: int, last: int
) -> None:
    component = vtimezone(zone, first, last)
    assert b"RRULE" not in component.to_ical()  # the per-transition form
    tz = zoneinfo.ZoneInfo(zone)
    # Noon on the 15th of every month of the range, and the first hour of the range.
    walls = [dt.datetime(first, 1, 1, 1)] + [
        dt.datetime(year, month, 15, 12)
        for year in range(first, last + 1)
        for month in range(1, 13)
    ]
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:e{n}\r\nDTSTAMP:20200101T000000Z\r\n"
        f"DTSTART;TZID={zone}:{wall:%Y%m%dT%H%M%S}\r\nEND:VEVENT\r\n"
        for n, wall in enumerate(walls)
    )
    data = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        + component.to_ical().decode()
        + events
        + "END:VCALENDAR\r\n"
    ).encode()
    renamed = rename_tzids(data)  # the parsers must use the VTIMEZONE's own rules
    want = {
        f"e{n}": wall.replace(tzinfo=tz).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for n, wall in enumerate(walls)
    }
    for parse in (parse_with_ical, parse_with_vobject):
        got = {uid: row.start for uid, row in parse(renamed).items()}
        wrong = {uid: (got[uid], want[uid]) for uid in want if got[uid] != want[uid]}
        assert wrong == {}, f"{parse.__name__}: {len(wrong)} wrong, e.g. {list(wrong.items())[:3]}"


# -- finding 12: script URLs at the feed boundary ---------------------------------------------

SCRIPT = "javascript:alert(document.cookie)"


def test_script_urls_never_reach_the_feed() -> None:
    zone = "Europe/Zurich"
    start = pendulum.datetime(2019, 6, 4, 16, tz=zone)
    online = Place(online_url="JaVaScRiPt:alert(1)")
    hybrid = Place(venue=Text.of(en="CICG"), online_url="data:text/html,<script>x</script>")
    c = Consultation(
        id="c",
        title=Text.of(en="C"),
        zone=zone,
        languages=("en",),
        website=SCRIPT,
        phases=(
            Phase(
                id="online",
                ordinal=1,
                title=Text.of(en="Online"),
                place=online,
                window=ExactWindow(start=start, end=start.add(hours=1), zone=zone),
            ),
            Phase(
                id="hybrid",
                ordinal=2,
                title=Text.of(en="Hybrid"),
                place=hybrid,
                window=ExactWindow(
                    start=start.add(days=1), end=start.add(days=1, hours=1), zone=zone
                ),
            ),
        ),
        events=(
            RelatedEvent(
                id="forum",
                title=Text.of(en="Forum"),
                url=" javascript:alert(2)",
                window=DayWindow(first=dt.date(2020, 3, 30), last=dt.date(2020, 4, 3), zone=zone),
            ),
        ),
    )
    options = ExportOptions(language="en", feed_url="vbscript:msgbox(1)")
    data = calendar_bytes(c, schedule_items(c), options)
    text = b"".join(line.encode() for line in unfold(data)).lower()
    for scheme in (b"javascript", b"data:", b"vbscript"):
        assert scheme not in text
    lines = unfold(data)
    assert not any(line.startswith(("CONFERENCE", "SOURCE")) for line in lines)
    uids = {i.ref: i.uid for i in schedule_items(c)}
    assert "LOCATION" not in split_props(data, uids["phase:online"])
    assert split_props(data, uids["phase:hybrid"])["LOCATION"] == ["LOCATION:CICG"]
    assert "URL" not in split_props(data, uids["event:forum"])
    assert lint(data) == []


def test_script_urls_never_reach_the_json_timeline() -> None:
    zone = "Europe/Zurich"
    c = Consultation(
        id="c",
        title=Text.of(en="C"),
        zone=zone,
        languages=("en",),
        phases=(
            Phase(
                id="online",
                ordinal=1,
                title=Text.of(en="Online"),
                place=Place(online_url="javascript:alert(1)"),
                window=DayWindow(first=dt.date(2020, 1, 10), last=dt.date(2020, 1, 10), zone=zone),
            ),
        ),
    )
    timeline = build_timeline(c, at=dt.datetime(2020, 1, 1, tzinfo=UTC))
    assert timeline["items"][0]["place"]["online_url"] is None
    assert "javascript" not in json.dumps(timeline)
