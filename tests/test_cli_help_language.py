"""``--help`` speaks the locale's language: every command's texts and click's words around them.

The pseudo-locale test (tests/test_i18n_pseudo_locale.py) checks that no English word of a
help page escapes the catalogue, for every command and subcommand; these tests read real
Arabic and Chinese pages, and check that English help needs no catalogue.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from consultkit.cli import cli
from consultkit.cli.help_text import help_words, short_help
from consultkit.i18n import messages


def _help(language: str, *path: str) -> str:
    result = CliRunner().invoke(
        cli,
        [*path, "--help"],
        env={"LANG": language, "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": "100"},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_arabic_help_of_the_group_and_of_a_command() -> None:
    ar = messages("ar")
    top = _help("ar_EG.UTF-8")
    assert top.startswith(ar.gettext("Usage:") + " ")
    assert ar.gettext("Options:") in top and ar.gettext("Commands:") in top
    assert ar.gettext("Show this message and exit.") in top
    assert "Usage:" not in top and "Options" not in top and "Show this" not in top
    timeline = _help("ar_EG.UTF-8", "timeline")
    assert "Show every phase" not in timeline
    assert "IANA" in timeline  # names stay as they are
    # Every sentence of the page is Arabic: Latin words are names, ids and options.
    body = timeline.split("\n", 1)[1]  # after the usage line (the command's own name)
    prose = re.sub(r"--?[\w-]+|\[[^\]]*\]|\S*[/.]\S*|\b[A-Z0-9_]{2,}\b", " ", body)
    assert re.findall(r"\b[a-z]{4,}\b", prose) == []


def test_every_command_has_a_short_help_in_chinese() -> None:
    # click shortens at "." and at spaces: a Chinese sentence (no spaces, "。") came out "...".
    page = _help("zh_CN.UTF-8")
    rows = page.split(messages("zh").gettext("Commands:"), 1)[1].strip().splitlines()
    assert len(rows) > 10
    for row in rows:
        name, text = row.split(None, 1)
        assert re.search(r"[\u4e00-\u9fff]", text), (name, text)


def test_short_help_ends_at_the_first_sentence_in_any_script() -> None:
    assert short_help("Send it. Then wait.\n\nMore.", 45) == "Send it."
    assert short_help("发送提交材料。保留编号。", 45) == "发送提交材料。"
    assert short_help("Exit 0 when the file is valid e.g. this one.", 20) == "Exit 0 when the..."


@pytest.mark.parametrize("value", ["C", "POSIX", "en_GB.UTF-8", "", "xx_YY"])
def test_english_help_reads_no_catalogue(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", value)
    assert help_words() is None


def test_help_is_translated_in_a_fresh_process() -> None:
    # The catalogue is read when the page is written, not at import (start-up benchmark).
    done = subprocess.run(
        [sys.executable, "-m", "consultkit", "review", "rank", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={"LANG": "ru_RU.UTF-8", "PATH": "/usr/bin:/bin"},
    )
    assert messages("ru").gettext("Usage:") in done.stdout
    assert messages("ru").gettext(
        "Rank a scoring ROUND: normalised scores, with each row's explanation."
    ) in " ".join(done.stdout.split())


@pytest.mark.parametrize(
    "arguments",
    [
        ["timeline", "--nope"],
        ["timelin"],
        ["timeline"],
        ["review", "rank"],
        ["timeline", "x.toml", "--format", "xml"],
        ["submissions", "list", "x.toml", "--stat"],
    ],
)
def test_click_usage_errors_speak_the_locales_language(arguments: list[str]) -> None:
    result = CliRunner().invoke(
        cli, arguments, env={"LANG": "ar_EG.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
    )
    assert result.exit_code == 2
    ar = messages("ar")
    assert result.output.startswith(ar.gettext("Usage:") + " ")
    for english in ("Usage:", "Try '", "Error:", "No such", "Missing", "Invalid value", "mean"):
        assert english not in result.output, result.output
    # An unknown option still names itself, and the closest one.
    if "--stat" in arguments:
        assert "--stat" in result.output and "--status" in result.output


def test_usage_errors_stay_click_s_own_in_english() -> None:
    result = CliRunner().invoke(cli, ["timeline", "--nope"], env={"LANG": "C", "LC_ALL": ""})
    assert result.exit_code == 2
    assert "Error: No such option '--nope'." in result.output
