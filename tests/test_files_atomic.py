"""Files written whole or not at all, never through a planted link (issue 9, finding 9).

Exports, charts, feeds and calendars go through :mod:`consultkit.files`: an exclusive
temporary file beside the target, renamed over it; FIFOs and devices are refused; a full
disk leaves neither a temporary file nor a changed target.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from consultkit.app import publishing
from consultkit.app.application import Consultkit
from consultkit.cli import cli
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.submissions import Submitter
from consultkit.files import FileWriteError, atomic_file, write_atomically
from consultkit.formats import submission_export

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
WHEN = "2019-07-01T10:00:00Z"


@pytest.fixture
def store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'files.sqlite'}"
    consultation = load_consultation(EXAMPLE)
    clock = FixedClock(dt.datetime(2019, 7, 1, 10, tzinfo=dt.UTC))
    with Consultkit.open(url, clock=clock, entry_points=False) as app:
        app.submit(
            consultation,
            call_id="official-submissions",
            submitter=Submitter(name="Ana", email="ana@example.org", group="civil-society"),
            title="A title",
            body="A body",
        )
    return url


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["--now", WHEN, *args], catch_exceptions=False)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


def test_export_does_not_write_through_a_planted_partial_symlink(
    store: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("")
    (out / ".out.csv.partial").symlink_to(victim)
    result = run(
        "submissions", "export", str(EXAMPLE), "--store", store, "-o", str(out / "out.csv")
    )
    assert result.exit_code == 0, result.stderr
    assert victim.read_text() == ""  # nothing, and no e-mail address, landed there
    assert "ana@example.org" in (out / "out.csv").read_text(encoding="utf-8")
    assert (out / ".out.csv.partial").is_symlink()  # the planted link was not touched


@pytest.mark.parametrize("command", ["export", "chart", "calendar"])
def test_output_at_a_fifo_is_refused_and_kept(store: str, tmp_path: Path, command: str) -> None:
    fifo = tmp_path / ("out.svg" if command == "chart" else "out.csv")
    os.mkfifo(fifo)
    if command == "export":
        result = run("submissions", "export", str(EXAMPLE), "--store", store, "-o", str(fifo))
    elif command == "chart":
        result = run("stats", str(EXAMPLE), "--store", store, "--chart", str(fifo))
    else:
        result = run("calendar", str(EXAMPLE), "-o", str(fifo))
    assert result.exit_code == 2
    assert "FIFO" in result.stderr and "not a regular file" in result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert _leftovers(tmp_path) == []


def test_chart_does_not_write_through_a_symlink(store: str, tmp_path: Path) -> None:
    victim = tmp_path / "victim.svg"
    victim.write_text("mine")
    chart = tmp_path / "chart.svg"
    chart.symlink_to(victim)
    result = run("stats", str(EXAMPLE), "--store", store, "--chart", str(chart))
    assert result.exit_code == 0, result.stderr
    assert victim.read_text() == "mine"
    assert not chart.is_symlink()
    assert chart.read_bytes().startswith(b"<?xml")


def test_mode_is_applied_exactly(tmp_path: Path) -> None:
    target = tmp_path / "personal.csv"
    write_atomically(target, b"x", mode=0o600)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    write_atomically(target, b"y")
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _FullDisk:
    """A file handle on a full disk: the first write fails with ENOSPC."""

    def __init__(self, fd: int, *_: object, **__: object) -> None:
        self.fd = fd

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *_: object) -> None:
        os.close(self.fd)

    def write(self, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def flush(self) -> None:
        pass

    def fileno(self) -> int:
        return self.fd


def test_full_disk_leaves_no_temporary_file_and_the_old_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "feed.ics"
    target.write_bytes(b"old")
    monkeypatch.setattr(os, "fdopen", _FullDisk)
    with pytest.raises(FileWriteError, match=r"the disk is full at .*nothing was half-written"):
        write_atomically(target, b"new")
    with pytest.raises(publishing.FeedWriteError, match="disk is full"):
        publishing.write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["feed.ics"]


def test_calendar_on_a_full_disk_says_so_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "fdopen", _FullDisk)
    result = run("calendar", str(EXAMPLE), "-o", str(tmp_path / "wsis.ics"))
    assert result.exit_code == 2
    assert "disk is full" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_export_on_a_full_disk_says_so_and_leaves_nothing(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(out: Any, *_: Any, **__: Any) -> int:
        out.write("call_id\r\n")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    # The export writes the store's records (issue 14); the application imports the
    # writer when it exports, so it is replaced where it lives.
    monkeypatch.setattr(submission_export, "export_records", full)
    target = tmp_path / "out.csv"
    result = run("submissions", "export", str(EXAMPLE), "--store", store, "-o", str(target))
    assert result.exit_code == 2
    assert "disk is full" in result.stderr
    assert not target.exists()
    assert _leftovers(tmp_path) == []


def test_an_error_inside_the_block_keeps_the_target(tmp_path: Path) -> None:
    target = tmp_path / "t.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_file(target) as handle:
        handle.write(b"half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert _leftovers(tmp_path) == []


def test_a_directory_target_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileWriteError, match="a folder, not a regular file"):
        write_atomically(tmp_path, b"x")
