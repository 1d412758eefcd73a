"""The export's text of a ``timestamptz`` equals the core's formatting (issue 14).

psycopg returns a ``timestamptz`` as a datetime in the session's zone; the dialect gives
the export the same UTC text with a ``Z`` the SQLite store cuts from its stored text, so
a file exported from either store is the same (the store contract checks it end to end).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from consultkit_postgres.store import POSTGRES
from hypothesis import example, given
from hypothesis import strategies as st

from consultkit.domain.instants import instant_text
from consultkit.storage.sqlite import SQLITE

ZONES = ("Europe/Zurich", "America/New_York", "Australia/Lord_Howe", "UTC")


@given(
    value=st.datetimes(
        min_value=dt.datetime(1, 1, 2),
        max_value=dt.datetime(9999, 12, 30),
        timezones=st.sampled_from([ZoneInfo(z) for z in ZONES]),
    )
)
@example(value=dt.datetime(2019, 6, 4, 14, tzinfo=dt.UTC))
@example(value=dt.datetime(2019, 6, 4, 14, 0, 0, 1, tzinfo=ZoneInfo("Europe/Zurich")))
@example(value=dt.datetime(999, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC))
def test_a_timestamptz_gives_the_text_a_sqlite_store_gives(value: dt.datetime) -> None:
    expected = value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    assert POSTGRES.instant_text(value) == expected == instant_text(value)
    assert POSTGRES.instant_text(value) == SQLITE.instant_text(SQLITE.dump_instant(value))
