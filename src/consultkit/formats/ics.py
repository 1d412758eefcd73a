"""Build the iCalendar (RFC 5545) feed of a consultation's schedule.

One VEVENT per schedule item, with a stable UID, a deterministic DTSTAMP and byte-identical
output for unchanged data. Every text goes through icalendar's typed values (so a title
holding ``CR LF BEGIN:VEVENT`` stays one escaped property) after control characters are
removed (icalendar passes them through). The decisions behind each choice are written down
in ``docs/calendar.md``; in short:

- exact windows: ``DTSTART;TZID=<IANA zone>`` with a hand-built VTIMEZONE in RRULE form
  (Outlook misreads RDATE lists), checked against zoneinfo at every exported instant;
  a time in a DST fold (it happens twice) and any time in zone UTC is written in UTC,
  and ``X-WR-TIMEZONE`` is left out when a fold time is;
- whole days: ``VALUE=DATE`` with the exclusive end (25–29 Nov gives DTEND 20191130);
- months only: an all-day, transparent, TENTATIVE window over the whole months, with
  ``X-CONSULTKIT-DATE-PRECISION:MONTH`` and "date to be announced" in the summary;
- deadlines: transparent, on the deadline day (all-day) or at the exact cut-off (``at-time``
  rule), the rule in the description, display alarms 7 days and 1 day before;
- tentative items say so in the summary too; cancelled ones keep their UID with
  ``STATUS:CANCELLED`` and a visible prefix, and are transparent (they block no time).
"""

from __future__ import annotations

import calendar as _stdcal
import datetime as dt
import functools
import re
import zoneinfo
from typing import TYPE_CHECKING, Any

import attrs
from icalendar import Alarm, Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard
from icalendar.prop import vCalAddress, vDuration, vText, vUri

from consultkit._version import __version__
from consultkit.domain.bidi import isolate_latin
from consultkit.domain.links import email_problem, safe_url
from consultkit.domain.model import ItemStatus, Place
from consultkit.domain.schedule import item_uid
from consultkit.domain.windows import (
    AnyWindow,
    CutoffRule,
    Deadline,
    MonthWindow,
    Precision,
    to_utc,
)
from consultkit.errors import ConsultkitError
from consultkit.formats.labels import kind_label
from consultkit.i18n import Messages, messages

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

    from consultkit.domain.model import Consultation
    from consultkit.domain.schedule import ScheduleItem
    from consultkit.formats.exporter import ExportOptions

PRODID = f"-//consultkit//consultkit {__version__}//EN"
REFRESH = dt.timedelta(hours=12)
ALARMS = (dt.timedelta(days=7), dt.timedelta(days=1))
"""Display alarms before each deadline; best effort only (most subscriptions drop them)."""
LONG_PERIOD = dt.timedelta(days=7)
"""Day windows longer than this are periods to be aware of, not busy time."""
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# Everything below U+0020 except TAB and LF, DEL, and the C1 range: RFC 5545 §3.3.11
# allows none of them in TEXT, and icalendar would pass them through unchanged.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """Normalise line breaks to LF and drop the control characters RFC 5545 forbids."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def clean_uri(url: str) -> str:
    """A URI fit for a property value: no controls or spaces, ``https://`` if no scheme."""
    url = _CONTROL.sub("", url).strip().replace(" ", "%20").replace("\n", "").replace("\t", "")
    if url and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", url):
        url = f"https://{url}"
    return url


def feed_link(url: str | None) -> str | None:
    """``url`` as a link of the feed, or ``None`` when it is not safe to publish.

    The loader already refuses script links (``javascript:``) and line breaks; this is the
    same check (:func:`consultkit.domain.links.safe_url`) again at the boundary, for
    consultations built in code and for ``--feed-url``.
    """
    safe = safe_url(url)
    return None if safe is None else clean_uri(safe)


def _category_plural(kind: str, words: Messages) -> str:
    """The name of a feed holding only ``kind`` items (``--only deadlines``)."""
    names = {
        "deadlines": words.gettext("deadlines"),
        "phases": words.gettext("phases"),
        "events": words.gettext("events"),
        "reviews": words.gettext("review rounds"),
    }
    return names.get(kind, kind)


def _babel_locale(language: str) -> str:
    return language.replace("-", "_")


