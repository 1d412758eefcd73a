"""The store contract run against both built-in backends."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from consultkit.testing.store_contract import SqlStoreContract

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from consultkit.storage.protocols import Store


class TestMemoryStore(SqlStoreContract):
    @pytest.fixture
    def store(self) -> Iterator[Store]:
        from consultkit.storage.memory import MemoryStore

        store = MemoryStore()
        yield store
        store.close()


class TestSqliteStore(SqlStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[Store]:
        from consultkit.storage.sqlite import SqliteStore

        store = SqliteStore(f"sqlite:///{tmp_path / 'contract.sqlite'}")
        yield store
        store.close()


def test_one_import_gives_a_plugin_author_the_contract_and_the_notifier() -> None:
    import consultkit.testing as testing
    from consultkit.testing import fixtures, store_contract

    assert testing.StoreContract is store_contract.StoreContract
    assert testing.RecordingNotifier is fixtures.RecordingNotifier
    assert set(testing.__all__) == {"StoreContract", "RecordingNotifier"}
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        testing.Nope  # noqa: B018
