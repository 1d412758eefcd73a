"""consultkit's attrs classes share ``__repr__``, ``__eq__`` and ``__hash__``
(:func:`consultkit.value_methods.shared_value_methods`).

attrs compiles these per class it decorates, more than half of a class's creation cost on
every verb's path (issue 14); the shared ones must behave exactly as attrs' own, and each
class says it uses them once, with the decorator.
"""

from __future__ import annotations

import ast
import importlib
import math
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest

from consultkit.value_methods import shared_value_methods

sys.path.insert(0, str(Path(__file__).parent))
from startup_probe import probe_line

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "wsis2020" / "consultation.toml"


def _pair(**fields: Any) -> tuple[type, type]:
    """The same frozen class twice: with attrs' generated methods, and the shared ones."""
    generated = attrs.make_class("Value", dict(fields), kw_only=True, frozen=True)
    shared = attrs.frozen(kw_only=True)(shared_value_methods(type("Value", (), dict(fields))))
    return generated, shared


CASES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({}, {}),
    ({"a": attrs.field(), "b": attrs.field(default="x")}, {"a": 1}),
    ({"a": attrs.field(), "hidden": attrs.field(repr=False)}, {"a": [1, "é"], "hidden": 2}),
    ({"a": attrs.field(repr=lambda v: f"<{v}>")}, {"a": 3}),
    ({"a": attrs.field(), "later": attrs.field(init=False, default=5)}, {"a": None}),
    ({"a": attrs.field(), "b": attrs.field()}, {"a": (1, 2), "b": frozenset({"k"})}),
    ({"a": attrs.field(), "b": attrs.field(eq=False)}, {"a": "x", "b": 1}),
    ({"a": attrs.field(), "b": attrs.field(hash=False)}, {"a": "x", "b": 1}),
    ({"a": attrs.field(eq=str.lower)}, {"a": "Word"}),
    ({"a": attrs.field(), "b": attrs.field()}, {"a": math.nan, "b": 1}),
]


@pytest.mark.parametrize(("fields", "values"), CASES)
def test_the_shared_repr_writes_what_attrs_writes(
    fields: dict[str, Any], values: dict[str, Any]
) -> None:
    generated, shared = _pair(**fields)
    assert repr(shared(**values)) == repr(generated(**values))


def _variants(values: dict[str, Any]) -> list[dict[str, Any]]:
    """``values``, and each with one field changed (and, for text, only its case)."""
    out = [dict(values)]
    for name, value in values.items():
        other = value.upper() if isinstance(value, str) else 2 if value == 1 else 1
        out.append({**values, name: other})
    return out


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


@pytest.mark.parametrize(("fields", "values"), CASES)
def test_shared_equality_and_hash_behave_as_attrs(
    fields: dict[str, Any], values: dict[str, Any]
) -> None:
    generated, shared = _pair(**fields)
    for left in _variants(values):
        for right in _variants(values):
            expected = generated(**left) == generated(**right)
            assert (shared(**left) == shared(**right)) == expected
            assert (shared(**left) != shared(**right)) == (not expected)
            if expected and _hashable(generated(**left)):
                assert hash(shared(**left)) == hash(shared(**right))
    same = values.get("a") is math.nan  # the very same NaN object: a field-wise ==, no identity
    assert (shared(**values) == shared(**values)) == (generated(**values) == generated(**values))
    assert same or shared(**values) == shared(**values)
    assert shared(**values).__eq__(object()) is NotImplemented
    assert shared(**values) != generated(**values)


def test_a_mutable_class_with_the_shared_equality_is_unhashable_as_attrs_makes_it() -> None:
    @attrs.define
    @shared_value_methods(hashable=False)
    class Mutable:
        a: int

    assert Mutable(a=1) == Mutable(a=1) != Mutable(a=2)
    with pytest.raises(TypeError):
        hash(Mutable(a=1))


def test_nested_classes_and_values_containing_themselves() -> None:
    @attrs.define
    @shared_value_methods(hashable=False)
    class Outer:
        items: list[Any]

    @attrs.define
    class Twin:
        items: list[Any]

    mine, theirs = Outer(items=[]), Twin(items=[])
    mine.items.append(mine)
    theirs.items.append(theirs)
    # attrs drops everything up to ``<locals>.`` from the qualified name; so does the shared one
    assert repr(mine) == repr(theirs).replace("Twin", "Outer") == "Outer(items=[...])"
    assert repr(Outer(items=[Outer(items=[])])) == "Outer(items=[Outer(items=[])])"


# The ``__repr__``, ``__eq__`` and ``__hash__`` methods attrs compiled for consultkit's
# classes while a verb ran (attrs registers each class's generated source with linecache).
_GENERATED = """
import linecache

generated = [
    name for name, entry in linecache.cache.items()
    if name.startswith("<attrs generated") and " consultkit." in name
    and any(line.startswith(("def __repr__", "def __eq__", "def __hash__")) for line in entry[2])
]
print("GENERATED=" + ",".join(sorted(generated)))
"""


