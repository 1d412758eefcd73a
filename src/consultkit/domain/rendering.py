"""Render time windows for people, in any zone and language, always naming the zone.

Dates and times come from babel (CLDR), so every language babel knows works; the few
connecting phrases ("end of", "Anywhere on Earth", "to be announced") come from a small
table for the six UN languages, falling back to English. When the reader's zone is not
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
from typing import TYPE_CHECKING

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
from consultkit.errors import UnknownLanguageError

if TYPE_CHECKING:
    import pendulum
    from babel import Locale

    from consultkit.domain.windows import AnyWindow

__all__ = [
    "PHRASES",
    "check_language",
    "phrase",
    "render",
    "render_brief",
    "render_days",
    "render_deadline",
    "render_exact",
    "render_months",
    "render_unscheduled",
    "zone_label",
]

#: Connecting phrases by language; ``{x}`` placeholders are filled by the renderers.
PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "end_of": "end of {date}",
        "aoe": "Anywhere on Earth",
        "last_moment": "last moment",
        "until": "until {time}",
        "tba": "to be announced",
        "day_unknown": "day not yet known",
        "whole_days": "whole days",
        "zone_time": "{zone} time",
    },
    "fr": {
        "end_of": "fin du {date}",
        "aoe": "n’importe où sur Terre",
        "last_moment": "dernier moment",
        "until": "jusqu’à {time}",
        "tba": "à annoncer",
        "day_unknown": "jour encore inconnu",
        "whole_days": "journées entières",
        "zone_time": "heure de {zone}",
    },
    "es": {
        "end_of": "fin del {date}",
        "aoe": "en cualquier lugar de la Tierra",
        "last_moment": "último momento",
        "until": "hasta las {time}",
        "tba": "por anunciar",
        "day_unknown": "día aún no conocido",
        "whole_days": "días completos",
        "zone_time": "hora de {zone}",
    },
    "ru": {
        "end_of": "конец дня {date}",
        "aoe": "в любой точке Земли",
        "last_moment": "последний момент",
        "until": "до {time}",
        "tba": "будет объявлено",
        "day_unknown": "день пока неизвестен",
        "whole_days": "полные дни",
        "zone_time": "время {zone}",
    },
    "zh": {
        "end_of": "{date}结束时",
        "aoe": "地球上任何地方",
        "last_moment": "最后时刻",
        "until": "截至{time}",
        "tba": "待公布",
        "day_unknown": "具体日期待定",
        "whole_days": "全天",
        "zone_time": "{zone}时间",
    },
    "ar": {
        "end_of": "نهاية يوم {date}",
        "aoe": "في أي مكان على الأرض",
        "last_moment": "آخر لحظة",
        "until": "حتى {time}",
        "tba": "سيُعلن لاحقاً",
        "day_unknown": "اليوم غير معروف بعد",
        "whole_days": "أيام كاملة",
        "zone_time": "توقيت {zone}",
    },
}

# UN documents write English dates the British way ("4 June 2019").
_LOCALE_FOR = {"en": "en_GB"}


def phrase(key: str, language: str, **values: str) -> str:
    """A connecting phrase in ``language`` (or its base language, or English)."""
    base = language.split("-", 1)[0].split("_", 1)[0].lower()
    table = PHRASES.get(language) or PHRASES.get(base) or PHRASES["en"]
    return table.get(key, PHRASES["en"][key]).format(**values)


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
            known = ", ".join(sorted(PHRASES))
            raise UnknownLanguageError(
                f"unknown language {language!r}: use a language tag babel knows, such as"
                f" {known} (the UN languages consultkit has phrases for)"
            ) from None


def check_language(language: str) -> str:
    """Return ``language`` if babel can format dates in it, else raise ``ValueError``."""
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        raise ValueError(
            f"unknown language {language!r}: use a tag such as en, fr, es, ru, zh, ar"
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


@render_window.register
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
        return f"{_date(local_start.date(), language)}, {times}" if with_date else times
    return (
        f"{_date(local_start.date(), language)}, {_time(local_start)} {start_label} – "
        f"{_date(local_end.date(), language)}, {_time(local_end)} {end_label}"
    )


@render_window.register
def render_days(window: DayWindow, zone: str, language: str) -> str:
    """``25–29 November 2019 (whole days, Europe/Zurich)``, plus the reader's clock if other."""
    from babel.dates import format_interval

    if window.first == window.last:
        days = _date(window.first, language)
    else:
        days = str(format_interval(window.first, window.last, "yMMMMd", locale=_locale(language)))
    text = f"{days} ({phrase('whole_days', language)}, {window.zone})"
    if zone != window.zone:
        text += f"; {_span(window.earliest(), window.latest(), zone, language)}"
    return text


@render_window.register
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
    return f"{months} ({phrase('day_unknown', language)}, {window.zone})"


@render_window.register
def render_deadline(window: Deadline, zone: str, language: str) -> str:
    """``end of 3 February 2020, Europe/Zurich (last moment 23:59:59 CET = 22:59:59 UTC)``."""
    cutoff = window.cutoff()
    last = cutoff.subtract(seconds=1)
    day = _date(window.day, language)
    if window.rule is CutoffRule.END_OF_DAY:
        head = f"{phrase('end_of', language, date=day)}, {window.zone}"
    elif window.rule is CutoffRule.ANYWHERE_ON_EARTH:
        head = f"{phrase('end_of', language, date=day)}, {phrase('aoe', language)} (UTC−12)"
    else:
        assert window.time is not None
        local = cutoff.in_timezone(window.zone)
        until = phrase("until", language, time=_time(local))
        head = f"{day}, {until} {zone_label(cutoff, window.zone)}, {window.zone}"
    clocks: list[str] = []
    for shown in dict.fromkeys((window.zone, zone, "UTC")):
        if window.rule is CutoffRule.ANYWHERE_ON_EARTH and shown == window.zone != zone:
            continue
        local = last.in_timezone(shown)
        stamp = _time(local, seconds=True)
        if local.date() != window.day:
            stamp = f"{_date(local.date(), language)} {stamp}"
        clocks.append(f"{stamp} {zone_label(last, shown)}")
    return f"{head} ({phrase('last_moment', language)} {' = '.join(clocks)})"


@render_window.register
def render_unscheduled(window: Unscheduled, zone: str, language: str) -> str:
    """``to be announced``."""
    _locale(language)  # no date to format, but an unknown language is still a mistake
    return phrase("tba", language)


def render_brief(window: AnyWindow, language: str) -> str:
    """A window as a message states it: its dates, or its times in its zone, naming the zone.

    ``20 June 2019, 17:00 – 18:00 (Europe/Zurich)``, ``28 February 2020``, ``January
    2020 – February 2020``; an instant (a deadline's cut-off) is a date and time; a window
    without a date gives :meth:`describe`. Dates follow the language's own conventions
    (babel's locale for it, English when babel does not know it); no UTC is added, so the
    line stays short.
    """
    from babel.dates import format_date, format_time

    locale = _message_locale(language)
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
        return f"{day}, {hours} ({zone})"
    first, last = span.start, span.end - dt.timedelta(days=1)
    if window.precision is Precision.DAY:
        text = str(format_date(first, "long", locale=locale))
        if last != first:
            text += f" – {format_date(last, 'long', locale=locale)}"
        return text
    months = dict.fromkeys((first.replace(day=1), last.replace(day=1)))
    return " – ".join(str(format_date(m, "LLLL y", locale=locale)) for m in months)


def _message_locale(language: str) -> str:
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
    return f"{text} ({zone})"
