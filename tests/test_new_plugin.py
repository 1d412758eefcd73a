"""`consultkit new-plugin`: a package that installs, passes its own tests and is discovered."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from consultkit.cli import cli
from consultkit.cli.new_plugin_cmd import HOOK_CHOICES
from consultkit.cli.scaffold import HOOKS, ScaffoldError, plugin_names, render_plugin

BIN = Path(sys.executable).parent


def test_the_command_offers_every_hook_the_scaffold_knows() -> None:
    assert HOOK_CHOICES == HOOKS


def test_names_are_derived_and_checked() -> None:
    assert plugin_names("no-http") == {
        "name": "no-http",
        "dist": "consultkit-no-http",
        "module": "consultkit_no_http",
        "class_prefix": "NoHttp",
        "env_name": "NO_HTTP",
    }
    assert plugin_names("consultkit-matrix")["module"] == "consultkit_matrix"
    for bad in ("Matrix", "no_http", "-x", "x-", ""):
        with pytest.raises(ScaffoldError, match="lower case"):
            plugin_names(bad)


def test_mistakes_are_one_line_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(cli, ["new-plugin", "Bad_Name", "-d", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "must be lower case" in bad.output
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine", encoding="utf-8")
    busy = runner.invoke(cli, ["new-plugin", "matrix", "-d", str(tmp_path / "busy")])
    assert busy.exit_code == 2 and "not empty" in busy.output
    assert (tmp_path / "busy" / "keep.txt").read_text(encoding="utf-8") == "mine"
    hook = runner.invoke(cli, ["new-plugin", "matrix", "--hook", "register_stores"])
    assert hook.exit_code == 2


@pytest.mark.parametrize("hooks", [(), *((hook,) for hook in HOOKS), HOOKS])
def test_generated_code_is_lint_clean(tmp_path: Path, hooks: tuple[str, ...]) -> None:
    target = tmp_path / "plugin"
    render_plugin("no-http", target, hooks=hooks or ("validate_submission",))
    pyproject = (target / "pyproject.toml").read_text(encoding="utf-8")
    assert 'build-backend = "hatchling.build"' in pyproject
    assert 'no-http = "consultkit_no_http.plugin"' in pyproject
    assert (target / "src" / "consultkit_no_http" / "py.typed").exists()
    assert (target / ".github" / "workflows" / "ci.yml").exists()
    ruff = shutil.which("ruff", path=str(BIN)) or "ruff"
    for args in (["check", "--no-cache", "."], ["format", "--no-cache", "--check", "."]):
        done = subprocess.run(
            [ruff, *args], cwd=target, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
    if hooks == HOOKS:  # once, with every hook: the typed implementations are strict-clean
        checked = subprocess.run(
            [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy")],
            cwd=target,
            env={**os.environ, "MYPYPATH": "src"},
            capture_output=True,
            text=True,
            check=False,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr


def _fresh_environment(root: Path) -> Path:
    """A new virtual environment that sees this one's packages (consultkit from the working
    tree, pytest, hatchling's index) but installs into its own site-packages."""
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    outer = sysconfig.get_paths()["purelib"]
    # addsitedir, not a plain path line: this environment's editable installs are .pth files.
    Path(site, "_consultkit_outer.pth").write_text(
        f"import site; site.addsitedir({outer!r})\n", encoding="utf-8"
    )
    return python


def test_new_plugin_installs_passes_its_tests_and_is_discovered(tmp_path: Path) -> None:
    started = time.monotonic()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONSULTKIT_", "PYTHON"))}
    target = tmp_path / "consultkit-all-hooks"
    hooks = [arg for hook in HOOKS for arg in ("--hook", hook)]
    created = CliRunner().invoke(cli, ["new-plugin", "all-hooks", "-d", str(target), *hooks])
    assert created.exit_code == 0, created.output
    python = _fresh_environment(tmp_path)
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         "-e", str(target)],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    tested = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=target, capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    assert tested.returncode == 0, tested.stdout + tested.stderr
    # One test per hook, one that the plugin loads, one that the validator reads its
    # [plugins.all-hooks] settings; the exporter contract adds 6 more (three of its tests
    # run for the WSIS and the minimal consultation).
    assert f"{2 + len(HOOKS) + 6} passed" in tested.stdout, tested.stdout
    listed = subprocess.run(
        [str(python), "-m", "consultkit", "plugins", "--format", "json"],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    report = json.loads(listed.stdout)
    (mine,) = [p for p in report["plugins"] if p["name"] == "all-hooks"]
    assert mine["source"] == "entry point" and mine["version"] == "0.1.0"
    assert set(mine["hooks"]) == set(HOOKS)
    assert mine["registered"]["notifiers"] == ["all-hooks"]
    assert not report.get("failures")
    # From nothing to a tested, discovered plugin: measured, so a regression shows.
    assert time.monotonic() - started < 60
