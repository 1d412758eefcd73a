"""Benchmark the iCalendar export against bare icalendar building the same events.

Exports a synthetic consultation with N timed items (10,000 by default) and parses the
feed back, then builds the same events with bare icalendar (same properties, its own
VTIMEZONE) and parses that back, in the same run. The target: consultkit's throughput is
at least 0.67x the bare one. Also times a typical consultation (the WSIS 2020 example).

    python benchmarks/bench_calendar.py            # full run; exit 1 if under target
    python benchmarks/bench_calendar.py --smoke    # small and quick, for CI; never fails on speed
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
import zoneinfo
from pathlib import Path

import pendulum
from icalendar import Calendar, Event

from consultkit.config.loader import load_consultation
from consultkit.domain.model import Consultation, Contact, Phase
from consultkit.domain.schedule import schedule_items
from consultkit.domain.text import Text
from consultkit.domain.windows import ExactWindow
from consultkit.formats.exporter import ExportOptions
from consultkit.formats.ics import calendar_bytes

TARGET = 0.67
ZONE = "Europe/Zurich"
EXAMPLE = Path(__file__).parents[1] / "examples" / "wsis2020" / "consultation.toml"


def synthetic(count: int) -> Consultation:
    """A consultation with ``count`` one-hour meetings spread over three years."""
    base = pendulum.datetime(2020, 1, 6, 9, tz=ZONE)
    phases = []
    for n in range(count):
        start = base.add(hours=(n * 7) % 26_000)
        phases.append(
            Phase(
                id=f"meeting-{n}",
                ordinal=n + 1,
                title=Text({"en": f"Working group meeting {n}", "fr": f"Réunion {n}"}),
                description=Text({"en": f"Agenda item {n}; room to be confirmed, bring notes."}),
                window=ExactWindow(start=start, end=start.add(hours=1), zone=ZONE),
            )
        )
    return Consultation(
        id="bench",
        title=Text({"en": "Benchmark consultation"}),
        zone=ZONE,
        languages=("en", "fr"),
        issued=dt.date(2019, 12, 1),
        contact=Contact(name="Secretariat", email="secretariat@example.org"),
        phases=tuple(phases),
    )


def consultkit_round(c: Consultation) -> int:
    items = schedule_items(c)
    data = calendar_bytes(c, items, ExportOptions(language="en"))
    parsed = Calendar.from_ical(data)
    return len(parsed.events)


def bare_round(c: Consultation) -> int:
    """The same events with bare icalendar: what anyone would write by hand."""
    tz = zoneinfo.ZoneInfo(ZONE)
    stamp = dt.datetime(2019, 12, 1, tzinfo=dt.UTC)
    cal = Calendar()
    cal.add("PRODID", "-//bench//bare//EN")
    cal.add("VERSION", "2.0")
    cal.add("METHOD", "PUBLISH")
    for n, phase in enumerate(c.phases):
        window = phase.window
        assert isinstance(window, ExactWindow)
        event = Event()
        event.add("UID", f"bench-{n}@example.org")
        event.add("DTSTAMP", stamp)
        event.add("DTSTART", window.start.astimezone(tz))
        event.add("DTEND", window.end.astimezone(tz))
        event.add("SUMMARY", phase.title("en"))
        event.add("DESCRIPTION", phase.description("en"))
        event.add("STATUS", "CONFIRMED")
        event.add("TRANSP", "OPAQUE")
        event.add("SEQUENCE", 0)
        event.add("CATEGORIES", ["Phase"])
        event.add("ORGANIZER", "mailto:secretariat@example.org")
        cal.add_component(event)
    cal.add_missing_timezones()
    data = cal.to_ical()
    return len(Calendar.from_ical(data).events)


def best_of(runs: int, func: object, *args: object) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func(*args)  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small run for CI")
    parser.add_argument("--items", type=int, default=None)
    args = parser.parse_args(argv)
    count = args.items or (500 if args.smoke else 10_000)
    runs = 1 if args.smoke else 3
    c = synthetic(count)
    assert consultkit_round(c) == count and bare_round(c) == count
    ours = best_of(runs, consultkit_round, c)
    bare = best_of(runs, bare_round, c)
    ratio = bare / ours
    print(f"items: {count}")
    print(f"consultkit export + parse: {ours:.3f} s ({count / ours:,.0f} items/s)")
    print(f"bare icalendar build + parse: {bare:.3f} s ({count / bare:,.0f} items/s)")
    print(f"throughput ratio: {ratio:.2f}x (target >= {TARGET}x)")
    wsis = load_consultation(EXAMPLE)
    items = schedule_items(wsis)
    typical = [
        best_of(1, calendar_bytes, wsis, items, ExportOptions(language="en")) for _ in range(20)
    ]
    print(
        f"typical consultation ({len(items)} items): median {statistics.median(typical) * 1000:.1f}"
        f" ms, max {max(typical) * 1000:.1f} ms per export"
    )
    if not args.smoke and ratio < TARGET:
        print("FAIL: under target", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
