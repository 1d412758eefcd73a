"""Render time windows for people, in any zone and language, always naming the zone.

Dates and times come from babel (CLDR), so every language babel knows works; the few
connecting phrases ("end of", "Anywhere on Earth", "to be announced") come from the
catalogue (:mod:`consultkit.i18n`), complete in the six UN languages. When the reader's zone is not
UTC, exact instants are also given in UTC, because a reader comparing with someone
elsewhere needs one common clock.

Each ``render_*`` function is registered for its window kind on
:func:`consultkit.domain.windows.render_window`, the one registry every rendering goes
through (``window.render(zone, language)`` and :func:`render` both call it). A new window
kind adds its renderer here with ``@render_window.register``. :func:`render_brief`, the
shorter form messages use, needs nothing per kind: it works from what every window says
(its bounds, precision and calendar span).

babel is imported inside the functions that use it: importing it costs more than the
whole of ``consultkit --version`` (``benchmarks/bench_startup.py``).
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from typing import TYPE_CHECKING, Literal

from consultkit.domain.windows import (
    CutoffRule,
    DayWindow,
    Deadline,
    ExactWindow,
    MonthWindow,
    Precision,
    Unscheduled,
    render_window,
    to_utc,
)
from consultkit.domain.zones import known_zone
from consultkit.errors import InvalidValueError, UnknownLanguageError
from consultkit.i18n import LANGUAGES, deferred, messages

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import pendulum
    from babel import Locale

    from consultkit.domain.windows import AnyWindow

__all__ = [
    "babel_locale",
    "check_language",
    "listed",
    "render",
    "render_brief",
    "render_days",
    "render_deadline",
    "render_duration",
    "render_exact",
    "render_instant",
    "render_list",
    "render_months",
    "render_number",
    "render_unscheduled",
    "zone_label",
]

# UN documents write English dates the British way ("4 June 2019").
_LOCALE_FOR = {"en": "en_GB"}


@functools.cache
def _locale(language: str) -> Locale:
    from babel import Locale, UnknownLocaleError

    name = _LOCALE_FOR.get(language, language).replace("-", "_")
    try:
        return Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        base = name.split("_", 1)[0]
        try:
            return Locale.parse(_LOCALE_FOR.get(base, base))
        except (UnknownLocaleError, ValueError):
            # Rendering English for a language nobody knows hid typos ("sp" for "es")
            # until a reader saw the wrong language (issue 13).
            raise UnknownLanguageError(
                deferred.gettext(
                    "unknown language %(language)r: use a language tag babel knows, such as"
                    " %(known)s (the UN languages consultkit speaks)",
                    language=language,
                    known=listed(LANGUAGES),
                )
            ) from None


def check_language(language: str) -> str:
    """Return ``language`` if babel can format dates in it, else raise
    :class:`~consultkit.errors.InvalidValueError` (a ``ValueError``)."""
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        raise InvalidValueError(
            deferred.gettext(
                "unknown language %(language)s: use a tag such as en, fr, es, ru, zh, ar",
                language=repr(language),
            )
        ) from None
    return language


def zone_label(instant: dt.datetime, zone: str) -> str:
    """The zone's abbreviation at ``instant`` (``CEST``) or, lacking a real one, its name."""
    abbreviation = to_utc(instant).in_timezone(zone).tzname() or ""
    if zone == "UTC":
        return "UTC"
    if abbreviation.isalpha() and abbreviation.isupper():
        return abbreviation
    return zone


def _date(day: dt.date, language: str) -> str:
    from babel.dates import format_date

    return str(format_date(day, format="long", locale=_locale(language)))


def _time(instant: pendulum.DateTime, seconds: bool = False) -> str:
    return instant.strftime("%H:%M:%S" if seconds else "%H:%M")


def render(window: AnyWindow, zone: str | None = None, language: str = "en") -> str:
    """Render ``window`` for a reader in ``zone`` (default: the window's own) and ``language``."""
    return render_window(window, known_zone(zone or window.zone), language)


# Handlers register by class: by annotation, singledispatch would resolve each one's
# postponed hints when the module is imported (issue 14: 5 ms of every verb).
@render_window.register(ExactWindow)
def render_exact(window: ExactWindow, zone: str, language: str) -> str:
    """``4 June 2019, 16:00–17:00 CEST (14:00–15:00 UTC)``."""
    start, end = window.earliest(), window.latest()
    text = _span(start, end, zone, language)
    if zone != "UTC":
        same_days = (start.in_timezone(zone).date(), end.in_timezone(zone).date()) == (
            start.date(),
            end.date(),
        )
        text += f" ({_span(start, end, 'UTC', language, with_date=not same_days)})"
    return text


