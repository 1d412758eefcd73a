"""The built-in ``memory://`` store, registered through the ``register_stores`` hook.

The store itself lives in :mod:`consultkit.storage.memory`; this module only registers it,
as a third-party store plugin would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from consultkit.hookspecs import hookimpl
from consultkit.storage.memory import open_memory

if TYPE_CHECKING:
    from consultkit.hookspecs import RegisterStore


@hookimpl
def register_stores(register: RegisterStore) -> None:
    """Register ``memory://``."""
    register("memory", open_memory)
