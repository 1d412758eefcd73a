"""Why a file cannot be read or written, in the reader's words (issue 11).

The operating system's, ``json``'s and ``csv``'s own explanations are English (or the C
library's language); consultkit words the common ones itself (:mod:`consultkit.reasons`).
"""

from __future__ import annotations

import errno
import json
import re
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from consultkit.cli import cli
from consultkit.i18n import messages
from consultkit.reasons import csv_reason, json_reason, os_reason

from .event_samples import EXAMPLE
from .test_field_files import FILE

# The fixtures are the pseudo-locale test's own: imported, pytest finds them here too.
from .test_i18n_pseudo_locale import (  # noqa: F401
    escaped_english,
    pseudo_catalogue,
    speaks_pseudo,
)

if TYPE_CHECKING:
    from pathlib import Path


def _refused(locale: str, *args: str) -> str:
    result = CliRunner().invoke(
        cli,
        list(args),
        env={"LANG": locale, "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": "1000"},
        catch_exceptions=False,
    )
    assert result.exit_code != 0, result.output
    return result.output


def _cases(tmp_path: Path) -> dict[str, list[str]]:
    """Each way a command meets a file it cannot use, as its arguments."""
    broken_csv = tmp_path / "broken.csv"
    header = "call_id,submitter_name,submitter_email,group,title,body"
    broken_csv.write_text(f'{header}\nc,A,a@example.org,g,T,"unclosed\n', encoding="utf-8")
    broken_jsonl = tmp_path / "broken.jsonl"
    broken_jsonl.write_text('\n{"title": \n', encoding="utf-8")
    papers = tmp_path / "papers.toml"
    papers.write_text(FILE, encoding="utf-8")
    store = ["--store", f"sqlite:///{tmp_path / 'ck.sqlite'}"]
    config = str(EXAMPLE)
    return {
        "a consultation file under a file": ["validate", f"{config}/consultation.toml"],
        "a broken CSV": ["submissions", "import", config, str(broken_csv), *store],
        "a broken JSON Lines": ["submissions", "import", config, str(broken_jsonl), *store],
        "a calendar written over a folder": ["calendar", config, "--output", str(tmp_path)],
        "a chart in a folder that is not there": [
            "stats", config, "--chart", str(tmp_path / "a" / "chart.svg"), *store,
        ],
        "a settings file that is not there": ["notify", "run", *store],
        "a field file that is not there": [
            "--now", "2020-01-10T09:00:00Z", "submit", str(papers), "--call", "papers",
            "--group", "civil-society", "--name", "Ana", "--email", "ana@example.org",
            "--title", "T", "--body", "B", "--field", f"paper=@{tmp_path / 'absent.pdf'}",
            *store,
        ],
    }  # fmt: skip


@pytest.mark.usefixtures("speaks_pseudo")
def test_every_reason_a_file_is_refused_speaks_only_the_catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONSULTKIT_NOTIFY_SETTINGS", str(tmp_path / "absent-settings.toml"))
    outputs = {name: _refused("es_ES.UTF-8", *args) for name, args in _cases(tmp_path).items()}
    # Every ⟦…⟧ opened: a reason inside a message must be a pseudo-translation too. click's
    # usage line names the command and the option, identifiers.
    opened = {name: re.sub(r"[⟦⟧]|cli submit|--[\w-]+", " ", t) for name, t in outputs.items()}
    leaks = {name: escaped_english("⟦⟧ " + text) for name, text in opened.items()}
    assert leaks == {name: [] for name in outputs}


@pytest.mark.parametrize("locale", ["fr_FR.UTF-8", "ar_EG.UTF-8"])
def test_the_reasons_are_in_the_readers_language(
    locale: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONSULTKIT_NOTIFY_SETTINGS", str(tmp_path / "absent-settings.toml"))
    words = messages(locale)
    cases = _cases(tmp_path)
    expected = {
        "a consultation file under a file": os_reason(NotADirectoryError(errno.ENOTDIR, "")),
        "a broken CSV": csv_reason(2),
        "a broken JSON Lines": json_reason(
            json.JSONDecodeError("Expecting value", '{"title": ', 10), first_line=2
        ),
        "a chart in a folder that is not there": os_reason(FileNotFoundError(errno.ENOENT, "")),
        "a settings file that is not there": os_reason(FileNotFoundError(errno.ENOENT, "")),
        "a field file that is not there": os_reason(FileNotFoundError(errno.ENOENT, "")),
    }
    for name, reason in expected.items():
        said = " ".join(_refused(locale, *cases[name]).split())
        assert not isinstance(reason, str)
        assert reason.render(locale) in said, (name, said)
        assert "directory" not in said and "Expecting" not in said, name
    folder = " ".join(_refused(locale, *cases["a calendar written over a folder"]).split())
    assert words.gettext("a folder") in folder


def test_a_rarer_error_number_is_told_as_the_system_tells_it() -> None:
    many = OSError(errno.EMFILE, "Too many open files")
    assert os_reason(many) == "Too many open files"


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_server_out_of_reach_is_told_in_the_readers_words(language: str) -> None:
    import socket

    refused = ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
    timed_out = TimeoutError("timed out")
    unresolved = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    for exc, english in ((refused, "refused"), (timed_out, "timed"), (unresolved, "known")):
        reason = os_reason(exc)
        assert not isinstance(reason, str), exc
        assert english not in reason.render(language)


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_memory_store_refuses_another_url_in_the_readers_language(language: str) -> None:
    from consultkit.errors import StoreError
    from consultkit.storage.memory import MemoryStore

    with pytest.raises(StoreError) as refused:
        MemoryStore("sqlite:///x.sqlite")
    said = refused.value.render(language)
    assert "sqlite:///x.sqlite" in said
    assert "not a memory URL" not in said
