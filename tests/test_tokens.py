"""Organisers' bearer tokens: made at the command line, shown once, stored as hashes only."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from consultkit.app.application import Consultkit
from consultkit.app.tokens import TokenRefusedError, token_hash
from consultkit.cli import cli
from consultkit.config.loader import load_consultation
from consultkit.errors import RuleRefusedError, UnknownItemError

WSIS = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"


def run(tmp_path: Path, *arguments: str) -> Any:
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    command, rest = arguments[0], arguments[1:]
    return CliRunner().invoke(cli, ["tokens", command, str(WSIS), *rest, "--store", store])


def test_create_shows_the_token_once_and_stores_only_its_hash(tmp_path: Path) -> None:
    made = run(tmp_path, "create", "secretariat")
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip()
    assert secret.startswith("ckt_") and len(secret) == 4 + 43
    listed = run(tmp_path, "list")
    assert "secretariat" in listed.output and secret not in listed.output
    stored = (tmp_path / "ck.sqlite").read_bytes()
    wal = tmp_path / "ck.sqlite-wal"
    if wal.exists():
        stored += wal.read_bytes()
    assert secret.encode() not in stored
    assert hashlib.sha256(secret.encode()).hexdigest().encode() in stored
    again = run(tmp_path, "create", "secretariat")
    assert again.exit_code == 1 and "has a token named 'secretariat' already" in again.output
    assert run(tmp_path, "revoke", "secretariat").exit_code == 0
    assert "UTC" in run(tmp_path, "list").output.split("secretariat", 1)[1]
    gone = run(tmp_path, "revoke", "secretariat")
    assert gone.exit_code == 2 and "no working token" in gone.output


@pytest.mark.parametrize("name", ["", "two words", "_under", "x" * 65, "a\nb"])
def test_a_token_needs_a_plain_name(tmp_path: Path, name: str) -> None:
    made = run(tmp_path, "create", name)
    assert made.exit_code == 1
    assert "cannot name a token" in made.output


def test_the_application_checks_tokens(tmp_path: Path) -> None:
    consultation = load_consultation(WSIS)
    with Consultkit.open(f"sqlite:///{tmp_path / 'ck.sqlite'}", entry_points=False) as app:
        token, secret = app.create_token(consultation, "secretariat")
        assert token.token_hash == token_hash(secret)
        assert secret not in repr(token)
        assert app.organiser_token(consultation, secret) == token
        with pytest.raises(TokenRefusedError):
            app.organiser_token(consultation, secret + "x")
        with pytest.raises(RuleRefusedError, match="cannot name a token"):
            app.create_token(consultation, "bad name")
        app.revoke_token(consultation, "secretariat")
        with pytest.raises(TokenRefusedError):
            app.organiser_token(consultation, secret)
        with pytest.raises(UnknownItemError):
            app.revoke_token(consultation, "secretariat")
        assert [t.name for t in app.tokens(consultation)] == ["secretariat"]
