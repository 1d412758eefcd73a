"""The export's text of an instant, read from the store's text without parsing it (issue 14).

The export writes each instant in UTC with a ``Z``: what ``datetime.isoformat`` gives, so
without a fraction when the microseconds are zero. The SQLite store holds instants as
fixed-width UTC text, which the export now cuts to that form instead of parsing it into a
datetime and formatting it again; these properties hold the cut text to the old
formatting byte for byte, for instants given in zones with summer time (Geneva's
Europe/Zurich, New York, Lord Howe with its half-hour shift), in Kathmandu's quarter-hour
offset, and on every microsecond edge.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pendulum
from hypothesis import example, given
from hypothesis import strategies as st

from consultkit.domain.instants import instant_text
from consultkit.storage.sqlite import SQLITE

ZONES = ("Europe/Zurich", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC")

instants = st.datetimes(
    # A day inside the datetime range at each end, so every zone's offset fits.
    min_value=dt.datetime(1, 1, 2),
    max_value=dt.datetime(9999, 12, 30),
    timezones=st.sampled_from([ZoneInfo(z) for z in ZONES]),
)


def _old_text(value: dt.datetime) -> str:
    """The export's formatting before issue 14, written out as the reference."""
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


@given(value=instants)
@example(value=dt.datetime(2019, 6, 4, 14, tzinfo=dt.UTC))  # no fraction
@example(value=dt.datetime(2019, 6, 4, 14, 0, 0, 1, tzinfo=dt.UTC))
@example(value=dt.datetime(2019, 6, 4, 14, 59, 59, 999_999, tzinfo=dt.UTC))
@example(value=dt.datetime(2019, 6, 4, 14, 0, 0, 100_000, tzinfo=dt.UTC))  # trailing zeros
@example(value=dt.datetime(999, 12, 31, 23, 59, 59, tzinfo=dt.UTC))  # a three-digit year
@example(value=dt.datetime(1, 1, 2, tzinfo=dt.UTC))
@example(value=dt.datetime(2019, 10, 27, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Zurich")))
@example(value=dt.datetime(2019, 4, 7, 1, 45, fold=0, tzinfo=ZoneInfo("Australia/Lord_Howe")))
def test_the_text_of_a_stored_instant_is_the_old_formatting(value: dt.datetime) -> None:
    expected = _old_text(value)
    assert instant_text(value) == expected
    assert SQLITE.instant_text(SQLITE.dump_instant(value)) == expected


@given(value=instants)
def test_pendulum_instants_give_the_same_text(value: dt.datetime) -> None:
    moment = pendulum.instance(value)
    assert instant_text(moment) == _old_text(value)
    assert SQLITE.instant_text(SQLITE.dump_instant(moment)) == _old_text(value)


@given(value=instants)
def test_stored_text_in_another_form_is_parsed_not_cut(value: dt.datetime) -> None:
    # Not the fixed-width form dump_instant writes (written by hand, or by an old
    # version): the text is read as an instant, so the export still shows it right.
    for text in (value.isoformat(), value.astimezone(dt.UTC).isoformat()):
        assert SQLITE.instant_text(text) == _old_text(value)
