"""End-of-day deadlines when the next local midnight does not exist (issue 9, finding 1).

An ``end-of-day`` deadline accepts everything before the first instant of the next local
day. Where the clocks jump at midnight (America/Santiago, 11 September 2022) that instant
is the jump itself, and where a whole day is skipped (Pacific/Apia left out 30 December
2011) it is the first instant of the day after. The cut-off once took the offset after
the change, closing an hour (Apia: a day) early; the model, the refusal, the rendering,
the feed's description and the JSON timeline all read it from :meth:`Deadline.cutoff`.

The property test walks every transition of every place zone from 1970 to 2037 and
compares the cut-off of the days around it with an oracle that does not use PEP 495's
``fold`` at all.
"""

from __future__ import annotations

import bisect
import datetime as dt
import zoneinfo
from zoneinfo import _zoneinfo as pure_zoneinfo

import pytest

from consultkit.domain.model import Call, Consultation, StakeholderGroup
from consultkit.domain.schedule import schedule_items
from consultkit.domain.submission_rules import check_submission
from consultkit.domain.submissions import Draft, Submitter
from consultkit.domain.text import Text
from consultkit.domain.windows import DayWindow, Deadline, is_place_zone
from consultkit.errors import RuleRefusedError
from consultkit.formats.exporter import ExportOptions
from consultkit.formats.ics import calendar_bytes
from consultkit.formats.timeline_json import build_timeline

UTC = dt.UTC

# (zone, deadline day, first instant of the next local day in UTC)
SKIPPED_MIDNIGHTS = [
    # 00:00 -04 became 01:00 -03 on 11 September 2022.
    ("America/Santiago", dt.date(2022, 9, 10), dt.datetime(2022, 9, 11, 4, tzinfo=UTC)),
    # 30 December 2011 never happened: 29 Dec 23:59:59 -10 was followed by 31 Dec 00:00 +14.
    ("Pacific/Apia", dt.date(2011, 12, 29), dt.datetime(2011, 12, 30, 10, tzinfo=UTC)),
    ("America/Sao_Paulo", dt.date(2018, 11, 3), dt.datetime(2018, 11, 4, 3, tzinfo=UTC)),
    ("Africa/Cairo", dt.date(2024, 4, 25), dt.datetime(2024, 4, 25, 22, tzinfo=UTC)),
    ("Atlantic/Azores", dt.date(2020, 3, 28), dt.datetime(2020, 3, 29, 1, tzinfo=UTC)),
]
IDS = [zone for zone, _, _ in SKIPPED_MIDNIGHTS]


def _consultation(zone: str, day: dt.date) -> Consultation:
    return Consultation(
        id="midnight",
        title=Text.of(en="Midnight"),
        zone=zone,
        languages=("en",),
        groups=(StakeholderGroup(id="civil-society", name=Text.of(en="Civil society")),),
        calls=(
            Call(
                id="official",
                kind="submission",
                title=Text.of(en="Official submissions"),
                opens_at=dt.datetime(day.year - 1, 1, 1, tzinfo=UTC),
                deadline=Deadline(day=day, zone=zone),
            ),
        ),
    )


def _draft() -> Draft:
    return Draft(
        call_id="official",
        submitter=Submitter(name="Ana Pérez", email="ana@example.org", group="civil-society"),
        title="On time",
        body="Sent at 23:30 on the deadline day, local time.",
    )


@pytest.mark.parametrize(("zone", "day", "cutoff"), SKIPPED_MIDNIGHTS, ids=IDS)
def test_the_cutoff_is_the_first_instant_of_the_next_local_day(
    zone: str, day: dt.date, cutoff: dt.datetime
) -> None:
    deadline = Deadline(day=day, zone=zone)
    assert deadline.cutoff() == cutoff
    last = (cutoff - dt.timedelta(seconds=1)).astimezone(zoneinfo.ZoneInfo(zone))
    assert (last.date(), last.time()) == (day, dt.time(23, 59, 59))
    assert deadline.is_met_by(cutoff - dt.timedelta(seconds=1))
    assert not deadline.is_met_by(cutoff)
    # The day that follows starts at the same instant.
    after = DayWindow(first=day + dt.timedelta(days=1), last=day + dt.timedelta(days=1), zone=zone)
    assert DayWindow(first=day, last=day, zone=zone).latest() == cutoff
    if zone != "Pacific/Apia":  # 30 December 2011 has no instant at all in Apia
        assert after.earliest() == cutoff


@pytest.mark.parametrize(("zone", "day", "cutoff"), SKIPPED_MIDNIGHTS, ids=IDS)
def test_a_submission_at_half_past_eleven_local_is_accepted(
    zone: str, day: dt.date, cutoff: dt.datetime
) -> None:
    consultation = _consultation(zone, day)
    half_past = dt.datetime.combine(day, dt.time(23, 30), tzinfo=zoneinfo.ZoneInfo(zone))
    assert check_submission(consultation, _draft(), half_past).draft.title == "On time"
    with pytest.raises(RuleRefusedError) as info:
        check_submission(consultation, _draft(), cutoff)
    message = str(info.value)
    # The refusal names the real last moment: 23:59:59 on the deadline day.
    last_utc = cutoff - dt.timedelta(seconds=1)
    assert "last moment 23:59:59 " in message, message
    assert f"{last_utc:%H:%M:%S} UTC" in message, message
    day_before = f"{(day - dt.timedelta(days=1)):%B %Y}"
    assert f"{(day - dt.timedelta(days=1)).day} {day_before}" not in message, message


