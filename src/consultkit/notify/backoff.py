"""When to try a failed delivery again: bounded exponential back-off with full jitter.

"Full jitter" (AWS Architecture Blog, *Exponential Backoff And Jitter*, 2015) draws the wait
uniformly between zero and the exponential cap, so many deliveries failing together (a mail
server restarting) do not all come back at the same instant. After ``max_attempts``
attempts a delivery is dead-lettered: an organiser inspects it and retries it by hand
(``consultkit notify retry``).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from collections.abc import Callable


def _positive(
    _instance: object, attribute: attrs.Attribute[dt.timedelta], value: dt.timedelta
) -> None:
    if value <= dt.timedelta(0):
        raise ValueError(f"{attribute.name} must be positive, not {value}")


@attrs.frozen(kw_only=True)
class Backoff:
    """A retry policy: the n-th retry waits ``uniform(0, min(cap, base * 2**(n-1)))``.

    The defaults give 8 attempts spread over at most about 3 hours (30 s, 1 min, 2 min, …
    capped at 1 h per wait), close to the schedules webhook providers publish; tune them
    with ``CONSULTKIT_NOTIFY_MAX_ATTEMPTS`` and friends.
    """

    base: dt.timedelta = attrs.field(default=dt.timedelta(seconds=30), validator=_positive)
    cap: dt.timedelta = attrs.field(default=dt.timedelta(hours=1), validator=_positive)
    max_attempts: int = attrs.field(default=8, validator=attrs.validators.ge(1))
    floor: dt.timedelta = dt.timedelta(seconds=1)
    """Never retry sooner than this, so a zero draw does not spin the dispatcher."""

    def ceiling(self, attempts: int) -> dt.timedelta:
        """The largest wait after ``attempts`` failed attempts (without jitter)."""
        exponent = max(0, attempts - 1)
        # Compare in seconds before multiplying so a large exponent cannot overflow timedelta.
        seconds = self.base.total_seconds() * (2.0 ** min(exponent, 62))
        return min(self.cap, dt.timedelta(seconds=min(seconds, self.cap.total_seconds())))

    def next_attempt(
        self,
        attempts: int,
        now: dt.datetime,
        *,
        retry_after: dt.timedelta | None = None,
        rand: Callable[[], float] = random.random,
    ) -> dt.datetime | None:
        """When to try again after ``attempts`` failed attempts, or None to dead-letter.

        ``retry_after`` (a channel's hint, e.g. HTTP ``Retry-After``) is a lower bound; it is
        still capped so a hostile receiver cannot park a delivery for a year.
        """
        if attempts >= self.max_attempts:
            return None
        wait = self.ceiling(attempts) * rand()
        wait = max(wait, self.floor)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.cap))
        return now + wait
