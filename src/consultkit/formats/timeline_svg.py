"""Draw a consultation's schedule as a standalone SVG timeline picture for reports.

One row per schedule item under a horizontal time axis with month ticks: a solid bar for a
window known to the minute or to the day, a hatched, faded bar for a window known only to
the month (no day is invented), a diamond at the cut-off of a deadline, and the words "to
be announced" for an item without dates. Tentative items get a dashed outline, cancelled
ones are grey and struck through. A legend explains the marks.

The picture is drawn with :mod:`xml.etree.ElementTree`, which escapes every text and
attribute; characters XML 1.0 forbids are dropped first. The output depends only on the
items and options (no clock, no random ids), so it can be committed and diffed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
import xml.etree.ElementTree as ET
import zoneinfo
from typing import TYPE_CHECKING, Final

import attrs

from consultkit.domain.bidi import is_rtl, isolate_latin
from consultkit.domain.model import ItemStatus
from consultkit.domain.windows import to_utc
from consultkit.i18n import messages

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from consultkit.domain.model import Consultation
    from consultkit.domain.schedule import ScheduleItem

SVG_NS: Final = "http://www.w3.org/2000/svg"
_CAMEL: Final = frozenset({"patternUnits", "patternTransform", "viewBox"})

WIDTH: Final = 1000
LABEL_WIDTH: Final = 300
RIGHT_MARGIN: Final = 24
AXIS_Y: Final = 70
ROW_HEIGHT: Final = 26
BAR_HEIGHT: Final = 14
MAX_LABEL_CHARS: Final = 44
MAX_TITLE_CHARS: Final = 110
LEGEND_COLUMN: Final = 6.5
"""About how wide one column of 11 px legend text is (a wide character takes two)."""

COLOURS: Final[dict[str, str]] = {
    "phase": "#2b6cb0",
    "event": "#2f855a",
    "deadline": "#c53030",
    "review": "#6b46c1",
}
CANCELLED_COLOUR: Final = "#a0aec0"
NOW_COLOUR: Final = "#d69e2e"

# XML 1.0 allows tab, newline, carriage return and everything from U+0020 except
# surrogates and U+FFFE/U+FFFF; anything else makes the document unreadable.
_XML_FORBIDDEN: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (escaping is ElementTree's job)."""
    return _XML_FORBIDDEN.sub("", text)


def _fmt(value: float) -> str:
    # One decimal keeps the file small and the output identical across runs and machines.
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@attrs.frozen
class _Frame:
    """Where things go across the picture: left to right, or mirrored for right to left.

    Everything is laid out left to right; a mirrored frame flips each x (and each box's
    left edge) about the middle, so time runs right to left and the labels sit on the right.
    """

    rtl: bool
    language: str

    def x(self, value: float) -> str:
        return _fmt(WIDTH - value if self.rtl else value)

    def box(self, left: float, width: float) -> str:
        return _fmt(WIDTH - left - width if self.rtl else left)

    def say(self, text: str) -> str:
        # Latin fragments (a zone name, a time) isolated in right-to-left text.
        return isolate_latin(text, self.language)


