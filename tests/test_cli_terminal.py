"""What a submitter typed is shown, never obeyed by the terminal (issue 9, finding 10)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from consultkit.app.application import Consultkit
from consultkit.cli import cli
from consultkit.cli.terminal import for_terminal, json_for_terminal, rich_text
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.submissions import Submitter

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
WHEN = "2019-07-01T10:00:00Z"
RETITLE = "\x1b]0;owned\x07"
OSC8 = "\x1b]8;;https://evil.example/\x1b\\click here\x1b]8;;\x1b\\"
NAME = f"Eve{RETITLE}\u202eevil"
TITLE = f"Read {OSC8} \x9b2J now"
BODY = "First line\nsecond\x1b[2Kline\u2066"
#: Characters that must never reach a terminal raw.
RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\u2066")


@pytest.fixture
def store(tmp_path: Path) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path / 'term.sqlite'}"
    consultation = load_consultation(EXAMPLE)
    clock = FixedClock(dt.datetime(2019, 7, 1, 10, tzinfo=dt.UTC))
    with Consultkit.open(url, clock=clock, entry_points=False) as app:
        receipt = app.submit(
            consultation,
            call_id="official-submissions",
            submitter=Submitter(
                name=NAME, email="eve@example.org", group="civil-society", organisation="[b]O[/b]"
            ),
            title=TITLE,
            body=BODY,
        )
        app.submit(
            consultation,
            call_id="official-submissions",
            submitter=Submitter(
                name="[link=https://evil.example/]Ana[/link]",
                email="a@example.org",
                group="civil-society",
            ),
            title=TITLE,
            body=BODY,
        )
    return url, receipt.tracking_number


def run(*args: str) -> Any:
    return CliRunner(env={"COLUMNS": "400"}).invoke(
        cli, ["--now", WHEN, *args], catch_exceptions=False
    )


def _clean(text: str) -> None:
    for ch in RAW:
        assert ch not in text, f"{ch!r} reached the terminal"


def test_show_prints_escapes_visibly(store: tuple[str, str]) -> None:
    url, tracking = store
    result = run("submissions", "show", str(EXAMPLE), tracking, "--store", url)
    assert result.exit_code == 0, result.stderr
    _clean(result.stdout)
    assert "Eve\\x1b]0;owned\\x07\\u202eevil" in result.stdout
    assert "First line\nsecond\\x1b[2Kline\\u2066" in result.stdout  # the body keeps lines


def test_list_table_neither_obeys_escapes_nor_rich_markup(store: tuple[str, str]) -> None:
    url, _ = store
    result = run("submissions", "list", str(EXAMPLE), "--store", url)
    assert result.exit_code == 0, result.stderr
    _clean(result.stdout)
    assert "\\x1b]0;owned" in result.stdout
    assert "[link=https://evil.example/]Ana[/link]" in result.stdout


@pytest.mark.parametrize("command", ["list", "show"])
def test_json_to_a_terminal_escapes_everything_and_stays_json(
    store: tuple[str, str], command: str
) -> None:
    url, tracking = store
    extra = [tracking] if command == "show" else []
    result = run("submissions", command, str(EXAMPLE), *extra, "--store", url, "--format", "json")
    assert result.exit_code == 0, result.stderr
    _clean(result.stdout)
    document = json.loads(result.stdout)
    rows = [document] if command == "show" else document
    assert NAME in {row["submitter_name"] for row in rows}  # the same value, only escaped


def test_campaigns_and_stats_print_titles_visibly(store: tuple[str, str]) -> None:
    url, _ = store
    result = run("submissions", "campaigns", str(EXAMPLE), "--store", url)
    assert result.exit_code == 0, result.stderr
    _clean(result.stdout)
    assert "\\x9b2J" in result.stdout
    result = run("stats", str(EXAMPLE), "--store", url)
    assert result.exit_code == 0, result.stderr
    _clean(result.stdout)


def test_import_problems_quote_cells_visibly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "call_id,submitter_name,submitter_email,group,title,body\r\n"
        f"nope{RETITLE},N,n@example.org,civil-society,T,B\r\n",
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'i.sqlite'}"
    result = run("submissions", "import", str(EXAMPLE), str(bad), "--store", url)
    assert result.exit_code == 1
    _clean(result.stderr)
    assert "\\x1b]0;owned" in result.stderr


def test_the_one_function() -> None:
    assert for_terminal("a\nb\tc\rd") == "a\\x0ab\\x09c\\x0dd"
    assert for_terminal("a\nb\tc\rd", multiline=True) == "a\nb\tc\\x0dd"
    assert for_terminal("\x7f\x85\u202a\u2069\u2028") == "\\x7f\\x85\\u202a\\u2069\\u2028"
    assert for_terminal("Zoë 李 ok") == "Zoë 李 ok"
    assert rich_text("[b]x[/b]").plain == "[b]x[/b]"
    text = json_for_terminal({"k": "\x1b\x7f\u202e\x85é"}, indent=2)
    _clean(text)
    assert "é" in text and "\n" in text
    assert json.loads(text) == {"k": "\x1b\x7f\u202e\x85é"}
