"""The built-in ``ics`` export format, registered through the ``register_exporters`` hook.

The exporter object is light; :mod:`consultkit.formats.ics` (and icalendar with it) is
imported only when a feed is built, so listing formats or starting the CLI stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from consultkit.hookspecs import hookimpl
from consultkit.value_methods import shared_value_methods

if TYPE_CHECKING:
    from collections.abc import Sequence

    from consultkit.domain.model import Consultation
    from consultkit.domain.schedule import ScheduleItem
    from consultkit.formats.exporter import ExportOptions
    from consultkit.hookspecs import RegisterExporter


@attrs.frozen
@shared_value_methods
class LazyIcsExporter:
    """RFC 5545 feeds (see :mod:`consultkit.formats.ics`), built on first use."""

    name: str = "ics"
    media_type: str = "text/calendar; charset=utf-8"
    suffix: str = ".ics"

    def export(
        self,
        consultation: Consultation,
        items: Sequence[ScheduleItem],
        options: ExportOptions,
    ) -> bytes:
        # icalendar loads when a feed is built, not at plugin load (start-up).
        from consultkit.formats.ics import calendar_bytes

        return calendar_bytes(consultation, items, options)


@hookimpl
def register_exporters(register: RegisterExporter) -> None:
    register("ics", LazyIcsExporter())