def _width(char: str) -> int:
    # Chinese (and other East Asian wide) characters take about two Latin letters' room.
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _short(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    """``text`` on one line, cut with "…" to ``limit`` columns (a wide character is two)."""
    text = " ".join(text.split())
    if sum(_width(c) for c in text) <= limit:
        return text
    kept, used = [], 1  # the ellipsis takes one column
    for char in text:
        used += _width(char)
        if used > limit:
            break
        kept.append(char)
    return "".join(kept) + "…"


def _month_starts(first: dt.datetime, last: dt.datetime, zone: str) -> list[tuple[dt.date, float]]:
    """The first day of every month from ``first``'s to the one after ``last``, with instants."""
    tz = zoneinfo.ZoneInfo(zone)
    start_local = first.astimezone(tz)
    end_local = last.astimezone(tz)
    year, month = start_local.year, start_local.month
    months: list[tuple[dt.date, float]] = []
    while True:
        day = dt.date(year, month, 1)
        instant = dt.datetime(year, month, 1, tzinfo=tz).timestamp()
        months.append((day, instant))
        if instant > end_local.timestamp():
            break
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if len(months) < 2:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        months.append((dt.date(year, month, 1), dt.datetime(year, month, 1, tzinfo=tz).timestamp()))
    return months


def _month_label(day: dt.date, language: str, with_year: bool) -> str:
    from babel.core import UnknownLocaleError
    from babel.dates import format_date

    pattern = "MMM y" if with_year else "MMM"
    try:
        return str(format_date(day, pattern, locale=language.replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        return str(format_date(day, pattern, locale="en"))


def _sub(
    parent: ET.Element,
    tag: str,
    text: str | None = None,
    *,
    cls: str | None = None,
    **attributes: str,
) -> ET.Element:
    # Keyword names use _ where SVG attributes use - (stroke_width -> stroke-width).
    names = {k if k in _CAMEL else k.replace("_", "-"): v for k, v in attributes.items()}
    if cls is not None:
        names["class"] = cls
    element = ET.SubElement(parent, tag, names)
    if text is not None:
        element.text = xml_text(text)
    return element


def _defs(svg: ET.Element) -> None:
    defs = _sub(svg, "defs")
    for kind, colour in COLOURS.items():
        pattern = _sub(
            defs,
            "pattern",
            id=f"hatch-{kind}",
            width="6",
            height="6",
            patternUnits="userSpaceOnUse",
            patternTransform="rotate(45)",
        )
        _sub(pattern, "rect", width="6", height="6", fill=colour, fill_opacity="0.15")
        _sub(pattern, "line", x1="0", y1="0", x2="0", y2="6", stroke=colour, stroke_width="2.5")


def _month_day(instant: dt.datetime, zone: str, language: str) -> str:
    from babel.core import UnknownLocaleError
    from babel.dates import format_date

    day = instant.astimezone(zoneinfo.ZoneInfo(zone)).date()
    try:
        return str(format_date(day, "long", locale=language.replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        return str(format_date(day, "long", locale="en"))


def _description(
    items: Sequence[ScheduleItem],
    bounds: Sequence[tuple[dt.datetime, dt.datetime]],
    *,
    zone: str,
    language: str,
) -> str:
    """The picture's ``<desc>``: what it shows, for a screen reader."""
    words = messages(language)
    if not bounds:
        return words.gettext("No item has dates yet.")
    first = _month_day(min(b[0] for b in bounds), zone, language)
    last = _month_day(max(b[1] for b in bounds), zone, language)
    return words.ngettext(
        "%(num)s item from %(first)s to %(last)s, one row each; times in %(zone)s.",
        "%(num)s items from %(first)s to %(last)s, one row each; times in %(zone)s.",
        len(items),
        first=first,
        last=last,
        zone=zone,
    )


def draw_timeline(
    consultation: Consultation,
    items: Sequence[ScheduleItem],
    *,
    language: str,
    now: dt.datetime | None = None,
) -> bytes:
    """Draw ``items`` as an SVG document (UTF-8 bytes with an XML declaration).

    For a right-to-left language the picture is mirrored: time runs from right to left,
    the labels and the legend sit on the right, and Latin fragments in the text are
    isolated (:func:`consultkit.domain.bidi.isolate_latin`).
    """
    zone = consultation.zone
    frame = _Frame(rtl=is_rtl(language), language=language)
    scheduled = [i for i in items if i.window.earliest() is not None]
    bounds = [
        (to_utc(e), to_utc(lt))
        for i in scheduled
        if (e := i.window.earliest()) is not None and (lt := i.window.latest()) is not None
    ]
    rows_top = AXIS_Y + 8
    rows_bottom = rows_top + ROW_HEIGHT * max(len(items), 1)
    legend_y = rows_bottom + 28
    height = legend_y + 24

    attributes = {
        "xmlns": SVG_NS,
        "width": str(WIDTH),
        "height": str(height),
        "viewBox": f"0 0 {WIDTH} {height}",
        # An image with a name (its <title>) and a description (its <desc>): the data
        # table of the HTML page says the same in rows.
        "role": "img",
        "aria-labelledby": "timeline-title timeline-desc",
        "lang": language,
        "font-family": "sans-serif",
        "font-size": "12",
        # Embedded in a narrow page, the picture shrinks to fit instead of overflowing.
        "style": "max-width: 100%; height: auto",
    }
    if frame.rtl:
        # Text anchored at its start now starts on the right.
        attributes["direction"] = "rtl"
    svg = ET.Element("svg", attributes)
    title_text = consultation.title(language)
    words = messages(language)
    _sub(
        svg,
        "title",
        frame.say(f"{title_text}: {words.gettext('Timeline')}"),
        id="timeline-title",
    )
    _sub(
        svg,
        "desc",
        frame.say(_description(items, bounds, zone=zone, language=language)),
        id="timeline-desc",
    )
    _defs(svg)
    _sub(svg, "rect", x="0", y="0", width=str(WIDTH), height=str(height), fill="#ffffff")
    _sub(
        svg,
        "text",
        frame.say(_short(title_text, MAX_TITLE_CHARS)),
        x=frame.x(8),
        y="22",
        font_size="16",
        font_weight="bold",
    )
    _sub(
        svg,
        "text",
        frame.say(words.gettext("Dates and times in %(zone)s.", zone=zone)),
        x=frame.x(8),
        y="40",
        fill="#4a5568",
    )

    x0, x1 = LABEL_WIDTH + 8, WIDTH - RIGHT_MARGIN
    if bounds:
        months = _month_starts(min(b[0] for b in bounds), max(b[1] for b in bounds), zone)
        t0, t1 = months[0][1], months[-1][1]
    else:
        months, t0, t1 = [], 0.0, 1.0

    def x_of(instant: dt.datetime) -> float:
        return x0 + (instant.timestamp() - t0) / (t1 - t0) * (x1 - x0)

    # Axis and month grid.
    axis = _sub(svg, "g", id="axis", stroke="#cbd5e0")
    _sub(axis, "line", x1=frame.x(x0), y1=str(AXIS_Y), x2=frame.x(x1), y2=str(AXIS_Y))
    step = max(1, math.ceil((len(months) - 1) / 12))
    for index, (day, instant) in enumerate(months):
        x = x0 + (instant - t0) / (t1 - t0) * (x1 - x0)
        _sub(axis, "line", x1=frame.x(x), y1=str(AXIS_Y - 4), x2=frame.x(x), y2=str(rows_bottom))
        if index % step == 0 and index < len(months) - 1:
            with_year = index == 0 or day.month == 1 or step >= 12
            _sub(
                svg,
                "text",
                _month_label(day, language, with_year),
                x=frame.x(x + 3),
                y=str(AXIS_Y - 8),
                fill="#4a5568",
                font_size="11",
            )

    rows = _sub(svg, "g", id="items")
    for index, item in enumerate(items):
        _draw_item(rows, item, index, rows_top, frame, x_of, x0)

    if now is not None and bounds and t0 <= to_utc(now).timestamp() <= t1:
        x = x_of(to_utc(now))
        marker = _sub(svg, "g", id="now")
        _sub(
            marker,
            "line",
            x1=frame.x(x),
            y1=str(AXIS_Y),
            x2=frame.x(x),
            y2=str(rows_bottom),
            stroke=NOW_COLOUR,
            stroke_width="2",
            stroke_dasharray="5 3",
        )
    _draw_legend(svg, legend_y, frame, show_now=now is not None and bool(bounds))
    body = ET.tostring(svg, encoding="unicode", short_empty_elements=True)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def _draw_item(
    parent: ET.Element,
    item: ScheduleItem,
    index: int,
    rows_top: int,
    frame: _Frame,
    x_of: Callable[[dt.datetime], float],
    x0: float,
) -> None:
    language = frame.language
    top = rows_top + index * ROW_HEIGHT
    middle = top + ROW_HEIGHT / 2
    cancelled = item.status is ItemStatus.CANCELLED
    tentative = item.status is ItemStatus.TENTATIVE
    colour = CANCELLED_COLOUR if cancelled else COLOURS[item.kind]
    window = item.window
    group = _sub(
        parent,
        "g",
        cls=f"item {item.kind} {window.kind} {item.status.value}",
        data_ref=xml_text(item.ref),
    )
    if index % 2 == 0:
        _sub(
            group,
            "rect",
            x="0",
            y=str(top),
            width=str(WIDTH),
            height=str(ROW_HEIGHT),
            fill="#f7fafc",
        )
    title = item.title(language)
    text = _short(title)
    if tentative:
        # The suffix shares the label column, so the title gives way to it, by display
        # width: a translated suffix may hold wide characters (Chinese "待确认").
        suffix = f" ({messages(language).pgettext('legend', 'tentative')})"
        text = _short(title, MAX_LABEL_CHARS - sum(_width(c) for c in suffix)) + suffix
    full = f"{title} — {window.render(language=language)}"
    caption = _sub(group, "text", frame.say(text), x=frame.x(8), y=_fmt(middle + 4))
    if cancelled:
        caption.set("text-decoration", "line-through")
        caption.set("fill", "#4a5568")
    _sub(group, "title", frame.say(full))

    dash = {"stroke_dasharray": "4 2"} if tentative else {}
    start, end = window.earliest(), window.latest()
    if start is None or end is None:
        _sub(
            group,
            "text",
            frame.say(messages(language).gettext("to be announced")),
            x=frame.x(x0 + 4),
            y=_fmt(middle + 4),
            font_style="italic",
            fill="#4a5568",
        )
        return
    if start == end:  # a cut-off (a deadline): a marker, not a bar
        x = float(frame.x(x_of(start)))
        r = BAR_HEIGHT / 2 + 1
        points = f"{_fmt(x)},{_fmt(middle - r)} {_fmt(x + r)},{_fmt(middle)} "
        points += f"{_fmt(x)},{_fmt(middle + r)} {_fmt(x - r)},{_fmt(middle)}"
        _sub(
            group,
            "polygon",
            cls="marker",
            points=points,
            fill=colour,
            stroke="#1a202c",
            stroke_width="1",
            **dash,
        )
        return
    left, right = x_of(start), x_of(end)
    width = max(right - left, 3.0)
    attributes = {
        "x": frame.box(left, width),
        "y": _fmt(middle - BAR_HEIGHT / 2),
        "width": _fmt(width),
        "height": str(BAR_HEIGHT),
        "rx": "2",
    }
    if not window.precision.firm:  # known only roughly: hatched, dashed
        _sub(
            group,
            "rect",
            cls="bar",
            fill=f"url(#hatch-{item.kind})",
            fill_opacity="0.8",
            stroke=colour,
            stroke_width="1",
            stroke_dasharray="4 2",
            **attributes,
        )
    else:
        _sub(
            group,
            "rect",
            cls="bar",
            fill=colour,
            fill_opacity="0.5" if tentative else "1",
            stroke=colour,
            stroke_width="1.5",
            **dash,
            **attributes,
        )


def _draw_legend(svg: ET.Element, y: int, frame: _Frame, *, show_now: bool) -> None:
    legend = _sub(svg, "g", id="legend", font_size="11")
    x = 8.0
    colour = COLOURS["phase"]
    words = messages(frame.language)

    def entry(text: str, width: float) -> None:
        nonlocal x
        _sub(legend, "text", frame.say(text), x=frame.x(x + 22), y=str(y + 4))
        # Words differ in length between languages: the next mark waits for these.
        x += 22 + max(width, LEGEND_COLUMN * sum(_width(c) for c in text) + 16)

    def swatch(**attributes: str) -> None:
        _sub(
            legend, "rect", x=frame.box(x, 16), y=str(y - 6), width="16", height="10", **attributes
        )

    swatch(fill=colour)
    entry(words.pgettext("legend", "exact dates"), 110)
    swatch(fill="url(#hatch-phase)", stroke=colour, stroke_dasharray="4 2")
    entry(words.pgettext("legend", "month known, day not yet"), 190)
    cx = float(frame.x(x + 8))
    _sub(
        legend,
        "polygon",
        points=f"{_fmt(cx)},{y - 7} {_fmt(cx + 7)},{y} {_fmt(cx)},{y + 7} {_fmt(cx - 7)},{y}",
        fill=COLOURS["deadline"],
    )
    entry(words.pgettext("legend", "deadline"), 90)
    swatch(fill=colour, fill_opacity="0.5", stroke=colour, stroke_dasharray="4 2")
    entry(words.pgettext("legend", "tentative"), 90)
    if show_now:
        _sub(
            legend,
            "line",
            x1=frame.x(x + 8),
            y1=str(y - 7),
            x2=frame.x(x + 8),
            y2=str(y + 7),
            stroke=NOW_COLOUR,
            stroke_width="2",
            stroke_dasharray="5 3",
        )
        entry(words.pgettext("legend", "now"), 60)
