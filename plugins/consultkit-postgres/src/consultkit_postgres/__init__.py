"""A PostgreSQL store for consultkit: ``postgresql://user@host:port/db?schema=NAME``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from consultkit.lazy import lazy_names

if TYPE_CHECKING:
    from consultkit_postgres.store import PostgresStore, open_postgres

# Start-up (issue 14): consultkit imports this package whenever it loads its plugins, i.e.
# on nearly every CLI run, so the public names load psycopg on first use, not here
# (PEP 562; benchmarks/bench_startup.py).
_LAZY = {
    "PostgresStore": "consultkit_postgres.store",
    "open_postgres": "consultkit_postgres.store",
}


__getattr__ = lazy_names(__name__, _LAZY)


__all__ = [
    "PostgresStore",
    "open_postgres",
]
