"""Positional builders for frozen attrs values whose fields are already in their stored form.

An attrs frozen class built by keyword goes through ``type.__call__`` (a dict of the
keywords), its converters, and one ``object.__setattr__`` per field. Where a value is built
thousands of times from data that is already what the converters would make (rows a store
wrote itself: aware UTC instants, a freshly decoded payload; strings routing has just
checked), that work is repeated for nothing: the outbox drain built four such values per
event (issue 14). A builder made here takes the fields positionally, in the class's field
order, and sets them without converting or validating, so callers must only hand it values
the keyword constructor would have stored unchanged.
"""

from __future__ import annotations

from typing import Any, TypeVar

import attrs

T = TypeVar("T")


def trusted_builder(cls: type[T]) -> Any:
    """A function ``(field, …) -> cls`` taking every field of ``cls`` positionally.

    The function is generated once, as attrs generates ``__init__``, with one slot
    descriptor call per field and no converter, validator or default: pass every field, in
    ``attrs.fields(cls)`` order. Annotate the result where it is bound with the exact
    ``Callable`` so mypy checks each call.
    """
    names = [field.name for field in attrs.fields(cls)] if attrs.has(cls) else []
    # Only what the generated function does for every field: a slot of the class itself,
    # and no hook attrs' __init__ would have run.
    hooks = {"__attrs_pre_init__", "__attrs_post_init__"} & set(dir(cls))
    if not names or hooks or any(name not in cls.__dict__ for name in names):
        raise TypeError(f"{cls.__qualname__} is not a slotted attrs class without init hooks")
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    # A slot's descriptor sets the field on the instance directly: the frozen class's own
    # __setattr__ (which refuses) is not consulted, as object.__setattr__ in attrs' __init__.
    namespace.update({f"_set_{name}": cls.__dict__[name].__set__ for name in names})
    body = "".join(f"    _set_{name}(self, {name})\n" for name in names)
    source = f"def build({', '.join(names)}):\n    self = _new(_cls)\n{body}    return self\n"
    exec(compile(source, f"<trusted builder for {cls.__qualname__}>", "exec"), namespace)  # noqa: S102 -- fixed source from the class's own field names
    return namespace["build"]