@pytest.mark.parametrize(("zone", "day", "cutoff"), SKIPPED_MIDNIGHTS, ids=IDS)
def test_rendering_feed_and_json_state_the_same_cutoff(
    zone: str, day: dt.date, cutoff: dt.datetime
) -> None:
    deadline = Deadline(day=day, zone=zone)
    last_utc = cutoff - dt.timedelta(seconds=1)
    text = deadline.render()
    assert "last moment 23:59:59 " in text, text
    assert f"{last_utc:%H:%M:%S} UTC" in text, text

    consultation = _consultation(zone, day)
    feed = calendar_bytes(
        consultation, schedule_items(consultation), ExportOptions(language="en")
    ).decode()
    unfolded = feed.replace("\r\n ", "")
    assert f"({cutoff:%Y-%m-%d %H:%M} UTC)" in unfolded

    timeline = build_timeline(consultation, at=cutoff - dt.timedelta(days=2))
    assert timeline["calls"][0]["deadline_utc"] == f"{cutoff:%Y-%m-%dT%H:%M:%SZ}"
    assert timeline["next_deadline"]["cutoff_utc"] == f"{cutoff:%Y-%m-%dT%H:%M:%SZ}"


# -- the property: every transition of every place zone, 1970-2037 ---------------------------

FIRST = dt.datetime(1970, 1, 1, tzinfo=UTC).timestamp()
LAST = dt.datetime(2038, 1, 1, tzinfo=UTC).timestamp()


def _transitions(zone: str) -> list[int]:
    """The UTC instants (seconds) at which ``zone`` changes offset, from the TZif file.

    zoneinfo has no public API for its transitions; the pure-Python implementation the
    standard library ships (and tests the C one against) keeps them in ``_trans_utc``.
    """
    data = pure_zoneinfo.ZoneInfo.no_cache(zone)
    return [t for t in data._trans_utc if FIRST <= t < LAST]


def _first_instant_of(next_day: dt.date, tz: zoneinfo.ZoneInfo, near: list[int]) -> float:
    """The first UTC instant whose local date is ``next_day`` or later, without ``fold``.

    Local time is ``u + offset(u)``, piecewise linear with jumps at the transitions, so the
    first ``u`` reaching midnight is either ``midnight - offset`` for an offset in force
    nearby, or a transition instant (where the clocks jump past midnight).
    """
    midnight = dt.datetime.combine(next_day, dt.time())
    wall = midnight.replace(tzinfo=UTC).timestamp()

    def local(ts: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(ts, tz).replace(tzinfo=None)

    def offset(ts: float) -> float:
        off = dt.datetime.fromtimestamp(ts, tz).utcoffset()
        assert off is not None
        return off.total_seconds()

    offsets = {offset(wall - 3 * 86400)} | {offset(t) for t in near}
    candidates = [wall - o for o in offsets] + [float(t) for t in near]
    return min(c for c in candidates if local(c) >= midnight)


def test_every_transition_of_every_zone_gives_the_first_instant_of_the_next_day() -> None:
    checked = 0
    wrong: list[str] = []
    for zone in sorted(z for z in zoneinfo.available_timezones() if is_place_zone(z)):
        tz = zoneinfo.ZoneInfo(zone)
        transitions = _transitions(zone)
        days: set[dt.date] = set()
        for instant in transitions:
            # The days whose end is nearest the change, seen from both sides of it: a jump
            # over midnight (23:30 -> 00:30), a fold back over it, a skipped day.
            for ts in (instant - 1, instant):
                days.add(dt.datetime.fromtimestamp(ts, tz).date() - dt.timedelta(days=1))
        for day in sorted(days):
            midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
            wall = midnight.replace(tzinfo=UTC).timestamp()
            near = transitions[
                bisect.bisect_left(transitions, wall - 3 * 86400) : bisect.bisect_right(
                    transitions, wall + 3 * 86400
                )
            ]
            want = _first_instant_of(day + dt.timedelta(days=1), tz, near)
            got = Deadline(day=day, zone=zone).cutoff().timestamp()
            checked += 1
            if got != want:
                wrong.append(
                    f"{zone} {day}: {dt.datetime.fromtimestamp(got, UTC):%Y-%m-%d %H:%M}Z,"
                    f" want {dt.datetime.fromtimestamp(want, UTC):%Y-%m-%d %H:%M}Z"
                )
    assert checked > 10_000  # every zone's transitions were found
    assert wrong == [], f"{len(wrong)} wrong, e.g. {wrong[:10]}"
