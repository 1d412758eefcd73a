"""Right to left done properly: the Arabic page, picture and feed (issue 11).

The finding: the Arabic HTML page was ``dir="rtl"`` but its timeline stayed on the left,
and Latin fragments broke its punctuation (``:Organised by``); the SVG was not mirrored;
mixed-direction feed descriptions were left for each client to reorder.
"""

from __future__ import annotations

import datetime as dt
import html.parser
import re
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consultkit.config.loader import load_consultation
from consultkit.default_plugins.web_exporters import HtmlExporter, SvgExporter
from consultkit.domain.bidi import LRI, PDI, is_rtl, isolate_latin, latin_runs
from consultkit.domain.schedule import schedule_items
from consultkit.formats.exporter import ExportOptions
from consultkit.formats.ics import calendar_bytes
from consultkit.i18n import messages

if TYPE_CHECKING:
    from consultkit.domain.model import Consultation

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
NOW = dt.datetime(2019, 12, 1, tzinfo=dt.UTC)
NS = {"svg": "http://www.w3.org/2000/svg"}
RTL_CLASSES = {"R", "AL", "AN"}


@pytest.fixture(scope="module")
def wsis() -> Consultation:
    return load_consultation(EXAMPLE)


def export(exporter: HtmlExporter | SvgExporter, wsis: Consultation, language: str) -> str:
    options = ExportOptions(language=language, now=NOW, feed_url="https://example.org/wsis.ics")
    return exporter.export(wsis, schedule_items(wsis), options).decode("utf-8")


# ---------------------------------------------------------------- the text rule


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("Organised by: اليونسكو", ["Organised by"]),
        (
            "4 يونيو 2019, 16:00–17:00 CEST (14:00–15:00 UTC)",
            ["16:00–17:00 CEST (14:00–15:00 UTC)"],
        ),
        ("المرجع: Foro CMSI 2020). ترجمة", ["Foro CMSI 2020"]),
        ("اتصل: wsis-info@itu.int.", ["wsis-info@itu.int"]),
        (
            "انضم: https://connect.itu.int/itu-spm-roomg2/",
            ["https://connect.itu.int/itu-spm-roomg2/"],
        ),
        ("رقم التتبع CK-7QX2-9MHD-4TZB-KC3W.", ["CK-7QX2-9MHD-4TZB-KC3W"]),
        (
            "Times are in Europe/Zurich, with UTC beside them.",
            ["Times are in Europe/Zurich, with UTC beside them."],
        ),
        ("نهاية يوم 3 فبراير 2020", []),  # numbers alone read from the right, as expected
    ],
)
def test_latin_fragments_are_found_without_the_sentence_punctuation(
    text: str, fragments: list[str]
) -> None:
    assert [piece for piece, latin in latin_runs(text) if latin] == fragments


@given(st.text())
def test_pieces_join_back_to_the_text_and_isolates_pair_up(text: str) -> None:
    assert "".join(piece for piece, _ in latin_runs(text)) == text
    isolated = isolate_latin(text, "ar")
    if LRI not in text and PDI not in text and "\u2068" not in text:
        assert isolated.replace(LRI, "").replace(PDI, "") == text
        for line in isolated.splitlines():
            assert line.count(LRI) == line.count(PDI)  # never across a paragraph end


def test_only_right_to_left_languages_get_isolates() -> None:
    text = "Contact: wsis-info@itu.int"
    assert isolate_latin(text, "en") == text
    assert isolate_latin(text, "fr") == text
    assert isolate_latin(text, "ar") == f"{LRI}{text}{PDI}"
    assert isolate_latin(f"{LRI}x{PDI} عربي", "ar") == f"{LRI}x{PDI} عربي"  # never twice
    assert is_rtl("ar-EG") and is_rtl("ar") and not is_rtl("zh-Hans")


# ---------------------------------------------------------------- the HTML page


