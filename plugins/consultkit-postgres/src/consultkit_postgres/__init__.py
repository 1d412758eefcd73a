"""A PostgreSQL store for consultkit: ``postgresql://user@host:port/db?schema=NAME``."""

from __future__ import annotations

from consultkit_postgres.store import PostgresStore, open_postgres

__all__ = ["PostgresStore", "open_postgres"]