def _format_date(day: dt.date, pattern: str, language: str) -> str:
    """``day`` formatted by babel in ``language``, or in English when babel lacks it."""
    from babel.core import UnknownLocaleError
    from babel.dates import format_date

    try:
        return format_date(day, pattern, locale=_babel_locale(language))
    except (UnknownLocaleError, ValueError):
        return format_date(day, pattern, locale="en")


def _format_day(day: dt.date, language: str) -> str:
    return _format_date(day, "long", language)


def _format_months(window: MonthWindow, language: str) -> str:
    def fmt(day: dt.date, pattern: str) -> str:
        return _format_date(day, pattern, language)

    first, last = window.first.first_day(), window.last.first_day()
    if first == last:
        return fmt(first, "MMM yyyy")
    if first.year == last.year:
        return f"{fmt(first, 'MMM')}/{fmt(last, 'MMM yyyy')}"
    return f"{fmt(first, 'MMM yyyy')}/{fmt(last, 'MMM yyyy')}"


def _has_date(window: AnyWindow) -> bool:
    """Whether ``window`` can be a VEVENT (it needs a DTSTART); cheap, unlike its bounds."""
    return window.precision is not Precision.UNKNOWN


# -- what each window kind adds to its VEVENT -------------------------------------------------


@attrs.frozen(kw_only=True)
class WindowDetails:
    """What a window kind adds to its VEVENT beyond DTSTART/DTEND (from its calendar span).

    ``notes`` go into the DESCRIPTION, ``extra`` are ``X-`` properties; ``fuzzy`` is the
    text of a window known only roughly (the months), which makes the event transparent
    and tentative with "to be announced" in its summary.
    """

    notes: tuple[str, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()
    fuzzy: str = ""


@functools.singledispatch
def window_details(window: object, language: str) -> WindowDetails:
    """The VEVENT details of ``window`` in ``language``; none unless its kind registers some."""
    return WindowDetails()


# Handlers register by class: by annotation, singledispatch would resolve each one's
# postponed hints when the module is imported (issue 14: 5 ms of every verb).
@window_details.register(MonthWindow)
def _month_details(window: MonthWindow, language: str) -> WindowDetails:
    months = _format_months(window, language)
    edtf = str(window.first) if window.first == window.last else f"{window.first}/{window.last}"
    return WindowDetails(
        notes=(
            messages(language).gettext(
                "Only the months are known (%(months)s); no day has been set. This entry"
                " spans the whole window and does not block your time.",
                months=months,
            ),
        ),
        extra=(("X-CONSULTKIT-DATE-PRECISION", "MONTH"), ("X-CONSULTKIT-EDTF", edtf)),
        fuzzy=months,
    )


@window_details.register(Deadline)
def _deadline_details(window: Deadline, language: str) -> WindowDetails:
    """The cut-off rule in words, with the last moment in the zone and in UTC."""
    cutoff = window.cutoff()
    day_text = _format_day(window.day, language)
    if window.rule is CutoffRule.AT_TIME:
        local = _local(cutoff, window.zone)
        text = messages(language).gettext(
            "On time if received before %(local)s %(zone)s (%(utc)s UTC) on %(day)s.",
            local=local.strftime("%H:%M"),
            zone=window.zone,
            utc=_utc_text(cutoff),
            day=day_text,
        )
    elif window.rule is CutoffRule.ANYWHERE_ON_EARTH:
        text = messages(language).gettext(
            "On time if received before the end of %(day)s anywhere on Earth (UTC-12):"
            " before %(utc)s UTC.",
            day=day_text,
            utc=_utc_text(cutoff),
        )
    else:
        local_cut = _local(cutoff, window.zone)
        text = messages(language).gettext(
            "On time if received before the end of %(day)s in %(zone)s time: before"
            " %(local)s %(zone)s (%(utc)s UTC).",
            day=day_text,
            zone=window.zone,
            local=local_cut.strftime("%Y-%m-%d %H:%M"),
            utc=_utc_text(cutoff),
        )
    return WindowDetails(notes=(text,))


# -- VTIMEZONE in RRULE form -------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Observance:
    """One yearly rule of a zone: from which offset to which, when, and under what name."""

    daylight: bool
    offset_from: dt.timedelta
    offset_to: dt.timedelta
    name: str
    start: dt.datetime
    """The first onset, as naive local time in ``offset_from`` (RFC 5545 §3.6.5)."""
    month: int
    week: int
    """1..4 for the n-th weekday of the month, -1 for the last one."""
    weekday: int


class TimezoneRuleError(ConsultkitError, ValueError):
    """A VTIMEZONE built for a zone disagrees with zoneinfo at an exported instant."""


def _offset(tz: zoneinfo.ZoneInfo, ts: float) -> dt.timedelta:
    off = dt.datetime.fromtimestamp(ts, tz).utcoffset()
    assert off is not None
    return off


@functools.lru_cache(maxsize=64)
def zone_transitions(
    zone: str, first_year: int, last_year: int
) -> tuple[tuple[dt.datetime, dt.timedelta, dt.timedelta, str], ...]:
    """Every change of UTC offset of ``zone`` within the years given, as (UTC, from, to, name)."""
    tz = zoneinfo.ZoneInfo(zone)
    start = dt.datetime(first_year, 1, 1, tzinfo=dt.UTC).timestamp()
    end = dt.datetime(last_year + 1, 1, 1, tzinfo=dt.UTC).timestamp()
    day = 86400.0
    found = []
    t = start
    before = _offset(tz, t)
    while t < end:
        nxt = min(t + day, end)
        after = _offset(tz, nxt)
        if after != before:
            lo, hi = t, nxt  # offset(lo) == before, offset(hi) == after
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _offset(tz, mid) == before:
                    lo = mid
                else:
                    hi = mid
            instant = dt.datetime.fromtimestamp(hi, dt.UTC)
            name = dt.datetime.fromtimestamp(hi, tz).tzname() or ""
            found.append((instant, before, after, name))
            before = after
        t = nxt
    return tuple(found)


def _week_of(day: dt.date) -> tuple[int, bool]:
    days_in_month = _stdcal.monthrange(day.year, day.month)[1]
    return (day.day - 1) // 7 + 1, day.day + 7 > days_in_month


@functools.lru_cache(maxsize=64)
def yearly_rules(zone: str, first_year: int, last_year: int) -> tuple[Observance, ...] | None:
    """The zone's yearly rules over the years given, or None when no yearly rule fits.

    A zone without transitions gives one STANDARD observance. A zone with DST must change
    offset exactly twice a year, each time on the same n-th (or last) weekday of the same
    month at the same local time, for every year in the range.
    """
    transitions = zone_transitions(zone, first_year, last_year)
    tz = zoneinfo.ZoneInfo(zone)
    if not transitions:
        at = dt.datetime(first_year, 1, 1, tzinfo=dt.UTC).astimezone(tz)
        offset = at.utcoffset()
        assert offset is not None
        return (
            Observance(
                daylight=False,
                offset_from=offset,
                offset_to=offset,
                name=at.tzname() or zone,
                start=dt.datetime(1970, 1, 1),
                month=0,
                week=0,
                weekday=0,
            ),
        )
    years = last_year - first_year + 1
    groups: dict[tuple[dt.timedelta, dt.timedelta], list[Any]] = {}
    for transition in transitions:
        groups.setdefault((transition[1], transition[2]), []).append(transition)
    if len(groups) != 2 or any(len(g) != years for g in groups.values()):
        return None
    rules = []
    for (off_from, off_to), members in groups.items():
        shapes = set()
        lasts = set()
        for instant, _, _, _ in members:
            local = (instant + off_from).replace(tzinfo=None)
            week, is_last = _week_of(local.date())
            shapes.add((local.month, local.weekday(), local.time(), week))
            lasts.add((local.month, local.weekday(), local.time(), is_last))
        if len(lasts) == 1 and next(iter(lasts))[3]:
            month, weekday, _, _ = next(iter(lasts))
            week = -1
        elif len(shapes) == 1 and next(iter(shapes))[3] <= 4:
            month, weekday, _, week = next(iter(shapes))
        else:
            return None
        first = members[0]
        rules.append(
            Observance(
                daylight=off_to > off_from,
                offset_from=off_from,
                offset_to=off_to,
                name=first[3],
                start=(first[0] + off_from).replace(tzinfo=None),
                month=month,
                week=week,
                weekday=weekday,
            )
        )
    # Start the rules at the first year they have held since (down to 1970), not at the
    # calendar's own years: the VTIMEZONE then stays the same as the schedule grows, and a
    # client that caches zones by TZID never meets events before its first onset.
    year = first_year
    while year > RULES_SINCE and _year_follows(zone, year - 1, rules):
        year -= 1
    if year < first_year:
        rules = [_first_onset(zone, year, rule) for rule in rules]
    return tuple(sorted(rules, key=lambda r: r.start))


RULES_SINCE = 1970


def _year_follows(zone: str, year: int, rules: Sequence[Observance]) -> bool:
    transitions = zone_transitions(zone, year, year)
    if len(transitions) != len(rules):
        return False
    for rule in rules:
        match = [t for t in transitions if (t[1], t[2]) == (rule.offset_from, rule.offset_to)]
        if len(match) != 1:
            return False
        local = (match[0][0] + rule.offset_from).replace(tzinfo=None)
        week, is_last = _week_of(local.date())
        if (local.month, local.weekday(), local.time()) != (
            rule.month,
            rule.weekday,
            rule.start.time(),
        ) or ((not is_last) if rule.week == -1 else week != rule.week):
            return False
    return True


def _first_onset(zone: str, year: int, rule: Observance) -> Observance:
    for instant, off_from, off_to, name in zone_transitions(zone, year, year):
        if (off_from, off_to) == (rule.offset_from, rule.offset_to):
            return attrs.evolve(rule, start=(instant + off_from).replace(tzinfo=None), name=name)
    raise AssertionError((zone, year, rule))  # pragma: no cover - _year_follows checked it


_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def vtimezone(zone: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for ``zone`` valid over the years given, in RRULE form when a rule fits.

    For zones whose offsets follow no yearly weekday rule in those years it builds one
    observance per transition instead (:func:`_transition_vtimezone`, never icalendar's
    own generator); ``docs/calendar.md`` explains why that is rare.
    """
    rules = yearly_rules(zone, first_year, last_year)
    if rules is None:
        return _transition_vtimezone(zone, first_year, last_year)
    tz = Timezone()
    tz.add("TZID", zone)
    for rule in rules:
        part = TimezoneDaylight() if rule.daylight else TimezoneStandard()
        part.add("TZNAME", rule.name)
        part.add("TZOFFSETFROM", rule.offset_from)
        part.add("TZOFFSETTO", rule.offset_to)
        part.add("DTSTART", rule.start)
        if rule.month:
            part.add(
                "RRULE",
                {
                    "FREQ": "YEARLY",
                    "BYMONTH": rule.month,
                    "BYDAY": f"{rule.week}{_BYDAY[rule.weekday]}",
                },
            )
        else:
            # A zone without DST: the one observance repeats yearly with the same offset.
            # Harmless, and `ical` ignores a lone observance without RRULE or RDATE.
            part.add("RRULE", {"FREQ": "YEARLY"})
        tz.add_component(part)
    return tz


def _transition_vtimezone(zone: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE with one observance per transition in the years given (irregular zones).

    Each observance carries its onset as DTSTART and again as RDATE: `ical` and vobject
    both misread icalendar's long RDATE lists (they pick the observance with the latest
    DTSTART) and `ical` ignores an observance with neither RRULE nor RDATE.

    The first observance starts on 1 January of ``first_year`` with the offset then in
    force (from and to the same), so the whole range is covered: before the first onset
    a parser has no offset at all, and ical.js and `ical` read such times as UTC+0.
    """
    tz = Timezone()
    tz.add("TZID", zone)
    real = zoneinfo.ZoneInfo(zone)
    opening = dt.datetime(first_year, 1, 1, tzinfo=dt.UTC).astimezone(real)
    offset = opening.utcoffset()
    assert offset is not None
    part = TimezoneDaylight() if opening.dst() else TimezoneStandard()
    onset = opening.replace(tzinfo=None)
    part.add("TZNAME", opening.tzname() or zone)
    part.add("TZOFFSETFROM", offset)
    part.add("TZOFFSETTO", offset)
    part.add("DTSTART", onset)
    part.add("RDATE", onset)
    tz.add_component(part)
    for instant, off_from, off_to, name in zone_transitions(zone, first_year, last_year):
        part = TimezoneDaylight() if off_to > off_from else TimezoneStandard()
        onset = (instant + off_from).replace(tzinfo=None)
        part.add("TZNAME", name)
        part.add("TZOFFSETFROM", off_from)
        part.add("TZOFFSETTO", off_to)
        part.add("DTSTART", onset)
        part.add("RDATE", onset)
        tz.add_component(part)
    return tz


def check_vtimezone(component: Timezone, zone: str, instants: Iterable[dt.datetime]) -> None:
    """Raise :class:`TimezoneRuleError` unless the VTIMEZONE agrees with zoneinfo at each time."""
    tzinfo = component.to_tz()
    real = zoneinfo.ZoneInfo(zone)
    for instant in instants:
        utc = instant.astimezone(dt.UTC)
        expected = utc.astimezone(real).utcoffset()
        got = utc.astimezone(tzinfo).utcoffset()
        if expected != got:
            raise TimezoneRuleError(
                f"the VTIMEZONE built for {zone} gives {got} at {utc:%Y-%m-%dT%H:%MZ}, zoneinfo"
                f" gives {expected}; report this zone"
            )


# -- the feed ------------------------------------------------------------------------------


def _local(instant: dt.datetime, zone: str) -> dt.datetime:
    """The instant as a stdlib datetime in ``zone`` (never a fixed offset: checklist 3.3-1)."""
    u = to_utc(instant)
    return dt.datetime(
        u.year, u.month, u.day, u.hour, u.minute, u.second, tzinfo=dt.UTC
    ).astimezone(zoneinfo.ZoneInfo(zone))


UTC_ZONES = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu"}
)
"""Names of UTC itself: their values are written with ``Z`` and need no VTIMEZONE."""


def in_fold(local: dt.datetime) -> bool:
    """True when the wall-clock time of ``local`` happens twice in its zone (a DST fold).

    ``local`` must exist (it does when it was converted from an instant): PEP 495 makes
    ``fold`` change the offset only for ambiguous or skipped wall-clock times.
    """
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()


def _utc_text(instant: dt.datetime) -> str:
    return to_utc(instant).strftime("%Y-%m-%d %H:%M")


def _place_text(place: Place, language: str, fallbacks: Sequence[str]) -> str:
    parts = [place.room(language, fallbacks), place.venue(language, fallbacks), place.address or ""]
    return ", ".join(clean_text(p).replace("\n", " ") for p in parts if p)


@attrs.define
class IcsBuilder:
    """Builds one feed: the calendar properties, one VEVENT per item, the VTIMEZONEs."""

    consultation: Consultation
    options: ExportOptions
    language: str = attrs.field(init=False)
    fallbacks: tuple[str, ...] = attrs.field(init=False)
    words: Messages = attrs.field(init=False)
    _zones: dict[str, list[dt.datetime]] = attrs.field(init=False, factory=dict)
    _folds_in_utc: bool = attrs.field(init=False, default=False)
    _stamp: dt.datetime = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.language = self.options.language_for(self.consultation)
        self.words = messages(self.language)
        self.fallbacks = self.consultation.languages
        issued = self.consultation.issued
        self._stamp = (
            dt.datetime(issued.year, issued.month, issued.day, tzinfo=dt.UTC) if issued else EPOCH
        )

    def text(self, value: Any) -> str:
        return clean_text(value(self.language, self.fallbacks))

    def build(self, items: Sequence[ScheduleItem]) -> Calendar:
        """The whole calendar for ``items`` (unscheduled ones are named in its description)."""
        organizer = self._organizer()
        cal = self._head(self._calendar_description(items), organizer)
        events = [self.event(item, organizer) for item in items if _has_date(item.window)]
        if self._says_zone(items):
            cal.add("X-WR-TIMEZONE", vText(self.consultation.zone))
        for component in self._timezones():
            cal.add_component(component)
        for event in events:
            cal.add_component(event)
        missing = cal.get_missing_tzids()
        if missing:
            # Only a plugin adding a date-time in another zone gets here.
            cal.add_missing_timezones()
        return cal

    def _head(self, description: str, organizer: vCalAddress | None) -> Calendar:
        """A calendar with the properties every feed of this consultation and options has."""
        c = self.consultation
        cal = Calendar()
        cal.add("PRODID", PRODID)
        cal.add("VERSION", "2.0")
        cal.add("CALSCALE", "GREGORIAN")
        if organizer is not None:
            # PUBLISH needs an ORGANIZER on every VEVENT (RFC 5546 §3.2.1): without a
            # contact address the feed has no METHOD at all, consistently.
            cal.add("METHOD", "PUBLISH")
        name = self._name().replace("\n", " ")  # a name is one line in every client
        cal.add("NAME", vText(name))
        cal.add("X-WR-CALNAME", vText(name))  # X- names are vUnknown (unescaped) by default
        cal.add("DESCRIPTION", description)
        cal.add("X-WR-CALDESC", vText(description))
        cal.add("UID", item_uid(c.id, self._feed_key()))
        website = feed_link(c.website)
        if website:
            cal.add("URL", vUri(website))
        source = feed_link(self.options.feed_url)
        if source:
            cal.add("SOURCE", vUri(source))
        cal.add("REFRESH-INTERVAL", REFRESH, parameters={"VALUE": "DURATION"})
        cal.add("X-PUBLISHED-TTL", vDuration(REFRESH))
        return cal

    def _says_zone(self, items: Sequence[ScheduleItem]) -> bool:
        """Whether X-WR-TIMEZONE goes in: after the events are built (they find the folds)."""
        zones = {i.window.zone for i in items if _has_date(i.window)}
        # Bridges that honour X-WR-TIMEZONE (x_wr_timezone, recurring_ical_events)
        # rewrite every UTC value as a wall-clock time of that zone: a fold time written
        # in UTC would land on the wrong occurrence (issue 9). So it is added only when
        # every value is in that zone (UTC values of a zone that is UTC are).
        return zones <= {self.consultation.zone} and not self._folds_in_utc

    def _timezones(self) -> Iterator[Timezone]:
        """A checked VTIMEZONE for each zone the built events use with ``TZID``."""
        for zone in sorted(self._zones):
            instants = self._zones[zone]
            component = vtimezone(zone, min(instants).year - 1, max(instants).year + 1)
            check_vtimezone(component, zone, sorted(set(instants)))
            yield component

    def _feed_key(self) -> str:
        only = ",".join(sorted(self.options.only))
        return f"calendar/{self.language}/{only}/{self.options.group or ''}"

    def _name(self) -> str:
        c = self.consultation
        parts = [self.text(c.title)]
        if self.options.only:
            parts.append(
                ", ".join(_category_plural(k, self.words) for k in sorted(self.options.only))
            )
        if self.options.group:
            parts.append(self.text(c.group(self.options.group).name))
        return " – ".join(p for p in parts if p)

    def _calendar_description(self, items: Sequence[ScheduleItem]) -> str:
        c = self.consultation
        parts = [
            self.text(c.description),
            self.words.gettext(
                "Dates marked “to be confirmed” are provisional; entries that span whole"
                " months have no date yet."
            ),
        ]
        unscheduled = [self.text(i.title) for i in items if not _has_date(i.window)]
        if unscheduled:
            parts.append(
                self.words.gettext("Not yet scheduled: %(items)s.", items="; ".join(unscheduled))
            )
        return isolate_latin("\n\n".join(p for p in parts if p), self.language)

    def _organizer(self) -> vCalAddress | None:
        contact = self.consultation.contact
        if not contact.email or email_problem(contact.email) is not None:
            # The loader refuses such an address; one built in code is left out.
            return None
        address = vCalAddress(f"mailto:{clean_uri(contact.email).removeprefix('https://')}")
        if contact.name:
            # DQUOTE cannot appear in a parameter value (RFC 5545 §3.1).
            address.params["CN"] = clean_text(contact.name).replace('"', "'").replace("\n", " ")
        return address

    def _timed(self, instant: dt.datetime, zone: str) -> dt.datetime:
        """The DATE-TIME value of ``instant``: local time with ``TZID=zone``, or UTC.

        UTC (``...Z``, no VTIMEZONE) when ``zone`` is UTC, and when the local time falls in
        a DST fold, whichever occurrence it is: ``TZID`` cannot say which one is meant
        (RFC 5545 §3.3.5 takes the first, some clients the second), a UTC value can.
        Only zones used with ``TZID`` get a VTIMEZONE.
        """
        local = _local(instant, zone)
        if zone in UTC_ZONES:
            return local.astimezone(dt.UTC)
        if in_fold(local):
            self._folds_in_utc = True
            return local.astimezone(dt.UTC)
        self._zones.setdefault(zone, []).append(local)
        return local

    def event(self, item: ScheduleItem, organizer: vCalAddress | None) -> Event:
        """One VEVENT for ``item``, after the ``calendar_item_built`` hook ran on it."""
        lang = self.language
        words = self.words
        window = item.window
        title = self.text(item.title)
        status = item.status
        transparent = item.kind == "deadline"
        start: dt.date | dt.datetime
        end: dt.date | dt.datetime | None
        extra: list[tuple[str, str]] = []
        notes: list[str] = []
        summary = title
        span = window.calendar_span()
        if span is None:  # pragma: no cover - filtered out by build()
            raise AssertionError(window)
        if isinstance(span.start, dt.datetime) and isinstance(span.end, dt.datetime):
            start = self._timed(span.start, span.zone)
            # An instant: DTSTART without DTEND ends where it starts (RFC 5545 §3.6.1).
            end = None if span.instant else self._timed(span.end, span.zone)
        else:
            start, end = span.start, span.end
            transparent = transparent or (end - start) > LONG_PERIOD
        details = window_details(window, lang)
        notes.extend(details.notes)
        extra.extend(details.extra)
        if details.fuzzy:
            # Checklist §5 (a): never invent a day; span the months, transparent, tentative.
            transparent = True
            if status is ItemStatus.CONFIRMED:
                status = ItemStatus.TENTATIVE
            summary = words.gettext(
                "%(title)s – date to be announced (%(months)s)", title=title, months=details.fuzzy
            )
        if item.kind == "deadline":
            # A title that already says it is a deadline is not prefixed a second time.
            words_for_it = (
                words.gettext("Deadline"),
                words.pgettext("another word for a deadline", "Deadline"),
            )
            if not summary.casefold().startswith(tuple(w.casefold() for w in words_for_it)):
                summary = words.gettext("Deadline: %(title)s", title=summary)
        if status is ItemStatus.TENTATIVE and not details.fuzzy:
            summary = words.gettext("%(title)s (to be confirmed)", title=summary)
            notes.insert(0, words.gettext("These dates are provisional (to be confirmed)."))
            extra.append(("X-CONSULTKIT-DATE-CERTAINTY", "UNCERTAIN"))
        if status is ItemStatus.CANCELLED:
            summary = words.gettext("Cancelled: %(title)s", title=summary)
            # Clients that ignore STATUS (or show CANCELLED struck through but still busy)
            # would block the time of something that will not happen.
            transparent = True
        description = self._description(item, notes)
        stamp = to_utc(item.last_modified) if item.last_modified is not None else self._stamp
        event = Event()
        event.add("UID", item.uid)
        event.add("DTSTAMP", stamp)
        event.add("DTSTART", start)
        if end is not None:
            event.add("DTEND", end)
        event.add("SUMMARY", clean_text(summary))
        if description:
            event.add("DESCRIPTION", description)
        place_url = None
        if item.place is not None:
            place_url = self._add_place(event, item.place)
        url = feed_link(item.url) or place_url
        if url:
            event.add("URL", vUri(url))
        event.add("STATUS", status.value.upper())
        event.add("TRANSP", "TRANSPARENT" if transparent else "OPAQUE")
        event.add("SEQUENCE", item.sequence)
        if item.last_modified is not None:
            event.add("LAST-MODIFIED", to_utc(item.last_modified))
        categories = self._categories(item)
        if categories:
            event.add("CATEGORIES", categories)
        if organizer is not None:
            event.add("ORGANIZER", organizer)
        event.add("X-CONSULTKIT-REF", vText(clean_text(item.ref)))
        for name, value in extra:
            event.add(name, vText(value))
        if item.kind == "deadline" and status is not ItemStatus.CANCELLED:
            reminders = (
                words.gettext("%(title)s: in 7 days", title=summary),
                words.gettext("%(title)s: tomorrow", title=summary),
            )
            for before, reminder in zip(ALARMS, reminders, strict=True):
                alarm = Alarm()
                alarm.add("ACTION", "DISPLAY")
                alarm.add(
                    "DESCRIPTION",
                    clean_text(reminder),
                )
                alarm.add("TRIGGER", -before)
                event.add_component(alarm)
        if self.options.item_built is not None:
            self.options.item_built(self.consultation, item, event, lang)
        return event

    def _description(self, item: ScheduleItem, notes: list[str]) -> str:
        lang = self.language
        words = self.words
        c = self.consultation
        parts = [self.text(item.description), *notes]
        if item.calls:
            titles = []
            for call_id in item.calls:
                try:
                    titles.append(self.text(c.call(call_id).title))
                except LookupError:
                    titles.append(call_id)
            parts.append(words.gettext("Closes: %(calls)s.", calls="; ".join(titles)))
        place = item.place
        if place is not None:
            where = _place_text(place, lang, self.fallbacks)
            if where:
                parts.append(words.gettext("Where: %(place)s", place=where))
            online = feed_link(place.online_url)
            if online:
                parts.append(words.gettext("Online: %(url)s", url=online))
            elif place.remote_participation:
                parts.append(words.gettext("Remote participation is offered."))
        if item.groups:
            names = []
            for gid in item.groups:
                try:
                    names.append(self.text(c.group(gid).name))
                except LookupError:
                    names.append(gid)
            parts.append(words.gettext("For: %(groups)s", groups=", ".join(names)))
        parts.append(self.text(item.note))
        more = feed_link(item.url)
        if more:
            parts.append(words.gettext("More: %(url)s", url=more))
        # Text a person reads: in a right-to-left feed each Latin fragment (a URL, an
        # address, a time with its zone) is isolated, or clients reorder its punctuation.
        # Only here: URL, CONFERENCE and the other values clients parse stay as they are.
        return isolate_latin("\n\n".join(p for p in parts if p), lang)

    def _add_place(self, event: Event, place: Place) -> str | None:
        where = _place_text(place, self.language, self.fallbacks)
        online = feed_link(place.online_url)
        location = where or online
        if location:
            event.add("LOCATION", location)
        if online:
            # RFC 7986 §5.11; FEATURE as an unquoted list (checklist 3.3-8). Few clients show
            # CONFERENCE, so the link is also in DESCRIPTION and URL or LOCATION.
            event.add(
                "CONFERENCE",
                vUri(online),
                parameters={
                    "VALUE": "URI",
                    # A list gives FEATURE=AUDIO,VIDEO; a string would be quoted as one value.
                    "FEATURE": ["AUDIO", "VIDEO"],  # type: ignore[dict-item]
                    "LABEL": self.words.gettext("Join online"),
                },
            )
        return online

    def _categories(self, item: ScheduleItem) -> list[str]:
        out = []
        if self.consultation.reference:
            out.append(clean_text(self.consultation.reference))
        for category in item.categories:
            out.append(
                kind_label(category, self.words)
                if category in ("phase", "event", "deadline", "review")
                else clean_text(category)
            )
        return list(dict.fromkeys(c.replace("\n", " ") for c in out if c))


def build_calendar(
    consultation: Consultation, items: Sequence[ScheduleItem], options: ExportOptions
) -> Calendar:
    """The icalendar :class:`~icalendar.Calendar` of ``items`` (see the module docstring)."""
    return IcsBuilder(consultation, options).build(items)


def calendar_bytes(
    consultation: Consultation, items: Sequence[ScheduleItem], options: ExportOptions
) -> bytes:
    """The feed as bytes: UTF-8, CRLF, folded at 75 octets."""
    data: bytes = build_calendar(consultation, items, options).to_ical()
    return data


def item_calendars(
    consultation: Consultation, options: ExportOptions
) -> Callable[[ScheduleItem], bytes]:
    """``calendar_bytes(consultation, [item], options)`` one item at a time, cheaply.

    The HTML page links one calendar file per item; building and serialising a whole
    calendar, VTIMEZONE included, for each cost 1.6-2.9 ms an item against 0.45 ms in the
    feed (issue 14). The returned function serialises the calendar properties and each
    VTIMEZONE once (per distinct description and year range) and only the item's VEVENT
    anew; the bytes are the same as :func:`calendar_bytes` gives.
    """
    heads: dict[tuple[str, bool], bytes] = {}
    zones: dict[tuple[str, int, int], tuple[Timezone, bytes]] = {}
    organizer = IcsBuilder(consultation, options)._organizer()
    ending = b"END:VCALENDAR\r\n"

    def one(item: ScheduleItem) -> bytes:
        builder = IcsBuilder(consultation, options)
        events = [builder.event(item, organizer)] if _has_date(item.window) else []
        description = builder._calendar_description([item])
        says_zone = builder._says_zone([item])
        head = heads.get((description, says_zone))
        if head is None:
            cal = builder._head(description, organizer)
            if says_zone:
                cal.add("X-WR-TIMEZONE", vText(consultation.zone))
            head = heads[description, says_zone] = cal.to_ical().removesuffix(ending)
        parts = [head]
        check = Calendar()
        for zone in sorted(builder._zones):
            instants = builder._zones[zone]
            key = (zone, min(instants).year - 1, max(instants).year + 1)
            if key not in zones:
                component = vtimezone(*key)
                zones[key] = (component, component.to_ical())
            component, text = zones[key]
            check_vtimezone(component, zone, sorted(set(instants)))
            check.add_component(component)
            parts.append(text)
        for event in events:
            check.add_component(event)
            parts.append(event.to_ical())
        if check.get_missing_tzids():  # a plugin's date-time in another zone
            return calendar_bytes(consultation, [item], options)
        return b"".join(parts) + ending

    return one


__all__ = [
    "IcsBuilder",
    "build_calendar",
    "calendar_bytes",
    "check_vtimezone",
    "clean_text",
    "item_calendars",
    "vtimezone",
]
