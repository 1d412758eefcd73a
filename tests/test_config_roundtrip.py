"""Configuration round trips (dump then load gives an equal model) and loader fuzzing."""

from __future__ import annotations

import datetime as dt
import string
import tomllib
from typing import Any

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st

from consultkit.config.loader import (
    dump_consultation,
    loads_consultation,
    structure_consultation,
)
from consultkit.domain.model import (
    Activity,
    Call,
    Consultation,
    Contact,
    ItemStatus,
    Organisation,
    Phase,
    Place,
    RelatedEvent,
    Reminder,
    ReminderEdge,
    StakeholderGroup,
)
from consultkit.domain.text import Text
from consultkit.domain.windows import (
    CutoffRule,
    DayWindow,
    Deadline,
    ExactWindow,
    Month,
    MonthWindow,
    Unscheduled,
)
from consultkit.errors import ConfigError

ZONES = ["Europe/Zurich", "UTC", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"]
ids = st.text(string.ascii_lowercase + string.digits + "-", min_size=1, max_size=8).filter(
    lambda s: s[0] != "-"
)
words = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20)
texts = st.dictionaries(
    st.sampled_from(["en", "es", "fr", "ar", "zh", "ru"]), words, min_size=1
).map(Text)
days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2060, 12, 31))
zones = st.sampled_from(ZONES)


@st.composite
def exact(draw: st.DrawFn, zone: str) -> ExactWindow:
    start = draw(
        st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2060, 1, 1))
    ).replace(microsecond=0)
    utc = pendulum.instance(start.replace(tzinfo=dt.UTC))
    end = utc.add(minutes=draw(st.integers(1, 60 * 24 * 10)))
    return ExactWindow(start=utc.in_timezone(zone), end=end.in_timezone(zone), zone=zone)


@st.composite
def windows(draw: st.DrawFn, default_zone: str) -> Any:
    zone = draw(st.sampled_from([default_zone, *ZONES]))
    kind = draw(st.sampled_from(["exact", "days", "months", "deadline", "unscheduled"]))
    if kind == "exact":
        return draw(exact(zone))
    if kind == "days":
        first = draw(days)
        return DayWindow(
            first=first, last=first + dt.timedelta(days=draw(st.integers(0, 9))), zone=zone
        )
    if kind == "months":
        first = Month(draw(st.integers(1990, 2060)), draw(st.integers(1, 12)))
        return MonthWindow(
            first=first, last=first.next() if draw(st.booleans()) else first, zone=zone
        )
    if kind == "deadline":
        return draw(deadlines(zone))
    return Unscheduled(zone=zone)


@st.composite
def deadlines(draw: st.DrawFn, zone: str) -> Deadline:
    rule = draw(st.sampled_from(list(CutoffRule)))
    time = (
        dt.time(draw(st.integers(9, 15)), draw(st.integers(0, 59)))
        if rule is CutoffRule.AT_TIME
        else None
    )
    return Deadline(day=draw(days), zone=zone, rule=rule, time=time)


def unique(items: list[Any]) -> tuple[Any, ...]:
    seen: dict[str, Any] = {}
    for item in items:
        seen.setdefault(item.id, item)
    return tuple(seen.values())


