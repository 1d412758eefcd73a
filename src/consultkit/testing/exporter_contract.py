"""The test suite every exporter must pass: subclass :class:`ExporterContract`.

::

    from consultkit.testing import ExporterContract

    class TestCsvExporter(ExporterContract):
        @pytest.fixture
        def exporter(self):
            return CsvExporter()

The contract exports the WSIS example (and the minimal consultation) through the
application, as ``consultkit calendar`` does, and checks that the exporter describes
itself, that the same input gives the same bytes (feeds are compared byte for byte by
caches and by ``publish``), that every language of the consultation exports and differs
where the texts differ, and that a selection (possibly empty) still exports.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from consultkit.app.application import Consultkit
from consultkit.domain.clock import FixedClock
from consultkit.formats.exporter import ExportOptions
from consultkit.hookspecs import hookimpl
from consultkit.pluginhost.host import PluginHost
from consultkit.testing import factories

if TYPE_CHECKING:
    from collections.abc import Iterator

    from consultkit.domain.model import Consultation
    from consultkit.formats.exporter import Exporter
    from consultkit.hookspecs import RegisterExporter

__all__ = ["ExporterContract"]

_NOW = dt.datetime(2020, 1, 20, 9, 0, tzinfo=dt.UTC)


class _OneExporter:
    """Registers the exporter under test (unless a default plugin already has it)."""

    def __init__(self, exporter: Exporter) -> None:
        self.exporter = exporter

    @hookimpl
    def register_exporters(self, register: RegisterExporter) -> None:
        register(self.exporter.name, self.exporter)


class ExporterContract:
    """Subclass it and provide an ``exporter`` fixture."""

    @pytest.fixture
    def exporter(self) -> Exporter:
        """The exporter under test."""
        raise NotImplementedError("provide an `exporter` fixture")

    @pytest.fixture(params=["wsis", "minimal"])
    def contract_consultation(self, request: pytest.FixtureRequest) -> Consultation:
        """The consultations exported: the WSIS example and the minimal one."""
        if request.param == "wsis":
            return factories.wsis_consultation()
        return factories.minimal_consultation()

    @pytest.fixture
    def contract_app(self, exporter: Exporter) -> Iterator[Consultkit]:
        """An application whose host has the default plugins plus ``exporter``."""
        host = PluginHost.load(entry_points=False, strict=True, disabled=())
        if host.exporters().get(exporter.name) is not exporter:
            if exporter.name in host.exporters():
                host = PluginHost.load(entry_points=False, strict=True, disabled=(), defaults=False)
            host.register(_OneExporter(exporter), name=f"contract-{exporter.name}")
        with Consultkit(host=host, store_url="memory://", clock=FixedClock(_NOW)) as app:
            yield app

    def _export(
        self,
        app: Consultkit,
        exporter: Exporter,
        consultation: Consultation,
        language: str | None = None,
    ) -> bytes:
        return app.export_calendar(
            consultation, exporter.name, ExportOptions(language=language, now=_NOW)
        )

    def test_describes_itself(self, exporter: Exporter) -> None:
        assert isinstance(exporter.name, str) and exporter.name
        assert isinstance(exporter.media_type, str) and "/" in exporter.media_type
        assert exporter.suffix.startswith(".")

    def test_same_input_gives_the_same_bytes(
        self, contract_app: Consultkit, exporter: Exporter, contract_consultation: Consultation
    ) -> None:
        first = self._export(contract_app, exporter, contract_consultation)
        assert isinstance(first, bytes) and first
        assert self._export(contract_app, exporter, contract_consultation) == first

    def test_every_language_of_the_consultation_exports(
        self, contract_app: Consultkit, exporter: Exporter, contract_consultation: Consultation
    ) -> None:
        documents = {
            language: self._export(contract_app, exporter, contract_consultation, language)
            for language in contract_consultation.languages
        }
        for language, document in documents.items():
            assert isinstance(document, bytes) and document, language
            again = self._export(contract_app, exporter, contract_consultation, language)
            assert again == document, f"{language}: not deterministic"
        if len(documents) > 1:
            assert len(set(documents.values())) > 1, "every language gave the same bytes"

    def test_a_selection_exports_even_when_empty(
        self, contract_app: Consultkit, exporter: Exporter, contract_consultation: Consultation
    ) -> None:
        # Only the related events of one group: none at all in the minimal consultation.
        group = contract_consultation.groups[0].id
        document = contract_app.export_calendar(
            contract_consultation,
            exporter.name,
            ExportOptions(only=frozenset({"events"}), group=group, now=_NOW),
        )
        assert isinstance(document, bytes) and document