def _span(
    start: pendulum.DateTime,
    end: pendulum.DateTime,
    zone: str,
    language: str,
    *,
    with_date: bool = True,
) -> str:
    local_start = start.in_timezone(zone)
    local_end = end.in_timezone(zone)
    start_label, end_label = zone_label(start, zone), zone_label(end, zone)
    if local_start.date() == local_end.date() and start_label == end_label:
        times = f"{_time(local_start)}–{_time(local_end)} {end_label}"
        day = _date(local_start.date(), language)
        return _date_and_time(day, times, language) if with_date else times
    first = _date(local_start.date(), language)
    last = _date(local_end.date(), language)
    return (
        f"{_date_and_time(first, f'{_time(local_start)} {start_label}', language)} – "
        f"{_date_and_time(last, f'{_time(local_end)} {end_label}', language)}"
    )


def _date_and_time(day: str, time: str, language: str) -> str:
    """A date and a time of day joined as the language joins them (Arabic with ``،``)."""
    return messages(language).pgettext("date and time", "%(date)s, %(time)s", date=day, time=time)


@render_window.register(DayWindow)
def render_days(window: DayWindow, zone: str, language: str) -> str:
    """``25–29 November 2019 (whole days, Europe/Zurich)``, plus the reader's clock if other."""
    from babel.dates import format_interval

    if window.first == window.last:
        days = _date(window.first, language)
    else:
        days = str(format_interval(window.first, window.last, "yMMMMd", locale=_locale(language)))
    text = messages(language).gettext(
        "%(days)s (whole days, %(zone)s)", days=days, zone=window.zone
    )
    if zone != window.zone:
        text += f"; {_span(window.earliest(), window.latest(), zone, language)}"
    return text


@render_window.register(MonthWindow)
def render_months(window: MonthWindow, zone: str, language: str) -> str:
    """``January–February 2020 (day not yet known, Europe/Zurich)``; no day is invented."""
    from babel.dates import format_interval, format_skeleton

    locale = _locale(language)
    first, last = window.first.first_day(), window.last.first_day()
    if first == last:
        # The locale's own pattern for a month of a year (zh: 2020年1月, es: enero de 2020),
        # not a fixed "LLLL y", which gives "一月 2020".
        months = str(format_skeleton("yMMMM", first, locale=locale))
    else:
        months = str(format_interval(first, last, "yMMMM", locale=locale))
    return messages(language).gettext(
        "%(months)s (day not yet known, %(zone)s)", months=months, zone=window.zone
    )


@render_window.register(Deadline)
def render_deadline(window: Deadline, zone: str, language: str) -> str:
    """``end of 3 February 2020, Europe/Zurich (last moment 23:59:59 CET = 22:59:59 UTC)``."""
    words = messages(language)
    cutoff = window.cutoff()
    last = cutoff.subtract(seconds=1)
    day = _date(window.day, language)
    if window.rule is CutoffRule.END_OF_DAY:
        head = words.gettext("end of %(date)s, %(zone)s", date=day, zone=window.zone)
    elif window.rule is CutoffRule.ANYWHERE_ON_EARTH:
        head = words.gettext("end of %(date)s, Anywhere on Earth (UTC−12)", date=day)
    else:
        assert window.time is not None
        local = cutoff.in_timezone(window.zone)
        head = words.gettext(
            "%(date)s, until %(time)s %(abbreviation)s, %(zone)s",
            date=day,
            time=_time(local),
            abbreviation=zone_label(cutoff, window.zone),
            zone=window.zone,
        )
    clocks: list[str] = []
    for shown in dict.fromkeys((window.zone, zone, "UTC")):
        if window.rule is CutoffRule.ANYWHERE_ON_EARTH and shown == window.zone != zone:
            continue
        local = last.in_timezone(shown)
        stamp = _time(local, seconds=True)
        if local.date() != window.day:
            stamp = f"{_date(local.date(), language)} {stamp}"
        clocks.append(f"{stamp} {zone_label(last, shown)}")
    clock_text = " = ".join(clocks)
    return words.gettext("%(deadline)s (last moment %(clocks)s)", deadline=head, clocks=clock_text)


@render_window.register(Unscheduled)
def render_unscheduled(window: Unscheduled, zone: str, language: str) -> str:
    """``to be announced``."""
    _locale(language)  # no date to format, but an unknown language is still a mistake
    return messages(language).gettext("to be announced")


