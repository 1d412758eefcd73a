"""Export the schedule through the exporters plugins registered (``ics``, ``json``, …).

An :class:`Exporter` turns schedule items into bytes of one format. Exporters are
contributed through the ``register_exporters`` hook; the built-in ones go through the same
hook from ``consultkit.default_plugins``. :func:`export_calendar` builds the items, gives
them the SEQUENCE and LAST-MODIFIED of a published revision, and calls the exporter.
:func:`publish_schedule` records a new revision (and its ``schedule.changed`` outbox event)
in one store transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from consultkit.domain.schedule import (
    ScheduleItem,
)
from consultkit.errors import ConsultkitError

# Defined in errors (the domain's rendering raises it too); re-exported where exporter
# authors have always found it.
from consultkit.errors import UnknownLanguageError as UnknownLanguageError
from consultkit.i18n import Text, deferred

if TYPE_CHECKING:
    import datetime as dt

    from consultkit.domain.model import Consultation

ItemBuiltHook = Callable[["Consultation", ScheduleItem, Any, str], None]
"""Called by an exporter with (consultation, item, component, language) per built item."""


class UnknownFormatError(ConsultkitError, LookupError):
    """No exporter is registered for the format asked for."""


def _kinds(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values)


@attrs.frozen(kw_only=True)
class ExportOptions:
    """What to export and for whom.

    ``language`` picks the text (None: the consultation's first language); ``only`` keeps
    item kinds (``phases``, ``events``, ``deadlines``); ``group`` keeps what concerns one
    stakeholder group; ``now`` is the export instant (exporters that show "current" use
    it; the ics feed does not, so its bytes do not depend on when it was made);
    ``feed_url`` is where the feed will be served (the ics ``SOURCE``).
    ``item_built`` is set by :func:`export_calendar` so that exporters building
    components (ics) can run the ``calendar_item_built`` hook.
    """

    language: str | None = None
    only: frozenset[str] = attrs.field(default=frozenset(), converter=_kinds)
    group: str | None = None
    now: dt.datetime | None = None
    feed_url: str | None = None
    item_built: ItemBuiltHook | None = attrs.field(default=None, eq=False)

    def language_for(self, consultation: Consultation) -> str:
        """The language to write: the one asked for, else the consultation's first."""
        return self.language or consultation.default_language


@runtime_checkable
class Exporter(Protocol):
    """One export format: its name, media type and file suffix, and the export itself."""

    @property
    def name(self) -> str:
        """The format name (``ics``), as registered."""
        ...

    @property
    def media_type(self) -> str:
        """The HTTP media type (``text/calendar; charset=utf-8``)."""
        ...

    @property
    def suffix(self) -> str:
        """The file suffix, with its dot (``.ics``)."""
        ...

    def export(
        self,
        consultation: Consultation,
        items: Sequence[ScheduleItem],
        options: ExportOptions,
    ) -> bytes:
        """Return the whole document for ``items`` (already filtered) as bytes."""
        ...


class ExporterHost(Protocol):
    """What :func:`export_calendar` needs of a plugin host (a ``PluginHost``)."""

    def exporters(self, consultation: Consultation | None = None) -> Mapping[str, Exporter]: ...

    def calendar_item_built(
        self, consultation: Consultation, item: ScheduleItem, component: Any, language: str
    ) -> object: ...


def find_exporter(
    host: ExporterHost, fmt: str, consultation: Consultation | None = None
) -> Exporter:
    """The exporter registered as ``fmt``, or :class:`UnknownFormatError` naming the known ones.

    With ``consultation``, an exporter of a plugin the consultation turns off
    (``[plugins.NAME] enabled = false``) is not found, and the error says why.
    """
    exporters = host.exporters(consultation)
    exporter = exporters.get(fmt)
    if exporter is None:
        known: str | Text = ", ".join(sorted(exporters)) or (
            deferred.pgettext("no export formats", "none")
        )
        if consultation is not None and fmt in host.exporters():
            off = ", ".join(
                f"[plugins.{name}] enabled = false" for name in consultation.plugins_off
            )
            raise UnknownFormatError(
                deferred.gettext(
                    "format %(format)r comes from a plugin that consultation %(consultation)r"
                    " turns off (%(off)s); remove that line or use another format"
                    " (known: %(known)s)",
                    format=fmt,
                    consultation=consultation.id,
                    off=off,
                    known=known,
                )
            )
        raise UnknownFormatError(
            deferred.gettext(
                "no exporter for format %(format)r (known: %(known)s)", format=fmt, known=known
            )
        )
    return exporter
