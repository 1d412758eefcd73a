"""SQLite specifics: URLs, pragmas, migrations, chunked bulk loads, separate readers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import attrs
import pytest

from consultkit.errors import StoreError
from consultkit.storage.sqlite import SCHEMA_VERSION, SqliteStore, path_from_url
from consultkit.testing.factories import make_event, make_submission, received_entry


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def test_urls_name_relative_and_absolute_files() -> None:
    assert path_from_url("sqlite:///consultkit.sqlite") == Path("consultkit.sqlite")
    assert path_from_url("sqlite:///./data/ck.sqlite") == Path("data/ck.sqlite")
    assert path_from_url("sqlite:////srv/ck.sqlite") == Path("/srv/ck.sqlite")
    with pytest.raises(StoreError, match="no file name"):
        path_from_url("sqlite:///")
    with pytest.raises(StoreError, match="not a SQLite URL"):
        path_from_url("sqlite://host/x")


def test_a_relative_url_is_relative_to_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with SqliteStore("sqlite:///here.sqlite") as store:
        assert store.schema_version() == SCHEMA_VERSION
    assert (tmp_path / "here.sqlite").exists()


def test_a_missing_directory_is_explained(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"directory .*nowhere.* does not exist; create it"):
        SqliteStore(_url(tmp_path / "nowhere" / "x.sqlite"))


def test_pragmas_wal_full_and_busy_timeout(tmp_path: Path) -> None:
    with SqliteStore(_url(tmp_path / "ck.sqlite")) as store:
        conn = store._writer
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        assert conn.isolation_level is None  # we BEGIN IMMEDIATE ourselves


def test_data_survives_reopening(tmp_path: Path) -> None:
    url = _url(tmp_path / "ck.sqlite")
    s = make_submission(1, key="k")
    with SqliteStore(url) as store:
        store.add_submission(s, received_entry(s), [])
    with SqliteStore(url) as store:
        assert store.get_submission(s.id) == s
        assert store.schema_version() == SCHEMA_VERSION


def test_migrations_are_recorded_once(tmp_path: Path) -> None:
    path = tmp_path / "ck.sqlite"
    SqliteStore(_url(path)).close()
    SqliteStore(_url(path)).close()
    conn = sqlite3.connect(path)
    versions = [row[0] for row in conn.execute("SELECT version FROM schema_version")]
    conn.close()
    assert versions == list(range(1, SCHEMA_VERSION + 1))


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ck.sqlite"
    SqliteStore(_url(path)).close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("INSERT INTO schema_version VALUES (?, 'later')", (SCHEMA_VERSION + 1,))
    conn.close()
    with pytest.raises(StoreError, match=r"newer than this consultkit understands.*upgrade"):
        SqliteStore(_url(path))


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes, not a database " * 100, encoding="utf-8")
    with pytest.raises(StoreError, match="consultkit SQLite database"):
        SqliteStore(_url(path))


def test_bulk_load_commits_each_chunk(tmp_path: Path) -> None:
    def rows() -> object:
        for n in range(25):
            if n == 23:
                raise RuntimeError("the CSV file is truncated")
            yield make_submission(n)

    with SqliteStore(_url(tmp_path / "ck.sqlite")) as store:
        with pytest.raises(RuntimeError, match="truncated"):
            store.add_submissions(rows(), chunk_size=10)  # type: ignore[arg-type]
        # The two full chunks were committed before the failure; a re-run resumes.
        assert len(list(store.list_submissions("wsis-2020"))) == 20


def test_readers_do_not_use_the_writer_and_stream_a_snapshot(tmp_path: Path) -> None:
    with SqliteStore(_url(tmp_path / "ck.sqlite")) as store:
        store.add_submissions([make_submission(n) for n in range(1200)], chunk_size=500)
        stream = store.list_submissions("wsis-2020")
        first = next(stream)
        # A write while a reader is mid-stream neither blocks nor shows up in the stream.
        late = make_submission(5000)
        store.add_submission(late, received_entry(late), [])
        rest = list(stream)
        assert first.id not in {s.id for s in rest}
        assert len(rest) == 1199
        assert late.id not in {s.id for s in rest}
        assert len(list(store.list_submissions("wsis-2020"))) == 1201


def test_a_failed_write_rolls_back_everything(tmp_path: Path) -> None:
    with SqliteStore(_url(tmp_path / "ck.sqlite")) as store:
        s = make_submission(1)
        store.add_submission(s, received_entry(s), [])
        # A new id but a tracking number already used: the insert fails mid-transaction.
        bad = attrs.evolve(make_submission(2), tracking_number=s.tracking_number)
        event = make_event(submission=bad)
        with pytest.raises(StoreError, match="already stored"):
            store.add_submission(bad, received_entry(bad), [event])
        assert store.history(bad.id) == []
        assert store.unrouted_events(10) == []
        assert not store._writer.in_transaction


def test_an_older_database_is_migrated_forward_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consultkit.storage import sqlite as sqlite_store

    path = tmp_path / "ck.sqlite"
    s = make_submission(1)
    with SqliteStore(_url(path)) as store:
        store.add_submission(s, received_entry(s), [])
    later = (
        *sqlite_store.MIGRATIONS,
        ("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)",),
        ("ALTER TABLE notes ADD COLUMN author TEXT", "CREATE INDEX notes_author ON notes (author)"),
    )
    monkeypatch.setattr(sqlite_store, "MIGRATIONS", later)
    monkeypatch.setattr(sqlite_store, "SCHEMA_VERSION", len(later))
    with SqliteStore(_url(path)) as store:
        assert store.schema_version() == SCHEMA_VERSION + 2
        assert store.get_submission(s.id) == s
        columns = [row[1] for row in store._writer.execute("PRAGMA table_info(notes)")]
        assert columns == ["id", "text", "author"]


def test_a_failing_migration_leaves_the_database_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consultkit.storage import sqlite as sqlite_store

    path = tmp_path / "ck.sqlite"
    SqliteStore(_url(path)).close()
    broken = (*sqlite_store.MIGRATIONS, ("CREATE TABLE ok (x)", "THIS IS NOT SQL"))
    monkeypatch.setattr(sqlite_store, "MIGRATIONS", broken)
    monkeypatch.setattr(sqlite_store, "SCHEMA_VERSION", len(broken))
    with pytest.raises(StoreError):
        SqliteStore(_url(path))
    conn = sqlite3.connect(path)
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    version = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    conn.close()
    assert "ok" not in tables
    assert version == SCHEMA_VERSION


def test_chunked_bulk_loads_keep_the_wal_bounded(tmp_path: Path) -> None:
    path = tmp_path / "ck.sqlite"
    with SqliteStore(_url(path)) as store:
        subs = (make_submission(n, body=f"text {n} " + "x" * 1500) for n in range(4000))
        assert store.add_submissions(subs, chunk_size=200) == 4000
        wal = Path(f"{path}-wal").stat().st_size
        db = path.stat().st_size
    # Twenty chunks were checkpointed one by one: the WAL holds about one chunk, not all.
    assert wal < db / 4, (wal, db)


def test_the_recording_notifier_is_a_notifier() -> None:
    from consultkit.notify import Notifier
    from consultkit.testing.fixtures import RecordingNotifier

    assert isinstance(RecordingNotifier(), Notifier)
