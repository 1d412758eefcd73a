"""Publishing the schedule: export feeds with a revision's SEQUENCE, record new revisions.

:func:`export_calendar` builds the items, gives them the SEQUENCE and LAST-MODIFIED of a
published revision, and calls the exporter. :func:`publish_schedule` records a new
revision (and its ``schedule.changed`` outbox event) in one store transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from consultkit.domain.schedule import (
    ItemChange,
    ScheduleItem,
    apply_snapshot,
    diff,
    schedule_items,
)
from consultkit.formats.exporter import (
    ExporterHost,
    ExportOptions,
    UnknownLanguageError,
    find_exporter,
)

if TYPE_CHECKING:
    import datetime as dt

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
    exporter = find_exporter(host, fmt)
    language = options.language_for(consultation)
    if language not in consultation.languages and consultation.languages:
        known = ", ".join(consultation.languages)
        raise UnknownLanguageError(
            f"language {language!r} is not one of the consultation's languages ({known});"
            " choose one of those with --lang"
        )
    items = schedule_items(consultation, only=options.only, group=options.group)
    snapshot_data = _snapshot_of(revision)
    items = apply_snapshot(items, snapshot_data)

    def item_built(c: Consultation, item: ScheduleItem, component: Any, lang: str) -> None:
        host.calendar_item_built(c, item, component, lang)

    return exporter.export(
        consultation, items, attrs.evolve(options, language=language, item_built=item_built)
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

    @property
    def changed(self) -> bool:
        return self.revision is not None


SCHEDULE_CHANGED = "schedule.changed"


def publish_schedule(
    store: ScheduleLog,
    consultation: Consultation,
    now: dt.datetime,
    *,
    force: bool = False,
) -> PublishResult:
    """Record a new schedule revision of ``consultation`` if anything changed since the last.

    The revision and one ``schedule.changed`` outbox event are written in one store
    transaction. The event's payload is the one every notification carries (consultation,
    organisers, audience, groups; :mod:`consultkit.events`) with one entry per item
    change, holding the item's titles and its time before and after
    (:func:`consultkit.events.change_part`). When nothing changed, nothing is written
    (unless ``force``) and the items keep their published SEQUENCE and LAST-MODIFIED. The
    first publication records every item as added but enqueues no event: there is nobody
    to tell that a schedule "changed" before it existed.
    """
    from consultkit import events as ev
    from consultkit.domain.windows import to_utc

    previous = store.latest_schedule_revision(consultation.id)
    items = schedule_items(consultation)
    new_snapshot, changes, published = diff(
        previous.snapshot if previous is not None else None, items, now
    )
    if not changes and not force and previous is not None:
        return PublishResult(revision=None, changes=(), items=tuple(published))
    number = 1 if previous is None else previous.number + 1
    events = []
    if previous is not None and changes:
        # The id and dedupe key come from what changed, so publishing the same revision
        # twice (a retried command) cannot enqueue two events.
        key = hashlib.sha256(
            json.dumps(
                [consultation.id, number, previous.number, [c.as_dict() for c in changes]],
                sort_keys=True,
            ).encode()
        ).hexdigest()[:32]
        by_uid = {item.uid: item for item in items}
        events.append(
            ev.schedule_changed(
                consultation,
                revision=number,
                previous_revision=previous.number,
                changes=[ev.change_part(c, by_uid.get(c.uid)) for c in changes],
                at=to_utc(now),
                event_id=f"schedule-{consultation.id}-{number}-{key[:8]}",
                dedupe_key=f"{SCHEDULE_CHANGED}:{consultation.id}:{number}:{key}",
            )
        )
    record = {**new_snapshot, "changes": [c.as_dict() for c in changes]}
    revision = store.save_schedule_revision(consultation.id, record, events, at=to_utc(now))
    return PublishResult(revision=revision, changes=tuple(changes), items=tuple(published))
