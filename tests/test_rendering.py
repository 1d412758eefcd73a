"""Rendering windows for people: every language, every zone, always naming the zone."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest

from consultkit.domain.rendering import check_language, render_brief
from consultkit.domain.text import UN_LANGUAGES
from consultkit.domain.windows import (
    CutoffRule,
    DayWindow,
    Deadline,
    ExactWindow,
    Month,
    MonthWindow,
    Unscheduled,
)
from consultkit.i18n import messages

GENEVA = "Europe/Zurich"
PHASE_ONE = ExactWindow(
    start=pendulum.datetime(2019, 6, 4, 16, tz=GENEVA),
    end=pendulum.datetime(2019, 6, 4, 17, tz=GENEVA),
    zone=GENEVA,
)
PHASE_FIVE = Deadline(day=dt.date(2020, 2, 3), zone=GENEVA)


def test_exact_window_in_its_zone_and_in_utc() -> None:
    assert PHASE_ONE.render() == "4 June 2019, 16:00–17:00 CEST (14:00–15:00 UTC)"
    assert PHASE_ONE.render("UTC") == "4 June 2019, 14:00–15:00 UTC"


def test_exact_window_for_a_reader_across_the_date_line() -> None:
    text = PHASE_ONE.render("Pacific/Auckland")
    assert text == "5 June 2019, 02:00–03:00 NZST (4 June 2019, 14:00–15:00 UTC)"


def test_zones_without_an_abbreviation_are_named() -> None:
    text = PHASE_ONE.render("Asia/Dubai")
    assert "Asia/Dubai" in text and "UTC" in text


def test_deadline_says_its_rule_and_last_moment() -> None:
    assert PHASE_FIVE.render() == (
        "end of 3 February 2020, Europe/Zurich (last moment 23:59:59 CET = 22:59:59 UTC)"
    )
    assert PHASE_FIVE.render("America/New_York") == (
        "end of 3 February 2020, Europe/Zurich"
        " (last moment 23:59:59 CET = 17:59:59 EST = 22:59:59 UTC)"
    )
    aoe = Deadline(day=dt.date(2020, 2, 3), zone=GENEVA, rule=CutoffRule.ANYWHERE_ON_EARTH)
    assert "Anywhere on Earth" in aoe.render()
    assert "11:59:59 UTC" in aoe.render()
    noon = Deadline(day=dt.date(2020, 2, 3), zone=GENEVA, rule=CutoffRule.AT_TIME, time=dt.time(12))
    assert noon.render().startswith("3 February 2020, until 12:00 CET, Europe/Zurich")
    assert "10:59:59 UTC" in noon.render()


def test_days_months_and_unknown() -> None:
    days = DayWindow(first=dt.date(2019, 11, 25), last=dt.date(2019, 11, 29), zone=GENEVA)
    assert days.render("UTC", "es") == (
        "25–29 de noviembre de 2019 (días completos, Europe/Zurich);"
        " 24 de noviembre de 2019, 23:00 UTC – 29 de noviembre de 2019, 23:00 UTC"
    )
    months = MonthWindow(first=Month(2020, 1), last=Month(2020, 2), zone=GENEVA)
    assert (
        months.render(language="es") == "enero–febrero de 2020 (día aún no conocido, Europe/Zurich)"
    )
    assert "day not yet known" in months.render()
    assert Unscheduled(zone=GENEVA).render(language="fr") == "à annoncer"


def test_a_single_month_uses_the_locale_pattern() -> None:
    january = MonthWindow(first=Month(2020, 1), last=Month(2020, 1), zone=GENEVA)
    assert january.render(language="zh").startswith("2020年1月（")
    assert january.render(language="es").startswith("enero de 2020 (")
    assert january.render(language="en") == "January 2020 (day not yet known, Europe/Zurich)"


@pytest.mark.parametrize("language", UN_LANGUAGES)
def test_every_un_language_renders_every_kind_naming_the_zone(language: str) -> None:
    for window in (PHASE_ONE, PHASE_FIVE):
        text = window.render(language=language)
        assert "UTC" in text
    assert GENEVA in PHASE_FIVE.render(language=language)
    tba = Unscheduled(zone=GENEVA).render(language=language)
    assert tba == messages(language).gettext("to be announced")
    assert language == "en" or tba != "to be announced"


def test_other_languages_fall_back_to_english_phrases_with_local_dates() -> None:
    text = PHASE_FIVE.render(language="de")
    assert text.startswith("end of 3. Februar 2020")
    aoe = Deadline(day=dt.date(2020, 2, 3), zone=GENEVA, rule=CutoffRule.ANYWHERE_ON_EARTH)
    assert "en cualquier lugar de la Tierra" in aoe.render(language="es-419")


def test_check_language() -> None:
    assert check_language("pt-BR") == "pt-BR"
    with pytest.raises(ValueError, match="unknown language"):
        check_language("xx-zz")


def test_text_falls_back_and_says_so() -> None:
    from consultkit.domain.text import Text

    text = Text({"es": "Sala A", "en": "Room A"})
    assert text.get("es").text == "Sala A" and not text.get("es").is_fallback
    fallback = text.get("fr")
    assert (fallback.text, fallback.language, fallback.is_fallback) == ("Room A", "en", True)
    assert text.get("es-419").text == "Sala A"
    assert text.get("ar", fallbacks=("es",)).language == "es"
    assert Text({"zh": "A"}).get("ru").language == "zh"
    assert not Text({})


@pytest.mark.parametrize(
    ("window", "language", "expected"),
    [
        (
            ExactWindow(
                start=pendulum.datetime(2019, 6, 20, 17, tz=GENEVA),
                end=pendulum.datetime(2019, 6, 20, 18, tz=GENEVA),
                zone=GENEVA,
            ),
            "es",
            "20 de junio de 2019, 17:00 – 18:00 (Europe/Zurich)",
        ),
        (
            DayWindow(first=dt.date(2020, 2, 28), last=dt.date(2020, 2, 28), zone=GENEVA),
            "es",
            "28 de febrero de 2020",
        ),
        (
            DayWindow(first=dt.date(2019, 11, 25), last=dt.date(2019, 11, 29), zone=GENEVA),
            "fr",
            "25 novembre 2019 – 29 novembre 2019",
        ),
        (
            MonthWindow(first=Month(2020, 1), last=Month(2020, 2), zone=GENEVA),
            "en",
            "January 2020 – February 2020",
        ),
        (
            Deadline(
                day=dt.date(2020, 2, 3), zone=GENEVA, rule=CutoffRule.AT_TIME, time=dt.time(12)
            ),
            "fr",
            "3 février 2020, 12:00:00 +0100 (Europe/Zurich)",
        ),
        (Unscheduled(zone=GENEVA), "es", "unscheduled"),
    ],
)
def test_the_brief_form_messages_use(window: object, language: str, expected: str) -> None:
    assert render_brief(window, language).replace("\u202f", " ") == expected  # type: ignore[arg-type]
