"""The WSIS 2020 example matches the fact sheet drawn from the invitation letter."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping

import attrs
import pendulum
import pytest

from consultkit.config.loader import load_consultation
from consultkit.domain.model import Consultation, ItemStatus, ReminderEdge
from consultkit.domain.text import Text
from consultkit.domain.windows import (
    CutoffRule,
    DayWindow,
    Deadline,
    ExactWindow,
    Month,
    MonthWindow,
)

EXAMPLE = "examples/wsis2020/consultation.toml"


@pytest.fixture(scope="module")
def ocp() -> Consultation:
    return load_consultation(EXAMPLE)


def utc(*args: int) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz="UTC")


def test_the_consultation(ocp: Consultation) -> None:
    assert ocp.id == "wsis-forum-2020-ocp"
    assert ocp.zone == "Europe/Zurich"
    assert ocp.languages == ("es", "en", "ar", "zh", "fr", "ru")
    assert ocp.reference == "Foro CMSI 2020"
    assert ocp.issued == dt.date(2019, 5, 31)
    assert [o.id for o in ocp.organisers] == ["itu", "unesco", "unctad", "undp"]
    assert len(ocp.collaborators) == 18
    assert ocp.contact.email == "wsis-info@itu.int"
    assert ocp.contact.phone == "+41 22 730 6240"
    assert ocp.contact.fax == "+41 22 730 6453"
    assert [g.id for g in ocp.groups] == [
        "governments",
        "private-sector",
        "civil-society",
        "academia-technical",
        "international-organisations",
    ]
    assert all(not g.mappings for g in ocp.groups)
    assert "A/70/125" in ocp.context("en") and "A/70/1" in ocp.context("es")


def test_phase_one_is_a_virtual_hour_in_geneva(ocp: Consultation) -> None:
    phase = ocp.phase("phase-1")
    assert isinstance(phase.window, ExactWindow)
    assert phase.window.earliest() == utc(2019, 6, 4, 14)
    assert phase.window.latest() == utc(2019, 6, 4, 15)
    assert phase.place is not None and phase.place.is_virtual
    assert phase.place.online_url == "https://connect.itu.int/itu-spm-roomg2/"
    assert len(phase.activities) == 4
    assert [a.call for a in phase.activities][1:] == [
        "official-submissions",
        "hlt-facilitator-nominations",
        "photo-contest",
    ]


def test_phase_two_year_is_marked_inferred(ocp: Consultation) -> None:
    phase = ocp.phase("phase-2")
    assert phase.window.earliest() == utc(2019, 6, 20, 15)
    assert phase.window.latest() == utc(2019, 6, 20, 16)
    assert "window" in phase.inferred
    assert phase.place is not None
    assert phase.place.room("es") == "Sala A"
    assert phase.place.inferred == ("venue",)


def test_phase_three_is_tentative_whole_days(ocp: Consultation) -> None:
    phase = ocp.phase("phase-3")
    assert phase.window == DayWindow(
        first=dt.date(2019, 11, 25), last=dt.date(2019, 11, 29), zone="Europe/Zurich"
    )
    assert phase.status is ItemStatus.TENTATIVE
    # The venue is not in the letter; only the promised remote participation is known.
    assert phase.place is not None
    assert not (phase.place.venue or phase.place.room or phase.place.online_url)
    assert phase.place.remote_participation
    assert "IGF 2020" in phase.note("en")


def test_phase_four_is_known_only_to_the_month(ocp: Consultation) -> None:
    window = ocp.phase("phase-4").window
    assert window == MonthWindow(first=Month(2020, 1), last=Month(2020, 2), zone="Europe/Zurich")


def test_phase_five_marks_its_cutoff_rule_as_inferred(ocp: Consultation) -> None:
    # The letter gives a date only; "end of day, Geneva time" is our default, not its word.
    assert ocp.phase("phase-5").inferred == ("window.rule",)


def test_phase_five_is_the_end_of_3_february_geneva_time(ocp: Consultation) -> None:
    window = ocp.phase("phase-5").window
    assert window == Deadline(day=dt.date(2020, 2, 3), zone="Europe/Zurich")
    assert window.rule is CutoffRule.END_OF_DAY
    assert window.cutoff() == utc(2020, 2, 3, 23)


def test_phase_six_and_the_forum(ocp: Consultation) -> None:
    assert ocp.phase("phase-6").window == DayWindow(
        first=dt.date(2020, 2, 28), last=dt.date(2020, 2, 28), zone="Europe/Zurich"
    )
    forum = ocp.event("wsis-forum-2020")
    assert forum.window == DayWindow(
        first=dt.date(2020, 3, 30), last=dt.date(2020, 4, 3), zone="Europe/Zurich"
    )
    assert forum.place is not None and forum.place.venue("en") == "ITU Headquarters"


def test_calls(ocp: Consultation) -> None:
    official = ocp.call("official-submissions")
    assert (official.opens_with, official.closes_with) == ("phase-1", "phase-5")
    workshops = ocp.call("workshop-requests")
    assert workshops.binding and workshops.closes_with == "phase-5"
    assert workshops.opens_with is None and workshops.opens_at is None
    nominations = ocp.call("hlt-facilitator-nominations")
    assert nominations.opens_with == "phase-1"
    assert nominations.deadline is None and nominations.closes_with is None
    contest = ocp.call("photo-contest")
    assert (contest.opens_at, contest.opens_with, contest.deadline, contest.closes_with) == (
        None,
        None,
        None,
        None,
    )


def test_reminders(ocp: Consultation) -> None:
    by_id = {r.id: r for r in ocp.reminders}
    deadline = by_id["official-submissions-deadline"]
    assert deadline.anchor == "call:official-submissions"
    assert deadline.edge is ReminderEdge.DEADLINE
    assert deadline.before == (dt.timedelta(days=7), dt.timedelta(days=1))
    start = by_id["phase-2-start"]
    assert (start.anchor, start.edge, start.before) == (
        "phase:phase-2",
        ReminderEdge.START,
        (dt.timedelta(hours=1),),
    )


UN_LANGUAGES = {"ar", "zh", "en", "fr", "ru", "es"}


def every_text(value: object, path: str = "") -> Iterator[tuple[str, Text]]:
    """Every Text in ``value`` (attrs classes, tuples and mappings), with its field path."""
    if isinstance(value, Text):
        yield path, value
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            yield from every_text(getattr(value, field.name), f"{path}.{field.name}")
    elif isinstance(value, tuple | list):
        for index, element in enumerate(value):
            yield from every_text(element, f"{path}[{index}]")
    elif isinstance(value, Mapping):
        for key, element in value.items():
            yield from every_text(element, f"{path}.{key}")


def test_every_text_is_in_the_six_un_languages(ocp: Consultation) -> None:
    texts = dict(every_text(ocp))
    assert len(texts) > 100  # titles, notes, places, fields, options: all of them
    for path, text in texts.items():
        if not text:
            continue  # an unset text (a place without a room) is unset in every language
        assert set(text.values) == UN_LANGUAGES, path
        assert all(v.strip() for v in text.values.values()), path


def test_translations_keep_every_number_of_the_spanish_original(ocp: Consultation) -> None:
    # Dates, resolution numbers, SDG and Action Line numbers: a translation that drops or
    # changes one has changed a fact of the letter.
    for path, text in every_text(ocp):
        if not text:
            continue
        numbers = set(re.findall(r"\d+", text.values["es"]))
        for language, value in text.values.items():
            assert numbers <= set(re.findall(r"\d+", value)), (path, language, value)


@pytest.mark.parametrize(
    ("language", "marker"),
    [
        ("en", "Translation of the Spanish original"),
        ("fr", "Traduction de l'original espagnol"),
        ("ru", "Перевод с испанского оригинала"),
        ("ar", "ترجمة عن الأصل الإسباني"),
        ("zh", "译自西班牙文原文"),
    ],
)
def test_every_translation_says_it_translates_the_spanish_original(
    ocp: Consultation, language: str, marker: str
) -> None:
    assert marker in ocp.source(language)
    assert "traducción" not in ocp.source("es").lower()


def test_call_fields_the_letter_does_not_state_are_marked_illustrative(
    ocp: Consultation,
) -> None:
    # Issue 12: the letter names workshop requests and facilitator nominations but not
    # their contents, so every declared field is listed in its call's `inferred`.
    workshops = ocp.call("workshop-requests")
    assert [f.key for f in workshops.fields] == [
        "organisers",
        "format",
        "speakers",
        "action_lines",
        "sdgs",
    ]
    nominations = ocp.call("hlt-facilitator-nominations")
    assert [f.key for f in nominations.fields][:1] == ["nominee"]
    for call in (workshops, nominations):
        assert {f"fields.{f.key}" for f in call.fields} <= set(call.inferred)
    groups = [o.value for o in nominations.field("nominee_group").options]  # type: ignore[union-attr]
    assert groups == [g.id for g in ocp.groups]
    assert [o.value for o in workshops.field("action_lines").options] == [  # type: ignore[union-attr]
        f"C{i}" for i in range(1, 12)
    ]
