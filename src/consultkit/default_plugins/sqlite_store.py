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
    register("sqlite", _open_sqlite)


def _open_sqlite(url: str) -> SqliteStore:
    # Imported when a store is opened, not when the plugins load: sqlite3 and the SQL
    # store layer cost about 7 ms of CPU that `calendar` or `plugins` never use (issue 14).
    from consultkit.storage.sqlite import open_sqlite

    return open_sqlite(url)
