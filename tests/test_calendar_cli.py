"""``consultkit calendar``, ``publish`` and ``history`` from the command line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from consultkit.cli import cli

EXAMPLE = Path(__file__).parents[1] / "examples" / "wsis2020" / "consultation.toml"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    target = tmp_path / "consultation.toml"
    shutil.copy(EXAMPLE, target)
    return target


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    # The bytes, decoded without newline translation: the feed's CRLFs must survive.
    return result.exit_code, result.stdout_bytes.decode("utf-8"), result.stderr


def test_calendar_to_stdout_and_file(config: Path, tmp_path: Path) -> None:
    code, out, _ = run("calendar", str(config), "--lang", "es")
    assert code == 0
    assert out.startswith("BEGIN:VCALENDAR\r\n")
    assert "Segunda reunión presencial" in out
    target = tmp_path / "out" / "feed.ics"
    code, out, _ = run("calendar", str(config), "-o", str(target), "--only", "deadlines")
    assert code == 0 and out == ""
    assert target.read_bytes().count(b"BEGIN:VEVENT") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--lang", "de"), "language 'de' is not one of"),
        (("--format", "pdf"), "no exporter for format 'pdf'"),
        (("--group", "nobody"), "no stakeholder group 'nobody'"),
    ],
)
def test_calendar_usage_errors_are_one_line(
    config: Path, args: tuple[str, ...], message: str
) -> None:
    code, out, err = run("calendar", str(config), *args)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_publish_then_change_then_history(config: Path, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'store.db'}"
    feeds = tmp_path / "feeds"
    code, out, _ = run(
        "--now",
        "2019-06-01T08:00:00Z",
        "publish",
        str(config),
        "--store",
        store,
        "-o",
        str(feeds),
        "--format",
        "ics",
    )
    assert code == 0, out
    assert "published revision 1" in out and "7 added" in out
    assert sorted(p.name for p in feeds.iterdir()) == [
        "wsis-forum-2020-ocp.en.ics",
        "wsis-forum-2020-ocp.es.ics",
    ]
    first = (feeds / "wsis-forum-2020-ocp.en.ics").read_bytes()
    assert b"LAST-MODIFIED:20190601T080000Z" in first
    code, out, _ = run("--now", "2019-06-02T08:00:00Z", "publish", str(config), "--store", store)
    assert "no change since revision 1" in out
    # The organiser confirms phase III and moves the final briefing.
    text = config.read_text(encoding="utf-8")
    text = text.replace("2020-02-28", "2020-02-27", 1)
    config.write_text(text, encoding="utf-8")
    code, out, _ = run(
        "--now",
        "2019-07-01T00:00:00Z",
        "publish",
        str(config),
        "--store",
        store,
        "-o",
        str(feeds),
        "--format",
        "ics",
        "--lang",
        "en",
    )
    assert code == 0 and "published revision 2" in out and "1 moved" in out
    second = (feeds / "wsis-forum-2020-ocp.en.ics").read_bytes()
    assert b"SEQUENCE:1" in second and b"LAST-MODIFIED:20190701T000000Z" in second
    assert second.count(b"SEQUENCE:0") == 6
    code, out, _ = run("calendar", str(config), "--store", store, "--lang", "en")
    assert out.encode() == second
    code, out, _ = run("history", str(config), "--store", store)
    assert code == 0
    assert "2019-07-01 00:00" in out and "moved" in out and "2020-02-27" in out


def test_history_before_publishing(config: Path, tmp_path: Path) -> None:
    code, out, _ = run("history", str(config), "--store", f"sqlite:///{tmp_path / 'x.db'}")
    assert code == 0 and "nothing published yet" in out


def test_written_feeds_are_readable_by_the_web_server(config: Path, tmp_path: Path) -> None:
    # Feeds are published to be served; a private 0600 file would break subscriptions.
    import os

    umask = os.umask(0o022)
    try:
        target = tmp_path / "feed.ics"
        code, _, _ = run("calendar", str(config), "-o", str(target))
    finally:
        os.umask(umask)
    assert code == 0
    assert target.stat().st_mode & 0o777 == 0o644
