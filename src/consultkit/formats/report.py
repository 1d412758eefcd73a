"""The compilation report: every count of a consultation's submissions, traceable to ids.

:func:`build_report` turns the submissions, the campaign groups and the plugins'
analyses into one JSON-ready document (``consultkit report --format json``); the
Markdown and HTML renderings (:mod:`consultkit.formats.report_render`) are drawn from that
document only, so the three formats always say the same.

Every figure is numbered (``F1``, ``F2``, … in document order) and carries the sorted ids
of the submissions it counts. The document holds no clock reading: ``as_of`` is the latest
instant in the data, so the same data gives byte-identical output.

The crossed counts run over :data:`DIMENSIONS` (call, stakeholder group, UN region and
the verification level). A new dimension is one more :class:`Dimension` in that tuple:
its key function and its labels.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any, Final

import attrs

from consultkit.domain.fields import ChoiceField, MultipleChoiceField
from consultkit.domain.regions import region_of
from consultkit.domain.submission_rules import call_times
from consultkit.domain.submissions import Submission, SubmissionStatus, Verification
from consultkit.formats.analysis import Analysis
from consultkit.formats.labels import region_label, verification_label
from consultkit.i18n import messages

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from consultkit.domain.campaigns import DuplicateGroup
    from consultkit.domain.model import Consultation
    from consultkit.i18n import Messages

REPORT_VERSION: Final = 1
NOT_STATED: Final = "(not stated)"
"""The key of a dimension's value that a submission does not give (no country, say)."""
ERASED: Final = "(erased)"
"""The group key of a submission whose submitter was erased."""


@attrs.frozen(kw_only=True)
class Dimension:
    """One axis of the crossed counts: its name, how a submission is placed on it, and how
    it and a key are named for people (``heading`` in the words given)."""

    name: str
    heading: Callable[[Messages], str]
    key_of: Callable[[Submission], str]
    label_of: Callable[[Consultation, str, str], str]
    order: Callable[[Consultation], Sequence[str]]
    """The keys in the order to list them (model order); keys not listed follow, sorted."""


def _group_key(submission: Submission) -> str:
    return submission.submitter.group if submission.submitter is not None else ERASED


def _region_key(submission: Submission) -> str:
    country = submission.submitter.country if submission.submitter is not None else None
    return region_of(country) or NOT_STATED


def _call_label(consultation: Consultation, key: str, language: str) -> str:
    titles = {call.id: call.title for call in consultation.calls}
    return titles[key](language, consultation.languages) if key in titles else key


def _group_label(consultation: Consultation, key: str, language: str) -> str:
    names = {group.id: group.name for group in consultation.groups}
    if key == ERASED:
        return messages(language).gettext("(erased)")
    return names[key](language, consultation.languages) if key in names else key


def _region_label(_consultation: Consultation, key: str, language: str) -> str:
    words = messages(language)
    return words.gettext("(not stated)") if key == NOT_STATED else region_label(key, words)