@st.composite
def consultations(draw: st.DrawFn) -> Consultation:
    zone = draw(zones)
    groups = unique(
        draw(
            st.lists(
                st.builds(
                    StakeholderGroup,
                    id=ids,
                    name=texts,
                    mappings=st.dictionaries(ids, words, max_size=2),
                ),
                max_size=3,
            )
        )
    )
    group_ids = [g.id for g in groups]
    phase_list = []
    for ordinal, phase_id in enumerate(draw(st.lists(ids, unique=True, max_size=4)), start=1):
        place = draw(
            st.none()
            | st.builds(
                Place,
                venue=texts,
                online_url=st.none() | st.just("https://example.org/room"),
                remote_participation=st.booleans(),
                inferred=st.just(("venue",)) | st.just(()),
            )
        )
        phase_list.append(
            Phase(
                id=phase_id,
                ordinal=ordinal,
                title=draw(texts),
                window=draw(windows(zone)),
                status=draw(st.sampled_from(list(ItemStatus))),
                place=place,
                activities=unique(
                    draw(st.lists(st.builds(Activity, id=ids, title=texts), max_size=2))
                ),
                groups=tuple(draw(st.lists(st.sampled_from(group_ids), max_size=2, unique=True)))
                if group_ids
                else (),
                inferred=tuple(draw(st.lists(st.just("window"), max_size=1))),
            )
        )
    phases = tuple(phase_list)
    deadline_phases = [p.id for p in phases if isinstance(p.window, Deadline)]
    call_list = []
    for call_id in draw(st.lists(ids, unique=True, max_size=3)):
        opens = draw(st.sampled_from(["none", "at", "with"]))
        closes = draw(st.sampled_from(["none", "own", "with"]))
        call_list.append(
            Call(
                id=call_id,
                kind=draw(st.sampled_from(["contribution", "nomination"])),
                title=draw(texts),
                opens_at=pendulum.datetime(2019, 6, 4, 14, tz="UTC") if opens == "at" else None,
                opens_with=phases[0].id if opens == "with" and phases else None,
                deadline=draw(deadlines(zone)) if closes == "own" else None,
                closes_with=deadline_phases[0] if closes == "with" and deadline_phases else None,
                binding=draw(st.booleans()),
                groups=tuple(draw(st.lists(st.sampled_from(group_ids), max_size=2, unique=True)))
                if group_ids
                else (),
            )
        )
    calls = tuple(call_list)
    events = unique(
        draw(
            st.lists(
                st.builds(
                    RelatedEvent,
                    id=ids,
                    title=texts,
                    window=windows(zone),
                    url=st.none() | st.just("https://example.org"),
                ),
                max_size=2,
            )
        )
    )
    reminders: tuple[Reminder, ...] = ()
    if phases:
        reminders = (
            Reminder(
                id="r1",
                anchor=f"phase:{phases[0].id}",
                edge=draw(st.sampled_from([ReminderEdge.START, ReminderEdge.END])),
                before=tuple(
                    draw(
                        st.lists(
                            st.timedeltas(
                                min_value=dt.timedelta(0), max_value=dt.timedelta(days=30)
                            ).map(lambda d: dt.timedelta(seconds=int(d.total_seconds()))),
                            max_size=3,
                        )
                    )
                ),
            ),
        )
    return Consultation(
        id=draw(ids),
        title=draw(texts),
        zone=zone,
        languages=tuple(
            draw(st.lists(st.sampled_from(["en", "es", "fr", "ar"]), min_size=1, unique=True))
        ),
        description=draw(st.just(Text({})) | texts),
        reference=draw(st.none() | words),
        issued=draw(st.none() | days),
        organisers=unique(draw(st.lists(st.builds(Organisation, id=ids, name=texts), max_size=2))),
        contact=draw(
            st.builds(Contact, name=st.none() | words, email=st.none() | st.just("a@example.org"))
        ),
        groups=groups,
        phases=phases,
        calls=calls,
        events=events,
        reminders=reminders,
    )


@settings(max_examples=80)
@given(consultations())
def test_dump_then_load_gives_an_equal_model(consultation: Consultation) -> None:
    text = dump_consultation(consultation)
    loaded = loads_consultation(text)
    assert loaded == consultation
    assert dump_consultation(loaded) == text


def test_the_example_round_trips() -> None:
    from consultkit.config.loader import load_consultation

    example = load_consultation("examples/wsis2020/consultation.toml")
    assert loads_consultation(dump_consultation(example)) == example


toml_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True)
    | st.text(max_size=12)
    | st.sampled_from(
        ["exact", "days", "months", "deadline", "Europe/Zurich", "P1D", "2020-01", "phase:p"]
    )
    | st.dates()
    | st.datetimes(timezones=st.none() | st.just(dt.UTC))
    | st.times(),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "kind",
                    "start",
                    "end",
                    "first",
                    "last",
                    "day",
                    "zone",
                    "window",
                    "title",
                    "en",
                    "x",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=15,
)

top_keys = st.sampled_from(
    [
        "id",
        "zone",
        "languages",
        "title",
        "phases",
        "calls",
        "groups",
        "events",
        "reminders",
        "issued",
        "contact",
        "bogus",
    ]
)


@settings(max_examples=200)
@given(st.dictionaries(top_keys, toml_values, max_size=8))
def test_any_structured_input_gives_a_model_or_a_config_error(data: dict[str, Any]) -> None:
    try:
        structure_consultation(data)
    except ConfigError as exc:
        assert exc.problems
        # Every problem can be worded, in English and in another language.
        assert all(str(p.message) and p.render("fr") for p in exc.problems)


@settings(max_examples=200)
@given(st.text(alphabet='abcdeiklnoprstwz[]{}=".,-:0123456789 \n#', max_size=200))
def test_any_text_gives_a_model_or_a_config_error(text: str) -> None:
    try:
        loads_consultation(text, file="fuzz.toml")
    except ConfigError as exc:
        assert exc.problems


@settings(max_examples=100)
@given(consultations(), st.data())
def test_mutated_valid_files_give_a_model_or_a_config_error(
    consultation: Consultation, data: st.DataObject
) -> None:
    document = tomllib.loads(dump_consultation(consultation))
    key = data.draw(st.sampled_from(sorted(document)))
    document[key] = data.draw(toml_values)
    try:
        structure_consultation(document)
    except ConfigError as exc:
        assert exc.problems
