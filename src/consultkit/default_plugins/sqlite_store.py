"""The built-in ``sqlite://`` store, registered through the ``register_stores`` hook.

The store itself lives in :mod:`consultkit.storage.sqlite`; this module only registers it,
as a third-party store plugin would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from consultkit.hookspecs import hookimpl
from consultkit.storage.sqlite import open_sqlite

if TYPE_CHECKING:
    from consultkit.hookspecs import RegisterStore


@hookimpl
def register_stores(register: RegisterStore) -> None:
    """Register ``sqlite://``."""
    register("sqlite", open_sqlite)
