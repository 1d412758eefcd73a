"""Stored instants: plain aware UTC datetimes, whichever clock produced them.

Values are stdlib datetimes (not pendulum) so that they compare, hash and serialise the
same everywhere; attrs converters on stored value types use these functions.
"""

from __future__ import annotations

import datetime as dt


def utc_instant(value: dt.datetime) -> dt.datetime:
    """``value`` as a stdlib datetime in UTC; a naive value is a ``ValueError``."""
    # Fast path for bulk imports: stdlib UTC datetimes pass through untouched.
    if value.tzinfo is dt.UTC and type(value) is dt.datetime:
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"instant {value!r} has no time zone")
    instant = value.astimezone(dt.UTC)
    return dt.datetime(
        instant.year,
        instant.month,
        instant.day,
        instant.hour,
        instant.minute,
        instant.second,
        instant.microsecond,
        tzinfo=dt.UTC,
    )


def utc_instant_or_none(value: dt.datetime | None) -> dt.datetime | None:
    """:func:`utc_instant`, letting ``None`` through."""
    return None if value is None else utc_instant(value)
