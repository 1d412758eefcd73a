"""Public submissions paged by cursor: the rows of `export --public`, stable while they arrive."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import TYPE_CHECKING, Any

import pytest

from consultkit.app.application import Consultkit
from consultkit.domain.clock import FixedClock
from consultkit.domain.submissions import Consent, SubmissionStatus, Submitter
from consultkit.errors import RuleRefusedError
from consultkit.formats.submission_export import PUBLIC_STATUSES
from consultkit.testing.factories import wsis_consultation

if TYPE_CHECKING:
    from collections.abc import Iterator

    from consultkit.domain.model import Consultation

NOW = dt.datetime(2020, 1, 15, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def consultation() -> Consultation:
    return wsis_consultation()


@pytest.fixture(params=["memory", "sqlite"])
def app(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Consultkit]:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'ck.sqlite'}"
    with Consultkit.open(url, clock=FixedClock(NOW), entry_points=False) as application:
        yield application


def add(app: Consultkit, consultation: Consultation, n: int, *, accept: bool = True) -> str:
    app.clock = FixedClock(NOW + dt.timedelta(seconds=n))
    receipt = app.submit(
        consultation,
        call_id="official-submissions",
        submitter=Submitter(
            name=f"Person {n}",
            email=f"p{n}@example.org",
            group="civil-society",
            organisation=f"Org {n}",
        ),
        title=f"Title {n} (write to p{n}@example.org)",
        body=f"Body {n}",
        consent=Consent(publish_text=n % 2 == 0, publish_name=n % 3 == 0),
    )
    if accept:
        for decision in (SubmissionStatus.UNDER_REVIEW, SubmissionStatus.ACCEPTED):
            app.review(consultation, receipt.tracking_number, decision=decision, organiser="o")
    return receipt.submission_id


def all_pages(app: Consultkit, consultation: Consultation, limit: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = app.public_submissions(consultation, cursor=cursor, limit=limit)
        found += page.rows
        if page.next_cursor is None:
            return found
        assert len(page.rows) == limit
        cursor = page.next_cursor


def public_export(app: Consultkit, consultation: Consultation) -> list[dict[str, Any]]:
    out = io.StringIO()
    app.export_submissions(consultation, out, format="jsonl", public=True)
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.parametrize("limit", [1, 3, 7, 500])
def test_pages_hold_exactly_the_rows_of_the_public_export(
    app: Consultkit, consultation: Consultation, limit: int
) -> None:
    for n in range(7):
        add(app, consultation, n, accept=n != 4)
    paged = all_pages(app, consultation, limit)
    assert paged == public_export(app, consultation)
    assert len(paged) == 6
    assert all("@" not in json.dumps(row) for row in paged)  # no address, even in titles


def test_paging_neither_repeats_nor_skips_while_submissions_arrive(
    app: Consultkit, consultation: Consultation
) -> None:
    before = [add(app, consultation, n) for n in range(5)]
    first = app.public_submissions(consultation, limit=2)
    later = [add(app, consultation, n) for n in range(5, 8)]  # stored between pages
    seen = [row["id"] for row in first.rows]
    cursor = first.next_cursor
    while cursor is not None:
        page = app.public_submissions(consultation, cursor=cursor, limit=2)
        seen += [row["id"] for row in page.rows]
        cursor = page.next_cursor
    assert seen == before + later


def test_an_empty_consultation_has_one_empty_page(
    app: Consultkit, consultation: Consultation
) -> None:
    page = app.public_submissions(consultation)
    assert page.rows == () and page.next_cursor is None


@pytest.mark.parametrize("cursor", ["not-a-cursor", "W10", "WyJ4IiwgMV0", "%%%"])
def test_a_damaged_cursor_is_refused(
    app: Consultkit, consultation: Consultation, cursor: str
) -> None:
    with pytest.raises(RuleRefusedError) as caught:
        app.public_submissions(consultation, cursor=cursor)
    assert caught.value.rule == "cursor"


@pytest.mark.parametrize("limit", [0, 501])
def test_a_page_size_out_of_range_is_refused(
    app: Consultkit, consultation: Consultation, limit: int
) -> None:
    with pytest.raises(RuleRefusedError, match="1 to 500"):
        app.public_submissions(consultation, limit=limit)


def test_the_public_view_has_the_one_status_paging_reads() -> None:
    # Consultkit.public_submissions asks the store for accepted submissions only.
    assert frozenset({SubmissionStatus.ACCEPTED}) == PUBLIC_STATUSES
