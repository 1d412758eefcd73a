"""One ``__repr__`` shared by consultkit's attrs classes, instead of one compiled per class.

attrs writes the source of a ``__repr__`` for every class it decorates and compiles it: a
third of the 0.5 ms a class costs to create, paid by every verb for each of the 60 to 100
classes on its path, though a verb prints none of them (issue 14). A class that assigns
``__repr__ = value_repr`` in its body gets no generated one (attrs leaves a method the
class defines itself alone) and reprs the same text attrs would write: ``Name(a=1, b='x')``
with the class's ``__qualname__``, fields declared ``repr=False`` left out, a field's own
``repr`` callable used, and ``...`` for an object met again inside its own repr.
"""

from __future__ import annotations

import threading
from typing import Any

import attrs

__all__ = ["value_repr"]

_active = threading.local()


def value_repr(self: Any) -> str:
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
