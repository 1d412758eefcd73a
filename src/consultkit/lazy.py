"""Names a package re-exports, imported on first use (PEP 562).

A package whose ``__init__`` re-exports names from heavy modules makes everyone who
imports it pay for them. consultkit imports every plugin package whenever it loads its
plugins, i.e. on nearly every command line run (``benchmarks/bench_startup.py``), so
consultkit itself, ``consultkit.testing`` and the plugins under ``plugins/`` re-export
lazily. A package writes, in its ``__init__.py``::

    from typing import TYPE_CHECKING

    from consultkit.lazy import lazy_names

    if TYPE_CHECKING:  # what type checkers and editors see
        from my_plugin.notifier import MyNotifier

    __getattr__ = lazy_names(__name__, {"MyNotifier": "my_plugin.notifier"})
    __all__ = ["MyNotifier"]

``my_plugin.MyNotifier`` then imports ``my_plugin.notifier`` the first time it is read,
and keeps the value in the package, so later reads cost nothing.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


def lazy_names(package: str, where: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports each name of ``where`` (name ->
    the module that defines it) on first use and keeps it in ``package``.

    Any other name raises ``AttributeError`` as a missing attribute always does.
    """

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__


__all__ = ["lazy_names"]