def figures(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every figure of a report document (not the appendix of submissions), in order."""
    found: list[dict[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if "figure" in value:
                found.append(value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk({k: v for k, v in document.items() if k != "submissions"})
    return sorted(found, key=lambda f: int(f["figure"][1:]))


DIMENSIONS: Final[tuple[Dimension, ...]] = (
    Dimension(
        name="call",
        heading=lambda words: words.pgettext("report dimension", "Call"),
        key_of=lambda s: s.call_id,
        label_of=_call_label,
        order=lambda c: [call.id for call in c.calls],
    ),
    Dimension(
        name="group",
        heading=lambda words: words.pgettext("report dimension", "Stakeholder group"),
        key_of=_group_key,
        label_of=_group_label,
        order=lambda c: [group.id for group in c.groups],
    ),
    Dimension(
        name="region",
        heading=lambda words: words.pgettext("report dimension", "UN region"),
        key_of=_region_key,
        label_of=_region_label,
        order=lambda _c: ["002", "019", "142", "150", "009"],
    ),
    Dimension(
        name="verification",
        heading=lambda words: words.pgettext("report dimension", "Verification"),
        key_of=lambda s: str(s.verification),
        label_of=lambda _c, key, lang: verification_label(key, messages(lang)),
        order=lambda _c: [str(level) for level in Verification],
    ),
)
"""The crossed dimensions of :func:`build_report`, in column order."""


def _iso(instant: dt.datetime | None) -> str | None:
    if instant is None:
        return None
    return instant.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


@attrs.define
class _Figures:
    """Numbers figures in document order: ``F1``, ``F2``, …"""

    count: int = 0

    def __call__(self, ids: Iterable[str]) -> dict[str, Any]:
        self.count += 1
        listed = sorted(ids)
        return {"figure": f"F{self.count}", "count": len(listed), "ids": listed}


def _ordered(keys: Iterable[str], first: Sequence[str]) -> list[str]:
    """The model's keys first, zeros included (who did not answer matters), then any other
    key present (a call removed from the file since, say), sorted."""
    listed = list(first)
    return listed + sorted(set(keys) - set(listed))


def build_report(
    consultation: Consultation,
    submissions: Iterable[Submission],
    *,
    campaigns: Sequence[DuplicateGroup] = (),
    analyses: Sequence[tuple[str, Analysis]] = (),
    warnings: Sequence[str] = (),
    language: str | None = None,
    dimensions: Sequence[Dimension] = DIMENSIONS,
) -> dict[str, Any]:
    """The report's document for ``submissions`` of ``consultation``.

    ``campaigns`` come from campaign detection (``Consultkit.duplicates``), ``analyses``
    are ``(plugin, section)`` pairs from ``analyse_submissions``; a section citing an id
    that is not among ``submissions`` is left out and named in ``warnings``. ``language``
    picks the names of calls, groups and terms and the report's own words (default: the
    consultation's first).
    """
    lang = language or consultation.default_language
    words = messages(lang)
    fallbacks = consultation.languages
    chosen = sorted(submissions, key=lambda s: (s.received_at, s.id))
    by_id = {s.id: s for s in chosen}
    figure = _Figures()
    notes = list(warnings)

    calls = []
    for call_id in _ordered((s.call_id for s in chosen), [c.id for c in consultation.calls]):
        members = [s for s in chosen if s.call_id == call_id]
        try:
            call = consultation.call(call_id)
        except LookupError:
            closes = None
        else:
            closes = _iso(call_times(consultation, call).closes)
        total = figure(s.id for s in members)
        outcomes = [
            {"status": status.value, **figure(s.id for s in members if s.status is status)}
            for status in SubmissionStatus
            if any(s.status is status for s in members)
        ]
        calls.append(
            {
                "id": call_id,
                "title": _call_label(consultation, call_id, lang),
                "closes_at": closes,
                **total,
                "outcomes": outcomes,
            }
        )

    margins = []
    for dimension in dimensions:
        keyed: dict[str, list[str]] = defaultdict(list)
        for s in chosen:
            keyed[dimension.key_of(s)].append(s.id)
        margins.append(
            {
                "dimension": dimension.name,
                "heading": dimension.heading(words),
                "values": [
                    {
                        "key": key,
                        "label": dimension.label_of(consultation, key, lang),
                        **figure(keyed[key]),
                    }
                    for key in _ordered(keyed, dimension.order(consultation))
                ],
            }
        )

    cells: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for s in chosen:
        cells[tuple(d.key_of(s) for d in dimensions)].append(s.id)
    orders = [
        {k: i for i, k in enumerate(d.order(consultation))} for d in dimensions
    ]  # model order first, then the rest by key

    def cell_order(key: tuple[str, ...]) -> tuple[tuple[int, str], ...]:
        return tuple((o.get(k, len(o)), k) for o, k in zip(orders, key, strict=True))

    crossed = [
        {
            **{d.name: k for d, k in zip(dimensions, key, strict=True)},
            **figure(cells[key]),
        }
        for key in sorted(cells, key=cell_order)
    ]

    campaign_list = []
    for index, campaign in enumerate(campaigns, start=1):
        known = [i for i in campaign.ids if i in by_id]
        if len(known) < 2:
            continue
        leader = by_id[known[0]]
        campaign_list.append(
            {
                "campaign": index,
                "exact": campaign.exact,
                "title": leader.title,
                "text": leader.body,
                **figure(known),
            }
        )

    themes = []
    for vocabulary in consultation.vocabularies:
        fields = _vocabulary_fields(consultation, vocabulary.id)
        terms = []
        for term in vocabulary.terms:
            ids = [s.id for s in chosen if _has_term(s, term.id, fields)]
            terms.append({"id": term.id, "label": term.label(lang, fallbacks), **figure(ids)})
        themes.append(
            {
                "vocabulary": vocabulary.id,
                "label": vocabulary.label(lang, fallbacks),
                "terms": terms,
            }
        )

    sections = []
    for plugin, analysis in analyses:
        unknown = sorted({i for i in analysis.cites if i not in by_id})
        if unknown:
            notes.append(
                words.gettext(
                    "the analysis %(title)s of plugin %(plugin)s was left out: it cites"
                    " submissions that do not exist (%(ids)s)",
                    title=repr(analysis.title),
                    plugin=repr(plugin),
                    ids=", ".join(unknown[:5]),
                )
            )
            continue
        sections.append(
            {
                "plugin": plugin,
                "title": analysis.title,
                "machine_made": True,
                "method": analysis.method,
                "paragraphs": list(analysis.paragraphs),
                "cites": sorted(set(analysis.cites)),
            }
        )

    latest = max((s.updated_at for s in chosen), default=None)
    return {
        "report": "consultkit compilation report",
        "version": REPORT_VERSION,
        "consultation": {
            "id": consultation.id,
            "title": consultation.title(lang, fallbacks),
        },
        "language": lang,
        "as_of": _iso(latest),
        "total": len(chosen),
        "dimensions": [d.name for d in dimensions],
        "calls": calls,
        "margins": margins,
        "cells": crossed,
        "campaigns": campaign_list,
        "themes": themes,
        "analyses": sections,
        "warnings": notes,
        "submissions": [
            {
                "id": s.id,
                "received_at": _iso(s.received_at),
                "status": s.status.value,
                **{d.name: d.key_of(s) for d in dimensions},
                "title": s.title,
            }
            for s in chosen
        ],
    }


def _vocabulary_fields(consultation: Consultation, vocabulary_id: str) -> Mapping[str, bool]:
    """Keys of the choice fields whose options come from the vocabulary (True: multiple)."""
    return {
        f.key: isinstance(f, MultipleChoiceField)
        for call in consultation.calls
        for f in call.fields
        if isinstance(f, ChoiceField | MultipleChoiceField) and f.vocabulary == vocabulary_id
    }


def _has_term(submission: Submission, term: str, fields: Mapping[str, bool]) -> bool:
    if term in submission.tags:
        return True
    for key, multiple in fields.items():
        value = submission.fields.get(key)
        if (multiple and isinstance(value, list) and term in value) or value == term:
            return True
    return False


__all__ = [
    "DIMENSIONS",
    "ERASED",
    "NOT_STATED",
    "REPORT_VERSION",
    "Analysis",
    "Dimension",
    "build_report",
    "figures",
]
