"""The built-in ``memory://`` store, registered through the ``register_stores`` hook.

The store itself lives in :mod:`consultkit.storage.memory`; this module only registers it,
as a third-party store plugin would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from consultkit.hookspecs import hookimpl

if TYPE_CHECKING:
    from consultkit.hookspecs import RegisterStore
    from consultkit.storage.memory import MemoryStore


@hookimpl
def register_stores(register: RegisterStore) -> None:
    """Register ``memory://``."""
    register("memory", _open_memory)


def _open_memory(url: str) -> MemoryStore:
    # Imported when a store is opened, not when the plugins load: sqlite3 and the SQL
    # store layer cost about 7 ms of CPU that `calendar` or `plugins` never use (issue 14).
    from consultkit.storage.memory import open_memory

    return open_memory(url)
