"""Every shell example of the docs and the READMEs runs, or says why it cannot.

Sybil (a documentation-testing library) finds the fenced blocks and the skip markers; this
module only says how a shell block runs:

- a ```console block is a session: each ``$ `` line is a command (a line ending in ``\\``
  continues on the next one) and the lines after it, up to the next ``$ ``, are its output.
  Shown output is checked (``...`` or ``…`` stands for any text, whitespace is normalised);
  a command with no output shown must only succeed. A command that fails must show its
  error.
- a ```sh block is a list of commands that must each succeed.
- ``<!-- skip: next "why" -->`` before a block keeps it from running and says why (it
  installs packages, needs a server that is not here, runs for ever…). A block that is
  only a synopsis of options is ```text, not shell.

The blocks of one page run in order in one temporary directory holding a copy of
``examples/`` and the WSIS example as ``consultation.toml``, with no ``CONSULTKIT_*``
variables from outside, so a page reads as one terminal session from a fresh checkout.
"""

from __future__ import annotations

import contextlib
import doctest
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from unittest import SkipTest

import pytest

sybil = pytest.importorskip("sybil", reason="sybil is in the test extra")
from sybil import Document  # noqa: E402
from sybil.example import NotEvaluated  # noqa: E402
from sybil.parsers.markdown import CodeBlockParser, SkipParser  # noqa: E402

if TYPE_CHECKING:
    from sybil import Example

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(
    [
        *ROOT.glob("docs/*.md"),
        ROOT / "README.md",
        ROOT / "examples" / "wsis2020" / "README.md",
        *ROOT.glob("plugins/*/README.md"),
    ]
)
SHELLS = ("console", "sh", "bash", "shell")
TIMEOUT = 60
_MARK = "@@consultkit-docs-step@@"
_CHECKER = doctest.OutputChecker()
_OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def session_steps(source: str, language: str) -> list[tuple[str, str]]:
    """The (command, shown output) pairs of a shell block."""
    steps: list[tuple[str, list[str]]] = []
    lines = source.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if language == "console" and not line.startswith("$ "):
            if steps:
                steps[-1][1].append(line)
            continue
        command = line.removeprefix("$ ") if language == "console" else line
        if not command.strip() or command.lstrip().startswith("#"):
            continue
        while command.endswith("\\") and index < len(lines):
            command += "\n" + lines[index]
            index += 1
        steps.append((command, []))
    return [(command, "\n".join(shown).strip()) for command, shown in steps]


def _environment(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSULTKIT_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(NO_COLOR="1", COLUMNS="100", TERM="dumb", PWD=str(workdir))
    return env


def run_block(example: Example) -> None:
    """Run one shell block in the page's directory and check what it shows."""
    workdir: Path = example.namespace["workdir"]
    language = example.region.lexemes.get("arguments", "sh").split()[0]
    steps = session_steps(example.parsed, language)
    if not steps:
        raise AssertionError(
            f"{example.path}:{example.line}: a {language} block with no command;"
            " write a synopsis as ```text"
        )
    script = ["exec 2>&1"]
    for number, (command, _) in enumerate(steps):
        script += [f"echo '{_MARK} {number}'", command, f"echo '{_MARK} status' $?"]
    with subprocess.Popen(
        ["bash", "-c", "\n".join(script)],
        cwd=workdir,
        env=_environment(workdir),
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            output, _ = process.communicate(timeout=TIMEOUT)
        finally:
            # A block may leave a server running in the background: end its whole group.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGTERM)
    results = _split(output)
    for number, (command, shown) in enumerate(steps):
        got, status = results.get(number, ("(never ran)", None))
        where = f"{example.path}:{example.line}: $ {command}"
        if shown:
            want = shown.replace("…", "...") + "\n"
            if not _CHECKER.check_output(want, got, _OPTIONS):
                raise AssertionError(f"{where}\nshown:\n{shown}\nprinted:\n{got}")
        if status != 0 and not shown:
            raise AssertionError(f"{where}\nexited {status} without the docs showing why:\n{got}")


def _split(output: str) -> dict[int, tuple[str, int | None]]:
    results: dict[int, tuple[str, int | None]] = {}
    current: int | None = None
    lines: list[str] = []
    for line in output.splitlines():
        if line.startswith(f"{_MARK} status "):
            if current is not None:
                results[current] = ("\n".join(lines) + "\n", int(line.rsplit(" ", 1)[1]))
            current, lines = None, []
        elif match := re.fullmatch(rf"{_MARK} (\d+)", line):
            current, lines = int(match.group(1)), []
        else:
            lines.append(line)
    if current is not None:
        results[current] = ("\n".join(lines) + "\n", None)
    return results


def parse(page: Path) -> Document:
    parsers = [CodeBlockParser(language, evaluator=run_block) for language in SHELLS]
    return Document.parse(str(page), *parsers, SkipParser())


def shell_pages() -> list[Path]:
    return [page for page in PAGES if any(True for _ in parse(page))]


def _workdir(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shutil.copy(ROOT / "examples" / "wsis2020" / "consultation.toml", tmp_path)
    return tmp_path


@pytest.mark.parametrize("page", shell_pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_shell_examples_run(page: Path, tmp_path: Path) -> None:
    document = parse(page)
    document.namespace["workdir"] = _workdir(tmp_path)
    ran = 0
    for example in document:
        try:
            example.evaluate()
        except (SkipTest, NotEvaluated):
            continue
        ran += example.region.evaluator is run_block
    assert ran or all(_skipped_with_reason(page)), f"{page}: no shell block ran"


def _skipped_with_reason(page: Path) -> list[bool]:
    text = page.read_text(encoding="utf-8")
    return [bool(reason.strip('" ')) for reason in re.findall(r"<!-- skip: next(.*?)-->", text)]


def test_every_skipped_block_says_why() -> None:
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in re.finditer(r"<!-- skip: (\w+)(.*?)-->", text):
            line = text[: match.start()].count("\n") + 1
            assert match.group(1) == "next", f"{page}:{line}: use 'skip: next \"why\"'"
            assert match.group(2).strip().strip('"'), f"{page}:{line}: say why it cannot run"


def test_the_runner_checks_output_and_failures(tmp_path: Path) -> None:
    """The runner itself: a wrong shown output and an unexplained failure are caught."""
    page = tmp_path / "page.md"
    page.write_text(
        "```console\n$ echo hello\nhello\n$ echo 'a b'\n...b\n```\n\n"
        "```console\n$ echo hi\nbye\n```\n\n"
        '<!-- skip: next "a server" -->\n```sh\nfalse\n```\n\n'
        "```sh\nfalse\n```\n",
        encoding="utf-8",
    )
    document = Document.parse(
        str(page), *[CodeBlockParser(lang, evaluator=run_block) for lang in SHELLS], SkipParser()
    )
    document.namespace["workdir"] = tmp_path
    outcomes = []
    for example in document:
        shell = example.region.evaluator is run_block
        try:
            example.evaluate()
            outcomes += ["ok"] if shell else []
        except SkipTest:
            outcomes.append("skipped")
        except NotEvaluated:
            continue
        except AssertionError as exc:
            outcomes.append("failed: " + str(exc).splitlines()[-1])
    assert outcomes[0] == "ok"
    assert outcomes[1] == "failed: hi"
    assert outcomes[2] == "skipped"
    assert outcomes[3].startswith("failed: ")
    assert session_steps("$ a \\\n  --b\nout\n# note\n$ c\n", "console") == [
        ("a \\\n  --b", "out\n# note"),
        ("c", ""),
    ]
