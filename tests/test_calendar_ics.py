"""The iCalendar feed, checked without icalendar: raw lint, two other parsers, the model."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import attrs
import pendulum
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from consultkit.app.publishing import export_calendar
from consultkit.config.loader import load_consultation
from consultkit.domain.model import Consultation, ItemStatus, Phase, Place
from consultkit.domain.schedule import ScheduleItem, schedule_items
from consultkit.domain.text import Text
from consultkit.domain.windows import (
    CutoffRule,
    DayWindow,
    Deadline,
    ExactWindow,
    Month,
    MonthWindow,
)
from consultkit.formats.exporter import ExportOptions
from consultkit.formats.ics import calendar_bytes, clean_text, vtimezone, yearly_rules
from consultkit.hookspecs import hookimpl
from consultkit.pluginhost.host import PluginHost
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

EXAMPLE = Path(__file__).parents[1] / "examples" / "wsis2020" / "consultation.toml"


@pytest.fixture(scope="module")
def wsis() -> Consultation:
    return load_consultation(EXAMPLE)


def feed(c: Consultation, language: str = "en", **kw: object) -> bytes:
    options = ExportOptions(language=language, **kw)  # type: ignore[arg-type]
    items = schedule_items(c, only=options.only, group=options.group)
    return calendar_bytes(c, items, options)


def uid_of(c: Consultation, ref: str) -> str:
    return next(i.uid for i in schedule_items(c) if i.ref == ref)


@pytest.mark.parametrize("language", ["en", "es"])
def test_feed_is_clean_and_matches_the_model_in_two_other_parsers(
    wsis: Consultation, language: str
) -> None:
    data = feed(wsis, language)
    assert lint(data) == []
    want = expected_rows(schedule_items(wsis))
    assert len(want) == 7
    assert rows_equal(parse_with_ical(data), want) == []
    assert rows_equal(parse_with_vobject(data), want) == []


def test_vtimezone_rules_alone_give_the_same_instants(wsis: Consultation) -> None:
    renamed = rename_tzids(feed(wsis))
    assert b"TZID=Europe/Zurich" not in renamed and b"TZID:Europe/Zurich" not in renamed
    assert b"TZID:X-CK-Europe-Zurich" in renamed
    assert lint(renamed, iana_only=False) == []
    want = expected_rows(schedule_items(wsis))
    assert rows_equal(parse_with_ical(renamed), want) == []
    assert rows_equal(parse_with_vobject(renamed), want) == []


def test_same_data_gives_byte_identical_output(wsis: Consultation) -> None:
    assert feed(wsis) == feed(wsis)
    assert feed(wsis, "es") == feed(wsis, "es")
    assert feed(wsis) != feed(wsis, "es")


def test_calendar_properties(wsis: Consultation) -> None:
    lines = unfold(feed(wsis, feed_url="https://example.org/wsis.ics"))
    assert "METHOD:PUBLISH" in lines
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT12H" in lines
    assert "X-PUBLISHED-TTL:PT12H" in lines
    assert "X-WR-TIMEZONE:Europe/Zurich" in lines
    assert "URL:https://www.wsis.org/forum" in lines
    assert "SOURCE:https://example.org/wsis.ics" in lines
    names = [line for line in lines if line.startswith(("NAME:", "X-WR-CALNAME:"))]
    assert len(names) == 2 and names[0].split(":", 1)[1] == names[1].split(":", 1)[1]
    assert any(line.startswith("DESCRIPTION:") and "to be confirmed" in line for line in lines)
    # One VTIMEZONE in RRULE form, with both observances and no RDATE list (Outlook).
    assert lines.count("BEGIN:VTIMEZONE") == 1
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in lines
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in lines
    assert not any(line.startswith("RDATE") for line in lines)


def test_exact_window_with_tzid_and_conference(wsis: Consultation) -> None:
    props = split_props(feed(wsis), uid_of(wsis, "phase:phase-1"))
    assert props["DTSTART"] == ["DTSTART;TZID=Europe/Zurich:20190604T160000"]
    assert props["DTEND"] == ["DTEND;TZID=Europe/Zurich:20190604T170000"]
    (conference,) = props["CONFERENCE"]
    assert "FEATURE=AUDIO,VIDEO" in conference
    assert conference.endswith(":https://connect.itu.int/itu-spm-roomg2/")
    assert props["URL"] == ["URL:https://connect.itu.int/itu-spm-roomg2/"]
    assert "https://connect.itu.int/itu-spm-roomg2/" in props["DESCRIPTION"][0]
    assert props["ORGANIZER"] == ['ORGANIZER;CN="Gitanjali Sah":mailto:wsis-info@itu.int']
    assert props["DTSTAMP"] == ["DTSTAMP:20190531T000000Z"]  # the letter's date, not "now"


def test_tentative_days_have_exclusive_end_and_say_so(wsis: Consultation) -> None:
    props = split_props(feed(wsis), uid_of(wsis, "phase:phase-3"))
    assert props["DTSTART"] == ["DTSTART;VALUE=DATE:20191125"]
    assert props["DTEND"] == ["DTEND;VALUE=DATE:20191130"]
    assert props["STATUS"] == ["STATUS:TENTATIVE"]
    assert props["SUMMARY"][0].endswith("(to be confirmed)")
    es = split_props(feed(wsis, "es"), uid_of(wsis, "phase:phase-3"))
    assert es["SUMMARY"][0].startswith("SUMMARY:Segunda reunión presencial")
    assert es["SUMMARY"][0].endswith("(por confirmar)")


def test_month_window_never_invents_a_day(wsis: Consultation) -> None:
    props = split_props(feed(wsis), uid_of(wsis, "phase:phase-4"))
    assert props["DTSTART"] == ["DTSTART;VALUE=DATE:20200101"]
    assert props["DTEND"] == ["DTEND;VALUE=DATE:20200301"]
    assert props["TRANSP"] == ["TRANSP:TRANSPARENT"]
    assert props["STATUS"] == ["STATUS:TENTATIVE"]
    assert props["X-CONSULTKIT-DATE-PRECISION"] == ["X-CONSULTKIT-DATE-PRECISION:MONTH"]
    assert props["X-CONSULTKIT-EDTF"] == ["X-CONSULTKIT-EDTF:2020-01/2020-02"]
    assert "date to be announced (Jan/Feb 2020)" in props["SUMMARY"][0]


def test_deadline_is_transparent_with_rule_and_alarms(wsis: Consultation) -> None:
    data = feed(wsis)
    props = split_props(data, uid_of(wsis, "phase:phase-5"))
    assert props["DTSTART"] == ["DTSTART;VALUE=DATE:20200203"]
    assert props["DTEND"] == ["DTEND;VALUE=DATE:20200204"]
    assert props["TRANSP"] == ["TRANSP:TRANSPARENT"]
    assert props["TRIGGER"] == ["TRIGGER:-P7D", "TRIGGER:-P1D"]
    assert props["ACTION"] == ["ACTION:DISPLAY", "ACTION:DISPLAY"]
    description = props["DESCRIPTION"][0]
    assert "2020-02-04 00:00 Europe/Zurich (2020-02-03 23:00 UTC)" in description
    assert "Binding requests for workshops" in description
    # Phase V is the deadline: the calls closing with it get no entries of their own.
    assert data.count(b"BEGIN:VEVENT") == 7


def test_timed_cutoff_is_an_instant() -> None:
    c = _tiny(
        Deadline(
            day=dt.date(2021, 3, 1),
            zone="America/New_York",
            rule=CutoffRule.AT_TIME,
            time=dt.time(17, 0),
        )
    )
    data = feed(c)
    assert lint(data) == []
    props = split_props(data, schedule_items(c)[0].uid)
    assert props["DTSTART"] == ["DTSTART;TZID=America/New_York:20210301T170000"]
    assert "DTEND" not in props
    assert rows_equal(parse_with_ical(data), expected_rows(schedule_items(c))) == []


def test_hostile_text_stays_one_escaped_property(wsis: Consultation) -> None:
    evil = "Evil\r\nBEGIN:VEVENT\r\nUID:x\x07\x00 ; , \\ end"
    phase = attrs.evolve(wsis.phases[0], title=Text({"en": evil, "es": evil}))
    c = attrs.evolve(wsis, phases=(phase, *wsis.phases[1:]))
    data = feed(c)
    assert lint(data) == []
    assert unfold(data).count("BEGIN:VEVENT") == 7
    summary = split_props(data, phase_uid(c))["SUMMARY"]
    assert summary == ["SUMMARY:Evil\\nBEGIN:VEVENT\\nUID:x \\; \\, \\\\ end"]
    assert clean_text("a\x07b\x1bc\x85d\te\r\nf") == "abcd\te\nf"


def phase_uid(c: Consultation) -> str:
    return uid_of(c, f"phase:{c.phases[0].id}")


def test_cancelled_item_keeps_uid_with_prefix(wsis: Consultation) -> None:
    phase = attrs.evolve(wsis.phases[5], status=ItemStatus.CANCELLED)
    c = attrs.evolve(wsis, phases=(*wsis.phases[:5], phase))
    props = split_props(feed(c), uid_of(c, "phase:phase-6"))
    assert props["STATUS"] == ["STATUS:CANCELLED"]
    assert props["SUMMARY"][0].startswith("SUMMARY:Cancelled: ")
    assert uid_of(c, "phase:phase-6") == uid_of(wsis, "phase:phase-6")


def test_filters_only_and_group(wsis: Consultation) -> None:
    deadlines = feed(wsis, only=frozenset({"deadlines"}))
    assert deadlines.count(b"BEGIN:VEVENT") == 1
    assert lint(deadlines) == []
    events = feed(wsis, only=frozenset({"events"}))
    assert events.count(b"BEGIN:VEVENT") == 1
    assert b"BEGIN:VTIMEZONE" not in events  # no timed value, no VTIMEZONE needed
    group = wsis.groups[0].id
    restricted = attrs.evolve(wsis.phases[1], groups=(wsis.groups[1].id,))
    c = attrs.evolve(wsis, phases=(wsis.phases[0], restricted, *wsis.phases[2:]))
    assert feed(c, group=group).count(b"BEGIN:VEVENT") == 6
    assert feed(c, group=wsis.groups[1].id).count(b"BEGIN:VEVENT") == 7
    # Filtered feeds are different calendars: their own UID and name.
    cal_uid = next(line for line in unfold(deadlines) if line.startswith("UID:"))
    assert cal_uid not in unfold(feed(wsis))


def test_plugin_hook_adjusts_each_item(wsis: Consultation) -> None:
    seen: list[tuple[str, str]] = []

    class Colour:
        @hookimpl
        def calendar_item_built(
            self, consultation: Consultation, item: ScheduleItem, component: object, language: str
        ) -> None:
            seen.append((item.ref, language))
            component.add("COLOR", "darkred")  # type: ignore[attr-defined]

    host = PluginHost.load(entry_points=False, plugins=[Colour()])
    data = export_calendar(host, wsis, "ics", ExportOptions(language="es"))
    assert len(seen) == 7 and {lang for _, lang in seen} == {"es"}
    assert data.count(b"COLOR:darkred") == 7
    assert lint(data) == []


ZONES = [
    "Europe/Zurich",
    "America/New_York",
    "Australia/Sydney",  # southern hemisphere: DST starts in October
    "Asia/Tokyo",  # no DST: one STANDARD observance
    "Europe/Dublin",  # "negative" DST in tzdata
    "America/Sao_Paulo",  # DST abolished in 2019: no yearly rule, the fallback
    "Asia/Kolkata",
]


@pytest.mark.parametrize("zone", ZONES)
def test_vtimezone_rules_for_many_zones(zone: str) -> None:
    start = pendulum.datetime(2019, 1, 15, 9, tz=zone)
    phases = []
    for n in range(12):  # one meeting a month, on both sides of every transition
        s = start.add(months=n)
        phases.append(
            Phase(
                id=f"m{n}",
                ordinal=n + 1,
                title=Text({"en": f"Meeting {n}"}),
                window=ExactWindow(start=s, end=s.add(hours=2), zone=zone),
            )
        )
    c = Consultation(
        id="zones",
        title=Text({"en": "Zones"}),
        zone=zone,
        languages=("en",),
        phases=tuple(phases),
    )
    data = feed(c)
    assert lint(data) == []
    want = expected_rows(schedule_items(c))
    renamed = rename_tzids(data)
    assert rows_equal(parse_with_vobject(renamed), want) == []
    assert rows_equal(parse_with_ical(renamed), want) == []
    # Only the zone without a yearly rule uses the per-transition fallback.
    assert (b"RDATE" in data) == (zone == "America/Sao_Paulo")


def test_yearly_rules_detects_irregular_zones() -> None:
    assert yearly_rules("America/Sao_Paulo", 2018, 2020) is None
    (tokyo,) = yearly_rules("Asia/Tokyo", 2018, 2020) or ()
    assert tokyo.offset_to == dt.timedelta(hours=9)
    zurich = yearly_rules("Europe/Zurich", 2018, 2021)
    assert zurich is not None and [r.week for r in zurich] == [-1, -1]
    assert str(vtimezone("Europe/Zurich", 2018, 2021).to_ical()).count("RRULE") == 2


def _tiny(window: object, **phase: object) -> Consultation:
    return Consultation(
        id="tiny",
        title=Text({"en": "Tiny"}),
        zone="Europe/Zurich",
        languages=("en",),
        phases=(
            Phase(id="p", ordinal=1, title=Text({"en": "P"}), window=window, **phase),  # type: ignore[arg-type]
        ),
    )


def test_no_contact_means_no_method_and_no_organizer() -> None:
    c = _tiny(DayWindow(first=dt.date(2020, 1, 1), last=dt.date(2020, 1, 1), zone="Europe/Zurich"))
    data = feed(c)
    assert b"METHOD" not in data and b"ORGANIZER" not in data
    assert b"DTSTAMP:19700101T000000Z" in data  # no issued date: a fixed, documented stamp
    assert lint(data) == []


def test_long_day_window_is_transparent_and_place_hybrid() -> None:
    place = Place(
        venue=Text({"en": "Palais"}),
        room=Text({"en": "Room XX"}),
        online_url="https://meet.example.org/x",
    )
    c = _tiny(
        DayWindow(first=dt.date(2020, 1, 1), last=dt.date(2020, 3, 31), zone="Europe/Zurich"),
        place=place,
    )
    data = feed(c)
    props = split_props(data, schedule_items(c)[0].uid)
    assert props["TRANSP"] == ["TRANSP:TRANSPARENT"]
    assert props["LOCATION"] == ["LOCATION:Room XX\\, Palais"]
    assert props["URL"] == ["URL:https://meet.example.org/x"]
    assert rows_equal(parse_with_ical(data), expected_rows(schedule_items(c))) == []


def test_month_window_across_years() -> None:
    c = _tiny(MonthWindow(first=Month(2020, 12), last=Month(2021, 1), zone="Europe/Zurich"))
    props = split_props(feed(c, "es"), schedule_items(c)[0].uid)
    assert props["DTEND"] == ["DTEND;VALUE=DATE:20210201"]
    assert "dic 2020/ene 2021" in props["SUMMARY"][0]
