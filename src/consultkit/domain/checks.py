"""Consistency checks: things in a valid consultation that are probably mistakes or gaps.

The loader refuses what cannot be right (an unknown group, a duplicate id); these checks
warn about what may be right but deserves a look: overlapping or out-of-order phases,
deadlines outside the consultation (the span of its phases and related events), calls that
never open, facts not known yet, missing translations, and references to groups or phases
that do not exist (which the loader refuses, but a model built or changed in code may hold).
Each warning has a stable ``code`` and the field path of the loader (``calls[1].deadline``),
so a command can point at the line in the file.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import attrs

from consultkit.domain.queries import call_deadline, call_opens
from consultkit.domain.rendering import render_instant
from consultkit.domain.windows import Deadline, Precision
from consultkit.i18n import messages
from consultkit.value_methods import shared_value_methods

if TYPE_CHECKING:
    from collections.abc import Iterator

    from consultkit.domain.model import Call, Consultation
    from consultkit.domain.text import Text
    from consultkit.i18n import Messages

__all__ = ["CheckWarning", "check_consultation"]


@attrs.frozen(kw_only=True)
@shared_value_methods
class CheckWarning:
    """One thing worth a look; ``code`` names the check (``phase-overlap``, …)."""

    code: str
    path: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}" if self.path else self.message
        return f"{text} ({self.hint})" if self.hint else text


def check_consultation(
    consultation: Consultation, language: str | None = None
) -> tuple[CheckWarning, ...]:
    """Every warning for ``consultation``, in a stable order, worded in ``language``.

    The messages and hints come from the catalogue (:mod:`consultkit.i18n`); English when
    ``language`` is not given or has no catalogue. Codes and paths are the same in all.
    """
    words = messages(language)
    return (
        *_references(consultation, words),
        *_phases(consultation, words),
        *_calls(consultation, words),
        *_translations(consultation, words),
    )


def _references(c: Consultation, words: Messages) -> Iterator[CheckWarning]:
    """Groups and phases named by phases and calls must exist (a loaded file always passes)."""
    group_ids = {g.id for g in c.groups}
    phase_ids = {p.id for p in c.phases}
    named: list[tuple[str, tuple[str, ...]]] = [
        (f"phases[{i}].groups", p.groups) for i, p in enumerate(c.phases)
    ]
    named += [(f"calls[{i}].groups", k.groups) for i, k in enumerate(c.calls)]
    for path, groups in named:
        for index, group in enumerate(groups):
            if group not in group_ids:
                yield CheckWarning(
                    code="unknown-group",
                    path=f"{path}[{index}]",
                    message=words.gettext("unknown stakeholder group %(group)r", group=group),
                    hint=words.gettext(
                        "use one of the consultation's groups (%(groups)s)",
                        groups=", ".join(sorted(group_ids)),
                    )
                    if group_ids
                    else words.gettext("add the group to the consultation's groups"),
                )
    for index, call in enumerate(c.calls):
        for field, phase in (("opens_with", call.opens_with), ("closes_with", call.closes_with)):
            if phase is not None and phase not in phase_ids:
                yield CheckWarning(
                    code="unknown-phase",
                    path=f"calls[{index}].{field}",
                    message=words.gettext(
                        "call %(call)s names unknown phase %(phase)r", call=call.id, phase=phase
                    ),
                    hint=words.gettext("name one of the consultation's phases"),
                )


def _dangling(c: Consultation, call: Call) -> bool:
    phase_ids = {p.id for p in c.phases}
    return any(p is not None and p not in phase_ids for p in (call.opens_with, call.closes_with))


def _phases(c: Consultation, words: Messages) -> Iterator[CheckWarning]:
    indexed = list(enumerate(c.phases))
    by_ordinal = sorted(indexed, key=lambda pair: pair[1].ordinal)
    for (_, before), (index, after) in itertools.pairwise(by_ordinal):
        first, second = before.window.earliest(), after.window.earliest()
        if first is not None and second is not None and second < first:
            yield CheckWarning(
                code="phase-order",
                path=f"phases[{index}].window",
                message=words.gettext(
                    "phase %(number)s (%(id)s) starts before phase %(other_number)s (%(other)s)",
                    number=after.ordinal,
                    id=after.id,
                    other_number=before.ordinal,
                    other=before.id,
                ),
                hint=words.gettext("check the dates or the ordinals"),
            )
    firm = [
        (i, p)
        for i, p in indexed
        if p.window.precision in (Precision.MINUTE, Precision.DAY)
        and not isinstance(p.window, Deadline)
    ]
    for a_pos, (a_index, a) in enumerate(firm):
        for b_index, b in firm[a_pos + 1 :]:
            a_start, a_end = a.window.earliest(), a.window.latest()
            b_start, b_end = b.window.earliest(), b.window.latest()
            assert a_start and a_end and b_start and b_end  # firm windows have bounds
            if a_start < b_end and b_start < a_end:
                yield CheckWarning(
                    code="phase-overlap",
                    path=f"phases[{b_index}].window",
                    message=words.gettext(
                        "phase %(id)s overlaps phase %(other)s (%(path)s)",
                        id=b.id,
                        other=a.id,
                        path=f"phases[{a_index}]",
                    ),
                    hint=words.gettext("phases normally follow each other; check both windows"),
                )
    for index, phase in indexed:
        if phase.window.precision is Precision.UNKNOWN:
            yield CheckWarning(
                code="missing-date",
                path=f"phases[{index}].window",
                message=words.gettext("phase %(id)s has no date yet", id=phase.id),
                hint=words.gettext("set the window when the date is announced"),
            )


def _calls(c: Consultation, words: Messages) -> Iterator[CheckWarning]:
    # The consultation spans its phases and the events it relates to (a call may close
    # during the Forum the consultation prepares).
    windows = [p.window for p in c.phases] + [e.window for e in c.events]
    starts = [s for w in windows if (s := w.earliest()) is not None]
    ends = [e for w in windows if (e := w.latest()) is not None]
    for index, call in enumerate(c.calls):
        where = f"calls[{index}]"
        if _dangling(c, call):
            continue  # reported as unknown-phase; its times cannot be resolved
        opens = call_opens(c, call)
        deadline = call_deadline(c, call)
        if opens is None:
            if call.opens_with is not None:
                yield CheckWarning(
                    code="fuzzy-opening",
                    path=f"{where}.opens_with",
                    message=words.gettext(
                        "call %(call)s opens with phase %(phase)s, whose day is not known",
                        call=call.id,
                        phase=call.opens_with,
                    ),
                    hint=words.gettext("give the call its own opens_at when the day is known"),
                )
            else:
                yield CheckWarning(
                    code="missing-opening",
                    path=where,
                    message=words.gettext("call %(call)s has no known opening", call=call.id),
                    hint=words.gettext("add opens_at or opens_with when it is known"),
                )
        if deadline is None:
            yield CheckWarning(
                code="missing-deadline",
                path=where,
                message=words.gettext("call %(call)s has no deadline", call=call.id),
                hint=words.gettext("add a deadline or closes_with when it is known"),
            )
            continue
        cutoff = deadline.cutoff()
        path = f"{where}.deadline" if call.deadline is not None else f"{where}.closes_with"
        if opens is not None and opens >= cutoff:
            yield CheckWarning(
                code="never-open",
                path=path,
                message=words.gettext(
                    "call %(call)s closes (%(closes)s) before it opens (%(opens)s)",
                    call=call.id,
                    closes=render_instant(cutoff, c.zone, words.language),
                    opens=render_instant(opens, c.zone, words.language),
                ),
                hint=words.gettext("check the opening and the deadline"),
            )
        if starts and ends and not min(starts) <= cutoff <= max(ends):
            yield CheckWarning(
                code="deadline-outside",
                path=path,
                message=words.gettext(
                    "the deadline of call %(call)s (%(deadline)s) is outside the"
                    " consultation's phases and events (%(first)s to %(last)s)",
                    call=call.id,
                    deadline=render_instant(cutoff, c.zone, words.language),
                    first=render_instant(min(starts), c.zone, words.language),
                    last=render_instant(max(ends), c.zone, words.language),
                ),
                hint=words.gettext("check the year and the month"),
            )


def _translations(c: Consultation, words: Messages) -> Iterator[CheckWarning]:
    texts: list[tuple[str, Text]] = [("title", c.title)]
    texts += [(f"groups[{i}].name", g.name) for i, g in enumerate(c.groups)]
    texts += [(f"phases[{i}].title", p.title) for i, p in enumerate(c.phases)]
    texts += [(f"calls[{i}].title", k.title) for i, k in enumerate(c.calls)]
    texts += [(f"events[{i}].title", e.title) for i, e in enumerate(c.events)]
    for path, text in texts:
        missing = [lang for lang in c.languages if not text.values.get(lang)]
        if missing and text:
            yield CheckWarning(
                code="missing-translation",
                path=path,
                message=words.gettext(
                    "no text in %(languages)s; readers get a fallback",
                    languages=", ".join(missing),
                ),
                hint=words.gettext("add the translation"),
            )
        elif not text:
            yield CheckWarning(
                code="missing-text",
                path=path,
                message=words.gettext("the text is empty"),
                hint=words.gettext(
                    "write it in %(languages)s", languages=", ".join(c.languages) or "en"
                ),
            )
