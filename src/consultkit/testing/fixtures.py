"""A pytest plugin with fixtures for testing consultkit plugins and applications.

Installing ``consultkit[testing]`` registers it through the ``pytest11`` entry point, so
the fixtures are there in every test without a ``conftest.py`` line. (Without the extra,
``pytest_plugins = ["consultkit.testing.fixtures"]`` in a ``conftest.py`` does the same.)

Fixtures (each fresh per test):

``consultation``, ``minimal_consultation``
    the WSIS Forum 2020 example, and one group, phase, call and reminder;
``clock``
    a :class:`~consultkit.domain.clock.FixedClock` at an instant when the WSIS call is open;
``consultkit_plugins``
    the plugins under test: **override it** in your ``conftest.py`` (default: none);
``plugin_host``
    a strict :class:`~consultkit.pluginhost.host.PluginHost` with the default plugins and
    ``consultkit_plugins`` only, so other installed plugins cannot leak into a test;
``app``
    a :class:`~consultkit.app.application.Consultkit` on that host, ``store`` and ``clock``;
``store``, ``memory_store``, ``sqlite_store``
    an empty store (``store`` is the memory one; ``sqlite_store`` is a file in ``tmp_path``);
``events``, ``deliveries``
    one :mod:`consultkit.events` value of every kind (keyed by kind), and one claimed
    delivery of each for the ``email`` channel;
``recording_notifier``
    a :class:`RecordingNotifier`.

The module imports without pytest (the fixtures are then plain functions), so
:class:`RecordingNotifier` is usable anywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from consultkit.app.application import Consultkit
from consultkit.domain.clock import FixedClock
from consultkit.notify import DeliveryResult
from consultkit.pluginhost.host import PluginHost
from consultkit.storage.memory import MemoryStore
from consultkit.storage.sqlite import SqliteStore
from consultkit.testing import factories

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from pathlib import Path

    from consultkit import events as ev
    from consultkit.domain.model import Consultation
    from consultkit.storage.protocols import Delivery, Store

if TYPE_CHECKING:
    from pytest import fixture as _fixture
else:
    try:
        from pytest import fixture as _fixture
    except (
        ImportError
    ):  # pragma: no cover - checked in a subprocess by tests/test_testing_plugin.py
        # Without pytest the fixtures stay plain functions: importing this module (for
        # RecordingNotifier) must never need pytest (issue 13).
        def _fixture(function):
            return function


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


@_fixture
def consultation() -> Consultation:
    """The WSIS Forum 2020 Open Consultation Process (``examples/wsis2020``)."""
    return factories.wsis_consultation()


@_fixture
def minimal_consultation() -> Consultation:
    """One group, one phase, one call open until 28 February 2020, one reminder."""
    return factories.minimal_consultation()


@_fixture
def clock() -> FixedClock:
    """A fixed clock at 20 January 2020, 09:00 UTC (the WSIS call and the minimal one open)."""
    return FixedClock(factories.WSIS_AT)


@_fixture
def consultkit_plugins() -> Sequence[object] | Mapping[str, object]:
    """The plugins under test, registered on ``plugin_host``: override this fixture.

    Return a list, or a mapping from name to plugin to register each under the name its
    entry point gives it (the name ``[plugins.NAME]`` tables of a consultation use).
    """
    return ()


@_fixture
def plugin_host(consultkit_plugins: Sequence[object] | Mapping[str, object]) -> PluginHost:
    """A fresh strict host: the default plugins and ``consultkit_plugins``, no entry points."""
    return PluginHost.load(entry_points=False, strict=True, disabled=(), plugins=consultkit_plugins)


@_fixture
def memory_store() -> Iterator[MemoryStore]:
    """An empty ``memory://`` store, closed after the test."""
    store = MemoryStore()
    yield store
    store.close()


@_fixture
def store(memory_store: MemoryStore) -> Store:
    """The store ``app`` uses: ``memory_store`` unless you override it."""
    return memory_store


@_fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqliteStore]:
    """An empty SQLite store in a file under ``tmp_path``, closed after the test."""
    store = SqliteStore(f"sqlite:///{tmp_path / 'consultkit.sqlite'}")
    yield store
    store.close()


@_fixture
def app(plugin_host: PluginHost, store: Store, clock: FixedClock) -> Consultkit:
    """The application on ``plugin_host``, ``store`` and ``clock``."""
    return Consultkit(host=plugin_host, store=store, clock=clock)


@_fixture
def events(consultation: Consultation) -> dict[str, ev.Event]:
    """One event of every kind, keyed by kind (``submission.received``…)."""
    return factories.events_of_every_kind(consultation)


@_fixture
def deliveries(consultation: Consultation) -> list[Delivery]:
    """One claimed ``email`` delivery of every event kind, as a notifier receives them."""
    return factories.deliveries_of_every_kind(consultation)


@_fixture
def recording_notifier() -> RecordingNotifier:
    """A :class:`RecordingNotifier` for the ``email`` channel."""
    return RecordingNotifier()
