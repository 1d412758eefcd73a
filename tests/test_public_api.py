"""The public API: every name in ``__all__`` resolves, and the TYPE_CHECKING block matches."""

import ast
from pathlib import Path

import consultkit


def test_every_public_name_resolves() -> None:
    for name in consultkit.__all__:
        assert getattr(consultkit, name) is not None, name


def test_all_is_sorted_and_unique() -> None:
    assert consultkit.__all__ == sorted(set(consultkit.__all__))


def test_type_checking_imports_match_the_lazy_table() -> None:
    source = Path(consultkit.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    imported: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom)
                assert stmt.module is not None
                imported.setdefault(stmt.module, set()).update(a.name for a in stmt.names)
    assert imported == {m: set(n) for m, n in consultkit._PUBLIC.items()}
