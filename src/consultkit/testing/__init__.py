"""Helpers for testing consultkit and its plugins with pytest.

* :mod:`consultkit.testing.store_contract`: :class:`StoreContract`, the test suite every
  store backend must pass; subclass it and provide a ``store`` fixture.
* :mod:`consultkit.testing.fixtures`: a pytest plugin with ``plugin_host``,
  ``memory_store``, ``sqlite_store`` and ``recording_notifier`` fixtures. Enable it with
  ``pytest_plugins = ["consultkit.testing.fixtures"]`` in your ``conftest.py``.
* :mod:`consultkit.testing.factories`: small builders of submissions and events.
"""
