"""The validate and timeline commands, through click's runner and one real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from consultkit.cli import cli

EXAMPLE = "examples/wsis2020/consultation.toml"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_validate_the_example() -> None:
    code, out, err = run("validate", EXAMPLE)
    assert code == 0
    assert out == "ok: wsis-forum-2020-ocp: 6 phases, 4 calls, 1 event, 5 groups (4 warnings)\n"
    lines = err.splitlines()
    assert len(lines) == 4
    # The line of the second [[calls]] header, wherever edits of the example move it.
    text = Path(EXAMPLE).read_text(encoding="utf-8").splitlines()
    headers = [number for number, line in enumerate(text, start=1) if line == "[[calls]]"]
    assert lines[0].startswith(f"warning: {EXAMPLE}:{headers[1]}: calls[1]: call workshop-requests")


def test_validate_strict_fails_on_warnings() -> None:
    code, out, err = run("validate", "--strict", EXAMPLE)
    assert code == 1
    assert out == ""
    assert "failed (--strict)" in err


def test_validate_reports_errors_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "c"\nzone = "Europe/Geneva"\nlanguages = ["en"]\ntitle = { en = "T" }\n')
    code, out, err = run("validate", str(bad))
    assert code == 2
    assert out == ""
    assert err == (
        f"error: {bad}:2: zone: unknown time zone 'Europe/Geneva'"
        " (did you mean 'Europe/Zurich'? Use an IANA zone name)\n"
    )
    code, _, err = run("validate", str(tmp_path / "missing.toml"))
    assert code == 2 and "no such file" in err


def test_timeline_json_is_the_documented_document() -> None:
    code, out, _ = run(
        "timeline", EXAMPLE, "--at", "2019-06-04T14:30:00Z", "--format", "json", "--tz", "UTC"
    )
    assert code == 0
    document = json.loads(out)
    assert document["format"] == "consultkit-timeline"
    assert document["current_phase"] == "phase-1"
    assert document["open_calls"] == ["official-submissions", "hlt-facilitator-nominations"]
    assert [i["ref"] for i in document["items"]][-1] == "event:wsis-forum-2020"
    first = document["items"][0]
    assert (first["start_utc"], first["end_utc"], first["relation"]) == (
        "2019-06-04T14:00:00Z",
        "2019-06-04T15:00:00Z",
        "current",
    )
    assert document["next_deadline"]["cutoff_utc"] == "2020-02-03T23:00:00Z"


def test_timeline_uses_the_global_now_and_renders_a_table() -> None:
    code, out, _ = run("--now", "2020-01-20T10:00:00Z", "timeline", EXAMPLE, "--lang", "es")
    assert code == 0
    assert "Tercera reunión" in out
    assert "uncertain" in out
    assert "time left 14 d 13 h 0 min" in out


def test_timeline_refuses_bad_options_cleanly() -> None:
    for args, message in [
        (["--tz", "Europe/Geneva"], "did you mean 'Europe/Zurich'?"),
        (["--lang", "xx-zz"], "unknown language"),
        (["--at", "2020-01-01"], "has no offset"),
    ]:
        code, _out, err = run("timeline", EXAMPLE, *args)
        assert code == 2, args
        assert err.startswith("error: ") and message in err
        assert "Traceback" not in err


def test_validate_in_a_real_process() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "consultkit", "validate", EXAMPLE],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: wsis-forum-2020-ocp")
