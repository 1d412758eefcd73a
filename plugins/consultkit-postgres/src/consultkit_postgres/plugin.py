"""The entry point consultkit loads: registers the ``postgresql://`` store scheme."""

from __future__ import annotations

from typing import TYPE_CHECKING

from consultkit import hookimpl

if TYPE_CHECKING:
    from collections.abc import Callable

    from consultkit.storage.protocols import Store

SCHEME = "postgresql"


def _open(url: str) -> Store:
    from consultkit_postgres.store import open_postgres

    return open_postgres(url)


@hookimpl
def register_stores(register: Callable[[str, Callable[[str], Store]], None]) -> None:
    """Contribute ``postgresql://`` (see the package README for the URL format)."""
    register(SCHEME, _open)
