"""The built-in ``sqlite://`` store, registered through the ``register_stores`` hook.

The store itself lives in :mod:`consultkit.storage.sqlite`; this module only registers it,
as a third-party store plugin would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from consultkit.hookspecs import hookimpl

if TYPE_CHECKING:
    from consultkit.hookspecs import RegisterStore
    from consultkit.storage.sqlite import SqliteStore


@hookimpl
def register_stores(register: RegisterStore) -> None:
    """Register ``sqlite://``."""
    register("sqlite", open_sqlite)


def open_sqlite(url: str) -> SqliteStore:
    """The store at ``url``, imported when one is opened: every verb registers the default
    plugins, and the store layer (about 30 ms of modules) is only for verbs that use a store
    (issue 14)."""
    from consultkit.storage.sqlite import open_sqlite as open_store

    return open_store(url)
