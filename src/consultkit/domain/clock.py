"""Clocks: the system clock, or a fixed instant to rehearse a consultation at another moment."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import attrs
import pendulum

from consultkit.domain.windows import to_utc
from consultkit.errors import InvalidValueError
from consultkit.i18n import deferred
from consultkit.value_methods import shared_value_methods

#: The years an instant may have: the range consultation files accept (see config.py),
#: which keeps every conversion between zones and every date sum inside datetime's range.
MIN_YEAR = 1900
MAX_YEAR = 2999


class Clock(Protocol):
    """Tells the current instant, always in UTC."""

    def now(self) -> pendulum.DateTime: ...


@attrs.frozen
@shared_value_methods
class SystemClock:
    """The machine's clock."""

    def now(self) -> pendulum.DateTime:
        return pendulum.now(pendulum.UTC)


@attrs.frozen
@shared_value_methods
class FixedClock:
    """A clock stopped at one instant (``--now``, tests)."""

    instant: pendulum.DateTime = attrs.field(converter=to_utc)

    def now(self) -> pendulum.DateTime:
        return self.instant


def parse_instant(text: str) -> pendulum.DateTime:
    """Parse an ISO 8601 instant that names its offset (``Z`` or ``+01:00``) into UTC.

    A bare date or a time without offset is refused: it would mean a different instant
    in every zone.
    """
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidValueError(
            deferred.gettext(
                "not an instant %(text)s: write ISO 8601 with an offset, e.g."
                " 2020-02-03T23:59:59+01:00 or 2020-02-03T22:59:59Z",
                text=repr(text),
            )
        ) from None
    if value.tzinfo is None:
        raise InvalidValueError(
            deferred.gettext(
                "instant %(text)s has no offset: add Z for UTC or an offset such as +01:00",
                text=repr(text),
            )
        )
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise InvalidValueError(
            deferred.gettext(
                "instant %(text)s is out of range: use a year between %(low)s and %(high)s",
                text=repr(text),
                low=MIN_YEAR,
                high=MAX_YEAR,
            )
        )
    return to_utc(value)
