"""The compilation report as JSON, Markdown and HTML, each drawn from one document.

:func:`render_report` takes what :func:`consultkit.formats.report.build_report` gives. Every
count links to its entry in the appendix of figures (``#f3``), which lists the
submissions counted, each linking to its row in the appendix of submissions
(``#s-ID``). Nothing here reads a clock, so the same document gives the same bytes.

Submitters' words (titles, campaign texts) are escaped: HTML through Jinja2's
autoescaping, Markdown by backslash-escaping the characters that would format or link.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Final

import jinja2

from consultkit.formats.labels import submission_status_label
from consultkit.formats.report import ERASED, NOT_STATED, figures
from consultkit.formats.templating import install_gettext
from consultkit.i18n import messages

if TYPE_CHECKING:
    from collections.abc import Callable

    from consultkit.i18n import Messages

REPORT_FORMATS: Final = ("html", "md", "json")

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def machine_made(words: Messages) -> str:
    """The warning over every plugin's analysis, in the reader's words."""
    return words.gettext(
        "Machine-made: written by a program, not by the organisers; check it against the"
        " submissions it cites."
    )


def _md(text: object) -> str:
    """``text`` as inert Markdown on one line: special characters escaped, lines joined."""
    value = "" if text is None else str(text)
    return _MD_SPECIAL.sub(r"\\\1", " ".join(value.split()))


def _label(entry: dict[str, Any]) -> str:
    key, label = entry["key"], entry["label"]
    return label if label == key or key in (NOT_STATED, ERASED) else f"{label} ({key})"


def _headings(document: dict[str, Any]) -> dict[str, str]:
    """Each crossed dimension's heading in the report's words (its margin carries it)."""
    return {m["dimension"]: m["heading"] for m in document["margins"]}


def _key_text(document: dict[str, Any]) -> Callable[[str, str], str]:
    """A dimension's key as a cell shows it: the key, or the words for 'not stated' and
    'erased', which are placeholders, not identifiers."""
    words: dict[tuple[str, str], str] = {
        (m["dimension"], v["key"]): str(v["label"])
        for m in document["margins"]
        for v in m["values"]
        if v["key"] in (NOT_STATED, ERASED)
    }

    def text(dimension: str, key: str) -> str:
        return words.get((dimension, key), key)

    return text


def _words(document: dict[str, Any]) -> Messages:
    return messages(str(document["language"]))


def render_json(document: dict[str, Any]) -> bytes:
    """The document as JSON: keys in a fixed order, two-space indents, a final newline."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def render_markdown(document: dict[str, Any]) -> bytes:
    """The report as Markdown (GitHub flavour tables; anchors are explicit HTML ids)."""
    words = _words(document)
    gettext, heading = words.gettext, words.pgettext
    out: list[str] = []
    add = out.append
    consultation = document["consultation"]
    headings = _headings(document)
    key_text = _key_text(document)
    add("# " + gettext("Compilation report: %(title)s", title=_md(consultation["title"])))
    add("")
    add("- " + gettext("Consultation: %(id)s", id=f"`{consultation['id']}`"))
    as_of = document["as_of"] or gettext("no submissions")
    add("- " + gettext("Data as of: %(when)s", when=as_of))
    add("- " + gettext("Submissions: %(count)s", count=document["total"]))
    add("- " + gettext("Language of names: %(language)s", language=document["language"]))
    add("")
    add(gettext("Every count links to the list of the submissions it counts (appendix A)."))
    add("")

    def ref(item: dict[str, Any]) -> str:
        return f"[{item['count']}](#{item['figure'].lower()})"

    def row(*cells: str) -> str:
        return "| " + " | ".join(cells) + " |"

    submissions = heading("table heading", "Submissions")
    add("## " + gettext("Calls and review outcomes"))
    add("")
    add(
        row(
            heading("table heading", "Call"),
            heading("table heading", "Closes (UTC)"),
            submissions,
            heading("table heading", "Outcomes"),
        )
    )
    add("|---|---|---:|---|")
    for call in document["calls"]:
        outcomes = ", ".join(
            f"{submission_status_label(o['status'], words)}: {ref(o)}" for o in call["outcomes"]
        )
        closes = call["closes_at"] or gettext("not known")
        add(row(f"{_md(call['title'])} (`{call['id']}`)", closes, ref(call), outcomes))
    add("")
    add("## " + gettext("Counts"))
    add("")
    for margin in document["margins"]:
        add(f"### {margin['heading']}")
        add("")
        add(row(margin["heading"], submissions))
        add("|---|---:|")
        for value in margin["values"]:
            add(row(_md(_label(value)), ref(value)))
        add("")
    names = document["dimensions"]
    shown = [headings.get(n, n) for n in names]
    add("## " + gettext("Crossed: %(dimensions)s", dimensions=" × ".join(shown)))
    add("")
    add(row(*shown, submissions))
    add("|" + "---|" * len(names) + "---:|")
    for cell in document["cells"]:
        add(row(*(f"`{_md(key_text(n, cell[n]))}`" for n in names), ref(cell)))
    add("")
    add("## " + gettext("Campaigns"))
    add("")
    if not document["campaigns"]:
        add(gettext("No two submissions share a campaign text."))
        add("")
    for campaign in document["campaigns"]:
        title = (
            words.ngettext(
                "Campaign %(campaign)s: %(count)s submission (identical copies)",
                "Campaign %(campaign)s: %(count)s submissions (identical copies)",
                campaign["count"],
                campaign=campaign["campaign"],
                count=ref(campaign),
            )
            if campaign["exact"]
            else words.ngettext(
                "Campaign %(campaign)s: %(count)s submission (identical or nearly identical)",
                "Campaign %(campaign)s: %(count)s submissions (identical or nearly identical)",
                campaign["count"],
                campaign=campaign["campaign"],
                count=ref(campaign),
            )
        )
        add(f"### {title}")
        add("")
        add(gettext("Title of the first: %(title)s", title=_md(campaign["title"])))
        add("")
        for line in (campaign["text"] or gettext("(text erased)")).splitlines() or [""]:
            add(f"> {_md(line)}")
        add("")
    add("## " + gettext("Themes"))
    add("")
    if not document["themes"]:
        add(gettext("The consultation declares no vocabularies."))
        add("")
    for vocabulary in document["themes"]:
        add(f"### {_md(vocabulary['label'])} (`{vocabulary['vocabulary']}`)")
        add("")
        add(row(heading("table heading", "Term"), submissions))
        add("|---|---:|")
        for term in vocabulary["terms"]:
            add(row(f"{_md(term['label'])} (`{term['id']}`)", ref(term)))
        add("")
    if document["analyses"]:
        add("## " + gettext("Machine-made analyses"))
        add("")
    for section in document["analyses"]:
        add(f"### {_md(section['title'])}")
        add("")
        plugin = gettext("Plugin: %(plugin)s.", plugin=f"`{section['plugin']}`")
        method = (
            " " + gettext("Method: %(method)s.", method=_md(section["method"]))
            if section["method"]
            else ""
        )
        add(f"**{machine_made(words)}** {plugin}{method}")
        add("")
        for paragraph in section["paragraphs"]:
            add(_md(paragraph))
            add("")
        cites = ", ".join(f"[{i}](#s-{i})" for i in section["cites"])
        add(gettext("Cites: %(ids)s", ids=cites or gettext("no submission")))
        add("")
    if document["warnings"]:
        add("## " + gettext("Warnings"))
        add("")
        for warning in document["warnings"]:
            add(f"- {_md(warning)}")
        add("")
    add("## " + gettext("Appendix A: figures"))
    add("")
    for item in figures(document):
        ids = ", ".join(f"[{i}](#s-{i})" for i in item["ids"]) or heading("figure", "none")
        add(f'<a id="{item["figure"].lower()}"></a>**{item["figure"]}** ({item["count"]}): {ids}')
        add("")
    add("## " + gettext("Appendix B: submissions"))
    add("")
    add(
        row(
            heading("table heading", "Id"),
            heading("table heading", "Received (UTC)"),
            heading("table heading", "Status"),
            *shown,
            heading("table heading", "Title"),
        )
    )
    add("|---|---|---|" + "---|" * len(names) + "---|")
    for entry in document["submissions"]:
        add(
            row(
                f'<a id="s-{entry["id"]}"></a>`{entry["id"]}`',
                entry["received_at"],
                submission_status_label(entry["status"], words),
                *(f"`{_md(key_text(n, entry[n]))}`" for n in names),
                _md(entry["title"]),
            )
        )
    add("")
    return "\n".join(out).encode("utf-8")


_TEMPLATE: Final = jinja2.Environment(
    loader=jinja2.PackageLoader("consultkit.formats", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)
install_gettext(_TEMPLATE)


def render_html(document: dict[str, Any]) -> bytes:
    """The report as one standalone HTML page (no scripts, no external assets)."""
    template = _TEMPLATE.get_template("report.html.j2")
    words = _words(document)
    page = template.render(
        d=document,
        language=document["language"],
        figures=figures(document),
        label=_label,
        shown=[_headings(document).get(n, n) for n in document["dimensions"]],
        key_text=_key_text(document),
        status_text=lambda status: submission_status_label(status, words),
        machine_made=machine_made(words),
    )
    return page.encode("utf-8")


def render_report(document: dict[str, Any], fmt: str) -> bytes:
    """The document in ``fmt`` (one of :data:`REPORT_FORMATS`)."""
    if fmt == "json":
        return render_json(document)
    if fmt == "md":
        return render_markdown(document)
    if fmt == "html":
        return render_html(document)
    raise ValueError(f"unknown report format {fmt!r}: use one of {', '.join(REPORT_FORMATS)}")


__all__ = [
    "REPORT_FORMATS",
    "machine_made",
    "render_html",
    "render_json",
    "render_markdown",
    "render_report",
]
