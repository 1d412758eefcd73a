"""The ``html`` and ``json`` exporters: an escaped standalone page, calendar links, the timeline."""

from __future__ import annotations

import datetime as dt
import html.parser
import json
import urllib.parse
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

from consultkit.app.publishing import export_calendar
from consultkit.cli import cli
from consultkit.config.loader import load_consultation
from consultkit.default_plugins.web_exporters import HtmlExporter, JsonExporter
from consultkit.domain.model import Consultation, ItemStatus
from consultkit.domain.schedule import ScheduleItem, schedule_items
from consultkit.domain.text import Text
from consultkit.domain.windows import CutoffRule, Deadline
from consultkit.formats.exporter import ExportOptions
from consultkit.formats.timeline_html import (
    calendar_span,
    data_uri,
    google_url,
    outlook_url,
    safe_url,
)
from consultkit.pluginhost.host import PluginHost

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
NOW = dt.datetime(2019, 12, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def wsis() -> Consultation:
    return load_consultation(EXAMPLE)


def page(consultation: Consultation, **options: object) -> str:
    items = schedule_items(consultation)
    data = HtmlExporter().export(consultation, items, ExportOptions(**options))  # type: ignore[arg-type]
    return data.decode("utf-8")


def item(consultation: Consultation, ref: str) -> ScheduleItem:
    return next(i for i in schedule_items(consultation) if i.ref == ref)


class Links(html.parser.HTMLParser):
    """Collects tags and href values to check the page's structure."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.hrefs.extend(v or "" for k, v in attributes if k == "href")


def parsed(text: str) -> Links:
    links = Links()
    links.feed(text)
    return links


def test_page_is_standalone_without_scripts_or_external_assets(wsis: Consultation) -> None:
    text = page(wsis, language="en", now=NOW, feed_url="https://example.org/wsis.ics")
    links = parsed(text)
    assert "script" not in links.tags and "link" not in links.tags and "img" not in links.tags
    assert "<style>" in text and text.startswith("<!DOCTYPE html>")
    assert '<html lang="en" dir="ltr">' in text
    assert "webcal://example.org/wsis.ics" in links.hrefs


def test_hostile_title_is_escaped(wsis: Consultation) -> None:
    hostile = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'
    phases = list(wsis.phases)
    phases[0] = attrs.evolve(phases[0], title=Text({"en": hostile}))
    bad = attrs.evolve(
        wsis,
        title=Text({"en": hostile}),
        phases=tuple(phases),
        website="javascript:alert(1)",
    )
    text = page(bad, language="en")
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in text
    assert not [h for h in parsed(text).hrefs if h.lower().startswith("javascript:")]


def test_every_item_is_listed_with_status_and_precision(wsis: Consultation) -> None:
    text = page(wsis, language="en", now=NOW)
    for i in schedule_items(wsis):
        assert f'id="{i.ref.replace(":", "-")}"' in text
    assert "Tentative" in text  # phase III
    assert "Month known, day not yet" in text  # phase IV
    assert "Past" in text and "Upcoming" in text
    assert "Times are in Europe/Zurich, with UTC beside them." in text
    assert "UTC: 2019-06-04 14:00–15:00" in text  # phase I, 16:00–17:00 in Geneva


def test_places_show_virtual_links_and_remote_participation(wsis: Consultation) -> None:
    text = page(wsis, language="en", now=NOW)
    # Phase I is virtual only: its link must be on the page, not only in the feed.
    assert 'Where: <a href="https://connect.itu.int/itu-spm-roomg2/">Online</a>' in text
    # The letter promises remote participation in the physical meetings (II, III, IV).
    assert "Where: Room A, ITU Headquarters, Geneva · remote participation offered" in text
    assert "Where: remote participation offered" in text  # phase III, venue not stated
    assert text.count("remote participation offered") == 3


def test_month_windows_get_no_calendar_links(wsis: Consultation) -> None:
    phase4 = item(wsis, "phase:phase-4")
    assert calendar_span(phase4) is None
    text = page(wsis, language="en")
    section = text.split('id="phase-phase-4"', 1)[1].split("</li>", 1)[0]
    assert "calendar.google.com" not in section
    assert "not known to the day yet" in section


def test_google_link_all_day_uses_exclusive_end(wsis: Consultation) -> None:
    phase3 = item(wsis, "phase:phase-3")  # 25-29 November 2019
    url = google_url(phase3, title="t", details="d", location="", zone=wsis.zone)
    assert url is not None
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["dates"] == ["20191125/20191130"]
    assert query["action"] == ["TEMPLATE"] and query["ctz"] == ["Europe/Zurich"]


def test_google_and_outlook_links_for_timed_items_are_utc(wsis: Consultation) -> None:
    phase1 = item(wsis, "phase:phase-1")
    google = google_url(phase1, title="t", details="d", location="", zone=wsis.zone)
    outlook = outlook_url(phase1, title="t", details="d", location="")
    assert google is not None and outlook is not None
    assert "dates=20190604T140000Z/20190604T150000Z" in google
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(outlook).query)
    assert query["startdt"] == ["2019-06-04T14:00:00Z"]
    assert query["enddt"] == ["2019-06-04T15:00:00Z"]
    assert query["allday"] == ["false"] and query["rru"] == ["addevent"]


def test_deadline_links(wsis: Consultation) -> None:
    deadline = item(wsis, "phase:phase-5")
    assert calendar_span(deadline) == ("2020-02-03", "2020-02-04", True)
    at_time = attrs.evolve(
        deadline,
        window=Deadline(
            day=dt.date(2020, 2, 3),
            zone="Europe/Zurich",
            rule=CutoffRule.AT_TIME,
            time=dt.time(12, 0),
        ),
    )
    assert calendar_span(at_time) == ("2020-02-03T11:00:00Z", "2020-02-03T11:00:00Z", False)
    assert calendar_span(attrs.evolve(deadline, status=ItemStatus.CANCELLED)) is None


def test_ics_data_uri_holds_the_same_event_as_the_feed(wsis: Consultation) -> None:
    text = page(wsis, language="en")
    uris = [h for h in parsed(text).hrefs if h.startswith("data:text/calendar")]
    assert uris
    first = urllib.parse.unquote(uris[0].split(",", 1)[1])
    assert first.startswith("BEGIN:VCALENDAR")
    assert first.count("BEGIN:VEVENT") == 1
    assert f"UID:{item(wsis, 'phase:phase-1').uid}" in first.replace("\r\n ", "")
    assert data_uri(b"A B").endswith(",A%20B")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.org/a", "https://x.org/a"),
        ("www.wsis.org/forum", "https://www.wsis.org/forum"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,<b>", None),
        ("https://x.org/\n", "https://x.org/"),
        ("https://x.org/\u0000a", None),
        ("relative/path", None),
        ("", None),
        (None, None),
        ("mailto:wsis-info@itu.int", "mailto:wsis-info@itu.int"),
    ],
)
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_page_follows_the_language(wsis: Consultation) -> None:
    text = page(wsis, language="es")
    assert '<html lang="es" dir="ltr">' in text
    assert "Añadir al calendario" in text and "Por confirmar" in text
    assert 'dir="rtl"' in page(wsis, language="ar")


def test_html_is_registered_and_exported_through_the_host(wsis: Consultation) -> None:
    host = PluginHost.load(entry_points=False)
    exporter = host.exporters()["html"]
    assert exporter.suffix == ".html" and exporter.media_type.startswith("text/html")
    text = export_calendar(host, wsis, "html", ExportOptions(language="en", only={"events"}))
    assert text.decode("utf-8").count('<li id="') == 1


def test_json_exporter_is_the_timeline_command_document(wsis: Consultation) -> None:
    exported = JsonExporter().export(
        wsis, schedule_items(wsis), ExportOptions(language="es", now=NOW)
    )
    result = CliRunner().invoke(
        cli,
        ["--now", "2019-12-01T00:00:00Z", "timeline", str(EXAMPLE), "--format", "json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    assert json.loads(exported) == json.loads(result.stdout)
    assert exported.decode("utf-8") == result.stdout


def test_json_is_registered(wsis: Consultation) -> None:
    host = PluginHost.load(entry_points=False)
    data = export_calendar(host, wsis, "json", ExportOptions(now=NOW))
    assert isinstance(json.loads(data), dict)


@pytest.mark.parametrize(
    "options",
    [ExportOptions(), ExportOptions(language="fr"), ExportOptions(group="governments")],
    ids=["default", "fr", "group"],
)
def test_item_calendars_are_the_one_item_feeds(wsis: Consultation, options: ExportOptions) -> None:
    """The page's per-item files share the serialised head and VTIMEZONEs (issue 14), and
    are byte for byte the one-item feed, so one item and the whole feed never disagree."""
    from consultkit.formats.ics import calendar_bytes, item_calendars

    one = item_calendars(wsis, options)
    items = schedule_items(wsis)
    for entry in items * 2:  # the second round reads the caches
        assert one(entry) == calendar_bytes(wsis, [entry], options), entry.ref
