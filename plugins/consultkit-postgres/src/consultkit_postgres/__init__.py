"""A PostgreSQL store for consultkit: ``postgresql://user@host:port/db?schema=NAME``."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from consultkit_postgres.store import PostgresStore, open_postgres

# Start-up (issue 14): consultkit imports this package whenever it loads its plugins, i.e.
# on nearly every CLI run, so the public names load psycopg on first use, not here
# (PEP 562; benchmarks/bench_startup.py).
_LAZY = {
    "PostgresStore": "consultkit_postgres.store",
    "open_postgres": "consultkit_postgres.store",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "PostgresStore",
    "open_postgres",
]
