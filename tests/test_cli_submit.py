"""``consultkit submit`` and ``consultkit submissions``: exit codes, receipts, rehearsals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from consultkit.cli import cli

EXAMPLE = str(Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml")
BASE = [
    "submit",
    EXAMPLE,
    "--call",
    "official-submissions",
    "--group",
    "civil-society",
    "--name",
    "Ana Pérez",
    "--email",
    "ana@example.org",
    "--title",
    "Rural schools",
]


@pytest.fixture
def store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ck.sqlite'}"


def run(*args: str, now: str | None = None, input: str | None = None) -> Result:
    prefix = ["--now", now] if now else []
    return CliRunner().invoke(cli, [*prefix, *args], input=input, catch_exceptions=False)


def submit(store: str, *extra: str, now: str = "2019-12-01T10:00:00Z") -> Result:
    return run(*BASE, "--body", "Connect rural schools.", "--store", store, *extra, now=now)


def test_receipt_as_json(store: str) -> None:
    result = submit(store, "--format", "json", "--tag", "c2", "--language", "en")
    assert result.exit_code == 0, result.output
    receipt = json.loads(result.stdout)
    assert receipt["tracking_number"].startswith("CK-")
    assert receipt["received_at"] == "2019-12-01T10:00:00Z"
    assert receipt["public_status"] == "received"
    assert receipt["replayed"] is False


def test_receipt_as_text_shows_both_zones(store: str) -> None:
    result = submit(store)
    assert result.exit_code == 0, result.output
    assert "Tracking number: CK-" in result.stdout
    assert "2019-12-01 11:00:00 Europe/Zurich (2019-12-01 10:00:00 UTC)" in result.stdout


@pytest.mark.parametrize(
    ("now", "code"),
    [
        ("2020-02-03T23:59:59+01:00", 0),  # the last second in Geneva
        ("2020-02-03T22:59:59Z", 0),
        ("2020-02-04T00:00:00+01:00", 1),  # midnight in Geneva: too late
        ("2020-02-03T23:00:00Z", 1),
    ],
)
def test_deadline_rehearsal_at_the_last_second(store: str, now: str, code: int) -> None:
    result = submit(store, now=now)
    assert result.exit_code == code, result.output
    if code:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("error: call 'official-submissions' is closed")
        assert "Europe/Zurich" in lines[0] and "UTC" in lines[0]
        assert "[rule: call-closed]" in lines[0]
        assert "Traceback" not in result.output


def test_env_now_works_too(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSULTKIT_NOW", "2020-02-04T00:00:00+01:00")
    result = run(*BASE, "--body", "x", "--store", store)
    assert result.exit_code == 1


def test_idempotent_retry_via_cli(store: str) -> None:
    first = json.loads(submit(store, "--idempotency-key", "k-1", "--format", "json").stdout)
    again = json.loads(submit(store, "--idempotency-key", "k-1", "--format", "json").stdout)
    assert again["tracking_number"] == first["tracking_number"]
    assert again["replayed"] is True
    text = submit(store, "--idempotency-key", "k-1")
    assert "original receipt" in text.stdout


@pytest.mark.parametrize(
    "extra",
    [
        ["--group", "aliens"],
        ["--tag", "C99"],
        ["--call", "no-such-call"],
    ],
)
def test_rule_refusals_exit_1(store: str, extra: list[str]) -> None:
    result = submit(store, *extra)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_usage_exits_2(store: str, tmp_path: Path) -> None:
    both = run(*BASE, "--body", "a", "--body-file", "-", "--store", store, input="b")
    assert both.exit_code == 2
    assert "exactly one of --body" in both.stderr
    neither = run(*BASE, "--store", store)
    assert neither.exit_code == 2
    missing = run("submit", EXAMPLE, "--title", "x", "--body", "y")
    assert missing.exit_code == 2
    bad_now = submit(store, now="tomorrow")
    assert bad_now.exit_code == 2
    bad_store = submit("ftp://nowhere")
    assert bad_store.exit_code == 2
    assert "no store backend" in bad_store.stderr


def test_body_from_file_and_stdin(store: str, tmp_path: Path) -> None:
    path = tmp_path / "body.txt"
    path.write_text("Texte depuis un fichier.", encoding="utf-8")
    from_file = run(
        *BASE,
        "--body-file",
        str(path),
        "--store",
        store,
        "--format",
        "json",
        now="2019-12-01T10:00:00Z",
    )
    assert from_file.exit_code == 0, from_file.output
    from_stdin = run(
        *BASE, "--body-file", "-", "--store", store, input="From stdin.", now="2019-12-01T10:00:00Z"
    )
    assert from_stdin.exit_code == 0, from_stdin.output
    listed = json.loads(
        run("submissions", "list", EXAMPLE, "--store", store, "--format", "json").stdout
    )
    assert sorted(row["body"] for row in listed) == ["From stdin.", "Texte depuis un fichier."]


def test_submissions_lifecycle_via_cli(store: str) -> None:
    tn = json.loads(submit(store, "--format", "json").stdout)["tracking_number"]
    table = run("submissions", "list", EXAMPLE, "--store", store)
    assert table.exit_code == 0 and tn in table.stdout

    refused = run(
        "review",
        "decide",
        EXAMPLE,
        tn,
        "--decision",
        "accepted",
        "--organiser",
        "ITU",
        "--store",
        store,
    )
    assert refused.exit_code == 1 and "[rule: transition]" in refused.stderr
    ok = run(
        "review",
        "decide",
        EXAMPLE,
        tn,
        "--decision",
        "under-review",
        "--organiser",
        "ITU",
        "--store",
        store,
    )
    assert ok.exit_code == 0 and "the submitter sees: received" in ok.stdout

    stranger = run(
        "submissions", "withdraw", EXAMPLE, tn, "--email", "mallory@example.org", "--store", store
    )
    assert stranger.exit_code == 1 and "[rule: withdraw-own]" in stranger.stderr
    mine = run(
        "submissions",
        "withdraw",
        EXAMPLE,
        tn.lower(),
        "--email",
        "ana@example.org",
        "--store",
        store,
    )
    assert mine.exit_code == 0, mine.output

    shown = json.loads(
        run("submissions", "show", EXAMPLE, tn, "--store", store, "--format", "json").stdout
    )
    assert shown["status"] == "withdrawn"
    assert [h["to_status"] for h in shown["history"]] == ["submitted", "under-review", "withdrawn"]
    text = run("submissions", "show", EXAMPLE, tn, "--store", store)
    assert "History:" in text.stdout and "by organiser ITU" in text.stdout

    filtered = json.loads(
        run(
            "submissions",
            "list",
            EXAMPLE,
            "--status",
            "submitted",
            "--store",
            store,
            "--format",
            "json",
        ).stdout
    )
    assert filtered == []


def test_unknown_submission_exits_2(store: str) -> None:
    result = run("submissions", "show", EXAMPLE, "CK-0000-0000-0000-0000", "--store", store)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no submission")


def test_erase_without_yes_and_without_a_terminal_says_to_add_yes(store: str) -> None:
    submit(store)
    result = run("submissions", "erase", EXAMPLE, "--email", "ana@example.org", "--store", store)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: erasing cannot be undone: confirm it in a terminal, or add --yes\n"
    )
    assert "Aborted" not in result.output


def test_erase_via_cli(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from consultkit.cli import submissions_cmd

    tn = json.loads(submit(store, "--format", "json").stdout)["tracking_number"]
    monkeypatch.setattr(submissions_cmd, "_stdin_is_terminal", lambda: True)
    declined = run(
        "submissions", "erase", EXAMPLE, "--email", "ana@example.org", "--store", store, input="n\n"
    )
    assert declined.exit_code == 2
    assert "error: nothing erased (add --yes" in declined.stderr
    hung_up = run(
        "submissions", "erase", EXAMPLE, "--email", "ana@example.org", "--store", store, input=""
    )
    assert hung_up.exit_code == 2
    assert "Aborted" not in hung_up.output
    done = run(
        "submissions", "erase", EXAMPLE, "--email", "ana@example.org", "--yes", "--store", store
    )
    assert done.exit_code == 0, done.output
    assert "identity and text erased from 1 submission" in done.stdout
    shown = json.loads(
        run("submissions", "show", EXAMPLE, tn, "--store", store, "--format", "json").stdout
    )
    assert shown["submitter_email"] is None and shown["body"] is None
    assert shown["erased_at"] is not None


def test_list_filters_and_limit(store: str) -> None:
    for _ in range(3):
        submit(store, "--tag", "SDG4")
    submit(store, "--tag", "C7")
    limited = json.loads(
        run(
            "submissions", "list", EXAMPLE, "--limit", "2", "--format", "json", "--store", store
        ).stdout
    )
    assert len(limited) == 2
    tagged = json.loads(
        run(
            "submissions", "list", EXAMPLE, "--tag", "sdg 4", "--format", "json", "--store", store
        ).stdout
    )
    assert len(tagged) == 3
    bad = run("submissions", "list", EXAMPLE, "--tag", "SDG99", "--store", store)
    assert bad.exit_code == 2


def test_export_and_import_load_lazily() -> None:
    import sys

    sys.modules.pop("consultkit.cli.submissions_io", None)
    listed = run("submissions", "--help")
    assert listed.exit_code == 0
    for name in ("list", "show", "withdraw", "erase", "export", "import"):
        assert f"  {name} " in listed.stdout
    helped = run("submissions", "import", "--help")
    assert helped.exit_code == 0
    assert "consultkit.cli.submissions_io" in sys.modules


def test_campaigns_are_counted_not_dropped(store: str) -> None:
    letter = "Please keep the Internet open and affordable for every school in every country."
    for n in range(4):
        result = run(
            *BASE[:9],
            f"p{n}@example.org",
            "--title",
            "Form letter",
            "--body",
            letter + " " * n,
            "--store",
            store,
            now="2019-12-01T10:00:00Z",
        )
        assert result.exit_code == 0, result.output
    submit(store)
    counted = run("submissions", "campaigns", EXAMPLE, "--store", store)
    assert counted.exit_code == 0
    assert "4  identical" in counted.stdout
    groups = json.loads(
        run("submissions", "campaigns", EXAMPLE, "--format", "json", "--store", store).stdout
    )
    assert [g["count"] for g in groups] == [4]
    assert (
        len(
            json.loads(
                run("submissions", "list", EXAMPLE, "--format", "json", "--store", store).stdout
            )
        )
        == 5
    )


def test_a_late_submission_is_refused_in_the_locales_language(store: str) -> None:
    # Issue 11: the refusal, its error: prefix and the deadline are the reader's words.
    result = CliRunner().invoke(
        cli,
        ["--now", "2020-02-03T23:00:00Z", *BASE, "--body", "Texto.", "--store", store],
        env={"LANG": "ar_EG.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""},
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("خطأ: الدعوة 'official-submissions' مغلقة: كان الموعد النهائي ")
    assert "فبراير" in line  # babel's Arabic month, not "February"
    assert "[القاعدة: call-closed]" in line  # the rule stays an id
    assert "is closed" not in line and "error:" not in line
