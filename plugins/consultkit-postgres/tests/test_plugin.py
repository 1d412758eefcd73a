"""Registration, URLs, schema versions and errors of the PostgreSQL store."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import attrs
import psycopg
import pytest
from click.testing import CliRunner
from consultkit_postgres import PostgresStore
from consultkit_postgres import store as store_module
from consultkit_postgres.store import SCHEMA_VERSION, VERSION_TABLE, parse_url, redact

from consultkit import Consultkit, StoreError
from consultkit.cli import cli
from consultkit.config.loader import load_consultation
from consultkit.pluginhost.host import PluginHost, open_store
from consultkit.storage.protocols import IDEMPOTENCY_SCOPE, idempotency_key_hash
from consultkit.storage.records import DeliveryTarget
from consultkit.testing.factories import T0, make_event, make_submission, received_entry


def test_url_keeps_libpq_parameters_and_takes_the_schema() -> None:
    conninfo, schema = parse_url("postgresql://u:pw@db.example:5433/ck?schema=ck_a&sslmode=require")
    assert schema == "ck_a"
    assert conninfo.startswith("postgresql://u:pw@db.example:5433/ck?")
    assert "sslmode=require" in conninfo
    assert "schema" not in conninfo
    assert "connect_timeout=10" in conninfo
    assert parse_url("postgresql://localhost/ck")[1] == "consultkit"


@pytest.mark.parametrize(
    "url",
    [
        "mysql://localhost/ck",
        "postgresql://localhost/ck?schema=",
        "postgresql:///ck?schema=a&schema=b",
    ],
)
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(StoreError):
        parse_url(url)


def test_the_password_never_shows() -> None:
    assert redact("postgresql://u:secret@h:1/d?schema=x") == "postgresql://u:***@h:1/d?schema=x"
    with pytest.raises(StoreError) as caught:
        PostgresStore("postgresql://u:secret@127.0.0.1:1/d?connect_timeout=2")
    assert "secret" not in str(caught.value)
    assert "cannot connect" in str(caught.value)


@pytest.mark.postgres
def test_the_entry_point_registers_postgresql(pg_url: str) -> None:
    store = open_store(pg_url, PluginHost.load())
    try:
        assert isinstance(store, PostgresStore)
        assert store.schema_version() == SCHEMA_VERSION
    finally:
        store.close()


@pytest.mark.postgres
def test_reopening_keeps_data_and_a_newer_schema_is_refused(pg_url: str) -> None:
    with PostgresStore(pg_url) as store:
        store.put_consultation("c", {"id": "c"})
        schema = store.schema
    with PostgresStore(pg_url) as store:
        assert store.get_consultation("c") == {"id": "c"}
    with psycopg.connect(pg_url.partition("?")[0], autocommit=True) as conn:
        conn.execute(
            f'INSERT INTO "{schema}".{VERSION_TABLE} VALUES (%s, now())',
            (SCHEMA_VERSION + 1,),
        )
    with pytest.raises(StoreError, match="newer"):
        PostgresStore(pg_url)


@pytest.mark.postgres
def test_instants_come_back_in_utc(pg_url: str) -> None:
    from consultkit.testing.factories import make_submission, received_entry

    s = make_submission(1)
    with PostgresStore(pg_url) as store:
        store.add_submission(s, received_entry(s), [])
        got = store.get_submission(s.id)
    assert got is not None
    assert got.received_at == s.received_at
    assert got.received_at.utcoffset() == dt.timedelta(0)


@pytest.mark.postgres
def test_keys_stored_before_scoping_are_migrated(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # consultkit issue 9, finding 8: version 1 hashed the key alone; version 2 rehashes it
    # with its submitter's address and forgets the keys of erased submissions.
    mine = make_submission(1, email="Ana@Example.org", key="k")
    erased = attrs.evolve(make_submission(2, email="bo@example.org", key="gone"), erased_at=T0)
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", 1)
    with PostgresStore(pg_url) as old:
        with old._tx() as conn:
            # Today's code writes the fields column, which version 1 lacks: it stands in
            # while the rows are written and goes before migrating (migration 3 adds it).
            conn.execute("ALTER TABLE submissions ADD COLUMN fields jsonb")
        for s in (mine, erased):
            old.add_submission(s, received_entry(s), [])
        with old._tx() as conn:
            conn.execute("ALTER TABLE submissions DROP COLUMN fields")
            for s in (mine, erased):
                legacy = hashlib.sha256(str(s.idempotency_key).encode()).hexdigest()
                conn.execute(
                    "UPDATE submissions SET idempotency_hash = %s WHERE id = %s", (legacy, s.id)
                )
    monkeypatch.undo()
    with PostgresStore(pg_url) as store:
        assert store.schema_version() == SCHEMA_VERSION  # was 2 before migration 3
        found = store.find_by_idempotency_key("wsis-2020", "k", "ana@example.org")
        assert found is not None and found.submission_id == mine.id
        assert store.find_by_idempotency_key("wsis-2020", "k", "bo@example.org") is None
        assert store.find_by_idempotency_key("wsis-2020", "gone", "bo@example.org") is None
        with store._tx() as conn:
            rows = conn.execute("SELECT idempotency_hash FROM submissions ORDER BY seq").fetchall()
        # Byte for byte what the store computes now.
        assert [r[0] for r in rows] == [idempotency_key_hash("k", "ana@example.org"), None]
        assert IDEMPOTENCY_SCOPE == "consultkit-idempotency-2"  # written out in migration 2


@pytest.mark.postgres
def test_no_row_holds_the_identity_after_erasure(pg_url: str) -> None:
    # consultkit issue 9, finding 4: every row of every table, read as text, is free of the
    # address, the name (however short) and the organisation after an erasure.
    wu = make_submission(
        1, email="wu.lin@example.org", name="Wu", organisation="Lotus Cooperative", key="k"
    )
    facts = {
        "submitter_name": "Wu",
        "submitter_email": "wu.lin@example.org",
        "submitter_organisation": "Lotus Cooperative",
        "reason": "Wu asked for it",
    }
    with PostgresStore(pg_url) as store:
        event = make_event(submission=wu, payload=facts)
        store.add_submission(wu, received_entry(wu), [event])
        store.route_events(
            [(event.id, [DeliveryTarget(channel="email", recipient="wu.lin@example.org")])], T0
        )
        store.erase_submitter(
            "wsis-2020", "wu.lin@example.org", keep_text=False, reason="GDPR Art. 17", at=T0
        )
        with store._tx() as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = %s", (store.schema,)
                ).fetchall()
            ]
            rows = [
                str(row[0])
                for table in tables
                for row in conn.execute(f'SELECT t::text FROM "{table}" t').fetchall()
            ]
    text = "\n".join(rows)
    assert "submissions" in tables and "wu.lin@example.org" not in text.lower()
    assert "Lotus Cooperative" not in text
    assert "Wu" not in text


def test_a_nul_byte_in_an_import_refuses_its_row_and_keeps_the_chunk(
    pg_url: str, tmp_path: Path
) -> None:
    # PostgreSQL text cannot hold U+0000: one such row used to fail the COPY of its whole
    # chunk (issue 9, finding 14). The submitting rules refuse it before the store.
    example = Path(__file__).resolve().parents[3] / "examples" / "wsis2020" / "consultation.toml"
    header = "call_id,submitter_name,submitter_email,group,title,body\r\n"
    rows = "".join(
        f"official-submissions,P{n},p{n}@example.org,civil-society,Title {n},{body}\r\n"
        for n, body in enumerate(["one", "a\x00b", "three"])
    )
    path = tmp_path / "nul.csv"
    path.write_text(header + rows, encoding="utf-8", newline="")
    result = CliRunner().invoke(
        cli,
        [
            "--now",
            "2019-07-01T10:00:00Z",
            "submissions",
            "import",
            str(example),
            str(path),
            "--store",
            pg_url,
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 1, result.stderr
    assert "3 rows: 2 stored, 0 already present, 1 refused" in result.stderr
    assert "nul.csv:3: text:" in result.stderr
    consultation = load_consultation(example)
    with Consultkit.open(pg_url) as app:
        assert sorted(s.title for s in app.list_submissions(consultation)) == [
            "Title 0",
            "Title 2",
        ]


@pytest.mark.postgres
def test_call_field_values_are_stored_and_migration_3_adds_them(pg_url: str) -> None:
    # consultkit issue 12: a call's own fields are one jsonb object per submission; a
    # store at version 2 gains the column with {} for the submissions it already holds.
    old = make_submission(1)
    with PostgresStore(pg_url) as store:
        store.add_submission(old, received_entry(old), [])
        with store._tx() as conn:
            conn.execute("ALTER TABLE submissions DROP COLUMN fields")
            # ... and without what later migrations added (the review tables).
            conn.execute("DROP TABLE IF EXISTS review_assignments, reviews")
            conn.execute(f"DELETE FROM {VERSION_TABLE} WHERE version >= 3")
    values = {"format": "panel", "speakers": [{"name": "Ana", "consent_publish": True}]}
    new = attrs.evolve(make_submission(2), fields=values)
    with PostgresStore(pg_url) as store:
        assert store.schema_version() == SCHEMA_VERSION
        store.add_submission(new, received_entry(new), [])
        assert store.add_submissions([attrs.evolve(make_submission(3), fields=values)]) == 1
        got = [s.fields for s in store.list_submissions("wsis-2020")]
    assert got == [{}, values, values]
