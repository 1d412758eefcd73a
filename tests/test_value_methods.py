"""consultkit's attrs classes share ``__repr__``, ``__eq__`` and ``__hash__``
(:mod:`consultkit.value_methods`).

attrs compiles these per class it decorates, more than half of a class's creation cost on
every verb's path (issue 14); the shared ones must behave exactly as attrs' own.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest

from consultkit.value_methods import value_eq, value_hash, value_repr

sys.path.insert(0, str(Path(__file__).parent))
from startup_probe import probe_line

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "wsis2020" / "consultation.toml"


def _pair(**fields: Any) -> tuple[type, type]:
    """The same frozen class twice: with attrs' generated methods, and the shared ones."""
    generated = attrs.make_class("Value", dict(fields), kw_only=True, frozen=True)
    shared = attrs.make_class(
        "Value",
        dict(fields),
        kw_only=True,
        frozen=True,
        repr=False,
        eq=False,
        hash=False,
    )
    shared.__repr__ = value_repr  # type: ignore[method-assign]
    shared.__eq__ = value_eq  # type: ignore[method-assign]
    shared.__hash__ = value_hash  # type: ignore[method-assign]
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
    class Mutable:
        __eq__ = value_eq

        a: int

    assert Mutable(a=1) == Mutable(a=1) != Mutable(a=2)
    with pytest.raises(TypeError):
        hash(Mutable(a=1))


def test_nested_classes_and_values_containing_themselves() -> None:
    @attrs.define
    class Outer:
        __repr__ = value_repr

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
