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
    register("memory", open_memory)


def open_memory(url: str) -> MemoryStore:
    """The store at ``url``, imported when one is opened: every verb registers the default
    plugins, and the store layer (about 30 ms of modules) is only for verbs that use a store
    (issue 14)."""
    from consultkit.storage.memory import open_memory as open_store

    return open_store(url)
