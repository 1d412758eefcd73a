"""Per-call quotas on PostgreSQL: concurrent writers never both take the last slot."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from consultkit import Consultkit
from consultkit.config.loader import loads_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.submissions import Submitter
from consultkit.errors import RuleRefusedError

NOW = dt.datetime(2020, 1, 10, 9, 0, tzinfo=dt.UTC)
FILE = """\
id = "c"
zone = "UTC"
languages = ["en"]
title = { en = "T" }

[[groups]]
id = "g"
name = { en = "G" }

[[calls]]
id = "photos"
kind = "contest"
title = { en = "Photo contest" }
quota = { per_email = 3, per_organisation = 4 }
"""


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["email", "organisation"])
def test_eight_writers_race_for_the_last_slots(pg_url: str, kind: str) -> None:
    consultation = loads_consultation(FILE)
    apps = [Consultkit.open(pg_url, clock=FixedClock(NOW)) for _ in range(8)]
    start = threading.Barrier(len(apps))
    outcomes: list[str] = []

    def one(app: Consultkit, n: int) -> None:
        email = f"ana+{n}@example.org" if kind == "email" else f"p{n}@example.org"
        submitter = Submitter(name="A", email=email, group="g", organisation="Red, A.C.")
        start.wait()
        try:
            app.submit(consultation, call_id="photos", submitter=submitter, title=f"T{n}", body="B")
            outcomes.append("stored")
        except RuleRefusedError as exc:
            outcomes.append(f"{exc.rule}:{exc.field}")

    threads = [threading.Thread(target=one, args=(a, n)) for n, a in enumerate(apps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        slots = 3 if kind == "email" else 4
        assert sorted(outcomes) == [f"quota:{kind}"] * (8 - slots) + ["stored"] * slots
        assert len(list(apps[0].list_submissions(consultation))) == slots
    finally:
        for app in apps:
            app.close()
