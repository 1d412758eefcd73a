"""The statements one ``Consultkit.submit`` runs on SQLite (issue 14, single submissions).

The key lookup before the rules is on a reader connection; the write transaction looks
the key up again only when a quota must count under the lock (a retry is answered before
it is refused). Without a quota, the insert's conflict clause on the idempotency hash is
the check: a key stored meanwhile by another process makes it do nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from consultkit.app.application import Consultkit
from consultkit.config.loader import loads_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.submissions import Submitter

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

NOW = dt.datetime(2020, 1, 10, 9, 0, tzinfo=dt.UTC)
FILE = """\
id = "c"
zone = "Europe/Zurich"
languages = ["en"]
title = { en = "T" }

[[groups]]
id = "civil-society"
name = { en = "Civil society" }

[[calls]]
id = "plain"
kind = "contribution"
title = { en = "Plain" }

[[calls]]
id = "limited"
kind = "contest"
title = { en = "Limited" }
quota = { per_email = 3 }
"""
ANA = Submitter(name="Ana", email="ana@example.org", group="civil-society", organisation="Org")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Consultkit]:
    with Consultkit.open(
        f"sqlite:///{tmp_path / 's.db'}", clock=FixedClock(NOW), entry_points=False
    ) as app:
        yield app


def _writes(app: Consultkit, call_id: str, key: str) -> list[str]:
    consultation = loads_consultation(FILE)
    store = app.store
    statements: list[str] = []
    store._writer.set_trace_callback(statements.append)  # type: ignore[attr-defined]
    try:
        app.submit(
            consultation, call_id=call_id, submitter=ANA, title="T", body="B", idempotency_key=key
        )
    finally:
        store._writer.set_trace_callback(None)  # type: ignore[attr-defined]
    return [s.split(None, 2)[0].upper() for s in statements]


def test_without_a_quota_the_write_transaction_only_writes(app: Consultkit) -> None:
    assert _writes(app, "plain", "k1") == ["BEGIN", "INSERT", "INSERT", "INSERT", "COMMIT"]


def test_with_a_quota_the_key_and_the_count_are_read_under_the_lock(app: Consultkit) -> None:
    assert _writes(app, "limited", "k1") == [
        "BEGIN",
        "SELECT",  # the key: a retry is replayed, not refused by the quota
        "SELECT",  # the count
        "INSERT",
        "INSERT",
        "INSERT",
        "COMMIT",
    ]


def test_a_key_stored_after_the_first_lookup_is_still_replayed(app: Consultkit) -> None:
    # Another process stores the key between the lookup on the reader and the write.
    consultation = loads_consultation(FILE)
    first = app.submit(
        consultation, call_id="plain", submitter=ANA, title="T", body="B", idempotency_key="k"
    )
    lookup = app.store.find_by_idempotency_key
    app.store.find_by_idempotency_key = lambda *a: None  # type: ignore[method-assign]
    try:
        again = app.submit(
            consultation, call_id="plain", submitter=ANA, title="T", body="B", idempotency_key="k"
        )
    finally:
        app.store.find_by_idempotency_key = lookup  # type: ignore[method-assign]
    assert again.replayed and again.tracking_number == first.tracking_number
    assert len(list(app.store.list_submissions(consultation.id))) == 1


def test_organisations_are_cut_at_exactly_what_isalnum_refuses() -> None:
    # The quota key's C pattern must keep what the per-character rule kept, at every code
    # point, or stored keys would stop matching (quotas count old submissions).
    import sys

    from consultkit.domain.quotas import _NOT_ALNUM

    text = "".join(map(chr, range(sys.maxunicode + 1)))
    kept = "".join(c if c.isalnum() else " " for c in text)
    assert _NOT_ALNUM.sub(" ", text).split() == kept.split()


@pytest.mark.parametrize(
    "instant",
    [
        dt.datetime(2020, 3, 29, 0, 30, 15, 999_999, tzinfo=dt.UTC),
        dt.datetime(2020, 3, 29, 2, 30, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=45))),
        dt.datetime(2019, 12, 31, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3))),
    ],
)
def test_event_instants_are_utc_with_a_z(instant: dt.datetime) -> None:
    import pendulum

    from consultkit.events import iso

    expected = pendulum.instance(instant).in_timezone("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    assert iso(instant) == iso(pendulum.instance(instant)) == expected
    with pytest.raises(ValueError, match="no time zone"):
        iso(instant.replace(tzinfo=None))
