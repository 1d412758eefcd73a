"""A regular expression that matches exactly the ``YYYY-MM-DD`` dates of a range.

JSON Schema draft 2020-12 has no keyword that bounds a date, and it makes ``format`` an
annotation that validators need not check; ``pattern`` is the one standard keyword every
validator enforces. A bounded range of dates is a finite set of strings, so a regular
expression can say it exactly: the first and the last year of the range each spell out
their months, the years between take any real day (29 February only in their leap
years). The expressions use only digits, ``[a-b]`` classes, ``(?:…)`` and ``|``, which
ECMA-262 (the dialect JSON Schema names), Python, RE2 and every other engine read alike.
"""

from __future__ import annotations

import calendar
import datetime as dt

_ANY_DAY_BUT_29_FEBRUARY = (
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
_LEAP_IN_A_CENTURY = "(?:0[48]|[2468][048]|[13579][26])"
"""The last two digits of the leap years of a century, its year 00 apart."""


def date_range_pattern(first: dt.date | None = None, last: dt.date | None = None) -> str:
    """An anchored pattern matching exactly the ``YYYY-MM-DD`` dates from ``first`` to
    ``last`` (both included; None: the earliest or latest date there is).

    Raises ``ValueError`` when ``first`` is after ``last``.
    """
    low, high = first or dt.date.min, last or dt.date.max
    if low > high:
        raise ValueError(f"the range starts on {low} after it ends on {high}")
    if low.year == high.year:
        parts = [f"{low.year:04d}-{_days_of_year(low, high)}"]
    else:
        parts = [
            f"{low.year:04d}-{_days_of_year(low, dt.date(low.year, 12, 31))}",
            f"{high.year:04d}-{_days_of_year(dt.date(high.year, 1, 1), high)}",
        ]
        if low.year + 1 < high.year:
            between = (low.year + 1, high.year - 1)
            parts.insert(1, f"{_numbers(*between, width=4)}-{_ANY_DAY_BUT_29_FEBRUARY}")
            leap = _leap_years(*between)
            if leap:
                parts.insert(2, f"{leap}-02-29")
    return f"^(?:{'|'.join(parts)})$"


def _days_of_year(low: dt.date, high: dt.date) -> str:
    """``MM-DD`` from ``low`` to ``high``, two dates of one year."""
    months = []
    for month in range(low.month, high.month + 1):
        first = low.day if month == low.month else 1
        last = high.day if month == high.month else calendar.monthrange(low.year, month)[1]
        months.append(f"{month:02d}-{_numbers(first, last, width=2)}")
    return _either(months)


def _leap_years(low: int, high: int) -> str:
    """The leap years from ``low`` to ``high`` (four digits), or "" when there are none."""
    first_century, last_century = low // 100, high // 100
    if first_century == last_century:
        return _either([f"{y:04d}" for y in range(low, high + 1) if calendar.isleap(y)])
    # The two partial centuries by name; the whole ones between by rule.
    named = [
        f"{y:04d}"
        for y in (*range(low, first_century * 100 + 100), *range(last_century * 100, high + 1))
        if calendar.isleap(y)
    ]
    whole = (first_century + 1, last_century - 1)
    if whole[0] <= whole[1]:
        named.append(f"{_numbers(*whole, width=2)}{_LEAP_IN_A_CENTURY}")
        fours = [f"{c:02d}" for c in range(whole[0], whole[1] + 1) if c % 4 == 0]
        if fours:
            named.append(f"{_either(fours)}00")
    return _either(named) if named else ""


def _numbers(low: int, high: int, *, width: int) -> str:
    """The numbers from ``low`` to ``high`` written with ``width`` digits (zeros in front)."""
    return _digits(f"{low:0{width}d}", f"{high:0{width}d}")


def _digits(low: str, high: str) -> str:
    # low <= high, both of one length: split on the first digit, as a number line is.
    if low == high:
        return low
    rest = len(low) - 1
    if low[0] == high[0]:
        return low[0] + _digits(low[1:], high[1:])
    zeros, nines = "0" * rest, "9" * rest
    parts = []
    start, end = int(low[0]), int(high[0])
    if low[1:] != zeros:
        parts.append(low[0] + _digits(low[1:], nines))
        start += 1
    tail = high[0] + _digits(zeros, high[1:]) if high[1:] != nines else None
    if tail is not None:
        end -= 1
    if start <= end:
        parts.append(_digit_class(start, end) + "[0-9]" * rest)
    if tail is not None:
        parts.append(tail)
    return _either(parts)


def _digit_class(low: int, high: int) -> str:
    return str(low) if low == high else f"[{low}-{high}]"


def _either(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"(?:{'|'.join(parts)})"
