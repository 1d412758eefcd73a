"""The HTML page and the SVG picture in a real browser, in the six UN languages (issue 11).

axe-core's WCAG 2.2 AA rules must find nothing on the WSIS page and picture in Arabic,
Chinese, English, French, Russian and Spanish, at 1280 and 390 px. Screenshots of the
Arabic and Chinese page and picture at both widths go to ``test-artefacts/screenshots/``
(or ``$CONSULTKIT_TEST_ARTEFACTS/screenshots/``) for people to look at. The Arabic page is
also checked where the finding was: the timeline's line on the right, and a label's colon
after the label.

Chromium and axe-core come as in the web plugin's browser test
(:mod:`consultkit.testing.accessibility`); without them these tests skip, except under
``CI=true``, where they fail.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from consultkit.config.loader import load_consultation
from consultkit.default_plugins.web_exporters import HtmlExporter, SvgExporter
from consultkit.domain.schedule import schedule_items
from consultkit.formats.exporter import ExportOptions
from consultkit.testing import accessibility
from consultkit.testing.accessibility import axe_violations, check_page

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "wsis2020" / "consultation.toml"
UN_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
SHOWN = ("ar", "zh")  # the screenshots people look at
NOW = dt.datetime(2019, 12, 1, tzinfo=dt.UTC)
ARTEFACTS = Path(os.environ.get("CONSULTKIT_TEST_ARTEFACTS") or ROOT / "test-artefacts")
# The pytest fixtures axe_source and browser, shared with the web plugin's browser test.
axe_source = accessibility.axe_source
browser = accessibility.browser


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The WSIS page and picture in every language, as `publish` writes them."""
    folder = tmp_path_factory.mktemp("published")
    consultation = load_consultation(EXAMPLE)
    items = schedule_items(consultation)
    for language in UN_LANGUAGES:
        options = ExportOptions(
            language=language, now=NOW, feed_url="https://example.org/wsis/wsis.ics"
        )
        for exporter, suffix in ((HtmlExporter(), "html"), (SvgExporter(), "svg")):
            data = exporter.export(consultation, items, options)
            (folder / f"wsis.{language}.{suffix}").write_bytes(data)
    return folder


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = ARTEFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("language", UN_LANGUAGES)
def test_the_page_passes_wcag_22_aa_in_every_language(
    browser: Browser, axe_source: str, published: Path, shots: Path, tmp_path: Path, language: str
) -> None:
    page = browser.new_page()
    page.goto((published / f"wsis.{language}.html").as_uri())
    assert page.locator("html").get_attribute("lang") == language
    check_page(page, axe_source, shots if language in SHOWN else tmp_path, f"page-{language}")
    # The data table holds a row per item of the timeline: the picture's text equivalent.
    assert page.locator("table tbody tr").count() == page.locator("ol.timeline > li").count()
    page.close()


@pytest.mark.slow
@pytest.mark.parametrize("language", UN_LANGUAGES)
def test_the_picture_passes_wcag_22_aa_in_every_language(
    browser: Browser, axe_source: str, published: Path, shots: Path, tmp_path: Path, language: str
) -> None:
    # The picture as it is used: embedded in a page of its language.
    svg = (published / f"wsis.{language}.svg").read_text(encoding="utf-8")
    svg = svg.split("\n", 1)[1]  # without the XML declaration
    page = browser.new_page()
    page.set_content(
        f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">'
        f"<title>SVG</title></head><body><main>{svg}</main></body></html>"
    )
    name = page.evaluate("document.querySelector('svg').getAttribute('aria-labelledby')")
    assert name == "timeline-title timeline-desc"
    check_page(page, axe_source, shots if language in SHOWN else tmp_path, f"svg-{language}")
    # The legend's marks and words, as drawn, never overlap (words differ in length).
    boxes = page.evaluate(
        "() => [...document.querySelectorAll('#legend > *')].map(e => {"
        " const b = e.getBoundingClientRect(); return [b.left, b.right]; })"
    )
    spans = sorted(boxes)
    assert all(a[1] <= b[0] + 0.5 for a, b in itertools.pairwise(spans)), spans
    page.close()


@pytest.mark.slow
def test_the_arabic_page_is_mirrored_and_its_colons_stay_put(
    browser: Browser, published: Path, axe_source: str
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((published / "wsis.ar.html").as_uri())
    line = page.evaluate(
        "() => { const s = getComputedStyle(document.querySelector('ol.timeline'));"
        " return [s.borderRightStyle, s.borderLeftStyle]; }"
    )
    assert line == ["solid", "none"]  # the timeline's line runs down the right-hand side
    # The finding: ":Organised by". The organisers' label ends with its colon, and the
    # colon is drawn at the end of the label in the label's own direction.
    placed = page.evaluate(
        """() => {
        const label = document.querySelector('header p bdi');
        const text = label.firstChild;
        const at = i => { const r = document.createRange(); r.setStart(text, i);
                          r.setEnd(text, i + 1); return r.getBoundingClientRect().left; };
        const n = text.length;
        const ltr = /^[^\\u0590-\\u08ff]*[A-Za-z]/.test(text.data);
        return {text: text.data, ltr, colon: at(n - 1), before: at(n - 2)};
    }"""
    )
    assert placed["text"].endswith(":")
    if placed["ltr"]:
        assert placed["colon"] > placed["before"], placed
    else:
        assert placed["colon"] < placed["before"], placed
    assert axe_violations(page, axe_source) == []
    page.close()
