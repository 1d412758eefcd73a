"""Submission statistics: counts by call, stakeholder group, language and status, and campaigns.

The store counts (one ``GROUP BY`` over call, group, language and status, and one over
the body fingerprint), so no submission is read and memory does not grow with their
number (issue 14); campaign duplicates are texts that normalise to the same fingerprint,
counted and never removed (reliability notes S7).
Calls and groups are listed in the model's order with their names, zeros included, so a
report shows who did *not* answer too.

:func:`chart_svg` and :func:`chart_png` draw the group-by-call counts as a stacked bar
chart with pygal (SVG); PNG needs the optional ``cairosvg`` (``consultkit[charts]``). The
count axis is in whole numbers, and the SVG carries its title and the counts in words
(:func:`chart_summary`) as ``<title>`` and ``<desc>`` for screen readers.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from typing import TYPE_CHECKING, Any, Final

import attrs

from consultkit.domain.submissions import SubmissionStatus, Verification
from consultkit.errors import ConsultkitError
from consultkit.files import write_atomically
from consultkit.formats.labels import submission_status_label, verification_label
from consultkit.i18n import deferred, messages

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from consultkit.domain.model import Consultation

ERASED_GROUP: Final = "(erased)"
"""The group key of submissions whose submitter was erased (the group went with them)."""


class ChartError(ConsultkitError):
    """A chart cannot be written (unknown file type, PNG support not installed)."""


@attrs.frozen(kw_only=True)
class Count:
    """How many submissions have one value of a dimension; ``label`` is for people."""

    key: str
    label: str
    count: int


@attrs.frozen(kw_only=True)
class Campaign:
    """Submissions sharing one text fingerprint: a campaign (or a form letter)."""

    fingerprint: str
    count: int
    title: str | None
    """The title of the first such submission, to recognise the campaign."""


@attrs.frozen(kw_only=True)
class Stats:
    """All the counts of one consultation's submissions."""

    consultation_id: str
    total: int
    by_call: tuple[Count, ...]
    by_group: tuple[Count, ...]
    by_language: tuple[Count, ...]
    by_status: tuple[Count, ...]
    by_verification: tuple[Count, ...]
    """How far senders were verified: unconfirmed submissions are counted here, apart."""
    held: int
    """Submissions plugins hold for review (``screen_submission``), not yet decided."""
    by_group_and_call: tuple[tuple[str, str, int], ...]
    """(group key, call key, count) for every pair with submissions."""
    campaigns: tuple[Campaign, ...]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready document (``consultkit stats --format json``)."""

        def counts(values: tuple[Count, ...]) -> list[dict[str, Any]]:
            return [{"key": c.key, "label": c.label, "count": c.count} for c in values]

        return {
            "consultation": self.consultation_id,
            "total": self.total,
            "by_call": counts(self.by_call),
            "by_group": counts(self.by_group),
            "by_language": counts(self.by_language),
            "by_status": counts(self.by_status),
            "by_verification": counts(self.by_verification),
            "held": self.held,
            "by_group_and_call": [
                {"group": g, "call": c, "count": n} for g, c, n in self.by_group_and_call
            ],
            "campaigns": [
                {"fingerprint": c.fingerprint, "count": c.count, "title": c.title}
                for c in self.campaigns
            ],
        }


def _language_name(tag: str, display: str) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(tag.replace("-", "_")).get_display_name(
            Locale.parse(display.replace("-", "_"))
        )
    except (UnknownLocaleError, ValueError, TypeError):
        return tag
    return str(name) if name else tag


def compute_stats(
    consultation: Consultation,
    counts: Iterable[tuple[str, str | None, str, str, str, bool, int]],
    campaigns: Iterable[tuple[str, int, str | None]] = (),
    *,
    language: str | None = None,
) -> Stats:
    """Fold a store's counts of ``consultation`` into every dimension, with names.

    ``counts`` holds ``(call id, group or None when erased, language, status, verification
    level, held or not, count)`` as
    :meth:`~consultkit.storage.protocols.SubmissionStore.count_submissions` gives them, and
    ``campaigns`` ``(fingerprint, count, first title)`` as ``campaign_counts`` does: the
    store counts, so statistics read no submission. ``language`` picks the names of
    calls, groups and languages (default: the consultation's first language).
    """
    lang = language or consultation.default_language
    fallbacks = consultation.languages
    calls: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    verifications: Counter[str] = Counter()
    held = 0
    pairs: Counter[tuple[str, str]] = Counter()
    total = 0
    for call, group_or_none, spoken, status, verification, is_held, n in counts:
        group = ERASED_GROUP if group_or_none is None else group_or_none
        total += n
        calls[call] += n
        groups[group] += n
        languages[spoken] += n
        statuses[status] += n
        verifications[verification] += n
        held += n if is_held else 0
        pairs[group, call] += n

    call_names = {c.id: c.title(lang, fallbacks) for c in consultation.calls}
    group_names = {g.id: g.name(lang, fallbacks) for g in consultation.groups}
    words = messages(lang)
    group_names.setdefault(ERASED_GROUP, words.gettext("(erased)"))

    def in_model_order(counter: Counter[str], names: dict[str, str]) -> tuple[Count, ...]:
        # Zeros for the model's entries (who did not answer matters), then any key the
        # model no longer has (a call renamed after submissions came in), by count.
        listed = [Count(key=k, label=names[k], count=counter.get(k, 0)) for k in names]
        extra = sorted((k for k in counter if k not in names), key=lambda k: (-counter[k], k))
        listed += [Count(key=k, label=k, count=counter[k]) for k in extra]
        return tuple(c for c in listed if c.count or c.key != ERASED_GROUP)

    by_status = tuple(
        Count(key=s.value, label=submission_status_label(s.value, words), count=statuses[s.value])
        for s in SubmissionStatus
        if statuses.get(s.value)
    )
    by_verification = tuple(
        Count(key=v.value, label=verification_label(v.value, words), count=verifications[v.value])
        for v in Verification
        if verifications.get(v.value)
    )
    by_language = tuple(
        Count(key=k, label=_language_name(k, lang), count=n)
        for k, n in sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    shared = tuple(
        Campaign(fingerprint=fp, count=n, title=title)
        for fp, n, title in sorted(campaigns, key=lambda c: (-c[1], c[0]))
    )
    return Stats(
        consultation_id=consultation.id,
        total=total,
        by_call=in_model_order(calls, call_names),
        by_group=in_model_order(groups, group_names),
        by_language=by_language,
        by_status=by_status,
        by_verification=by_verification,
        held=held,
        by_group_and_call=tuple(sorted((g, c, n) for (g, c), n in pairs.items())),
        campaigns=shared,
    )


def _import_pygal() -> Any:
    import pygal

    # On import, pygal appends a sys.meta_path finder for its map plugins (pygal.maps.*)
    # that has only the legacy find_module API, so every later import in the process
    # emits an ImportWarning. consultkit draws no maps: take the finder out again.
    fixer = getattr(pygal, "PluginImportFixer", None)
    if fixer is not None:
        sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, fixer)]
    return pygal


def chart_summary(stats: Stats, *, language: str = "en") -> str:
    """The chart in words: the total, then each group's count split by call."""
    pairs = {(g, c): n for g, c, n in stats.by_group_and_call}
    parts = []
    for group in stats.by_group:
        if not group.count:
            continue
        calls = ", ".join(
            f"{call.label} {pairs[group.key, call.key]}"
            for call in stats.by_call
            if pairs.get((group.key, call.key))
        )
        parts.append(f"{group.label}: {group.count} ({calls})")
    summary = messages(language).ngettext(
        "%(num)s submission by stakeholder group and call.",
        "%(num)s submissions by stakeholder group and call.",
        stats.total,
    )
    return f"{summary} {'; '.join(parts)}." if parts else summary


def _whole_number_ticks(most: int) -> list[int]:
    # pygal picks "nice" decimal steps (0, 0.2, 0.4 …) for small counts; a count of
    # submissions is whole, so the ticks are too: about ten of them, from 0 past the top.
    step = max(1, math.ceil(most / 10))
    return list(range(0, max(most, 1) + step, step))


def _chart(stats: Stats, title: str, language: str) -> Any:
    pygal = _import_pygal()

    groups = [c for c in stats.by_group if c.count or c.key != ERASED_GROUP]
    pairs = {(g, c): n for g, c, n in stats.by_group_and_call}
    most = max(
        (sum(pairs.get((g.key, c.key), 0) for c in stats.by_call) for g in groups), default=0
    )
    config = pygal.Config()
    # No <script> from a CDN: the chart must work offline and in reports.
    config.js = []
    config.title = title
    config.legend_at_bottom = True
    config.print_values = False
    config.width = 900
    config.height = max(300, 120 + 48 * len(groups))
    config.y_labels = _whole_number_ticks(most)
    config.value_formatter = lambda value: f"{value:.0f}"
    chart = pygal.HorizontalStackedBar(config)
    # pygal names the chart with a random uuid; a fixed one makes the file reproducible.
    chart.uuid = "consultkit-stats"
    chart.add_xml_filter(_without_scripts)
    chart.add_xml_filter(_described(title, chart_summary(stats, language=language)))
    chart.x_labels = [g.label for g in groups]
    for call in stats.by_call:
        chart.add(call.label, [pairs.get((g.key, call.key), 0) for g in groups])
    return chart


def _described(title: str, summary: str) -> Callable[[Any], Any]:
    """An xml filter giving the chart an accessible name and description."""

    def describe(root: Any) -> Any:
        namespace = root.tag.split("}", 1)[0] + "}" if root.tag.startswith("{") else ""
        name = root.makeelement(f"{namespace}title", {"id": "chart-title"})
        name.text = title
        desc = root.makeelement(f"{namespace}desc", {"id": "chart-desc"})
        desc.text = summary
        root.insert(0, desc)
        root.insert(0, name)
        root.set("role", "img")
        root.set("aria-labelledby", "chart-title chart-desc")
        return root

    return describe


def _without_scripts(root: Any) -> Any:
    # pygal always embeds a <script> with its tooltip configuration; a chart for reports
    # needs none, and a file without scripts is safe to open or embed anywhere.
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return root


def chart_svg(stats: Stats, *, title: str, language: str = "en") -> bytes:
    """The group-by-call stacked bar chart as an SVG document (its summary in ``language``)."""
    svg = _chart(stats, title, language).render()
    return svg if isinstance(svg, bytes) else str(svg).encode("utf-8")


def chart_png(stats: Stats, *, title: str, language: str = "en") -> bytes:
    """The same chart as PNG; needs ``cairosvg`` (``pip install 'consultkit[charts]'``)."""
    try:
        import cairosvg
    except ImportError:
        raise ChartError(
            deferred.gettext(
                "PNG charts need cairosvg: pip install 'consultkit[charts]' (or write an .svg"
                " chart)"
            )
        ) from None
    except OSError as exc:
        # cairosvg imports, then fails to find the system's cairo library.
        raise ChartError(
            deferred.gettext(
                "PNG charts need the cairo library (%(reason)s): install it (e.g. apt-get"
                " install libcairo2) or write an .svg chart",
                reason=str(exc),
            )
        ) from None
    png = cairosvg.svg2png(bytestring=chart_svg(stats, title=title, language=language))
    assert isinstance(png, bytes)
    return png


def write_chart(stats: Stats, path: str, *, title: str, language: str = "en") -> None:
    """Write the chart to ``path``; its suffix (``.svg`` or ``.png``) picks the format.

    The file is replaced atomically and never written through a planted link
    (:func:`consultkit.files.write_atomically`); raises
    :class:`~consultkit.files.FileWriteError` when it cannot be written.
    """
    from pathlib import Path

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".svg":
        data = chart_svg(stats, title=title, language=language)
    elif suffix == ".png":
        data = chart_png(stats, title=title, language=language)
    else:
        raise ChartError(
            deferred.gettext("chart file %(path)r must end in .svg or .png", path=str(path))
        )
    write_atomically(target, data)
