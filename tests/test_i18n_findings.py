"""Issue 11's findings, each reproduced: an IGF-style consultation in English, French and
Arabic, tried as a new user would, met English words and Python's own notations."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from consultkit.cli import cli
from consultkit.config.loader import loads_consultation
from consultkit.domain.rendering import render_duration, render_instant
from consultkit.errors import ConfigError
from consultkit.i18n import catalogue_language, environment_language, messages
from consultkit.testing.factories import MINIMAL_CONSULTATION

if TYPE_CHECKING:
    from pathlib import Path

IGF = """\
id = "igf-2026"
zone = "UTC"
languages = ["en", "fr", "ar"]
title.en = "IGF 2026 call for workshops"
title.fr = "FGI 2026 : appel à ateliers"
title.ar = "منتدى إدارة الإنترنت 2026"

[[organisers]]
id = "igf"
name = { en = "IGF Secretariat", fr = "Secrétariat du FGI", ar = "أمانة المنتدى" }

[[groups]]
id = "civil-society"
name = { en = "Civil society", fr = "Société civile", ar = "المجتمع المدني" }

[[phases]]
id = "proposals"
ordinal = 1
title = { en = "Workshop proposals", fr = "Propositions d'ateliers", ar = "مقترحات حلقات العمل" }
window = { kind = "days", first = 2026-03-02, last = 2026-04-17 }

[[phases]]
id = "proposals-due"
ordinal = 2
title.en = "Proposals due"
title.fr = "Date limite des propositions"
title.ar = "الموعد المحدد للمقترحات"
window = { kind = "deadline", day = 2026-04-17, rule = "at-time", time = 23:59:00 }

[[calls]]
id = "workshops"
kind = "contribution"
title = { en = "Workshop proposals", fr = "Propositions d'ateliers", ar = "مقترحات حلقات العمل" }
opens_at = 2026-03-02T00:00:00
closes_with = "proposals-due"

[[reminders]]
id = "workshops-deadline"
anchor = "call:workshops"
edge = "deadline"
before = ["P1D"]
"""
NOW = "2026-03-10T12:00:00Z"


@pytest.fixture
def igf(tmp_path: Path) -> str:
    path = tmp_path / "igf.toml"
    path.write_text(IGF, encoding="utf-8")
    return str(path)


def run(*args: str, lang_env: str = "C.UTF-8") -> str:
    result = CliRunner().invoke(
        cli,
        ["--now", NOW, *args],
        env={"LANG": lang_env, "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": "160"},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_the_locale_picks_the_catalogue() -> None:
    assert environment_language({"LANG": "ar_EG.UTF-8"}) == "ar"
    assert environment_language({"LC_ALL": "ru_RU.UTF-8", "LANG": "fr_FR.UTF-8"}) == "ru"
    assert environment_language({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "fr_FR"}) == "zh"
    assert environment_language({"LANG": "C.UTF-8"}) == "en"
    assert environment_language({"LANG": "de_DE.UTF-8"}) == "en"
    assert environment_language({}) == "en"
    assert catalogue_language("zh-Hans-CN") == catalogue_language("zh_Hans") == "zh"
    assert catalogue_language("es-419") == "es"


def test_timeline_in_french_has_no_english_headings(igf: str) -> None:
    out = run("timeline", igf, "--lang", "fr")
    for english in ("item", "when", "status", "upcoming", "past", "Open calls", "time left"):
        assert english not in out
    assert "Appels ouverts" in out and "temps restant" in out and "élément" in out


def test_the_locale_chooses_the_words_of_the_command_line(igf: str) -> None:
    """``LANG=ar_EG.UTF-8 consultkit timeline …`` prints Arabic headings."""
    out = run("timeline", igf, lang_env="ar_EG.UTF-8")
    assert "البند" in out and "الدعوات المفتوحة" in out and "الوقت المتبقي" in out
    assert "Open calls" not in out


def test_stats_in_arabic_has_arabic_headings_and_statuses(igf: str, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    submit = ["submit", igf, "--call", "workshops", "--group", "civil-society"]
    submit += ["--name", "Amal", "--email", "amal@example.org", "--title", "Access"]
    run(*submit, "--body", "Text.", "--store", store)
    out = run("stats", igf, "--lang", "ar", "--store", store)
    assert "حسب الدعوة" in out and "مقدَّمة" in out and "مساهمة واحدة" in out
    for english in ("By call", "By status", "submissions", "count", "share"):
        assert english not in out


def test_the_arabic_feed_says_deadline_in_arabic(igf: str, tmp_path: Path) -> None:
    path = tmp_path / "igf-ar.ics"
    run("calendar", igf, "--lang", "ar", "--format", "ics", "--output", str(path))
    summaries = [str(e["SUMMARY"]) for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT")]
    # The feed says what the item is in the reader's words, not "Deadline: الموعد…".
    assert "الموعد النهائي: الموعد المحدد للمقترحات" in summaries
    assert not any("Deadline" in s for s in summaries)


def test_the_arabic_page_has_no_english_labels(igf: str, tmp_path: Path) -> None:
    path = tmp_path / "igf-ar.html"
    run("calendar", igf, "--lang", "ar", "--format", "html", "--output", str(path))
    page = path.read_text(encoding="utf-8")
    assert "تنظيم" in page
    for english in ("Organised by", "Timeline", "Add to calendar", "Whole days"):
        assert english not in page


def test_reminders_state_durations_in_words_not_timedelta(igf: str, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    out = run("remind", igf, "--store", store)
    assert "1 day, 0:00:00" not in out
    assert "1 day" in out
    assert render_duration(86_400, "fr") == "1\u00a0jour"
    assert render_duration(90_061, "ru") == "1 день, 1 час и 1 минута"


def test_config_errors_write_dates_as_toml_not_python() -> None:
    text = MINIMAL_CONSULTATION.replace("day = 2020-02-28 }", "day = 2020-04-17T23:59:00 }")
    with pytest.raises(ConfigError) as caught:
        loads_consultation(text, file="minimal.toml")
    assert "datetime.datetime(" not in str(caught.value)
    assert "2020-04-17T23:59:00" in str(caught.value)


def test_utc_is_said_once() -> None:
    instant = dt.datetime(2026, 4, 17, 23, 59, tzinfo=dt.UTC)
    assert render_instant(instant, "UTC", "en").count("UTC") == 1
    assert render_instant(instant, "Europe/Zurich", "en").endswith("(Europe/Zurich)")
    assert messages("en").gettext("Times are in UTC.") == "Times are in UTC."


def test_the_timeline_says_utc_once_when_the_zone_is_utc(igf: str) -> None:
    heading = run("timeline", igf).splitlines()[1]
    assert heading.count("UTC") == 2  # the instant's zone, and "times in UTC"
    assert "UTC (UTC)" not in run("timeline", igf)