@pytest.mark.parametrize(
    "arguments",
    [["validate", str(EXAMPLE)], ["submissions", "list", str(EXAMPLE), "--store", "memory://"]],
    ids=["validate", "submissions list"],
)
def test_the_classes_a_verb_needs_get_none_of_these_generated(arguments: list[str]) -> None:
    # Month is ordered: attrs writes its comparisons, and the equality they rest on.
    assert probe_line("", _GENERATED, arguments, "GENERATED=") == (
        "<attrs generated methods consultkit.domain.windows.Month>"
    )


# Where the shared methods are said: consultkit's and its plugins' sources.
ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "src", *sorted(ROOT.glob("plugins/*/src"))]
METHODS = ("__repr__", "__eq__", "__hash__")


@attrs.frozen
@shared_value_methods
class _Reference:
    """A class with all three shared methods: what a decorated class's must be."""


SHARED = {name: vars(_Reference)[name] for name in METHODS}


def _class_statements() -> list[tuple[str, str, ast.ClassDef]]:
    """(module, qualified name, statement) of each class in the sources; a class defined
    inside a function gets ``<locals>`` in its name, as Python gives it."""
    found: list[tuple[str, str, ast.ClassDef]] = []

    def visit(node: ast.AST, module: str, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                found.append((module, prefix + child.name, child))
                visit(child, module, f"{prefix}{child.name}.")
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, module, f"{prefix}{child.name}.<locals>.")
            else:
                visit(child, module, prefix)

    for source in SOURCES:
        for path in sorted(source.rglob("*.py")):
            parts = path.relative_to(source).with_suffix("").parts
            module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            visit(ast.parse(path.read_text(encoding="utf-8")), module, "")
    return found


def _decorator_name(decorator: ast.expr) -> str:
    return ast.unparse(decorator.func if isinstance(decorator, ast.Call) else decorator)


def test_no_class_body_assigns_the_shared_methods() -> None:
    # `__repr__ = value_repr` and its two siblings in 98 class bodies said the same thing
    # three times over; the decorator says it once.
    assigning = [
        f"{module}.{name}"
        for module, name, statement in _class_statements()
        for line in statement.body
        if isinstance(line, ast.Assign | ast.AnnAssign)
        for target in (line.targets if isinstance(line, ast.Assign) else [line.target])
        if isinstance(target, ast.Name) and target.id in METHODS
    ]
    assert assigning == []


def _imported(module: str, name: str) -> Any:
    """The object the source's class statement ``name`` made in ``module``."""
    found: Any = importlib.import_module(module)
    for part in name.split("."):
        found = getattr(found, part)
    return found


def _decorated() -> list[tuple[type, ast.ClassDef]]:
    """The classes decorated with ``shared_value_methods``, imported, with their statement."""
    return [
        (_imported(module, name), statement)
        for module, name, statement in _class_statements()
        if "shared_value_methods" in [_decorator_name(d) for d in statement.decorator_list]
    ]


def test_each_class_sharing_the_methods_gets_them_from_the_decorator_under_attrs() -> None:
    decorated = _decorated()
    assert len(decorated) >= 98
    for cls, statement in decorated:
        names = [_decorator_name(d) for d in statement.decorator_list]
        place = names.index("shared_value_methods")
        # Directly under attrs' decorator: it runs first, so attrs finds the methods there.
        assert place > 0
        assert names[place - 1] in {"attrs.frozen", "attrs.define"}, cls
        frozen = names[place - 1] == "attrs.frozen"
        options = {
            keyword.arg: ast.literal_eval(keyword.value)
            for keyword in getattr(statement.decorator_list[place], "keywords", [])
        }
        own = vars(cls)
        assert own["__repr__"] is SHARED["__repr__"], cls
        if options.get("eq", True):
            assert own["__eq__"] is SHARED["__eq__"], cls
            # A frozen class hashes its values; a mutable one stays unhashable, as attrs
            # makes a mutable class that compares by value.
            assert options.get("hashable", True) is frozen, cls
            assert own["__hash__"] is (SHARED["__hash__"] if frozen else None), cls
        else:
            # An ordered class (Month): attrs writes its comparisons and the equality and
            # hash they rest on.
            assert own["__eq__"] is not SHARED["__eq__"], cls
            assert own["__hash__"] is not None, cls


def test_every_class_with_the_shared_methods_is_decorated() -> None:
    decorated = {cls for cls, _ in _decorated()}
    sharing = set()
    for module, name, _ in _class_statements():
        if "<locals>" in name or module.endswith("__main__"):
            continue  # made when a function runs; no class body assigns them (test above)
        cls = _imported(module, name)
        if any(vars(cls).get(method) is SHARED[method] for method in METHODS):
            sharing.add(cls)
    assert sharing - decorated == set()
    assert len(sharing) >= 98


def test_the_decorator_refuses_a_class_attrs_already_made() -> None:
    # Above attrs' decorator it would come too late: attrs would have compiled its own.
    with pytest.raises(TypeError, match="under"):

        @shared_value_methods
        @attrs.frozen
        class Late:
            a: int
