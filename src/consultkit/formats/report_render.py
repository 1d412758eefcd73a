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
from typing import Any, Final

import jinja2

from consultkit.formats.report import NOT_STATED, figures

REPORT_FORMATS: Final = ("html", "md", "json")
MACHINE_MADE: Final = (
    "Machine-made: written by a program, not by the organisers; check it against the"
    " submissions it cites."
)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def _md(text: object) -> str:
    """``text`` as inert Markdown on one line: special characters escaped, lines joined."""
    value = "" if text is None else str(text)
    return _MD_SPECIAL.sub(r"\\\1", " ".join(value.split()))


def _label(entry: dict[str, Any]) -> str:
    key, label = entry["key"], entry["label"]
    return label if label == key or key == NOT_STATED else f"{label} ({key})"


def render_json(document: dict[str, Any]) -> bytes:
    """The document as JSON: keys in a fixed order, two-space indents, a final newline."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def render_markdown(document: dict[str, Any]) -> bytes:
    """The report as Markdown (GitHub flavour tables; anchors are explicit HTML ids)."""
    out: list[str] = []
    add = out.append
    consultation = document["consultation"]
    add(f"# Compilation report: {_md(consultation['title'])}")
    add("")
    add(f"- Consultation: `{consultation['id']}`")
    add(f"- Data as of: {document['as_of'] or 'no submissions'}")
    add(f"- Submissions: {document['total']}")
    add(f"- Language of names: {document['language']}")
    add("")
    add("Every count links to the list of the submissions it counts (appendix A).")
    add("")

    def ref(item: dict[str, Any]) -> str:
        return f"[{item['count']}](#{item['figure'].lower()})"

    add("## Calls and review outcomes")
    add("")
    add("| Call | Closes (UTC) | Submissions | Outcomes |")
    add("|---|---|---:|---|")
    for call in document["calls"]:
        outcomes = ", ".join(f"{o['status']}: {ref(o)}" for o in call["outcomes"])
        add(
            f"| {_md(call['title'])} (`{call['id']}`) | {call['closes_at'] or 'not known'}"
            f" | {ref(call)} | {outcomes} |"
        )
    add("")
    add("## Counts")
    add("")
    for margin in document["margins"]:
        add(f"### {margin['heading']}")
        add("")
        add(f"| {margin['heading']} | Submissions |")
        add("|---|---:|")
        for value in margin["values"]:
            add(f"| {_md(_label(value))} | {ref(value)} |")
        add("")
    names = document["dimensions"]
    add(f"## Crossed: {' × '.join(names)}")
    add("")
    add("| " + " | ".join(names) + " | Submissions |")
    add("|" + "---|" * len(names) + "---:|")
    for cell in document["cells"]:
        add("| " + " | ".join(f"`{_md(cell[n])}`" for n in names) + f" | {ref(cell)} |")
    add("")
    add("## Campaigns")
    add("")
    if not document["campaigns"]:
        add("No two submissions share a campaign text.")
        add("")
    for campaign in document["campaigns"]:
        kind = "identical copies" if campaign["exact"] else "identical or nearly identical"
        add(f"### Campaign {campaign['campaign']}: {ref(campaign)} submissions ({kind})")
        add("")
        add(f"Title of the first: {_md(campaign['title'])}")
        add("")
        for line in (campaign["text"] or "(text erased)").splitlines() or [""]:
            add(f"> {_md(line)}")
        add("")
    add("## Themes")
    add("")
    if not document["themes"]:
        add("The consultation declares no vocabularies.")
        add("")
    for vocabulary in document["themes"]:
        add(f"### {_md(vocabulary['label'])} (`{vocabulary['vocabulary']}`)")
        add("")
        add("| Term | Submissions |")
        add("|---|---:|")
        for term in vocabulary["terms"]:
            add(f"| {_md(term['label'])} (`{term['id']}`) | {ref(term)} |")
        add("")
    if document["analyses"]:
        add("## Machine-made analyses")
        add("")
    for section in document["analyses"]:
        add(f"### {_md(section['title'])}")
        add("")
        method = f" Method: {_md(section['method'])}." if section["method"] else ""
        add(f"**{MACHINE_MADE}** Plugin: `{section['plugin']}`.{method}")
        add("")
        for paragraph in section["paragraphs"]:
            add(_md(paragraph))
            add("")
        cites = ", ".join(f"[{i}](#s-{i})" for i in section["cites"])
        add(f"Cites: {cites or 'no submission'}")
        add("")
    if document["warnings"]:
        add("## Warnings")
        add("")
        for warning in document["warnings"]:
            add(f"- {_md(warning)}")
        add("")
    add("## Appendix A: figures")
    add("")
    for item in figures(document):
        ids = ", ".join(f"[{i}](#s-{i})" for i in item["ids"]) or "none"
        add(f'<a id="{item["figure"].lower()}"></a>**{item["figure"]}** ({item["count"]}): {ids}')
        add("")
    add("## Appendix B: submissions")
    add("")
    add("| Id | Received (UTC) | Status | " + " | ".join(names) + " | Title |")
    add("|---|---|---|" + "---|" * len(names) + "---|")
    for row in document["submissions"]:
        cells = " | ".join(f"`{_md(row[n])}`" for n in names)
        add(
            f'| <a id="s-{row["id"]}"></a>`{row["id"]}` | {row["received_at"]} | {row["status"]}'
            f" | {cells} | {_md(row['title'])} |"
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


def render_html(document: dict[str, Any]) -> bytes:
    """The report as one standalone HTML page (no scripts, no external assets)."""
    template = _TEMPLATE.get_template("report.html.j2")
    page = template.render(
        d=document,
        figures=figures(document),
        label=_label,
        machine_made=MACHINE_MADE,
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
    "MACHINE_MADE",
    "REPORT_FORMATS",
    "render_html",
    "render_json",
    "render_markdown",
    "render_report",
]
