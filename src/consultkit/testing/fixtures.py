"""A pytest plugin with fixtures for testing consultkit plugins and applications.

Enable it in your ``conftest.py``::

    pytest_plugins = ["consultkit.testing.fixtures"]

Fixtures: ``plugin_host`` (a fresh :class:`~consultkit.pluginhost.host.PluginHost` per test, built
from the default plugins only, so installed third-party plugins cannot leak in),
``memory_store``, ``sqlite_store`` (a file in ``tmp_path``) and ``recording_notifier``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
import pytest

from consultkit.notify import DeliveryResult
from consultkit.pluginhost.host import PluginHost
from consultkit.storage.memory import MemoryStore
from consultkit.storage.sqlite import SqliteStore

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    from consultkit.storage.protocols import Delivery


@attrs.define
class RecordingNotifier:
    """A notifier that sends nothing and remembers every delivery it was given.

    Addresses listed in ``fail`` fail with a retryable error, those in ``reject`` with a
    permanent one; everything else is accepted. ``batches`` keeps each ``send`` call's
    deliveries, so tests can check batching too.
    """

    channel: str = "email"
    fail: set[str] = attrs.Factory(set)
    reject: set[str] = attrs.Factory(set)
    batches: list[list[Delivery]] = attrs.Factory(list)
    closed: bool = False

    @property
    def sent(self) -> list[Delivery]:
        """Every delivery accepted, in order."""
        return [
            d
            for batch in self.batches
            for d in batch
            if d.recipient not in self.fail and d.recipient not in self.reject
        ]

    def send(self, deliveries: Sequence[Delivery]) -> list[DeliveryResult]:
        """Record ``deliveries`` and answer one result per delivery, in order."""
        self.batches.append(list(deliveries))
        results = []
        for d in deliveries:
            if d.recipient in self.reject:
                results.append(DeliveryResult.failure(d.id, "rejected by test", retry=False))
            elif d.recipient in self.fail:
                results.append(DeliveryResult.failure(d.id, "failed by test"))
            else:
                results.append(DeliveryResult.success(d.id))
        return results

    def close(self) -> None:
        """Remember that the dispatcher closed the notifier."""
        self.closed = True


@pytest.fixture
def plugin_host() -> PluginHost:
    """A fresh plugin host with the default plugins only (no entry points), strict."""
    return PluginHost.load(entry_points=False, strict=True, disabled=())


@pytest.fixture
def memory_store() -> Iterator[MemoryStore]:
    """An empty ``memory://`` store, closed after the test."""
    store = MemoryStore()
    yield store
    store.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqliteStore]:
    """An empty SQLite store in a file under ``tmp_path``, closed after the test."""

    store = SqliteStore(f"sqlite:///{tmp_path / 'consultkit.sqlite'}")
    yield store
    store.close()


@pytest.fixture
def recording_notifier() -> RecordingNotifier:
    """A :class:`RecordingNotifier` for the ``email`` channel."""
    return RecordingNotifier()