def render_brief(window: AnyWindow, language: str) -> str:
    """A window as a message states it: its dates, or its times in its zone, naming the zone.

    ``20 June 2019, 17:00 – 18:00 (Europe/Zurich)``, ``28 February 2020``, ``January
    2020 – February 2020``; an instant (a deadline's cut-off) is a date and time; a window
    without a date gives :meth:`describe`. Dates follow the language's own conventions
    (babel's locale for it, English when babel does not know it); no UTC is added, so the
    line stays short.
    """
    from babel.dates import format_date, format_time

    locale = babel_locale(language)
    zone = window.zone
    earliest, latest = window.earliest(), window.latest()
    span = window.calendar_span()
    if earliest is None or latest is None or span is None:
        return window.describe()
    if earliest == latest:
        return _moment(earliest, zone, locale)
    if window.precision is Precision.MINUTE:
        tz = zoneinfo.ZoneInfo(zone)
        begin, end = _plain(earliest, tz), _plain(latest, tz)
        if begin.date() != end.date():
            return f"{_moment(earliest, zone, locale)} – {_moment(latest, zone, locale)}"
        day = format_date(begin.date(), "long", locale=locale)
        hours = " – ".join(format_time(t, "short", tzinfo=tz, locale=locale) for t in (begin, end))
        return f"{_date_and_time(str(day), hours, language)} ({zone})"
    first, last = span.start, span.end - dt.timedelta(days=1)
    if window.precision is Precision.DAY:
        text = str(format_date(first, "long", locale=locale))
        if last != first:
            text += f" – {format_date(last, 'long', locale=locale)}"
        return text
    months = dict.fromkeys((first.replace(day=1), last.replace(day=1)))
    return " – ".join(str(format_date(m, "LLLL y", locale=locale)) for m in months)


def babel_locale(language: str) -> str:
    """The babel locale for ``language`` (``ar-EG`` → ``ar_EG``), ``en`` when babel lacks it."""
    from babel import Locale, UnknownLocaleError

    name = language.replace("-", "_")
    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return "en"
    return name


def _plain(instant: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """``instant`` as a stdlib datetime in ``tz`` (babel formats these, not pendulum's)."""
    u = to_utc(instant)
    return dt.datetime(
        u.year, u.month, u.day, u.hour, u.minute, u.second, tzinfo=dt.UTC
    ).astimezone(tz)


def _moment(instant: dt.datetime, zone: str, locale: str) -> str:
    from babel.dates import format_datetime

    tz = zoneinfo.ZoneInfo(zone)
    text = format_datetime(_plain(instant, tz), "long", tzinfo=tz, locale=locale)
    # The long format already ends in the zone's abbreviation; "UTC (UTC)" says it twice.
    return text if zone == "UTC" else f"{text} ({zone})"


def render_instant(instant: dt.datetime, zone: str, language: str) -> str:
    """``17 April 2020 at 23:59:00 CEST (Europe/Zurich)``, as ``language`` writes it.

    A message's instant: never a ``datetime`` repr, always the zone; ``UTC`` is said once.
    """
    return _moment(instant, zone, babel_locale(language))


_Unit = Literal["day", "hour", "minute", "second"]
_UNITS: tuple[tuple[_Unit, int], ...] = (("day", 86_400), ("hour", 3600), ("minute", 60))


def render_duration(seconds: float, language: str) -> str:
    """``1 day, 2 hours, 5 minutes`` as ``language`` says it (never ``1 day, 2:05:00``).

    Whole days, hours and minutes, each named by babel (CLDR); seconds only when the
    duration is shorter than an hour.
    """
    from babel.dates import format_timedelta
    from babel.lists import format_list

    locale = babel_locale(language)
    rest = max(int(seconds), 0)
    amounts: list[tuple[int, _Unit]] = []
    for unit, size in _UNITS:
        amount, rest = divmod(rest, size)
        amounts.append((amount, unit))
    if int(seconds) < 3600:
        amounts.append((rest, "second"))
    sizes: dict[_Unit, int] = {**dict(_UNITS), "second": 1}
    texts = [
        str(
            format_timedelta(
                dt.timedelta(seconds=amount * sizes[unit]),
                granularity=unit,
                threshold=10**9,
                locale=locale,
            )
        )
        for amount, unit in amounts
        if amount
    ]
    if not texts:
        return str(format_timedelta(dt.timedelta(0), granularity="second", locale=locale))
    return str(format_list(texts, locale=locale))


def render_number(number: float, language: str) -> str:
    """``10,000,000`` as ``language`` groups digits (``10 000 000`` in French), by babel;
    a fraction keeps up to three decimals in the language's mark (``2,5`` in French)."""
    from babel.numbers import format_decimal

    return str(format_decimal(number, locale=babel_locale(language)))


def render_list(items: Sequence[str], language: str) -> str:
    """``a, b, c`` as ``language`` lists values (``a, b et c`` in French), by babel (CLDR).

    English keeps the plain comma list its refusals always gave (CLDR's "unit" list); the
    other languages take their standard list, because CLDR's unit lists are missing
    (Spanish) or broken (Arabic repeats an item, Chinese has no separator) in babel.
    """
    from babel.lists import format_list

    if not items:
        return ""
    locale = babel_locale(language)
    if locale.split("_", 1)[0] == "en":
        return str(format_list(list(items), style="unit", locale=locale))
    return str(format_list(list(items), locale=locale))


def listed(items: Sequence[str]) -> Callable[[str], str]:
    """``items`` as a value of a deferred :class:`~consultkit.i18n.Text`: joined by
    :func:`render_list` in the reader's language, once it is known."""
    return functools.partial(render_list, tuple(items))
