"""consultkit's store contract against a real PostgreSQL, one fresh schema per test."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from consultkit_postgres import PostgresStore

from consultkit.testing import StoreContract

if TYPE_CHECKING:
    from collections.abc import Iterator

    from consultkit.storage.protocols import Store
    from consultkit.storage.records import Tombstone

pytestmark = pytest.mark.postgres


class TestPostgresStore(StoreContract):
    @pytest.fixture
    def store(self, pg_url: str) -> Iterator[Store]:
        store = PostgresStore(pg_url)
        yield store
        store.close()

    def read_tombstones(self, store: Store, consultation_id: str) -> list[Tombstone]:
        assert isinstance(store, PostgresStore)
        return store.tombstones(consultation_id)
