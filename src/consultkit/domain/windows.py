"""Time windows that tell the truth about what is known.

A phase may be an exact range in a named zone, whole days, a fuzzy month range, a single
deadline, or not scheduled at all. Every window can say how precise it is, give the
earliest and latest instants it may cover (as UTC), place an instant before, inside or
after it, and render itself for a reader in any zone and language, always naming the zone.

Each kind owns what is particular to it: its tag (``kind``), its data form (``to_data`` and
``from_data``, plain JSON values that stored snapshots keep), a short language-neutral
description (``describe``) and the span a calendar entry covers (``calendar_span``). Kinds
are looked up by tag in :data:`WINDOW_TYPES`.

Rendering for people goes through one registry, :func:`render_window` (a
``functools.singledispatch`` function defined here, with no implementation of its own).
:mod:`consultkit.domain.rendering` registers one renderer per kind on it, and the
``consultkit.domain`` package imports that module, so ``window.render(...)`` always finds
its renderer while this module never imports the renderers: the dependency points one way
only (rendering -> windows).

Comparisons happen on UTC instants only: comparing aware datetimes with different tzinfo
objects is unreliable around DST folds (PEP 495).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol, TypeAlias

import attrs
import pendulum

from consultkit.domain.zones import known_zone, unknown_zone
from consultkit.errors import ConsultkitError, UnknownZoneError
from consultkit.i18n import Text, deferred
from consultkit.value_methods import shared_value_methods

UTC = pendulum.UTC


class Precision(enum.StrEnum):
    """How precisely a window is known."""

    MINUTE = "minute"
    DAY = "day"
    MONTH = "month"
    UNKNOWN = "unknown"

    @property
    def firm(self) -> bool:
        """True when the window is known to the minute or the day (it has firm bounds)."""
        return self is Precision.MINUTE or self is Precision.DAY


class Relation(enum.StrEnum):
    """Where a window stands relative to an instant, seen from the instant."""

    UPCOMING = "upcoming"
    CURRENT = "current"
    PAST = "past"
    UNCERTAIN = "uncertain"


class CutoffRule(enum.StrEnum):
    """How the last moment of a deadline day is fixed."""

    END_OF_DAY = "end-of-day"
    ANYWHERE_ON_EARTH = "anywhere-on-earth"
    AT_TIME = "at-time"


class LocalTimeError(ConsultkitError, ValueError):
    """A wall-clock time that does not exist, or exists twice (``twice``), in its zone."""

    def __init__(self, message: Text, *, twice: bool = False) -> None:
        self.twice = twice
        super().__init__(message)


class MonthError(ConsultkitError, ValueError):
    """Text that is not a month written ``YYYY-MM``."""


def check_zone(name: str) -> str:
    """Return ``name`` if it is an IANA zone this machine knows, else raise
    :class:`~consultkit.errors.UnknownZoneError` (a ``ValueError``).

    Legacy names that are not places (``CET``, ``EST5EDT``, ``US/Eastern``, ``Etc/GMT-2``)
    are refused too: calendar clients mishandle them as TZIDs (ical-checklist item 16).
    """
    if not name or name != name.strip() or name.startswith(("+", "-")):
        raise UnknownZoneError(unknown_zone(name))
    known_zone(name)
    problem = legacy_zone_problem(name)
    if problem is not None:
        raise UnknownZoneError(problem)
    return name


_PLACE_AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
_UTC_NAMES = frozenset({"UTC", "Etc/UTC"})


def is_place_zone(name: str) -> bool:
    """True for ``Region/City`` zone names and UTC: the names every calendar client resolves."""
    return name in _UTC_NAMES or ("/" in name and name.split("/", 1)[0] in _PLACE_AREAS)


def legacy_zone_problem(name: str) -> Text | None:
    """Say what is wrong with a known but legacy zone name (and what to use), or ``None``."""
    if is_place_zone(name):
        return None
    same = _same_rules_as(name)
    if same:
        return deferred.gettext(
            "%(zone)s is a legacy zone name, not a place: use a Region/City zone name such as"
            " %(same)s, which has the same rules",
            zone=repr(name),
            same=repr(same),
        )
    return deferred.gettext(
        "%(zone)s is a legacy zone name, not a place: use a Region/City zone name such as"
        " 'Europe/Zurich' for Geneva",
        zone=repr(name),
    )


def _same_rules_as(name: str) -> str | None:
    # Only on the error path: compare the compiled zone files to find a place with the
    # same rules (US/Eastern is America/New_York).
    data = _zone_file(name)
    if data is None:
        return None
    for candidate in sorted(zoneinfo.available_timezones()):
        if (
            candidate not in _UTC_NAMES
            and is_place_zone(candidate)
            and _zone_file(candidate) == data
        ):
            return candidate
    return None


def _zone_file(name: str) -> bytes | None:
    for root in zoneinfo.TZPATH:
        path = Path(root, name)
        if path.is_file():
            return path.read_bytes()
    # Only without system zone files; importlib.resources costs start-up time (issue 14).
    import importlib.resources

    try:
        resource = importlib.resources.files("tzdata.zoneinfo").joinpath(*name.split("/"))
        return resource.read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return None


def localize(
    naive: dt.datetime, zone: str, *, offset: dt.timedelta | None = None
) -> pendulum.DateTime:
    """Attach ``zone`` to a wall-clock time, refusing times that DST makes impossible.

    A time in a DST gap raises :class:`LocalTimeError`. A time in a fold (it happens twice)
    needs ``offset`` to say which one is meant; without it, it raises too. A given
    ``offset`` must be one the zone really uses at that wall-clock time.
    """
    tz = zoneinfo.ZoneInfo(zone)
    naive = naive.replace(tzinfo=None)
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    off0, off1 = first.utcoffset(), second.utcoffset()
    if _roundtrips(first) is False and _roundtrips(second) is False:
        raise LocalTimeError(
            deferred.gettext(
                "%(time)s does not exist in %(zone)s (the clocks skip it for daylight saving time)",
                time=f"{naive:%Y-%m-%d %H:%M}",
                zone=zone,
            )
        )
    if off0 != off1 and _roundtrips(first) and _roundtrips(second):
        if offset is None:
            raise LocalTimeError(
                deferred.gettext(
                    "%(time)s happens twice in %(zone)s (the clocks go back); add the offset,"
                    " e.g. %(first)s for the first or %(second)s for the second",
                    time=f"{naive:%Y-%m-%d %H:%M}",
                    zone=zone,
                    first=_iso_offset(off0),
                    second=_iso_offset(off1),
                ),
                twice=True,
            )
        chosen = first if off0 == offset else second if off1 == offset else None
        if chosen is None:
            raise LocalTimeError(
                deferred.gettext(
                    "offset %(offset)s is not used by %(zone)s at %(time)s",
                    offset=_iso_offset(offset),
                    zone=zone,
                    time=str(naive),
                )
            )
        return pendulum.instance(chosen.astimezone(dt.UTC)).in_timezone(zone)
    if offset is not None and offset != off0:
        raise LocalTimeError(
            deferred.gettext(
                "offset %(offset)s does not match %(zone)s at %(time)s (it is %(zone_offset)s)",
                offset=_iso_offset(offset),
                zone=zone,
                time=f"{naive:%Y-%m-%d %H:%M}",
                zone_offset=_iso_offset(off0),
            )
        )
    return pendulum.instance(first.astimezone(dt.UTC)).in_timezone(zone)


def _roundtrips(aware: dt.datetime) -> bool:
    back = aware.astimezone(dt.UTC).astimezone(aware.tzinfo)
    return back.replace(tzinfo=None) == aware.replace(tzinfo=None)


def _iso_offset(offset: dt.timedelta | None) -> str:
    if offset is None:
        return "?"
    total = int(offset.total_seconds())
    sign = "+" if total >= 0 else "-"
    hours, minutes = divmod(abs(total) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def to_utc(instant: dt.datetime) -> pendulum.DateTime:
    """Convert an aware datetime to a UTC pendulum instant; naive input is an error."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"instant {instant!r} has no time zone")
    return pendulum.instance(instant.astimezone(dt.UTC)).in_timezone(UTC)


