"""consultkit's attrs classes share one ``__repr__`` (:mod:`consultkit.value_repr`).

attrs compiles a ``__repr__`` per class it decorates, a third of a class's creation cost
on every verb's path (issue 14); the shared one must write exactly what attrs would.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import attrs
import pytest

from consultkit.value_repr import value_repr

sys.path.insert(0, str(Path(__file__).parent))
from startup_probe import probe_line

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "wsis2020" / "consultation.toml"


def _pair(**fields: Any) -> tuple[type, type]:
    """The same frozen class twice: with attrs' generated ``__repr__``, and the shared one."""
    generated = attrs.make_class("Value", dict(fields), kw_only=True, frozen=True)
    shared = attrs.make_class("Value", dict(fields), kw_only=True, frozen=True, repr=False)
    shared.__repr__ = value_repr  # type: ignore[method-assign]
    return generated, shared


CASES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({}, {}),
    ({"a": attrs.field(), "b": attrs.field(default="x")}, {"a": 1}),
    ({"a": attrs.field(), "hidden": attrs.field(repr=False)}, {"a": [1, "é"], "hidden": 2}),
    ({"a": attrs.field(repr=lambda v: f"<{v}>")}, {"a": 3}),
    ({"a": attrs.field(), "later": attrs.field(init=False, default=5)}, {"a": None}),
    ({"a": attrs.field(), "b": attrs.field()}, {"a": (1, 2), "b": {"k": frozenset()}}),
]


@pytest.mark.parametrize(("fields", "values"), CASES)
def test_the_shared_repr_writes_what_attrs_writes(
    fields: dict[str, Any], values: dict[str, Any]
) -> None:
    generated, shared = _pair(**fields)
    assert repr(shared(**values)) == repr(generated(**values))


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


# The ``__repr__`` methods attrs compiled for consultkit's classes while a verb ran (attrs
# registers each class's generated source with linecache).
_GENERATED = """
import linecache

generated = [
    name for name, entry in linecache.cache.items()
    if name.startswith("<attrs generated") and " consultkit." in name
    and any(line.startswith("def __repr__") for line in entry[2])
]
print("GENERATED=" + ",".join(sorted(generated)))
"""


@pytest.mark.parametrize(
    "arguments",
    [["validate", str(EXAMPLE)], ["submissions", "list", str(EXAMPLE), "--store", "memory://"]],
    ids=["validate", "submissions list"],
)
def test_the_classes_a_verb_needs_get_no_generated_repr(arguments: list[str]) -> None:
    assert probe_line("", _GENERATED, arguments, "GENERATED=") == ""
