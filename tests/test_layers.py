"""Layers point down: storage never imports the plugin host, the application or the CLI.

Checked on the source (every import statement, including those under ``TYPE_CHECKING`` or
inside functions), so a cycle cannot be dodged by importing late.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "consultkit"

FORBIDDEN = {
    "storage": ("consultkit.app", "consultkit.cli", "consultkit.pluginhost"),
}


def _imports(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(package: str) -> None:
    above = FORBIDDEN[package]
    wrong = [
        f"{path.relative_to(SRC.parent)}:{line}: imports {module}"
        for path in sorted((SRC / package).rglob("*.py"))
        for line, module in _imports(path)
        if any(module == name or module.startswith(f"{name}.") for name in above)
    ]
    assert wrong == []
