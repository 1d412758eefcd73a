"""Helpers for testing consultkit and its plugins with pytest.

One import gives a plugin author what they need::

    import pytest
    from consultkit.testing import StoreContract

    class TestMyStore(StoreContract):
        @pytest.fixture
        def store(self):
            store = MyStore("mystore://test")
            yield store
            store.close()

* :class:`StoreContract` (from :mod:`consultkit.testing.store_contract`): the test suite
  every store backend must pass; subclass it and provide a ``store`` fixture.
* :mod:`consultkit.testing.fixtures`: a pytest plugin with ``plugin_host``,
  ``memory_store``, ``sqlite_store`` and ``recording_notifier`` fixtures. Enable it with
  ``pytest_plugins = ["consultkit.testing.fixtures"]`` in your ``conftest.py``;
  :class:`RecordingNotifier` is importable from here too.
* :mod:`consultkit.testing.factories`: small builders of submissions and events.

The names are loaded on first use, so importing :mod:`consultkit.testing.factories` does
not import pytest. The contract's assertions are rewritten by pytest, so a failing
contract test shows the values it compared, not a bare ``AssertionError``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

try:  # pragma: no branch - pytest is installed wherever these helpers are used
    import pytest as _pytest
except ImportError:  # pragma: no cover
    pass
else:
    # Must happen before the modules are imported, or pytest cannot rewrite them.
    _pytest.register_assert_rewrite(
        "consultkit.testing.store_contract", "consultkit.testing.fixtures"
    )

if TYPE_CHECKING:
    from consultkit.testing.fixtures import RecordingNotifier
    from consultkit.testing.store_contract import StoreContract

__all__ = ["RecordingNotifier", "StoreContract"]

_LAZY = {
    "StoreContract": "consultkit.testing.store_contract",
    "RecordingNotifier": "consultkit.testing.fixtures",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
