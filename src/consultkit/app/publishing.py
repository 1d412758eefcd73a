"""Publishing the schedule: export feeds with a revision's SEQUENCE, record new revisions.

:func:`export_calendar` builds the items, gives them the SEQUENCE and LAST-MODIFIED of a
published revision, and calls the exporter. :func:`publish_schedule` records a new
revision (and its ``schedule.changed`` outbox event) in one store transaction, then calls
the ``schedule_changed`` hook: every way of publishing goes through it, so the hook fires
exactly once per recorded revision. :func:`preview_schedule` says what the next
publication would assign without saving anything (``consultkit calendar --store``, the
CalDAV plugin). :func:`write_feeds` writes one file per language and format.

:class:`~consultkit.app.application.Consultkit` offers all of these as verbs with its own
store, plugins and clock; call them from there.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from consultkit import files
from consultkit.domain.schedule import (
    ItemChange,
    ScheduleItem,
    apply_snapshot,
    diff,
    schedule_items,
)
from consultkit.domain.windows import to_utc
from consultkit.errors import ConsultkitError
from consultkit.formats.exporter import (
    Exporter,
    ExporterHost,
    ExportOptions,
    UnknownLanguageError,
    find_exporter,
)
from consultkit.formats.labels import change_label
from consultkit.i18n import Text, deferred, messages
from consultkit.pluginhost.host import PluginHost

if TYPE_CHECKING:
    import datetime as dt
    import os
    from collections.abc import Iterator, Sequence

    from consultkit.domain.model import Consultation
    from consultkit.storage.protocols import ScheduleLog, ScheduleRevision


def export_calendar(
    host: ExporterHost,
    consultation: Consultation,
    fmt: str,
    options: ExportOptions,
    revision: ScheduleRevision | Mapping[str, Any] | None = None,
) -> bytes:
    """Export ``consultation``'s schedule as ``fmt`` with the plugins of ``host``.

    ``revision`` (a stored :class:`~consultkit.storage.protocols.ScheduleRevision` or its snapshot)
    supplies the published SEQUENCE and LAST-MODIFIED of each item; without it every item
    is at SEQUENCE 0.
    """
    exporter = find_exporter(host, fmt, consultation)
    language = _language(consultation, options)
    items = _published_items(consultation, options, revision)
    return _export(host, exporter, consultation, items, attrs.evolve(options, language=language))


def _language(consultation: Consultation, options: ExportOptions) -> str:
    """The language ``options`` asks for, which must be one of the consultation's."""
    language = options.language_for(consultation)
    if language not in consultation.languages and consultation.languages:
        known = ", ".join(consultation.languages)
        raise UnknownLanguageError(
            f"language {language!r} is not one of the consultation's languages ({known});"
            " choose one of those with --lang"
        )
    return language


def _published_items(
    consultation: Consultation,
    options: ExportOptions,
    revision: ScheduleRevision | Mapping[str, Any] | None,
) -> list[ScheduleItem]:
    """The items ``options`` chooses, with the SEQUENCE and LAST-MODIFIED ``revision`` gave."""
    items = schedule_items(consultation, only=options.only, group=options.group)
    return apply_snapshot(items, _snapshot_of(revision))


def _export(
    host: ExporterHost,
    exporter: Exporter,
    consultation: Consultation,
    items: Sequence[ScheduleItem],
    options: ExportOptions,
) -> bytes:
    """``items`` exported by ``exporter`` in ``options.language`` (checked by the caller)."""

    def item_built(c: Consultation, item: ScheduleItem, component: Any, lang: str) -> None:
        host.calendar_item_built(c, item, component, lang)

    # A list of its own for each exporter, as each had when it built the items itself.
    return exporter.export(
        consultation,
        list(items),
        attrs.evolve(options, item_built=item_built),
    )


