"""The notify, remind and subscribers commands end to end, with a real SMTP server on loopback."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from consultkit.cli import cli
from smtp_inbox import Inbox, free_port, serving_inbox

if TYPE_CHECKING:
    from collections.abc import Iterator

pytest.importorskip("aiosmtpd.controller")
pytest.importorskip("consultkit_smtp")

CONFIG = str(Path(__file__).parents[1] / "examples" / "wsis2020" / "consultation.toml")
WEEK_BEFORE = "2020-01-28T09:00:00Z"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with serving_inbox() as served:
        yield served


def run(env: dict[str, str], *args: str) -> Any:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_wsis_reminder_reaches_subscribers_by_email_once(tmp_path: Path, inbox: Any) -> None:
    handler, port = inbox
    env = {
        "CONSULTKIT_STORE": f"sqlite:///{tmp_path / 'ck.sqlite'}",
        "CONSULTKIT_NOTIFY_CHANNELS": "email",
        "CONSULTKIT_EMAIL_HOST": "127.0.0.1",
        "CONSULTKIT_EMAIL_PORT": str(port),
        "CONSULTKIT_EMAIL_FROM": "wsis-info@itu.int",
    }
    assert (
        run(env, "subscribers", "add", CONFIG, "ana@example.org", "--language", "es").exit_code == 0
    )
    assert (
        run(env, "subscribers", "add", CONFIG, "bob@example.org", "--language", "fr").exit_code == 0
    )
    listed = run(env, "subscribers", "list", CONFIG)
    assert "ana@example.org" in listed.output and "bob@example.org" in listed.output
    first = run(env, "--now", WEEK_BEFORE, "remind", CONFIG)
    assert first.exit_code == 0 and first.output.startswith("1 new event(s)")
    again = run(env, "--now", WEEK_BEFORE, "remind", CONFIG)
    assert again.output.startswith("0 new event(s)")
    sent = run(env, "--now", WEEK_BEFORE, "notify", "run")
    assert sent.exit_code == 0, sent.output
    assert "delivered 2" in sent.output
    subjects = sorted(str(m["Subject"]) for m in handler.messages)
    assert len(subjects) == 2
    assert subjects[0].startswith("Rappel") and subjects[1].startswith("Recordatorio")
    # The deadline is stated by its rule (the end of 3 February), never as the first
    # instant that is too late (midnight on the 4th).
    spanish = next(m for m in handler.messages if str(m["Subject"]).startswith("Record"))
    text = spanish.get_body(preferencelist=("plain",)).get_content()
    assert "3 de febrero de 2020" in text and "23:59:59" in text
    assert "4 de febrero" not in text
    assert run(env, "--now", WEEK_BEFORE, "notify", "run").output.startswith("routed 0")
    status = run(env, "notify", "status")
    assert "done" in status.output
    removed = run(env, "subscribers", "remove", CONFIG, "ana@example.org")
    assert removed.exit_code == 0
    assert run(env, "subscribers", "remove", CONFIG, "ana@example.org").exit_code == 1


def test_a_dead_server_keeps_deliveries_then_retry_sends_them(tmp_path: Path, inbox: Any) -> None:
    handler, port = inbox
    closed_port = free_port()
    env = {
        "CONSULTKIT_STORE": f"sqlite:///{tmp_path / 'ck.sqlite'}",
        "CONSULTKIT_NOTIFY_CHANNELS": "email",
        "CONSULTKIT_EMAIL_HOST": "127.0.0.1",
        "CONSULTKIT_EMAIL_PORT": str(closed_port),
        "CONSULTKIT_NOTIFY_MAX_ATTEMPTS": "1",
        "COLUMNS": "400",  # rich wraps tables to the terminal width
    }
    run(env, "subscribers", "add", CONFIG, "ana@example.org")
    run(env, "--now", WEEK_BEFORE, "remind", CONFIG)
    failed = run(env, "--now", WEEK_BEFORE, "notify", "run")
    assert "dead 1" in failed.output
    dead = run(env, "notify", "status", "--show", "dead")
    assert "cannot connect" in dead.output
    assert run(env, "notify", "retry").exit_code == 2  # ids or --all
    assert (
        "1 dead delivery pending again"
        in run(env, "--now", WEEK_BEFORE, "notify", "retry", "--all").output
    )
    env["CONSULTKIT_EMAIL_PORT"] = str(port)
    assert "delivered 1" in run(env, "--now", WEEK_BEFORE, "notify", "run").output
    assert len(handler.messages) == 1


def test_an_unknown_channel_is_a_one_line_error(tmp_path: Path) -> None:
    env = {
        "CONSULTKIT_STORE": f"sqlite:///{tmp_path / 'ck.sqlite'}",
        "CONSULTKIT_NOTIFY_CHANNELS": "pigeon",
    }
    result = CliRunner().invoke(cli, ["notify", "run"], env=env)
    assert result.exit_code == 2
    assert "no plugin provides channel 'pigeon'" in result.output
    assert "Traceback" not in result.output


def test_unknown_group_is_refused(tmp_path: Path) -> None:
    env = {"CONSULTKIT_STORE": f"sqlite:///{tmp_path / 'ck.sqlite'}"}
    result = CliRunner().invoke(
        cli, ["subscribers", "add", CONFIG, "a@example.org", "--group", "aliens"], env=env
    )
    assert result.exit_code == 2 and "error:" in result.output
