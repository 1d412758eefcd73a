"""The ``__repr__``, ``__eq__`` and ``__hash__`` consultkit's attrs classes share.

attrs writes the source of these methods for every class it decorates and compiles it:
more than half of the 0.5 ms a class costs to create, paid by every verb for each of the
60 to 100 classes on its path (issue 14). A class decorated with
:func:`shared_value_methods` directly under its attrs decorator gets them before attrs
sees it, so attrs, which leaves a method the class defines itself alone, compiles only
``__init__``. They behave as attrs' own would:

- the repr writes ``Name(a=1, b='x')`` with the class's ``__qualname__``, fields declared
  ``repr=False`` left out, a field's own ``repr`` callable used, and ``...`` for an object
  met again inside its own repr;
- equality answers ``NotImplemented`` for another class, else compares the fields declared
  ``eq`` (through their ``eq_key``) one by one, as ``a == b and c == d`` does;
- the hash hashes a per-class constant with those fields (``hash=False`` ones left out),
  so equal values hash alike; a mutable (``attrs.define``) class that compares by value is
  unhashable, as attrs makes it.
"""

from __future__ import annotations

import operator
import threading
from typing import TYPE_CHECKING, Any, TypeVar, overload

import attrs

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["shared_value_methods"]

_C = TypeVar("_C", bound=type)


@overload
def shared_value_methods(cls: _C, /, *, eq: bool = True, hashable: bool = True) -> _C: ...


@overload
def shared_value_methods(*, eq: bool = True, hashable: bool = True) -> Callable[[_C], _C]: ...


def shared_value_methods(
    cls: _C | None = None, /, *, eq: bool = True, hashable: bool = True
) -> _C | Callable[[_C], _C]:
    """Give a class the shared ``__repr__``, ``__eq__`` and ``__hash__``.

    Put it directly under the attrs decorator, so it runs first, on the plain class::

        @attrs.frozen(kw_only=True)
        @shared_value_methods
        class Window: ...

    ``hashable=False`` is for a mutable (``attrs.define``) class: it compares by value and
    is unhashable, as attrs would make it (running first, the decorator cannot see that the
    class will be mutable). ``eq=False`` shares only the repr, for an ordered class
    (``order=True``), whose comparisons attrs writes with the equality and hash they rest
    on. A class attrs already made is refused: its own methods were compiled.
    """
    if cls is None:

        def share(cls: _C) -> _C:
            return shared_value_methods(cls, eq=eq, hashable=hashable)

        return share
    if "__attrs_attrs__" in cls.__dict__:
        raise TypeError(f"{cls.__qualname__}: put @shared_value_methods under the attrs decorator")
    # One call and three setattr a class: it runs for every class on a verb's path.
    methods = (
        (("__repr__", _repr), ("__eq__", _eq), ("__hash__", _hash if hashable else None))
        if eq
        else (("__repr__", _repr),)
    )
    for name, method in methods:
        setattr(cls, name, method)
    return cls


_active = threading.local()


def _repr(self: Any) -> str:
    """``Name(field=value, ...)``, exactly as an attrs-generated ``__repr__`` writes it."""
    seen: set[int] | None = getattr(_active, "seen", None)
    if seen is None:
        seen = _active.seen = set()
    elif id(self) in seen:
        return "..."
    seen.add(id(self))
    try:
        parts = []
        for field in attrs.fields(type(self)):
            if field.repr is False:
                continue
            value = (
                getattr(self, field.name)
                if field.init
                else getattr(self, field.name, attrs.NOTHING)
            )
            text = repr(value) if field.repr is True else field.repr(value)
            parts.append(f"{field.name}={text}")
        name = type(self).__qualname__.rsplit(">.", 1)[-1]
        return f"{name}({', '.join(parts)})"
    finally:
        seen.discard(id(self))


# Per class: the (name, eq_key) of the fields equality compares, and for hashing a
# constant with the names hashed. Filled on first use, so creating a class costs nothing.
_EqFields = tuple[tuple[str, "Callable[[Any], Any] | None"], ...]
_compared: dict[type, _EqFields] = {}
_hashed: dict[type, tuple[int, Callable[[Any], Any]]] = {}


def _eq_fields(cls: type) -> _EqFields:
    fields = _compared.get(cls)
    if fields is None:
        fields = _compared[cls] = tuple((f.name, f.eq_key) for f in attrs.fields(cls) if f.eq)
    return fields


def _eq(self: Any, other: object) -> Any:
    """``NotImplemented`` for another class, else ``a == a' and b == b' and ...``."""
    if other.__class__ is not self.__class__:
        return NotImplemented
    result: Any = True
    for name, key in _eq_fields(self.__class__):
        if key is None:
            result = getattr(self, name) == getattr(other, name)
        else:
            result = key(getattr(self, name)) == key(getattr(other, name))
        if not result:
            return result
    return result


def _hash_plan(cls: type) -> tuple[int, Callable[[Any], Any]]:
    fields = [f for f in attrs.fields(cls) if f.hash is True or (f.hash is None and f.eq is True)]
    names = [f.name for f in fields]
    values: Callable[[Any], Any]
    if any(f.eq_key is not None for f in fields):
        keyed = [(f.name, f.eq_key) for f in fields]

        def keyed_values(self: Any) -> Any:
            return tuple(
                getattr(self, n) if key is None else key(getattr(self, n)) for n, key in keyed
            )

        values = keyed_values
    else:
        # attrgetter runs in C: one call gives the field (one name) or a tuple of them.
        values = operator.attrgetter(*names) if names else _nothing
    return hash(f"{cls.__module__}.{cls.__qualname__}"), values


def _nothing(_: Any) -> tuple[()]:
    return ()


def _hash(self: Any) -> int:
    """The hash of the class's constant with the fields attrs would hash."""
    cls = self.__class__
    plan = _hashed.get(cls)
    if plan is None:
        plan = _hashed[cls] = _hash_plan(cls)
    constant, values = plan
    return hash((constant, values(self)))