def _snapshot_of(revision: ScheduleRevision | Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    if revision is None:
        return None
    if isinstance(revision, Mapping):
        return revision
    return revision.snapshot


@attrs.frozen(kw_only=True)
class PublishResult:
    """What one publication did: the stored revision (None when nothing changed) and changes."""

    revision: ScheduleRevision | None
    changes: tuple[ItemChange, ...]
    items: tuple[ScheduleItem, ...]
    latest: ScheduleRevision | None = None
    """The latest revision after this publication: the new one, or the one still current."""
    files: tuple[FeedFile, ...] = ()
    """The feed files written with the publication, when it was asked to write them."""

    @property
    def changed(self) -> bool:
        return self.revision is not None

    def summary(self, language: str = "en") -> str:
        """How many items changed in each way (``1 moved, 6 added``), or ``no change``."""
        words = messages(language)
        counts: dict[str, int] = {}
        for change in self.changes:
            counts[change.kind.value] = counts.get(change.kind.value, 0) + 1
        parts = [
            words.gettext("%(count)s %(change)s", count=n, change=change_label(kind, words))
            for kind, n in sorted(counts.items())
        ]
        return ", ".join(parts) or words.gettext("no change")


log = logging.getLogger(__name__)


def publish_schedule(
    store: ScheduleLog,
    consultation: Consultation,
    now: dt.datetime,
    *,
    force: bool = False,
    host: PluginHost | None = None,
) -> PublishResult:
    """Record a new schedule revision of ``consultation`` if anything changed since the last.

    After the commit, the ``schedule_changed`` hook of ``host`` runs once for the new
    revision (a failing plugin is reported, never undoing it). Pass the host the store was
    opened with (:meth:`Consultkit.publish <consultkit.app.application.Consultkit.publish>`
    does); without one, the installed plugins are loaded for the call, as
    :func:`~consultkit.storage.protocols.open_store` does.

    The revision and one ``schedule.changed`` outbox event
    (:class:`consultkit.events.ScheduleChanged`: one entry per item change, holding the
    item's titles and its time before and after) are written in one store transaction.
    When nothing changed, nothing is written (unless ``force``) and the items keep their
    published SEQUENCE and LAST-MODIFIED. The first publication records every item as added
    but enqueues no event: there is nobody to tell that a schedule "changed" before it
    existed.
    """
    previous = store.latest_schedule_revision(consultation.id)
    items = schedule_items(consultation)
    new_snapshot, changes, published = diff(
        previous.snapshot if previous is not None else None, items, now
    )
    if not changes and not force and previous is not None:
        return PublishResult(revision=None, changes=(), items=tuple(published), latest=previous)
    number = 1 if previous is None else previous.number + 1
    events = []
    if previous is not None and changes:
        # Imported only when a change is told: the event classes and the outbox cost
        # `calendar` and `history` (which share this module) about 10 ms (issue 14).
        from consultkit.app.outbox import to_outbox
        from consultkit.events import ScheduleChanged

        # Its id and dedupe key come from what changed, so publishing the same revision
        # twice (a retried command) cannot enqueue two events.
        event = ScheduleChanged(
            consultation=consultation,
            revision=number,
            previous_revision=previous.number,
            changes=tuple(changes),
            items=tuple(items),
            at=now,
        )
        events.append(to_outbox(event))
    record = {**new_snapshot, "changes": [c.as_dict() for c in changes]}
    revision = store.save_schedule_revision(consultation.id, record, events, at=to_utc(now))
    result = PublishResult(
        revision=revision, changes=tuple(changes), items=tuple(published), latest=revision
    )
    _schedule_changed(host or PluginHost.load(), consultation, result)
    return result


def _schedule_changed(host: PluginHost, consultation: Consultation, result: PublishResult) -> None:
    # The revision has committed: nothing a plugin does may lose it. The facade already
    # catches and logs plugin failures; this guards against the facade itself.
    assert result.revision is not None
    try:
        host.schedule_changed(consultation, result.revision, list(result.changes))
    except Exception:
        log.exception("schedule_changed hook failed after commit; the revision is kept")


@attrs.frozen(kw_only=True)
class SchedulePreview:
    """What the next publication would assign, computed and not saved.

    ``snapshot`` is the latest revision's snapshot with the SEQUENCE and LAST-MODIFIED the
    next ``publish`` would give to items edited since (unchanged items keep theirs), so an
    export with it never shows a new time under an old SEQUENCE and DTSTAMP.
    """

    revision: ScheduleRevision
    snapshot: Mapping[str, Any]
    changes: tuple[ItemChange, ...]

    @property
    def changed_items(self) -> int:
        """How many items differ from the latest revision."""
        return len({change.uid for change in self.changes})

    def warning(self, language: str = "en") -> str | None:
        """One line for people, in ``language``, when items changed since the revision,
        else None."""
        changed = self.changed_items
        if not changed:
            return None
        return messages(language).ngettext(
            "%(num)s item changed since revision %(revision)s; run consultkit publish to"
            " record them",
            "%(num)s items changed since revision %(revision)s; run consultkit publish to"
            " record them",
            changed,
            revision=self.revision.number,
        )


def preview_schedule(
    store: ScheduleLog, consultation: Consultation, now: dt.datetime
) -> SchedulePreview | None:
    """What publishing ``consultation`` at ``now`` would assign; None before any revision."""
    revision = store.latest_schedule_revision(consultation.id)
    if revision is None:
        return None
    snapshot_data, changes, _ = diff(revision.snapshot, schedule_items(consultation), now)
    return SchedulePreview(revision=revision, snapshot=snapshot_data, changes=tuple(changes))


@attrs.frozen(kw_only=True)
class RevisionRecord:
    """One published revision as ``consultkit history`` shows it: when, and what changed."""

    number: int
    published_at: dt.datetime
    changes: tuple[ItemChange, ...]


def schedule_history(store: ScheduleLog, consultation: Consultation) -> list[RevisionRecord]:
    """Every published revision of ``consultation``, oldest first."""
    return [
        RevisionRecord(
            number=revision.number,
            published_at=revision.published_at,
            changes=tuple(ItemChange.from_dict(c) for c in revision.snapshot.get("changes", [])),
        )
        for revision in store.schedule_revisions(consultation.id)
    ]


class FeedError(ConsultkitError):
    """A feed could not be exported (the message starts with the format)."""


class FeedWriteError(ConsultkitError):
    """A feed file could not be written: ``path`` and the system's ``reason``."""

    def __init__(self, path: Path, reason: str | Text) -> None:
        self.path = path
        self.reason = reason
        super().__init__(
            deferred.gettext("cannot write %(path)s: %(reason)s", path=str(path), reason=reason)
        )


@attrs.frozen(kw_only=True)
class FeedFile:
    """One feed file :func:`write_feeds` handled, and whether its bytes changed."""

    path: Path
    language: str
    format: str
    written: bool


def write_feeds(
    host: ExporterHost,
    consultation: Consultation,
    directory: str | os.PathLike[str],
    *,
    languages: Sequence[str],
    formats: Sequence[str],
    revision: ScheduleRevision | Mapping[str, Any] | None,
    now: dt.datetime | None = None,
    feed_url: str | None = None,
) -> Iterator[FeedFile]:
    """Write ``CONSULTATION.LANG<suffix>`` for each language and format; yields each file.

    A generator, so a caller can report each file as it is written. ``feed_url`` is the
    base URL the files are served from (each feed's ``SOURCE``). Raises
    :class:`FeedError` when an exporter fails and :class:`FeedWriteError` when a file
    cannot be written; files already written stay.
    """
    folder = Path(directory)
    # Every file shows the same items (all of them, as ``revision`` published them): built
    # once, not once per language and format (24 times for six languages, issue 14).
    items: list[ScheduleItem] | None = None
    for language in languages:
        for fmt in formats:
            exporter = find_exporter(host, fmt, consultation)
            name = f"{consultation.id}.{language}{exporter.suffix}"
            options = ExportOptions(
                language=language,
                now=now,
                feed_url=f"{feed_url.rstrip('/')}/{name}" if feed_url else None,
            )
            try:
                options = attrs.evolve(options, language=_language(consultation, options))
                if items is None:
                    items = _published_items(consultation, options, revision)
                data = _export(host, exporter, consultation, items, options)
            except ConsultkitError as exc:
                raise FeedError(
                    deferred.gettext("%(name)s: %(problem)s", name=fmt, problem=exc.render)
                ) from exc
            path = folder / name
            yield FeedFile(
                path=path, language=language, format=fmt, written=write_atomically(path, data)
            )


def write_atomically(target: Path, data: bytes, *, mode: int | None = None) -> bool:
    """Write ``data`` to ``target`` atomically (:func:`consultkit.files.write_atomically`);
    False if unchanged.

    A file that already holds exactly ``data`` is left untouched (same inode, mtime and
    mode), so a web server's ETag and Last-Modified do not change and subscribers do not
    download an unchanged feed again. ``mode`` as in :func:`consultkit.files.atomic_file`.
    Raises :class:`FeedWriteError`.
    """
    if _holds(target, data):
        return False
    try:
        files.write_atomically(target, data, mode=mode, make_parents=True)
    except files.FileWriteError as exc:
        raise FeedWriteError(target, exc.reason) from exc
    return True


def _holds(target: Path, data: bytes) -> bool:
    """True when ``target`` is a regular file whose bytes are exactly ``data``."""
    try:
        if not target.is_file() or target.stat().st_size != len(data):
            return False
        return target.read_bytes() == data
    except OSError:
        return False  # unreadable: let the write say what is wrong
