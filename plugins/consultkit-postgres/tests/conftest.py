"""Fixtures: a fresh, uniquely named PostgreSQL schema per test, dropped afterwards.

The server is ``$CONSULTKIT_TEST_POSTGRES`` (default
``postgresql://postgres@127.0.0.1:5432/test``). When it cannot be reached the tests are
skipped on a developer machine, but fail when ``CI`` is set: CI must not pass by skipping.
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

import psycopg
import pytest
from psycopg import sql

if TYPE_CHECKING:
    from collections.abc import Iterator

DEFAULT_TEST_URL = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The server URL (without a schema), once it answers."""
    url = os.environ.get("CONSULTKIT_TEST_POSTGRES", "").strip() or DEFAULT_TEST_URL
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        message = (
            f"PostgreSQL is not reachable at {url} ({str(exc).strip()}). Start it, e.g. "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, "
            "or point CONSULTKIT_TEST_POSTGRES at a server (trust auth, database test)."
        )
        if os.environ.get("CI"):
            pytest.fail(f"CI is set, so this is an error, not a skip: {message}")
        pytest.skip(message)
    return url


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A store URL naming a schema no other test (or run) uses; dropped after the test."""
    schema = f"ck_test_{uuid.uuid4().hex[:16]}"
    yield f"{pg_server}{'&' if '?' in pg_server else '?'}schema={schema}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
