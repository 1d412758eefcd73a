"""consultkit's store contract against a real PostgreSQL, one fresh schema per test."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from consultkit_postgres import PostgresStore

from consultkit.testing.store_contract import SqlStoreContract

if TYPE_CHECKING:
    from collections.abc import Iterator

    from consultkit.storage.protocols import Store

pytestmark = pytest.mark.postgres


class TestPostgresStore(SqlStoreContract):
    @pytest.fixture
    def store(self, pg_url: str) -> Iterator[Store]:
        store = PostgresStore(pg_url)
        yield store
        store.close()
