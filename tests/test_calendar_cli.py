"""``consultkit calendar``, ``publish`` and ``history`` from the command line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from consultkit.cli import cli

EXAMPLE = Path(__file__).parents[1] / "examples" / "wsis2020" / "consultation.toml"
UN_LANGUAGES = ("ar", "en", "es", "fr", "ru", "zh")


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
    assert "published revision 1" in out and "9 added" in out
    # One feed per language of the example: the six UN languages.
    assert sorted(p.name for p in feeds.iterdir()) == [
        f"wsis-forum-2020-ocp.{language}.ics" for language in UN_LANGUAGES
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


def _publish(config: Path, store: str, now: str, *extra: str) -> str:
    code, out, err = run("--now", now, "publish", str(config), "--store", store, *extra)
    assert code == 0, (out, err)
    return out


def test_calendar_store_previews_unpublished_edits_as_the_next_publish(
    config: Path, tmp_path: Path
) -> None:
    store = f"sqlite:///{tmp_path / 'store.db'}"
    _publish(config, store, "2019-06-01T08:00:00Z")
    code, before, err = run("calendar", str(config), "--store", store, "--lang", "en")
    assert code == 0 and err == ""  # nothing edited: no warning
    # Moved in the file, not published: the feed must not show the new time under the
    # published SEQUENCE 0 and DTSTAMP, or clients keep the old time.
    config.write_text(
        config.read_text(encoding="utf-8").replace("2020-02-28", "2020-02-27", 1),
        encoding="utf-8",
    )
    now = "2019-07-01T00:00:00Z"
    code, preview, err = run(
        "--now", now, "calendar", str(config), "--store", store, "--lang", "en"
    )
    assert code == 0
    assert err == (
        "warning: 1 item changed since revision 1; run consultkit publish to record them\n"
    )
    assert preview != before
    assert "SEQUENCE:1\r\n" in preview and preview.count("SEQUENCE:0\r\n") == 6
    assert "DTSTAMP:20190701T000000Z\r\n" in preview
    assert "LAST-MODIFIED:20190701T000000Z\r\n" in preview
    # Filtered feeds get the same numbers (the diff runs over every item).
    code, only, err = run(
        "--now", now, "calendar", str(config), "--store", store, "--only", "phases"
    )
    assert code == 0 and err.startswith("warning: 1 item changed")
    assert "SEQUENCE:1\r\n" in only and "DTSTAMP:20190701T000000Z\r\n" in only
    # The preview is exactly what publishing at that moment writes.
    feeds = tmp_path / "feeds"
    out = _publish(config, store, now, "-o", str(feeds), "--format", "ics", "--lang", "en")
    assert "published revision 2" in out
    assert (feeds / "wsis-forum-2020-ocp.en.ics").read_bytes() == preview.encode()
    code, after, err = run("--now", now, "calendar", str(config), "--store", store, "--lang", "en")
    assert code == 0 and err == "" and after == preview


def test_calendar_store_counts_every_changed_item_once(config: Path, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'store.db'}"
    _publish(config, store, "2019-06-01T08:00:00Z")
    text = config.read_text(encoding="utf-8")
    # Phase 6 moved and renamed (two changes, one item) and phase 2 moved: two items.
    edited = (
        text.replace("2020-02-28", "2020-02-27")
        .replace('en = "Final briefing on', 'en = "Last briefing on')
        .replace("2019-06-20", "2019-06-21")
    )
    assert edited.count("2019-06-21") == 2 and "Last briefing" in edited
    config.write_text(edited, encoding="utf-8")
    code, _, err = run("calendar", str(config), "--store", store)
    assert code == 0 and err.count("\n") == 1
    assert err.startswith("warning: 2 items changed since revision 1;")


def test_unchanged_feeds_are_not_rewritten(config: Path, tmp_path: Path) -> None:
    # Same bytes, same inode and mtime: the web server's ETag/Last-Modified stay, and
    # subscribers do not download the feed again.
    store = f"sqlite:///{tmp_path / 'store.db'}"
    feeds = tmp_path / "feeds"
    out = _publish(config, store, "2019-06-01T08:00:00Z", "-o", str(feeds), "--format", "ics")
    assert "wrote " in out
    target = feeds / "wsis-forum-2020-ocp.en.ics"
    before = target.stat()
    out = _publish(config, store, "2019-06-02T08:00:00Z", "-o", str(feeds), "--format", "ics")
    assert f"unchanged {target}" in out and "wrote " not in out
    after = target.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert not [p for p in feeds.iterdir() if p.name.startswith(".")]  # no temporary left
    single = tmp_path / "one.ics"
    assert run("calendar", str(config), "-o", str(single))[0] == 0
    first = single.stat()
    assert run("calendar", str(config), "-o", str(single))[0] == 0
    assert (single.stat().st_ino, single.stat().st_mtime_ns) == (first.st_ino, first.st_mtime_ns)
    # Different bytes are written, atomically.
    assert run("calendar", str(config), "-o", str(single), "--lang", "es")[0] == 0
    assert b"Segunda reuni" in single.read_bytes()


def test_write_output_says_whether_it_wrote(tmp_path: Path) -> None:
    from consultkit.cli.calendar_cmd import write_output

    target = tmp_path / "sub" / "feed.ics"
    assert write_output(b"one\r\n", str(target)) is True
    assert write_output(b"one\r\n", str(target)) is False
    assert write_output(b"two\r\n", str(target)) is True
    assert target.read_bytes() == b"two\r\n"
    assert write_output(b"two\r\n", str(target)) is False


def test_publish_writes_six_feeds_six_pages_and_six_pictures(config: Path, tmp_path: Path) -> None:
    # Issue 11: the WSIS example carries the six UN languages, and publishing it writes
    # the feed, the page and the picture in each, every one in its own language.
    out = tmp_path / "public"
    formats = ("ics", "html", "svg")
    args = ["--now", "2019-06-01T08:00:00Z", "publish", str(config), "-o", str(out)]
    args += ["--store", f"sqlite:///{tmp_path / 'store.db'}"]
    for fmt in formats:
        args += ["--format", fmt]
    code, printed, err = run(*args)
    assert code == 0, printed + err
    expected = sorted(
        f"wsis-forum-2020-ocp.{language}.{fmt}" for language in UN_LANGUAGES for fmt in formats
    )
    assert sorted(p.name for p in out.iterdir()) == expected
    # Each file speaks its language: the example's title of phase IV, translated.
    third_meeting = {
        "ar": "الاجتماع الحضوري الثالث",
        "en": "Third physical meeting",
        "es": "Tercera reunión presencial",
        "fr": "Troisième réunion présentielle",
        "ru": "Третье очное собрание",
        "zh": "第三次实体会议",
    }
    for language, title in third_meeting.items():
        for fmt in formats:
            text = (out / f"wsis-forum-2020-ocp.{language}.{fmt}").read_text(encoding="utf-8")
            assert title in text, (language, fmt)
        page = (out / f"wsis-forum-2020-ocp.{language}.html").read_text(encoding="utf-8")
        direction = "rtl" if language == "ar" else "ltr"
        assert f'<html lang="{language}" dir="{direction}">' in page
