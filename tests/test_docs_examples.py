"""Every ```python block of the docs and the READMEs runs (pytest-markdown-docs).

Run in a child pytest limited to the Markdown files: ``--markdown-docs`` would otherwise
import every Python module of the suite to read its docstrings, including the sample
plugins that are broken on purpose.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(
    [
        *ROOT.glob("docs/*.md"),
        ROOT / "README.md",
        ROOT / "examples" / "wsis2020" / "README.md",
        *ROOT.glob("plugins/*/README.md"),
    ]
)


def test_every_page_is_found() -> None:
    assert ROOT / "docs" / "plugins.md" in PAGES
    assert len(PAGES) >= 15


@pytest.mark.skipif(
    importlib.util.find_spec("pytest_markdown_docs") is None,
    reason="pytest-markdown-docs is in the test extra",
)
def test_python_blocks_run() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--markdown-docs",
         "-o", "addopts=", *(str(p.relative_to(ROOT)) for p in PAGES)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
