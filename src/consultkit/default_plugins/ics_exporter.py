"""The built-in ``ics`` export format, registered through the ``register_exporters`` hook.

The exporter object is light; :mod:`consultkit.calendar_ics` (and icalendar with it) is
imported only when a feed is built, so listing formats or starting the CLI stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from consultkit.hookspecs import hookimpl

if TYPE_CHECKING:
    from collections.abc import Sequence

    from consultkit.export import ExportOptions
    from consultkit.hookspecs import RegisterExporter
    from consultkit.model import Consultation
    from consultkit.schedule import ScheduleItem


@attrs.frozen
class LazyIcsExporter:
    """RFC 5545 feeds (see :mod:`consultkit.calendar_ics`), built on first use."""

    name: str = "ics"
    media_type: str = "text/calendar; charset=utf-8"
    suffix: str = ".ics"

    def export(
        self,
        consultation: Consultation,
        items: Sequence[ScheduleItem],
        options: ExportOptions,
    ) -> bytes:
        from consultkit.calendar_ics import calendar_bytes

        return calendar_bytes(consultation, items, options)


@hookimpl
def register_exporters(register: RegisterExporter) -> None:
    register("ics", LazyIcsExporter())
