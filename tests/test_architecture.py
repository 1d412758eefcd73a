"""The layer contracts in pyproject.toml hold, and a forbidden import really fails them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def copy_of_project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_hold(copy_of_project: Path) -> None:
    result = _lint(copy_of_project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("domain/windows.py", "from consultkit.domain import rendering, windows"),
        ("domain/windows.py", "import consultkit.storage.sqlite"),
        ("storage/sqlite.py", "import consultkit.app.application"),
        ("formats/ics.py", "import consultkit.cli"),
        ("pluginhost/host.py", "import consultkit.cli.common"),
        ("domain/model.py", "import click"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(
    copy_of_project: Path, module: str, forbidden: str
) -> None:
    path = copy_of_project / "src" / "consultkit" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{forbidden}  # noqa\n", "utf-8")
    result = _lint(copy_of_project)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
