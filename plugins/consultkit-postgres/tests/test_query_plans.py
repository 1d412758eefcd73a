"""The store's hot queries stay index-driven at scale, checked with EXPLAIN on real PostgreSQL.

Issue 14 (ten million submissions): a lookup that turns into a sequential scan is a
regression nobody sees at test sizes. These tests fill a schema with 100,000 submissions,
history entries and outbox events (``generate_series``, ANALYZEd), run the store's own
methods while recording the SQL they send, and EXPLAIN each statement: no sequential scan
of a big table, and an ordered read that needs no sort. docs/storage.md lists them.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from consultkit_postgres import PostgresStore

from consultkit.storage.protocols import idempotency_key_hash

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.postgres

ROWS = 100_000
CONSULTATIONS = 20  # the rows are spread over several, as on a shared server

_FILL = f"""
INSERT INTO submissions (id, tracking_number, consultation_id, call_id, submitter,
    submitter_email, title, body, language, tags, attachments, consent, provenance, status,
    received_at, updated_at, fingerprint, idempotency_key, idempotency_hash, receipt_status)
SELECT 'id-' || lpad(i::text, 8, '0'), 'CK-' || md5(i::text), 'c' || (i % {CONSULTATIONS}),
    'call', NULL, 'p' || i || '@example.org', 'Title ' || i, 'Body ' || i, 'en',
    '[]'::jsonb, '[]'::jsonb,
    '{{"publish_text": false, "publish_name": false, "publish_organisation": false}}'::jsonb,
    'web', 'submitted',
    timestamptz '2020-01-01' + i * interval '1 second', timestamptz '2020-01-01',
    md5('fp' || (i % 5000)), 'key-' || i, md5('hash' || i), 'submitted'
FROM generate_series(1, {ROWS}) AS i;
INSERT INTO history (submission_id, at, actor_role, actor_id, to_status)
SELECT 'id-' || lpad(i::text, 8, '0'), timestamptz '2020-01-01', 'system', 'bulk-import',
    'submitted'
FROM generate_series(1, {ROWS}) AS i;
INSERT INTO outbox_events (id, kind, consultation_id, occurred_at, payload, routed_at)
SELECT 'ev-' || i, 'submission.received', 'c' || (i % {CONSULTATIONS}),
    timestamptz '2020-01-01' + i * interval '1 second', '{{}}'::jsonb,
    CASE WHEN i % 1000 = 0 THEN NULL ELSE timestamptz '2020-02-01' END
FROM generate_series(1, {ROWS}) AS i;
ANALYZE;
"""


@pytest.fixture(scope="module")
def big_url(pg_server: str) -> Iterator[str]:
    """A schema holding ROWS submissions, history entries and outbox events (module-wide)."""
    schema = "ck_test_plans_" + dt.datetime.now(dt.UTC).strftime("%H%M%S%f")
    url = f"{pg_server}{'&' if '?' in pg_server else '?'}schema={schema}"
    PostgresStore(url).close()
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"SET search_path TO {schema}")
        conn.execute(_FILL)
    yield url
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any, bool]]:
    """Every SELECT the store sends: (query, parameters, through a server-side cursor)."""
    sent: list[tuple[str, Any, bool]] = []
    for cls, server in ((psycopg.Cursor, False), (psycopg.ServerCursor, True)):
        original = cls.execute

        def execute(
            self: Any,
            query: Any,
            params: Any = None,
            *a: Any,
            _o: Any = original,
            _s: bool = server,
            **k: Any,
        ) -> Any:
            text = query if isinstance(query, str) else query.as_string(self.connection)
            if text.lstrip().upper().startswith("SELECT"):
                sent.append((text, params, _s))
            return _o(self, query, params, *a, **k)

        monkeypatch.setattr(cls, "execute", execute)
    return sent


def _plan(url: str, query: str, params: Any, server_cursor: bool) -> dict[str, Any]:
    schema = url.rsplit("schema=", 1)[1]
    with psycopg.connect(url.split("?")[0]) as conn:
        conn.execute(f"SET search_path TO {schema}")
        # A server-side cursor is planned for its first rows (cursor_tuple_fraction).
        prefix = "EXPLAIN (FORMAT JSON) " + ("DECLARE c CURSOR FOR " if server_cursor else "")
        row = conn.execute(prefix + query, params).fetchone()
    assert row is not None
    document = row[0] if not isinstance(row[0], str) else json.loads(row[0])
    plan: dict[str, Any] = document[0]["Plan"]
    return plan


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def _check(url: str, sent: list[tuple[str, Any, bool]], *, ordered: bool = False) -> None:
    assert sent, "the store sent no SELECT"
    for query, params, server in sent:
        nodes = list(_nodes(_plan(url, query, params, server)))
        kinds = [n["Node Type"] for n in nodes]
        scans = [f"{n['Node Type']} on {n.get('Relation Name')}" for n in nodes]
        assert "Seq Scan" not in kinds, f"{query}\nplan: {scans}"
        assert any(k.startswith(("Index", "Bitmap")) for k in kinds), f"{query}\nplan: {scans}"
        if ordered:
            assert "Sort" not in kinds, f"{query} sorts: {scans}"


def test_finding_by_tracking_number_uses_its_index(
    big_url: str, recorded: list[tuple[str, Any, bool]]
) -> None:
    with PostgresStore(big_url) as store:
        recorded.clear()
        assert store.find_by_tracking_number("CK-nope") is None
        _check(big_url, list(recorded))


def test_replaying_an_idempotency_key_uses_its_index(
    big_url: str, recorded: list[tuple[str, Any, bool]]
) -> None:
    with PostgresStore(big_url) as store:
        recorded.clear()
        hash_of = idempotency_key_hash("key-1", "p1@example.org")
        assert hash_of is not None
        store.find_by_idempotency_key("c1", "key-1", "p1@example.org")
        _check(big_url, list(recorded))


def test_a_submission_history_uses_its_index(
    big_url: str, recorded: list[tuple[str, Any, bool]]
) -> None:
    with PostgresStore(big_url) as store:
        recorded.clear()
        assert len(store.history("id-00000042")) == 1
        _check(big_url, list(recorded), ordered=True)


def test_listing_a_consultation_streams_in_index_order(
    big_url: str, recorded: list[tuple[str, Any, bool]]
) -> None:
    with PostgresStore(big_url) as store:
        recorded.clear()
        stream = store.list_submissions("c3")
        first = next(iter(stream))
        assert first.consultation_id == "c3"
        _check(big_url, list(recorded), ordered=True)


def test_unrouted_events_use_the_partial_index(
    big_url: str, recorded: list[tuple[str, Any, bool]]
) -> None:
    with PostgresStore(big_url) as store:
        recorded.clear()
        assert len(store.unrouted_events(50)) == 50
        _check(big_url, list(recorded), ordered=True)
