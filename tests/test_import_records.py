"""The bulk import builds flat records, not values (issue 14): same rules, same bytes.

The import runs the submitting rules on each row's fields and stores a
:class:`~consultkit.domain.submissions.SubmissionRecord` through the store's optional
``add_submission_records``; a :class:`Submission` is built per row only for the
``validate_submission`` plugins. These tests hold the new path to the old contract:
validators still see every row and refuse exactly theirs, a store without the optional
method still gets every row, and a record stores what its submission stores.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

from consultkit import hookimpl
from consultkit.app.application import Consultkit
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.submissions import (
    Submission,
    submission_from_record,
    submission_record,
)
from consultkit.storage.memory import MemoryStore
from consultkit.storage.protocols import SubmissionRecordLoader
from consultkit.storage.sql import _submitter_json
from consultkit.storage.sqlite import SQLITE
from consultkit.testing.factories import make_submission

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
CALL = "official-submissions"
DURING = dt.datetime(2019, 12, 2, 10, 0, tzinfo=dt.UTC)


def _row(n: int, body: str = "") -> dict[str, Any]:
    return {
        "call": CALL,
        "name": f"Person {n}",
        "email": f"person{n}@example.org",
        "group": "civil-society",
        "organisation": "Org",
        "title": f"Row {n}",
        "body": body or f"Body of row {n}.",
        "tags": "c2, SDG4",
    }


class _Validator:
    """Refuses bodies saying "spam", crashes on bodies saying "crash"; remembers each value."""

    def __init__(self) -> None:
        self.seen: list[Submission] = []

    @hookimpl
    def validate_submission(self, consultation: Any, submission: Submission) -> list[str]:
        self.seen.append(submission)
        assert submission.body is not None
        if "crash" in submission.body:
            raise RuntimeError("validator bug")
        return ["looks like spam"] if "spam" in submission.body else []


def test_validators_in_a_batch_refuse_exactly_their_rows(tmp_path: Path) -> None:
    consultation = load_consultation(EXAMPLE)
    validator = _Validator()
    bodies = {3: "spam spam", 5: "please crash", 6: "more spam", 9: "crash again"}
    rows = [_row(n, bodies.get(n, "")) for n in range(1, 11)]
    rows.insert(1, {**_row(99), "group": "no-such-group"})  # refused by a rule: not validated
    with Consultkit.open(
        f"sqlite:///{tmp_path / 'ck.sqlite'}",
        clock=FixedClock(DURING),
        entry_points=False,
        plugins=[validator],
    ) as app:
        report = app.import_submissions(consultation, rows, chunk_size=3)
        stored = list(app.store.list_submissions(consultation.id))
        histories = [app.store.history(s.id) for s in stored]
    assert [(p.row, p.rule) for p in report.refused] == [
        (2, "unknown-group"),
        (4, "plugin"),
        (6, "plugin"),
        (7, "plugin"),
        (10, "plugin"),
    ]
    assert "looks like spam" in report.refused[1].message
    assert "failed (RuntimeError)" in report.refused[2].message
    assert (report.rows, report.stored, report.skipped) == (11, 6, 0)
    assert sorted(s.title for s in stored) == sorted(
        f"Row {n}" for n in range(1, 11) if n not in bodies
    )
    assert all(len(h) == 1 for h in histories)  # one entry each, none for a refused row
    # The validators saw each rule-abiding row once, as the value that is then stored.
    assert len(validator.seen) == 10
    accepted = {s.id: s for s in validator.seen}
    for s in stored:
        assert s == accepted[s.id]


def test_a_refused_row_leaves_nothing_of_itself_in_the_chunk(tmp_path: Path) -> None:
    consultation = load_consultation(EXAMPLE)
    url = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    rows = [_row(1), _row(2, "spam"), _row(3)]
    with Consultkit.open(
        url, clock=FixedClock(DURING), entry_points=False, plugins=[_Validator()]
    ) as app:
        assert app.import_submissions(consultation, rows, chunk_size=10).stored == 2
    conn = sqlite3.connect(tmp_path / "ck.sqlite")
    try:
        titles = [r[0] for r in conn.execute("SELECT title FROM submissions ORDER BY seq")]
        history = conn.execute("SELECT count(*) FROM history").fetchone()[0]
    finally:
        conn.close()
    assert titles == ["Row 1", "Row 3"]
    assert history == 2


class _SubmissionsOnly:
    """A store with ``add_submissions`` but not the optional ``add_submission_records``."""

    def __init__(self, inner: MemoryStore) -> None:
        self._inner = inner
        self.received: list[Submission] = []

    def add_submissions(self, submissions: Any, chunk_size: int = 10_000) -> int:
        given = list(submissions)
        self.received.extend(given)
        return self._inner.add_submissions(given, chunk_size=chunk_size)

    def __getattr__(self, name: str) -> Any:
        if name == "add_submission_records":
            raise AttributeError(name)
        return getattr(self._inner, name)


def test_a_store_without_the_record_load_gets_submissions() -> None:
    consultation = load_consultation(EXAMPLE)
    store = _SubmissionsOnly(MemoryStore())
    assert not isinstance(store, SubmissionRecordLoader)
    app = Consultkit.open(
        "memory://", clock=FixedClock(DURING), entry_points=False, defer_store=True
    )
    app = attrs.evolve(app, store=store)
    report = app.import_submissions(consultation, [_row(1), _row(2)])
    assert report.stored == 2
    assert [s.title for s in store.received] == ["Row 1", "Row 2"]
    assert store.received[0].tags == ("C2", "SDG4")
    store.close()


def _variants() -> list[Submission]:
    plain = make_submission(1)
    erased = attrs.evolve(
        make_submission(2),
        submitter=None,
        body=None,
        erased_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    )
    with_fields = attrs.evolve(make_submission(3), fields={"format": "panel", "n": [1, 2]})
    edited = attrs.evolve(
        make_submission(4), updated_at=make_submission(4).received_at + dt.timedelta(hours=1)
    )
    return [plain, erased, with_fields, edited]


def test_a_record_is_its_submission_flat_and_back() -> None:
    for submission in _variants():
        assert submission_from_record(submission_record(submission)) == submission


def test_a_record_stores_the_bytes_of_its_submission() -> None:
    store = MemoryStore()
    try:
        for submission in _variants():
            from_record = store._record_row(submission_record(submission))
            assert store._submission_row(submission, counted=False) == from_record
            counted = store._submission_row(submission)
            assert counted[:-3] == from_record[:-3]
            assert counted[-1] == from_record[-1]
    finally:
        store.close()


@given(
    st.tuples(
        st.none() | st.text(),
        st.none() | st.text(),
        st.text(),
        st.none() | st.text(),
        st.none() | st.text(),
    )
)
def test_the_submitter_column_is_the_encoders_text(values: tuple[Any, ...]) -> None:
    name, email, group, organisation, country = values
    expected = SQLITE.dump_json(
        {
            "name": name,
            "email": email,
            "group": group,
            "organisation": organisation,
            "country": country,
        }
    )
    assert _submitter_json(SQLITE, name, email, group, organisation, country) == expected


_MAPPINGS_ONLY = """
import sys
from consultkit.app.application import Consultkit
from consultkit.config.loader import load_consultation

consultation = load_consultation(sys.argv[1])
with Consultkit.open("memory://", entry_points=False) as app:
    row = {"call": "official-submissions", "name": "A", "email": "a@example.org",
           "group": "civil-society", "title": "T", "body": "B",
           "received_at": "2019-12-01T10:00:00+00:00"}
    assert app.import_submissions(consultation, [row]).stored == 1
print("LOADED" if "consultkit.formats.submission_import" in sys.modules else "NOT LOADED")
"""


def test_an_import_of_mappings_does_not_load_the_file_reader() -> None:
    # Loading the reader (CSV, JSON Lines, its attrs classes) was most of what an import
    # of 10,000 mappings spent before its first row (issue 14); rows need only the cells.
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _MAPPINGS_ONLY, str(EXAMPLE)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "NOT LOADED"
