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


def instant_text(value: dt.datetime) -> str:
    """``value`` as an export writes it: ISO 8601 in UTC with a ``Z``, the microseconds
    only when there are some (``2019-06-04T14:00:00Z``, ``2019-06-04T14:00:00.000001Z``).

    Every reader sees the same instant whatever zone it was given in. A store that holds
    instants as text gives this form without a datetime
    (:meth:`consultkit.storage.sql.Dialect.instant_text`).
    """
    if value.tzinfo is not dt.UTC:
        value = value.astimezone(dt.UTC)
    return value.isoformat().replace("+00:00", "Z")
