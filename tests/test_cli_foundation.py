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
    refs = [i["ref"] for i in document["items"]]
    # The Forum is the last dated item; the review rounds are not scheduled yet.
    assert refs[-3:] == [
        "event:wsis-forum-2020",
        "review:workshop-requests/screening",  # in the order declared
        "review:workshop-requests/scoring",
    ]
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
    # --lang chooses the words of the table too (issue 11), durations named by babel.
    assert "Aún no es seguro" in out
    assert "tiempo restante: 14 días y 13 horas" in " ".join(out.split())


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


def test_timeline_json_adds_accepting_calls_after_the_documented_keys() -> None:
    code, out, _ = run("timeline", EXAMPLE, "--at", "2019-10-01T12:00:00Z", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert list(document) == [
        "format",
        "version",
        "consultation",
        "at",
        "zone",
        "language",
        "items",
        "current_phase",
        "possible_phases",
        "next_phase",
        "calls",
        "open_calls",
        "next_deadline",
        "accepting_calls",
    ]
    calls = {c["id"]: c for c in document["calls"]}
    assert list(calls["workshop-requests"])[-3:] == ["groups", "opens_with", "accepting"]
    assert calls["workshop-requests"]["state"] == "unknown"
    assert calls["workshop-requests"]["accepting"] is True
    assert calls["official-submissions"]["opens_with"] == "phase-1"
    assert document["open_calls"] == ["official-submissions", "hlt-facilitator-nominations"]
    assert document["accepting_calls"] == [
        "official-submissions",
        "workshop-requests",
        "hlt-facilitator-nominations",
        "photo-contest",
    ]
    code, out, _ = run("timeline", EXAMPLE, "--at", "2020-02-03T23:00:00Z", "--format", "json")
    closed = json.loads(out)
    assert "workshop-requests" not in closed["accepting_calls"]
    assert closed["accepting_calls"] == ["hlt-facilitator-nominations", "photo-contest"]


def test_timeline_table_lists_calls_whose_opening_is_not_stated() -> None:
    # Before phase I: official submissions are not open yet, yet workshop requests (whose
    # opening the letter never states) are accepted, and the table must say so honestly.
    code, out, _ = run("timeline", EXAMPLE, "--at", "2019-06-01T12:00:00Z", "--lang", "en")
    assert code == 0
    calls = " ".join(out.split("Open calls:", 1)[1].split())
    assert "(workshop-requests): open (opening date not stated); closes end of 3" in calls
    assert "(photo-contest): open (opening date not stated); no deadline given" in calls
    assert "(official-submissions)" not in calls
    assert "Note:" not in out


def test_timeline_table_says_when_texts_fall_back() -> None:
    # The example is written in the six UN languages; German falls back to Spanish.
    code, out, _ = run("timeline", EXAMPLE, "--at", "2019-10-01T12:00:00Z", "--lang", "de")
    assert code == 0
    assert "3. Februar 2020" in out
    assert "Note: texts not written in de are shown in es." in " ".join(out.split())
    code, out, _ = run("timeline", EXAMPLE, "--at", "2019-10-01T12:00:00Z", "--lang", "fr")
    assert code == 0 and "fin du 3 février 2020" in out
    assert "texts not written in" not in " ".join(out.split())


def test_timeline_refuses_instants_out_of_range_without_a_traceback() -> None:
    for args in (
        ["timeline", EXAMPLE, "--at", "0001-01-01T00:00:00+01:00"],
        ["timeline", EXAMPLE, "--at", "9999-12-31T23:59:00-01:00"],
        ["--now", "0001-01-01T00:00:00+01:00", "timeline", EXAMPLE],
    ):
        code, _out, err = run(*args)
        assert code == 2, args
        assert "out of range: use a year between 1900 and 2999" in err
        assert "Traceback" not in err


def test_timeline_unknown_zone_says_what_to_write() -> None:
    code, _out, err = run("timeline", EXAMPLE, "--tz", "+01:00")
    assert code == 2
    assert "use an IANA zone name such as Europe/Zurich" in err


def test_utc_text_pads_early_years() -> None:
    import datetime as dt

    from consultkit.formats.timeline_json import utc_text

    assert utc_text(dt.datetime(950, 1, 2, 3, 4, 5, 678, tzinfo=dt.UTC)) == "0950-01-02T03:04:05Z"


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
