"""The memory store (``memory://``): a private in-memory SQLite database, gone when closed.

It runs the same SQL as the file store, so tests and rehearsals see exactly the
behaviour production gets (idempotency, compare-and-set, leases, erasure), without
touching the disk. Everything happens on one connection guarded by a lock: an in-memory
database is private to its connection, so readers cannot have their own.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from consultkit.errors import StoreError
from consultkit.i18n import deferred
from consultkit.storage.sqlite import SqliteStore

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterator, Sequence


class MemoryStore(SqliteStore):
    """A :class:`~consultkit.storage.protocols.Store` that keeps everything in memory."""

    def __init__(self, url: str = "memory://") -> None:
        if not url.lower().startswith("memory://"):
            raise StoreError(deferred.gettext("not a memory URL %(url)r: write memory://", url=url))
        super().__init__(url, path=":memory:")

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._check_open()
            yield self._writer

    def _stream(self, sql: str, params: Sequence[Any]) -> Iterator[Sequence[Any]]:
        # Materialised under the lock: a lazy cursor on the one shared connection would
        # see writes made while the caller iterates (the data is in memory already).
        with self._read() as conn:
            rows = conn.execute(sql, params).fetchall()
        return iter(rows)


def open_memory(url: str) -> MemoryStore:
    """Open a new, empty memory store."""
    return MemoryStore(url)
