"""Errors for people, not tracebacks (issue 9, finding 15: this engineer's part)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

from consultkit.app.application import Consultkit
from consultkit.cli import cli
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.submissions import Submitter
from consultkit.errors import StoreError
from consultkit.storage.sqlite import SqliteStore

if TYPE_CHECKING:
    import sqlite3

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
WHEN = "2019-07-01T10:00:00Z"
NOW = dt.datetime(2019, 7, 1, 10, tzinfo=dt.UTC)


def run(*args: str, **kwargs: Any) -> Any:
    return CliRunner().invoke(cli, ["--now", WHEN, *args], catch_exceptions=False, **kwargs)


def _submit(app: Consultkit, n: int, body: str = "text") -> str:
    return app.submit(
        load_consultation(EXAMPLE),
        call_id="official-submissions",
        submitter=Submitter(name=f"P{n}", email=f"p{n}@example.org", group="civil-society"),
        title=f"T{n}",
        body=body,
    ).tracking_number


def _cap_pages(conn: sqlite3.Connection) -> None:
    # SQLite's own limit gives a real SQLITE_FULL without filling the machine's disk.
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")


def test_a_full_sqlite_disk_is_one_clear_error_and_nothing_half_written(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'full.sqlite'}"
    with Consultkit.open(url, clock=FixedClock(NOW), entry_points=False) as app:
        _submit(app, 0)
        assert isinstance(app.store, SqliteStore)
        _cap_pages(app.store._writer)
        with pytest.raises(StoreError, match=r"the disk is full at .*: free space and retry"):
            _submit(app, 1, body="x" * 90_000)
        app.store._writer.execute("PRAGMA max_page_count = 1073741823")
        consultation = load_consultation(EXAMPLE)
        assert [s.title for s in app.list_submissions(consultation)] == ["T0"]
        _submit(app, 2)  # the store still works once there is room


def test_submit_on_a_full_disk_prints_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'full.sqlite'}"
    with Consultkit.open(url, clock=FixedClock(NOW), entry_points=False) as app:
        _submit(app, 0)
    connect = SqliteStore._connect

    def capped(self: SqliteStore) -> sqlite3.Connection:
        conn = connect(self)
        _cap_pages(conn)
        return conn

    monkeypatch.setattr(SqliteStore, "_connect", capped)
    result = run(
        "submit",
        str(EXAMPLE),
        "--store",
        url,
        "--call",
        "official-submissions",
        "--group",
        "civil-society",
        "--name",
        "Ana",
        "--email",
        "ana@example.org",
        "--title",
        "Long",
        "--body",
        "x" * 90_000,
    )
    assert result.exit_code != 0
    assert "the disk is full at" in result.stderr and "nothing was half-written" in result.stderr
    assert "Traceback" not in result.stderr


def test_toml_nested_600_levels_is_a_config_error_exit_2(tmp_path: Path) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 600 + "]" * 600 + "\n", encoding="utf-8")
    result = run("validate", str(deep))
    assert result.exit_code == 2
    assert "deep.toml:1: not usable TOML: values are nested too deeply" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_non_utf8_body_file_is_a_usage_error(tmp_path: Path) -> None:
    body = tmp_path / "body.txt"
    body.write_bytes("Réponse".encode("latin-1"))
    result = run(
        "submit",
        str(EXAMPLE),
        "--store",
        f"sqlite:///{tmp_path / 's.sqlite'}",
        "--call",
        "official-submissions",
        "--group",
        "civil-society",
        "--name",
        "Ana",
        "--email",
        "ana@example.org",
        "--title",
        "T",
        "--body-file",
        str(body),
    )
    assert result.exit_code == 2
    assert "body.txt is not UTF-8 text" in result.stderr and "save it as UTF-8" in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "postgres://u:s3cr3t-pw@127.0.0.1/d",
        "postgresql://u:s3cr3t-pw@[::1/d",
        "postgresql://u@127.0.0.1:1/d?password=s3cr3t-pw&connect_timeout=2",
        "postgresql://u:s3cr3t%zzpw@127.0.0.1:1/d?connect_timeout=2",
        "postgresql://u:s3cr3t%40pw@127.0.0.1:1/d?connect_timeout=2",
    ],
)
def test_a_store_password_never_shows_in_errors(url: str) -> None:
    result = run("submissions", "list", str(EXAMPLE), "--store", url)
    assert result.exit_code == 2
    assert "s3cr3t" not in result.stderr
    assert "***" in result.stderr


@pytest.mark.parametrize(
    "text",
    [
        "write to bob＠example.org",
        "write to bob%40example.org",
        "write to bob (at) example.org",
        "write to bob(at)example(dot)org",
        "write to bob&#64;example.org",
        "write to bob&#x40;example.org",
        "write to bob [at] example [dot] org",
        "write to bob﹫example.org",
    ],
)
def test_public_redaction_catches_obfuscated_addresses(text: str) -> None:
    from consultkit.formats.submission_export import EMAIL_REDACTION, redact_emails

    assert redact_emails(text) == f"write to {EMAIL_REDACTION}"
    assert redact_emails("we met at the forum, 5%40 of us") == "we met at the forum, 5%40 of us"