class TextNodes(html.parser.HTMLParser):
    """Each text node of the body with whether an isolate (<bdi> or [dir]) encloses it."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.nodes: list[tuple[str, bool]] = []
        self.in_body = False

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.in_body = True
        if tag in {"meta", "br", "hr", "img", "input", "link"}:
            return
        names = dict(attributes)
        isolating = tag == "bdi" or (tag != "html" and names.get("dir") is not None)
        self.stack.append((tag, isolating))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        tags = [t for t, _ in self.stack]
        if self.in_body and data.strip() and "style" not in tags:
            self.nodes.append((data, any(iso for _, iso in self.stack)))


def is_latin_only(text: str) -> bool:
    classes = {unicodedata.bidirectional(c) for c in text}
    return "L" in classes and not classes & RTL_CLASSES


def test_every_latin_text_on_the_arabic_page_is_isolated(wsis: Consultation) -> None:
    # The finding: "Organised by: …" printed as ":Organised by" on the Arabic page. Every
    # piece of text without Arabic letters (labels that fell back to English, addresses,
    # times with their zone, URLs) must sit in an isolate, or its edges reorder.
    parser = TextNodes()
    parser.feed(export(HtmlExporter(), wsis, "ar"))
    bare = [text.strip() for text, isolated in parser.nodes if is_latin_only(text) and not isolated]
    assert bare == []
    # The label and its colon are one isolate, so the colon stays after the label; the
    # label itself now comes from the Arabic catalogue, so no English label is left.
    page = export(HtmlExporter(), wsis, "ar")
    label = messages("ar").gettext("Organised by")
    assert f"<bdi>{label}:</bdi>" in page
    assert "Organised by" not in page
    assert "<bdi>wsis-info@itu.int</bdi>" in page


def test_left_to_right_pages_carry_no_isolates(wsis: Consultation) -> None:
    for language in ("en", "es", "fr", "ru", "zh"):
        page = export(HtmlExporter(), wsis, language)
        assert "<bdi" not in page, language
        assert f'<html lang="{language}" dir="ltr">' in page


def test_the_page_lays_out_with_logical_css_properties(wsis: Consultation) -> None:
    # Physical left/right keeps the timeline on the left in Arabic; logical properties
    # (inline-start/end) put it on the right there, with the same stylesheet.
    page = export(HtmlExporter(), wsis, "ar")
    style = page[page.index("<style>") : page.index("</style>")]
    assert not re.findall(r"\b(left|right)\b", style)
    assert "border-inline-start" in style and "inset-inline-start" in style
    assert '<html lang="ar" dir="rtl">' in page


# ---------------------------------------------------------------- the SVG picture


def texts(svg: ET.Element) -> list[ET.Element]:
    return list(svg.iter(f"{{{NS['svg']}}}text"))


def test_the_arabic_picture_is_mirrored(wsis: Consultation) -> None:
    ltr = ET.fromstring(export(SvgExporter(), wsis, "en"))  # noqa: S314 (our own output)
    rtl = ET.fromstring(export(SvgExporter(), wsis, "ar"))  # noqa: S314
    assert rtl.get("direction") == "rtl" and ltr.get("direction") in (None, "ltr")
    width = float(rtl.get("width") or 0)

    def bars(svg: ET.Element) -> list[tuple[float, float]]:
        found = []
        for group in svg.iterfind(".//svg:g[@class]", NS):
            bar = group.find("svg:rect[@class='bar']", NS)
            if bar is not None:
                found.append((float(bar.get("x") or 0), float(bar.get("width") or 0)))
        return found

    # Every bar is the mirror image of its left-to-right self: time runs right to left.
    for (x, w), (mx, mw) in zip(bars(ltr), bars(rtl), strict=True):
        assert mw == pytest.approx(w, abs=0.2)
        assert mx == pytest.approx(width - x - w, abs=0.2)
    # The item labels sit in a column on the right, anchored at their start.
    captions = [t for t in rtl.iterfind(".//svg:g[@class]/svg:text", NS)]
    assert captions and all(float(t.get("x") or 0) > width / 2 for t in captions)
    assert all(t.get("text-anchor") in (None, "start") for t in captions)
    # The legend starts on the right too.
    legend = rtl.find("svg:g[@id='legend']", NS)
    assert legend is not None
    first_legend_text = legend.find("svg:text", NS)
    assert first_legend_text is not None and float(first_legend_text.get("x") or 0) > width / 2


def test_the_picture_isolates_latin_fragments_in_arabic_only(wsis: Consultation) -> None:
    rtl = export(SvgExporter(), wsis, "ar")
    assert f"{LRI}Europe/Zurich{PDI}" in rtl
    assert LRI not in export(SvgExporter(), wsis, "en")


# ---------------------------------------------------------------- the feed


def unfolded(feed: bytes) -> str:
    return feed.decode("utf-8").replace("\r\n ", "")


def test_arabic_feed_descriptions_isolate_latin_fragments(wsis: Consultation) -> None:
    items = schedule_items(wsis)
    arabic = unfolded(calendar_bytes(wsis, items, ExportOptions(language="ar")))
    english = unfolded(calendar_bytes(wsis, items, ExportOptions(language="en")))
    descriptions = [line for line in arabic.split("\r\n") if line.startswith("DESCRIPTION")]
    isolated_link = re.compile(f"{LRI}[^{PDI}]*https://connect.itu.int/itu-spm-roomg2/{PDI}")
    assert any(isolated_link.search(d) for d in descriptions)
    assert any(f"القاعة {LRI}A{PDI}" in d for d in descriptions)  # "Room A"
    # Never inside a value a client parses: URL, CONFERENCE, ORGANIZER, UID stay clean.
    for line in arabic.split("\r\n"):
        name = line.split(":", 1)[0].split(";", 1)[0]
        if name in {"URL", "CONFERENCE", "ORGANIZER", "UID", "SOURCE", "TZID", "DTSTART"}:
            assert LRI not in line and PDI not in line, line
    assert LRI not in english and PDI not in english


def test_chinese_labels_stay_in_their_column(wsis: Consultation) -> None:
    # A Chinese character is about two Latin letters wide: 44 of them ran over the bars.
    svg = ET.fromstring(export(SvgExporter(), wsis, "zh"))  # noqa: S314 (our own output)
    for caption in svg.iterfind(".//svg:g[@class]/svg:text", NS):
        text = caption.text or ""
        columns = sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)
        assert columns <= 44, text
