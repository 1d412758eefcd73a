"""Helpers for testing consultkit and its plugins with pytest.

Install ``consultkit[testing]``: it brings pytest and registers
:mod:`consultkit.testing.fixtures` as a pytest plugin (``pytest11`` entry point), so the
fixtures (``consultation``, ``minimal_consultation``, ``clock``, ``plugin_host`` with
your ``consultkit_plugins``, ``app``, ``store``, ``events``, ``deliveries``,
``recording_notifier``…) are there in every test. One import gives the contract suites::

    import pytest
    from consultkit.testing import NotifierContract

    class TestMyNotifier(NotifierContract):
        ...

* :class:`StoreContract` / :class:`SqlStoreContract` (:mod:`.store_contract`): every store
  backend; provide a ``store`` fixture.
* :class:`NotifierContract` (:mod:`.notifier_contract`): every notifier; provide
  ``notifier``, ``recipient`` and ``make_channel_fail``.
* :class:`ExporterContract` (:mod:`.exporter_contract`): every exporter; provide
  ``exporter``.
* :mod:`consultkit.testing.factories`: builders of consultations, submissions, events and
  deliveries; it never imports pytest.

The names are loaded on first use, so importing :mod:`consultkit.testing.factories` does
not import pytest. The contracts' assertions are rewritten by pytest, so a failing
contract test shows the values it compared, not a bare ``AssertionError``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from consultkit.lazy import lazy_names

try:  # pragma: no branch - pytest is installed wherever these helpers are used
    import pytest as _pytest
except ImportError:  # pragma: no cover
    pass
else:
    # Must happen before the modules are imported, or pytest cannot rewrite them.
    _pytest.register_assert_rewrite(
        "consultkit.testing.store_contract",
        "consultkit.testing.notifier_contract",
        "consultkit.testing.exporter_contract",
        "consultkit.testing.fixtures",
    )

if TYPE_CHECKING:
    from consultkit.testing.exporter_contract import ExporterContract as ExporterContract
    from consultkit.testing.fixtures import RecordingNotifier
    from consultkit.testing.notifier_contract import NotifierContract as NotifierContract
    from consultkit.testing.store_contract import SqlStoreContract as SqlStoreContract
    from consultkit.testing.store_contract import StoreContract

# What `from consultkit.testing import *` gives (kept to the first two names, which
# tests/test_store_contract.py pins); every name of _LAZY imports from here.
__all__ = ["RecordingNotifier", "StoreContract"]

_LAZY = {
    "ExporterContract": "consultkit.testing.exporter_contract",
    "NotifierContract": "consultkit.testing.notifier_contract",
    "RecordingNotifier": "consultkit.testing.fixtures",
    "SqlStoreContract": "consultkit.testing.store_contract",
    "StoreContract": "consultkit.testing.store_contract",
}


__getattr__ = lazy_names(__name__, _LAZY)
