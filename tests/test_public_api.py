"""The public API: ``__all__``, the lazy table and the TYPE_CHECKING imports agree."""

import ast
from pathlib import Path

import consultkit


def test_every_public_name_resolves() -> None:
    for name in consultkit.__all__:
        assert getattr(consultkit, name) is not None, name


def test_all_is_unique_and_matches_the_lazy_table() -> None:
    assert len(consultkit.__all__) == len(set(consultkit.__all__))
    expected = sorted([*consultkit._WHERE, "__version__"])
    assert sorted(consultkit.__all__) == expected


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


def test_unknown_names_raise_attribute_error() -> None:
    try:
        consultkit.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("expected AttributeError")
