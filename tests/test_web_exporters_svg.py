"""The ``svg`` exporter: a valid, deterministic timeline picture, one mark per item."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consultkit.app.publishing import export_calendar
from consultkit.config.loader import load_consultation
from consultkit.default_plugins.web_exporters import SvgExporter
from consultkit.domain.model import Consultation, ItemStatus
from consultkit.domain.schedule import schedule_items
from consultkit.domain.windows import Unscheduled
from consultkit.formats.exporter import ExportOptions
from consultkit.formats.timeline_svg import xml_text
from consultkit.pluginhost.host import PluginHost

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
NS = {"svg": "http://www.w3.org/2000/svg"}
NOW = dt.datetime(2019, 12, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def wsis() -> Consultation:
    return load_consultation(EXAMPLE)


def draw(consultation: Consultation, **options: object) -> bytes:
    items = schedule_items(consultation)
    return SvgExporter().export(consultation, items, ExportOptions(**options))  # type: ignore[arg-type]


def parse(data: bytes) -> ET.Element:
    return ET.fromstring(data)  # noqa: S314 (our own output, not untrusted input)


def test_svg_is_valid_standalone_and_has_one_row_per_item(wsis: Consultation) -> None:
    data = draw(wsis, language="en", now=NOW)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns=')
    root = parse(data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    rows = root.findall("svg:g[@id='items']/svg:g", NS)
    items = schedule_items(wsis)
    assert [r.get("data-ref") for r in rows] == [i.ref for i in items]


def test_one_bar_per_phase_and_a_diamond_per_deadline(wsis: Consultation) -> None:
    root = parse(draw(wsis, language="en"))
    rows = {r.get("data-ref"): r for r in root.findall("svg:g[@id='items']/svg:g", NS)}
    for phase in wsis.phases:
        row = rows[f"phase:{phase.id}"]
        bars = row.findall("svg:rect[@class='bar']", NS)
        markers = row.findall("svg:polygon[@class='marker']", NS)
        if phase.window.kind == "deadline":
            assert (len(bars), len(markers)) == (0, 1), phase.id
        else:
            assert (len(bars), len(markers)) == (1, 0), phase.id


def test_month_windows_are_hatched_and_exact_ones_solid(wsis: Consultation) -> None:
    root = parse(draw(wsis, language="en"))
    rows = root.findall("svg:g[@id='items']/svg:g", NS)
    for row in rows:
        bar = row.find("svg:rect[@class='bar']", NS)
        if bar is None:
            continue
        fuzzy = "months" in (row.get("class") or "").split()
        assert bar.get("fill", "").startswith("url(#hatch-") is fuzzy
    # The hatch patterns the bars refer to exist.
    assert root.find("svg:defs/svg:pattern[@id='hatch-phase']", NS) is not None


def test_bars_sit_in_time_order_on_the_axis(wsis: Consultation) -> None:
    root = parse(draw(wsis, language="en"))
    starts = [
        float(bar.get("x", "0"))
        for bar in root.findall("svg:g[@id='items']/svg:g/svg:rect[@class='bar']", NS)
    ]
    assert starts == sorted(starts)
    months = [t.text for t in root.findall("svg:text", NS) if t.get("font-size") == "11"]
    assert months[0] == "Jun 2019" and "Jan 2020" in months


def test_tentative_and_cancelled_items_are_marked(wsis: Consultation) -> None:
    phases = list(wsis.phases)
    phases[0] = attrs.evolve(phases[0], status=ItemStatus.CANCELLED)
    root = parse(draw(attrs.evolve(wsis, phases=tuple(phases)), language="en"))
    rows = root.findall("svg:g[@id='items']/svg:g", NS)
    cancelled = [r for r in rows if "cancelled" in (r.get("class") or "")]
    tentative = [r for r in rows if "tentative" in (r.get("class") or "")]
    assert len(cancelled) == 1 and len(tentative) == 1  # phase III is "to be confirmed"
    label = cancelled[0].find("svg:text", NS)
    assert label is not None and label.get("text-decoration") == "line-through"
    tentative_label = tentative[0].find("svg:text", NS)
    assert tentative_label is not None and (tentative_label.text or "").endswith("(tentative)")
    assert tentative[0].find("svg:rect[@class='bar']", NS).get("stroke-dasharray") == "4 2"  # type: ignore[union-attr]


def test_hostile_text_is_escaped_and_control_characters_dropped(wsis: Consultation) -> None:
    hostile = '<script>alert("x")</script> & ]]> \x00\x07'
    phases = list(wsis.phases)
    phases[0] = attrs.evolve(phases[0], title=attrs.evolve(phases[0].title, values={"en": hostile}))
    data = draw(attrs.evolve(wsis, phases=tuple(phases)), language="en")
    assert b"<script>" not in data and b"\x00" not in data
    root = parse(data)  # still well-formed
    texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert any(t.startswith('<script>alert("x")') for t in texts)
    assert xml_text("a\x01b\ufffe") == "ab"


def test_output_is_deterministic_and_now_marker_optional(wsis: Consultation) -> None:
    assert draw(wsis, language="en") == draw(wsis, language="en")
    assert parse(draw(wsis, language="en")).find("svg:g[@id='now']", NS) is None
    assert parse(draw(wsis, language="en", now=NOW)).find("svg:g[@id='now']", NS) is not None
    # An instant outside the drawn range draws no marker.
    far = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    assert parse(draw(wsis, language="en", now=far)).find("svg:g[@id='now']", NS) is None


def test_labels_follow_the_language(wsis: Consultation) -> None:
    data = draw(wsis, language="es").decode("utf-8")
    assert "Fechas y horas en Europe/Zurich." in data
    assert "por confirmar" in data
    assert "jun 2019" in data.lower()


def test_unscheduled_items_say_to_be_announced(wsis: Consultation) -> None:
    phases = list(wsis.phases)
    phases[1] = attrs.evolve(phases[1], window=Unscheduled(zone="Europe/Zurich"))
    root = parse(draw(attrs.evolve(wsis, phases=tuple(phases)), language="en"))
    row = root.find("svg:g[@id='items']/svg:g[@data-ref='phase:phase-2']", NS)
    assert row is not None
    assert row.find("svg:rect[@class='bar']", NS) is None
    assert "to be announced" in [t.text for t in row.findall("svg:text", NS)]


def test_nothing_scheduled_still_draws_a_valid_picture(wsis: Consultation) -> None:
    empty = attrs.evolve(wsis, phases=(), events=(), calls=())
    root = parse(SvgExporter().export(empty, [], ExportOptions(language="en")))
    assert root.findall("svg:g[@id='items']/svg:g", NS) == []


def test_svg_is_registered_and_exported_through_the_host(wsis: Consultation) -> None:
    host = PluginHost.load(entry_points=False)
    exporter = host.exporters()["svg"]
    assert (exporter.media_type, exporter.suffix) == ("image/svg+xml", ".svg")
    data = export_calendar(host, wsis, "svg", ExportOptions(language="en", only={"deadlines"}))
    rows = parse(data).findall("svg:g[@id='items']/svg:g", NS)
    assert [r.get("data-ref") for r in rows] == ["phase:phase-5"]


@settings(max_examples=50)
@given(title=st.text(max_size=60))
def test_any_title_gives_a_well_formed_picture(title: str) -> None:
    wsis = load_consultation(EXAMPLE)
    phases = list(wsis.phases)
    phases[0] = attrs.evolve(phases[0], title=attrs.evolve(phases[0].title, values={"en": title}))
    root = parse(draw(attrs.evolve(wsis, phases=tuple(phases)), language="en"))
    rows = root.findall("svg:g[@id='items']/svg:g", NS)
    assert len(rows) == len(schedule_items(wsis))


def test_legend_makes_room_for_long_words(
    wsis: Consultation, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another language's legend words may be twice as long as the English ones.
    from consultkit.formats import timeline_svg
    from consultkit.i18n import Messages, messages

    long = "a legend word in a language that needs many more letters for it"
    english = messages("en").catalogue

    class Wordy:
        def gettext(self, message: str) -> str:
            return english.gettext(message)

        def ngettext(self, singular: str, plural: str, n: int) -> str:
            return english.ngettext(singular, plural, n)

        def pgettext(self, context: str, message: str) -> str:
            if message == "month known, day not yet":
                return long
            return english.pgettext(context, message)

    monkeypatch.setattr(timeline_svg, "messages", lambda language: Messages("en", Wordy()))
    legend = parse(draw(wsis, language="en")).find("svg:g[@id='legend']", NS)
    assert legend is not None
    texts = legend.findall("svg:text", NS)
    month = next(t for t in texts if t.text == long)
    following = texts[texts.index(month) + 1]
    assert float(following.get("x") or 0) - float(month.get("x") or 0) >= 6 * len(long)


@pytest.mark.parametrize("language", ["ar", "zh", "en", "fr", "ru", "es"])
def test_the_legend_speaks_the_language_of_the_picture(wsis: Consultation, language: str) -> None:
    from consultkit.domain.bidi import isolate_latin
    from consultkit.i18n import messages

    legend = parse(draw(wsis, language=language, now=NOW)).find("svg:g[@id='legend']", NS)
    assert legend is not None
    words = [t.text for t in legend.findall("svg:text", NS)]
    english = ["exact dates", "month known, day not yet", "deadline", "tentative", "now"]
    expected = [messages(language).pgettext("legend", word) for word in english]
    assert words == [isolate_latin(word, language) for word in expected]
    if language != "en":
        assert not set(words) & set(english)
