"""Time windows: containment, ordering, DST edges, data form and rendering registry."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consultkit.domain import rendering
from consultkit.domain.windows import (
    WINDOW_TYPES,
    AnyWindow,
    CutoffRule,
    DayWindow,
    Deadline,
    ExactWindow,
    LocalTimeError,
    Month,
    MonthWindow,
    Relation,
    Unscheduled,
    is_place_zone,
    localize,
    render_window,
    to_utc,
    window_from_data,
)

ZONES = [
    *sorted(
        z
        for z in zoneinfo.available_timezones()
        if is_place_zone(z) and z not in ("UTC", "Etc/UTC")
    )[::7],
    "UTC",
    "Europe/Zurich",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "America/St_Johns",
]

zones = st.sampled_from(ZONES)
instants = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 1, 1), timezones=st.just(dt.UTC)
)
days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2039, 12, 31))


@st.composite
def exact_windows(draw: st.DrawFn) -> ExactWindow:
    zone = draw(zones)
    start = draw(instants)
    length = draw(st.timedeltas(min_value=dt.timedelta(minutes=1), max_value=dt.timedelta(days=30)))
    return ExactWindow(
        start=to_utc(start).in_timezone(zone),
        end=to_utc(start + length).in_timezone(zone),
        zone=zone,
    )


@st.composite
def day_windows(draw: st.DrawFn) -> DayWindow:
    first = draw(days)
    return DayWindow(
        first=first, last=first + dt.timedelta(days=draw(st.integers(0, 60))), zone=draw(zones)
    )


@st.composite
def month_windows(draw: st.DrawFn) -> MonthWindow:
    first = Month(draw(st.integers(2000, 2038)), draw(st.integers(1, 12)))
    last = first
    for _ in range(draw(st.integers(0, 14))):
        last = last.next()
    return MonthWindow(first=first, last=last, zone=draw(zones))


@st.composite
def deadlines(draw: st.DrawFn) -> Deadline:
    rule = draw(st.sampled_from(list(CutoffRule)))
    zone = draw(zones)
    day = draw(days)
    time = None
    if rule is CutoffRule.AT_TIME:
        # Noon exists in every zone on every day: no DST rule moves it.
        time = dt.time(draw(st.integers(10, 14)), draw(st.sampled_from([0, 30])))
    return Deadline(day=day, zone=zone, rule=rule, time=time)


windows = st.one_of(exact_windows(), day_windows(), month_windows(), deadlines())


@settings(max_examples=150)
@given(windows, instants)
def test_relation_agrees_with_the_bounds(window: object, instant: dt.datetime) -> None:
    assert not isinstance(window, Unscheduled)
    earliest, latest = window.earliest(), window.latest()  # type: ignore[attr-defined]
    assert earliest <= latest
    assert earliest.utcoffset() == dt.timedelta(0)
    relation = window.relation(instant)  # type: ignore[attr-defined]
    at = to_utc(instant)
    if at < earliest:
        assert relation is Relation.UPCOMING
    elif at >= latest:
        assert relation is Relation.PAST
    elif isinstance(window, MonthWindow):
        assert relation is Relation.UNCERTAIN
    else:
        assert relation is Relation.CURRENT


@settings(max_examples=100)
@given(exact_windows(), zones)
def test_exact_windows_cover_the_same_instants_whatever_zone_reads_them(
    window: ExactWindow, reader: str
) -> None:
    moved = ExactWindow(
        start=window.start.in_timezone(reader), end=window.end.in_timezone(reader), zone=reader
    )
    assert moved.earliest() == window.earliest()
    assert moved.latest() == window.latest()
    assert reader in window.render(reader) or window.render(reader).count("UTC") >= 1


@settings(max_examples=100)
@given(day_windows())
def test_whole_days_start_at_local_midnight_and_cover_each_day(window: DayWindow) -> None:
    start = window.earliest().in_timezone(window.zone)
    assert start.date() == window.first
    end = window.latest().in_timezone(window.zone)
    assert end.date() == window.last + dt.timedelta(days=1)
    # About 24 hours per day; DST moves it by at most the size of a transition.
    hours = (window.latest() - window.earliest()).total_seconds() / 3600
    n_days = (window.last - window.first).days + 1
    assert abs(hours - 24 * n_days) <= 2 * n_days


@settings(max_examples=100)
@given(deadlines())
def test_the_last_second_is_on_time_and_the_cutoff_is_late(deadline: Deadline) -> None:
    cutoff = deadline.cutoff()
    assert deadline.is_met_by(cutoff - dt.timedelta(seconds=1))
    assert not deadline.is_met_by(cutoff)
    assert deadline.relation(cutoff) is Relation.PAST


@given(st.lists(windows, min_size=2, max_size=6))
def test_sorting_by_earliest_is_a_total_order(items: list[object]) -> None:
    from consultkit.domain.windows import sort_key

    ordered = sorted(items, key=sort_key)  # type: ignore[arg-type]
    starts = [w.earliest() for w in ordered]  # type: ignore[attr-defined]
    assert starts == sorted(starts)


def test_geneva_deadline_last_second() -> None:
    deadline = Deadline(day=dt.date(2020, 2, 3), zone="Europe/Zurich")
    assert deadline.cutoff() == pendulum.datetime(2020, 2, 3, 23, tz="UTC")
    assert deadline.is_met_by(pendulum.datetime(2020, 2, 3, 23, 59, 59, tz="Europe/Zurich"))
    assert not deadline.is_met_by(pendulum.datetime(2020, 2, 4, 0, 0, 0, tz="Europe/Zurich"))
    assert deadline.is_met_by(pendulum.datetime(2020, 2, 3, 22, 59, 59, tz="UTC"))


def test_anywhere_on_earth_ends_at_noon_utc_the_next_day() -> None:
    deadline = Deadline(
        day=dt.date(2020, 2, 3), zone="Europe/Zurich", rule=CutoffRule.ANYWHERE_ON_EARTH
    )
    assert deadline.cutoff() == pendulum.datetime(2020, 2, 4, 12, tz="UTC")
    assert deadline.is_met_by(pendulum.datetime(2020, 2, 4, 11, 59, 59, tz="UTC"))


def test_at_time_rule_uses_the_zone_of_the_day() -> None:
    deadline = Deadline(
        day=dt.date(2019, 6, 20), zone="Europe/Zurich", rule=CutoffRule.AT_TIME, time=dt.time(17)
    )
    assert deadline.cutoff() == pendulum.datetime(2019, 6, 20, 15, tz="UTC")
    with pytest.raises(ValueError, match="at-time"):
        Deadline(day=dt.date(2020, 2, 3), zone="UTC", time=dt.time(12))


def test_spring_gap_in_geneva_is_refused() -> None:
    with pytest.raises(LocalTimeError, match="does not exist"):
        localize(dt.datetime(2020, 3, 29, 2, 30), "Europe/Zurich")
    # The minutes around the gap exist.
    assert localize(dt.datetime(2020, 3, 29, 1, 59), "Europe/Zurich").utcoffset() == dt.timedelta(
        hours=1
    )
    assert localize(dt.datetime(2020, 3, 29, 3, 0), "Europe/Zurich").utcoffset() == dt.timedelta(
        hours=2
    )


def test_autumn_fold_in_geneva_needs_an_offset() -> None:
    wall = dt.datetime(2019, 10, 27, 2, 30)
    with pytest.raises(LocalTimeError, match="happens twice"):
        localize(wall, "Europe/Zurich")
    first = localize(wall, "Europe/Zurich", offset=dt.timedelta(hours=2))
    second = localize(wall, "Europe/Zurich", offset=dt.timedelta(hours=1))
    assert to_utc(first) == pendulum.datetime(2019, 10, 27, 0, 30, tz="UTC")
    assert to_utc(second) == pendulum.datetime(2019, 10, 27, 1, 30, tz="UTC")
    with pytest.raises(LocalTimeError, match="not used"):
        localize(wall, "Europe/Zurich", offset=dt.timedelta(hours=3))


def test_day_windows_across_a_dst_change_are_23_or_25_hours() -> None:
    spring = DayWindow(first=dt.date(2020, 3, 29), last=dt.date(2020, 3, 29), zone="Europe/Zurich")
    autumn = DayWindow(
        first=dt.date(2019, 10, 27), last=dt.date(2019, 10, 27), zone="Europe/Zurich"
    )
    assert spring.latest() - spring.earliest() == dt.timedelta(hours=23)
    assert autumn.latest() - autumn.earliest() == dt.timedelta(hours=25)


def test_a_day_whose_midnight_is_skipped_starts_when_the_clocks_jump() -> None:
    # Gaza went from 00:00 (+02:00) straight to 01:00 (+03:00) on 1 April 2006.
    window = DayWindow(first=dt.date(2006, 4, 1), last=dt.date(2006, 4, 1), zone="Asia/Gaza")
    assert window.earliest() == pendulum.datetime(2006, 3, 31, 22, tz="UTC")
    assert window.earliest().in_timezone("Asia/Gaza").hour == 1
    before = DayWindow(first=dt.date(2006, 3, 31), last=dt.date(2006, 3, 31), zone="Asia/Gaza")
    assert before.latest() == window.earliest()
    # São Paulo skipped midnight on 4 November 2018 too.
    spring = DayWindow(
        first=dt.date(2018, 11, 4), last=dt.date(2018, 11, 4), zone="America/Sao_Paulo"
    )
    assert spring.earliest() == pendulum.datetime(2018, 11, 4, 3, tz="UTC")


def test_month_windows_are_never_certain_and_claim_no_day() -> None:
    window = MonthWindow(first=Month(2020, 1), last=Month(2020, 2), zone="Europe/Zurich")
    assert window.earliest() == pendulum.datetime(2019, 12, 31, 23, tz="UTC")
    assert window.latest() == pendulum.datetime(2020, 2, 29, 23, tz="UTC")
    assert window.relation(pendulum.datetime(2020, 1, 15, tz="UTC")) is Relation.UNCERTAIN
    assert window.relation(pendulum.datetime(2019, 12, 1, tz="UTC")) is Relation.UPCOMING
    assert window.relation(pendulum.datetime(2020, 3, 1, tz="UTC")) is Relation.PAST


def test_unscheduled_windows_know_nothing() -> None:
    window = Unscheduled(zone="UTC")
    assert window.earliest() is None and window.latest() is None
    assert window.relation(pendulum.now("UTC")) is Relation.UNCERTAIN
    assert window.render() == "to be announced"


def test_windows_refuse_reversed_bounds_and_naive_instants() -> None:
    start = pendulum.datetime(2020, 1, 2, tz="UTC")
    with pytest.raises(ValueError, match="ends before"):
        ExactWindow(start=start, end=start, zone="UTC")
    with pytest.raises(ValueError, match="last day"):
        DayWindow(first=dt.date(2020, 1, 2), last=dt.date(2020, 1, 1), zone="UTC")
    with pytest.raises(ValueError, match="no time zone"):
        to_utc(dt.datetime(2020, 1, 1))
    with pytest.raises(ValueError, match="unknown time zone"):
        Unscheduled(zone="Europe/Geneva")


# -- the data form each kind owns, and the one rendering registry ---------------------------

any_windows = st.one_of(windows, st.builds(Unscheduled, zone=zones))


@settings(max_examples=200)
@given(any_windows)
def test_window_to_data_to_window_gives_the_same_window(window: AnyWindow) -> None:
    data = window.to_data()
    assert data["kind"] == window.kind and WINDOW_TYPES[data["kind"]] is type(window)
    # Plain JSON values: a snapshot stores them as they are.
    assert json.loads(json.dumps(data)) == data
    back = window_from_data(data)
    assert back == window
    assert back.to_data() == data
    assert (back.earliest(), back.latest()) == (window.earliest(), window.latest())
    if back.earliest() is not None:
        assert to_utc(back.earliest()) == to_utc(window.earliest())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"kind": "weekly", "zone": "UTC"},
        {"kind": "days", "first": "2020-01-01", "zone": "UTC"},
        {"kind": "days", "first": 20200101, "last": "2020-01-02", "zone": "UTC"},
        {"kind": "months", "first": "2020-13", "last": "2020-12", "zone": "UTC"},
        {"kind": "deadline", "day": "2020-02-03", "rule": "soon", "zone": "UTC"},
        {"kind": "exact", "start": "2020-01-01T10:00:00Z", "end": "2020-01-01T09:00:00Z"},
        {"kind": "unscheduled", "zone": "Mars/Olympus"},
    ],
)
def test_data_that_is_not_a_window_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        window_from_data(data)


@settings(max_examples=50)
@given(any_windows, st.sampled_from(["en", "fr", "es", "ru", "zh", "ar"]))
def test_every_kind_renders_through_the_one_registry(window: AnyWindow, language: str) -> None:
    text = window.render(None, language)
    assert text == render_window(window, window.zone, language)
    assert text == rendering.render(window, None, language)
    assert window.render("UTC", language) == render_window(window, "UTC", language)


def test_the_registry_names_a_kind_without_renderer() -> None:
    with pytest.raises(TypeError, match="no renderer is registered for str"):
        render_window("not a window", "UTC", "en")


def test_deadline_data_says_its_rule_and_time() -> None:
    deadline = Deadline(
        day=dt.date(2020, 2, 3), zone="Europe/Zurich", rule=CutoffRule.AT_TIME, time=dt.time(12)
    )
    assert deadline.to_data() == {
        "kind": "deadline",
        "day": "2020-02-03",
        "rule": "at-time",
        "time": "12:00:00",
        "zone": "Europe/Zurich",
    }
    assert deadline.describe() == "2020-02-03 12:00:00"
