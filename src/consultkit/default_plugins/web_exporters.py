"""The built-in ``json``, ``html`` and ``svg`` exporters, registered like any plugin's.

- ``json``: the timeline document of :func:`~consultkit.formats.timeline_json.build_timeline`, the
  document ``consultkit timeline --format json`` prints;
- ``html``: a standalone page with the timeline and "add to calendar" links
  (:mod:`consultkit.formats.timeline_html`);
- ``svg``: a timeline picture for reports (:mod:`consultkit.formats.timeline_svg`).

This module stays cheap to import (the plugin host imports it at every start): Jinja2,
babel and the drawing code load only when an export runs.
"""

from __future__ import annotations

import json
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


def timeline_json(document: object) -> bytes:
    """Serialise a timeline document as ``timeline --format json`` does: indented UTF-8."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


@attrs.frozen
@shared_value_methods
class JsonExporter:
    """The ``json`` exporter: the timeline document, at ``options.now`` when given."""

    name: str = "json"
    media_type: str = "application/json"
    suffix: str = ".json"

    def export(
        self, consultation: Consultation, items: Sequence[ScheduleItem], options: ExportOptions
    ) -> bytes:
        # Imported on first export, not at plugin load: the CLI starts without them.
        from consultkit.domain.clock import SystemClock
        from consultkit.formats.timeline_json import build_timeline

        at = options.now if options.now is not None else SystemClock().now()
        document = build_timeline(consultation, at=at, language=options.language_for(consultation))
        return timeline_json(document)


@attrs.frozen
@shared_value_methods
class HtmlExporter:
    """The ``html`` exporter: one standalone page with the timeline and calendar links."""

    name: str = "html"
    media_type: str = "text/html; charset=utf-8"
    suffix: str = ".html"

    def export(
        self, consultation: Consultation, items: Sequence[ScheduleItem], options: ExportOptions
    ) -> bytes:
        # Jinja2, babel and icalendar load on first export, not at plugin load (start-up).
        from consultkit.formats.ics import item_calendars
        from consultkit.formats.timeline_html import render_page

        # The same VEVENT the feed carries (same UID), so adding one item and later
        # subscribing to the feed do not make duplicates in a calendar.
        return render_page(
            consultation,
            items,
            language=options.language_for(consultation),
            now=options.now,
            feed_url=options.feed_url,
            item_ics=item_calendars(consultation, options),
        )


@attrs.frozen
@shared_value_methods
class SvgExporter:
    """The ``svg`` exporter: a timeline picture of the schedule, deterministic."""

    name: str = "svg"
    media_type: str = "image/svg+xml"
    suffix: str = ".svg"

    def export(
        self, consultation: Consultation, items: Sequence[ScheduleItem], options: ExportOptions
    ) -> bytes:
        # The drawing code loads on first export, not at plugin load (start-up).
        from consultkit.formats.timeline_svg import draw_timeline

        return draw_timeline(
            consultation, items, language=options.language_for(consultation), now=options.now
        )


@hookimpl
def register_exporters(register: RegisterExporter) -> None:
    """Contribute the ``json``, ``html`` and ``svg`` formats."""
    register("json", JsonExporter())
    register("html", HtmlExporter())
    register("svg", SvgExporter())
