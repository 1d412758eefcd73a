"""Bulk import by COPY straight into the tables, and the merge when rows are stored already.

Issue 14: the import staged every chunk in a temporary table and merged it with
``INSERT ... ON CONFLICT DO NOTHING``, 0.70x of plain COPY. New rows now go straight in by
COPY; a chunk that meets a stored row (an import run again) or holds one row twice is
rolled back whole and merged as before, so the counts and histories stay exact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from consultkit_postgres import PostgresStore

from consultkit.domain.submissions import Actor, ActorRole, SubmissionStatus
from consultkit.testing.factories import make_submission

if TYPE_CHECKING:
    from consultkit.domain.submissions import Submission

pytestmark = pytest.mark.postgres


def _merges(store: PostgresStore, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the size of every chunk that went through the merge."""
    merged: list[int] = []
    merge = store._merge_chunk

    def recording(rows: list[tuple[object, ...]]) -> int:
        merged.append(len(rows))
        return merge(rows)

    monkeypatch.setattr(store, "_merge_chunk", recording)
    return merged


def _histories(store: PostgresStore, subs: list[Submission]) -> list[int]:
    return [len(store.history(s.id)) for s in subs]


def test_new_rows_go_in_by_copy_without_the_merge(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    subs = [make_submission(n, key=f"copy-{n}") for n in range(12)]
    with PostgresStore(pg_url) as store:
        merged = _merges(store, monkeypatch)
        assert store.add_submissions(subs, chunk_size=5) == 12
        assert merged == []
        assert [s.id for s in store.list_submissions("wsis-2020")] == [s.id for s in subs]
        assert _histories(store, subs) == [1] * 12
        entry = store.history(subs[7].id)[0]
        assert entry.actor == Actor(role=ActorRole.SYSTEM, id="bulk-import")
        assert entry.to_status is SubmissionStatus.SUBMITTED
        assert entry.at == subs[7].received_at


def test_a_chunk_meeting_stored_rows_is_merged_with_exact_counts(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    subs = [make_submission(n, key=f"again-{n}") for n in range(10)]
    with PostgresStore(pg_url) as store:
        assert store.add_submissions(subs[:4], chunk_size=10) == 4
        merged = _merges(store, monkeypatch)
        # chunks: [0-4] meets 4 stored rows, [5-9] is new
        assert store.add_submissions(subs, chunk_size=5) == 6
        assert merged == [5]
        assert len(list(store.list_submissions("wsis-2020"))) == 10
        assert _histories(store, subs) == [1] * 10


def test_a_row_twice_in_one_chunk_is_stored_once(pg_url: str) -> None:
    first = make_submission(1, key="twice")
    with PostgresStore(pg_url) as store:
        stored = store.add_submissions([first, make_submission(3), first], chunk_size=10)
        assert stored == 2
        assert len(list(store.list_submissions("wsis-2020"))) == 2
        assert _histories(store, [first]) == [1]