def _midnight(day: dt.date, zone: str) -> pendulum.DateTime:
    """The first instant of ``day`` in ``zone`` (midnight may not exist in some zones)."""
    wall = dt.datetime(day.year, day.month, day.day)
    # fold=0 is right in both DST cases. Midnight twice: the day starts at the first one.
    # Midnight skipped (Asia/Gaza, 1 April 2006): PEP 495 reads a time in a gap with the
    # offset from before the change, which gives the instant of the change itself, the
    # first one that exists (fold=1 would give 23:00 of the day before).
    return to_utc(wall.replace(tzinfo=zoneinfo.ZoneInfo(zone), fold=0))


@attrs.frozen(order=True)
@shared_value_methods(eq=False)
class Month:
    """A calendar month, for windows known only to the month."""

    year: int = attrs.field(
        validator=attrs.validators.and_(attrs.validators.ge(1), attrs.validators.le(9998))
    )
    month: int = attrs.field(
        validator=attrs.validators.and_(attrs.validators.ge(1), attrs.validators.le(12))
    )

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse ``YYYY-MM``."""
        parts = text.split("-")
        if len(parts) != 2 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
            raise MonthError(
                deferred.gettext(
                    "not a month %(text)s: write YYYY-MM, e.g. 2020-01", text=repr(text)
                )
            )
        try:
            return cls(int(parts[0]), int(parts[1]))
        except ValueError:
            raise MonthError(
                deferred.gettext(
                    "not a month %(text)s: the month must be 01 to 12", text=repr(text)
                )
            ) from None

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


class Window(Protocol):
    """What every time window can say about itself."""

    kind: ClassVar[str]

    @property
    def zone(self) -> str: ...

    @property
    def precision(self) -> Precision: ...

    def earliest(self) -> pendulum.DateTime | None:
        """The earliest instant the window may start, in UTC (None: not known)."""

    def latest(self) -> pendulum.DateTime | None:
        """The instant by which the window has surely ended (exclusive), in UTC."""

    def relation(self, instant: dt.datetime) -> Relation: ...

    def render(self, zone: str | None = None, language: str = "en") -> str: ...

    def to_data(self) -> dict[str, Any]:
        """The window as plain JSON values, tagged with ``kind`` (see :func:`window_from_data`)."""

    def describe(self) -> str:
        """A short language-neutral form, for history tables and logs."""

    def calendar_span(self) -> CalendarSpan | None:
        """The span a calendar entry covers, or None when the window has no date."""


class _Rendered:
    """``render()`` for every window kind: through the one :func:`render_window` registry."""

    __slots__ = ()
    zone: str

    def render(self, zone: str | None = None, language: str = "en") -> str:
        """The window for people, in ``zone`` (default: its own) and ``language``."""
        return render_window(self, known_zone(zone or self.zone), language)


@attrs.frozen(kw_only=True)
@shared_value_methods
class CalendarSpan:
    """What a calendar entry for a window covers.

    ``start`` and ``end`` are both aware instants (a timed entry) or both dates (an all-day
    entry, ``end`` exclusive, as iCalendar's DTEND wants it). ``end == start`` is a single
    instant (a cut-off). ``zone`` is the zone the instants are meant to be shown in.
    """

    start: dt.date
    end: dt.date
    zone: str

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, dt.datetime)

    @property
    def instant(self) -> bool:
        return self.start == self.end


@functools.singledispatch
def render_window(window: object, zone: str, language: str) -> str:
    """Render ``window`` for a reader in ``zone`` and ``language``, naming the zone.

    The registry of renderers, one per window kind, registered by
    :mod:`consultkit.domain.rendering` (see the module docstring).
    """
    raise TypeError(f"no renderer is registered for {type(window).__name__}")


def _iso_instant(instant: dt.datetime) -> str:
    return to_utc(instant).isoformat().replace("+00:00", "Z")


def _instant_from_iso(text: object, zone: str) -> pendulum.DateTime:
    if not isinstance(text, str):
        raise ValueError(f"not an instant: {text!r}")
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return to_utc(value).in_timezone(zone)


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ValueError(f"window data: {key!r} must be a string, got {value!r}")
    return value


def _relation(
    instant: dt.datetime,
    earliest: pendulum.DateTime | None,
    latest: pendulum.DateTime | None,
    *,
    certain: bool,
) -> Relation:
    at = to_utc(instant)
    if earliest is None or latest is None:
        return Relation.UNCERTAIN
    if at < earliest:
        return Relation.UPCOMING
    if at >= latest:
        return Relation.PAST
    return Relation.CURRENT if certain else Relation.UNCERTAIN


def _validate_zone(_instance: object, _attribute: object, value: str) -> None:
    check_zone(value)


@attrs.frozen(kw_only=True)
@shared_value_methods
class ExactWindow(_Rendered):
    """A range of exact wall-clock times in a named zone (phase I: 16:00–17:00 Geneva)."""

    kind: ClassVar[str] = "exact"
    start: pendulum.DateTime
    end: pendulum.DateTime
    zone: str = attrs.field(validator=_validate_zone)

    def __attrs_post_init__(self) -> None:
        if to_utc(self.end) <= to_utc(self.start):
            raise ValueError("the window ends before it starts")

    @property
    def precision(self) -> Precision:
        return Precision.MINUTE

    def earliest(self) -> pendulum.DateTime:
        return to_utc(self.start)

    def latest(self) -> pendulum.DateTime:
        return to_utc(self.end)

    def relation(self, instant: dt.datetime) -> Relation:
        return _relation(instant, self.earliest(), self.latest(), certain=True)

    def to_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "start": _iso_instant(self.start),
            "end": _iso_instant(self.end),
            "zone": self.zone,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ExactWindow:
        zone = _text(data, "zone")
        return cls(
            start=_instant_from_iso(data.get("start"), zone),
            end=_instant_from_iso(data.get("end"), zone),
            zone=zone,
        )

    def describe(self) -> str:
        start, end = (to_utc(t).strftime("%Y-%m-%d %H:%M") for t in (self.start, self.end))
        return f"{start} – {end} UTC"

    def calendar_span(self) -> CalendarSpan:
        # The instants as declared: whoever shows them converts once (no to_utc here).
        return CalendarSpan(start=self.start, end=self.end, zone=self.zone)


@attrs.frozen(kw_only=True)
@shared_value_methods
class DayWindow(_Rendered):
    """Whole days, first and last inclusive, as days of ``zone`` (phase III: 25–29 Nov)."""

    kind: ClassVar[str] = "days"
    first: dt.date
    last: dt.date
    zone: str = attrs.field(validator=_validate_zone)

    def __attrs_post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("the last day is before the first day")

    @property
    def precision(self) -> Precision:
        return Precision.DAY

    @property
    def end_exclusive(self) -> dt.date:
        """The day after the last one, as iCalendar's DTEND wants it."""
        return self.last + dt.timedelta(days=1)

    def earliest(self) -> pendulum.DateTime:
        return _midnight(self.first, self.zone)

    def latest(self) -> pendulum.DateTime:
        return _midnight(self.end_exclusive, self.zone)

    def relation(self, instant: dt.datetime) -> Relation:
        return _relation(instant, self.earliest(), self.latest(), certain=True)

    def to_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "zone": self.zone,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> DayWindow:
        return cls(
            first=dt.date.fromisoformat(_text(data, "first")),
            last=dt.date.fromisoformat(_text(data, "last")),
            zone=_text(data, "zone"),
        )

    def describe(self) -> str:
        first, last = self.first.isoformat(), self.last.isoformat()
        return first if first == last else f"{first} – {last}"

    def calendar_span(self) -> CalendarSpan:
        return CalendarSpan(start=self.first, end=self.end_exclusive, zone=self.zone)


@attrs.frozen(kw_only=True)
@shared_value_methods
class MonthWindow(_Rendered):
    """A fuzzy range known only to the month ("January/February 2020"); no day is invented."""

    kind: ClassVar[str] = "months"
    first: Month
    last: Month
    zone: str = attrs.field(validator=_validate_zone)

    def __attrs_post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("the last month is before the first month")

    @property
    def precision(self) -> Precision:
        return Precision.MONTH

    def earliest(self) -> pendulum.DateTime:
        return _midnight(self.first.first_day(), self.zone)

    def latest(self) -> pendulum.DateTime:
        return _midnight(self.last.next().first_day(), self.zone)

    def relation(self, instant: dt.datetime) -> Relation:
        return _relation(instant, self.earliest(), self.latest(), certain=False)

    def to_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "first": str(self.first),
            "last": str(self.last),
            "zone": self.zone,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> MonthWindow:
        return cls(
            first=Month.parse(_text(data, "first")),
            last=Month.parse(_text(data, "last")),
            zone=_text(data, "zone"),
        )

    def describe(self) -> str:
        first, last = str(self.first), str(self.last)
        return first if first == last else f"{first} – {last}"

    def calendar_span(self) -> CalendarSpan:
        """The whole months: no day is invented (the precision says the span is fuzzy)."""
        return CalendarSpan(
            start=self.first.first_day(), end=self.last.next().first_day(), zone=self.zone
        )


@attrs.frozen(kw_only=True)
@shared_value_methods
class Deadline(_Rendered):
    """A deadline that says its rule: a day, a cut-off rule and the zone the day belongs to.

    ``end-of-day`` (the default) accepts everything before midnight at the end of ``day`` in
    ``zone``; ``anywhere-on-earth`` before midnight at UTC-12; ``at-time`` before ``time``
    on ``day`` in ``zone``. As a window, a deadline is the single instant of its cut-off.
    """

    kind: ClassVar[str] = "deadline"
    day: dt.date
    rule: CutoffRule = CutoffRule.END_OF_DAY
    time: dt.time | None = None
    zone: str = attrs.field(validator=_validate_zone)

    def __attrs_post_init__(self) -> None:
        if (self.rule is CutoffRule.AT_TIME) != (self.time is not None):
            raise ValueError("a time goes with the at-time rule, and only with it")
        if self.time is not None:
            localize(dt.datetime.combine(self.day, self.time), self.zone)

    @property
    def precision(self) -> Precision:
        return Precision.MINUTE

    def cutoff(self) -> pendulum.DateTime:
        """The first instant that is too late, in UTC."""
        if self.rule is CutoffRule.END_OF_DAY:
            return _midnight(self.day + dt.timedelta(days=1), self.zone)
        if self.rule is CutoffRule.ANYWHERE_ON_EARTH:
            next_day = self.day + dt.timedelta(days=1)
            return pendulum.datetime(next_day.year, next_day.month, next_day.day, 12, tz=UTC)
        assert self.time is not None
        return to_utc(localize(dt.datetime.combine(self.day, self.time), self.zone))

    def is_met_by(self, instant: dt.datetime) -> bool:
        """True when something arriving at ``instant`` is on time."""
        return to_utc(instant) < self.cutoff()

    def earliest(self) -> pendulum.DateTime:
        return self.cutoff()

    def latest(self) -> pendulum.DateTime:
        return self.cutoff()

    def relation(self, instant: dt.datetime) -> Relation:
        return Relation.UPCOMING if self.is_met_by(instant) else Relation.PAST

    def to_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "day": self.day.isoformat(),
            "rule": self.rule.value,
            "time": None if self.time is None else self.time.isoformat(),
            "zone": self.zone,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Deadline:
        time = data.get("time")
        return cls(
            day=dt.date.fromisoformat(_text(data, "day")),
            rule=CutoffRule(data.get("rule", CutoffRule.END_OF_DAY.value)),
            time=None if time is None else dt.time.fromisoformat(_text(data, "time")),
            zone=_text(data, "zone"),
        )

    def describe(self) -> str:
        day = self.day.isoformat()
        return f"{day} {self.time.isoformat()}" if self.time is not None else f"{day} ({self.rule})"

    def calendar_span(self) -> CalendarSpan:
        """The cut-off instant for ``at-time``; otherwise the whole day the deadline names."""
        if self.rule is CutoffRule.AT_TIME:
            cutoff = self.cutoff()
            return CalendarSpan(start=cutoff, end=cutoff, zone=self.zone)
        return CalendarSpan(start=self.day, end=self.day + dt.timedelta(days=1), zone=self.zone)


@attrs.frozen(kw_only=True)
@shared_value_methods
class Unscheduled(_Rendered):
    """No date is known yet ("to be announced"); the window claims nothing."""

    kind: ClassVar[str] = "unscheduled"
    zone: str = attrs.field(validator=_validate_zone)

    @property
    def precision(self) -> Precision:
        return Precision.UNKNOWN

    def earliest(self) -> None:
        return None

    def latest(self) -> None:
        return None

    def relation(self, instant: dt.datetime) -> Relation:
        to_utc(instant)
        return Relation.UNCERTAIN

    def to_data(self) -> dict[str, Any]:
        return {"kind": self.kind, "zone": self.zone}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Unscheduled:
        return cls(zone=_text(data, "zone"))

    def describe(self) -> str:
        return "unscheduled"

    def calendar_span(self) -> None:
        return None


AnyWindow: TypeAlias = ExactWindow | DayWindow | MonthWindow | Deadline | Unscheduled
WindowKind = Literal["exact", "days", "months", "deadline", "unscheduled"]

WINDOW_TYPES: dict[str, type[AnyWindow]] = {
    cls.kind: cls for cls in (ExactWindow, DayWindow, MonthWindow, Deadline, Unscheduled)
}
"""Every window kind by its tag; the one list a new kind is added to."""


def window_from_data(data: Mapping[str, Any]) -> AnyWindow:
    """The window whose :meth:`to_data` gave ``data``; ``ValueError`` when it is not one."""
    kind = data.get("kind") if isinstance(data, Mapping) else None
    cls = WINDOW_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"not window data: {data!r}")
    try:
        return cls.from_data(data)
    except (TypeError, OverflowError) as exc:
        raise ValueError(f"not {kind!r} window data: {exc}") from None


def sort_key(window: AnyWindow) -> tuple[int, float]:
    """Order windows by earliest start; unscheduled ones go last."""
    earliest = window.earliest()
    return (1, 0.0) if earliest is None else (0, earliest.timestamp())
