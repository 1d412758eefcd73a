"""Calls with their own fields (issue 12): declarations, checks and the JSON Schema agree."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import attrs
import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from consultkit.config.loader import dump_consultation, loads_consultation
from consultkit.domain.fields import (
    COUNTRY_CODES,
    UN_REGIONS,
    AnyField,
    ChoiceField,
    CountryField,
    DateField,
    EmailField,
    FileField,
    MultipleChoiceField,
    NumberField,
    Option,
    PeopleField,
    TextField,
    UnRegionField,
    UrlField,
    YesNoField,
    call_schema,
    values_problems,
)
from consultkit.domain.text import Text
from consultkit.errors import ConfigError, Problem

HEAD = """\
id = "c"
zone = "Europe/Zurich"
languages = ["es", "en"]
title = { es = "T", en = "T" }

[[calls]]
id = "workshops"
kind = "request"
title = { es = "Talleres", en = "Workshops" }
"""


def problems(text: str) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        loads_consultation(text, file="c.toml")
    return list(caught.value.problems)


# --------------------------------------------------------------------------- loading


def test_a_declaration_loads_and_round_trips() -> None:
    text = (
        HEAD
        + """
[[calls.fields]]
key = "format"
kind = "choice"
label = { es = "Formato", en = "Format" }
help = { es = "Cómo será la sesión", en = "How the session runs" }
required = true
public = true
options = [{ value = "panel", label = { es = "Panel", en = "Panel" } }]

[[calls.fields]]
key = "summary"
kind = "text"
label = { es = "Resumen", en = "Summary" }
max_words = 300

[[calls.fields]]
key = "speakers"
kind = "people"
label = { es = "Oradores", en = "Speakers" }
min_people = 1
max_people = 6

[[calls.fields]]
key = "budget"
kind = "number"
label = { es = "Presupuesto", en = "Budget" }
minimum = 0
maximum = 1.5e6

[[calls.fields]]
key = "paper"
kind = "file"
label = { es = "Documento", en = "Paper" }
types = ["pdf", "docx"]
max_bytes = 5_000_000
"""
    )
    consultation = loads_consultation(text)
    fields = consultation.call("workshops").fields
    assert [type(f) for f in fields] == [
        ChoiceField,
        TextField,
        PeopleField,
        NumberField,
        FileField,
    ]
    assert fields[0].public and fields[0].required
    assert consultation.call("workshops").field("summary") == fields[1]
    assert loads_consultation(dump_consultation(consultation)) == consultation


def test_calls_without_fields_load_as_before() -> None:
    consultation = loads_consultation(HEAD)
    assert consultation.call("workshops").fields == ()
    assert "fields" not in dump_consultation(consultation)


@pytest.mark.parametrize(
    ("declaration", "path", "message", "hint"),
    [
        ('kind = "text"\nlabel = { en = "S" }', "label", "no text in es", "add es = …"),
        (
            'kind = "text"\nlabel = { es = "S", en = "S" }\nhelp = { es = "a" }',
            "help",
            "no text in en",
            "add en = …",
        ),
        (
            'kind = "text"\nlabel = { es = "S", en = "S" }\nmax_word = 3',
            "max_word",
            "unknown key 'max_word'",
            "did you mean 'max_words'?",
        ),
        ('kind = "numbr"\nlabel = { es = "S", en = "S" }', "kind", "unknown field kind", "number"),
        ('label = { es = "S", en = "S" }', "kind", "the field has no kind", "add kind"),
        (
            'kind = "number"\nlabel = { es = "S", en = "S" }\nminimum = "3"',
            "minimum",
            "expected a number, got a string",
            "without quotes",
        ),
        (
            'kind = "text"\nlabel = { es = "S", en = "S" }\nmin_words = 5\nmax_words = 2',
            "max_words",
            "max_words is below min_words",
            "swap",
        ),
        ('kind = "choice"\nlabel = { es = "S", en = "S" }', "options", "needs options", "add"),
        (
            'kind = "file"\nlabel = { es = "S", en = "S" }\ntypes = [".pdf"]',
            "types[0]",
            "not a file ending",
            "without the dot",
        ),
    ],
)
def test_a_bad_declaration_is_a_located_error(
    declaration: str, path: str, message: str, hint: str
) -> None:
    text = HEAD + f'\n[[calls.fields]]\nkey = "summary"\n{declaration}\n'
    found = problems(text)
    assert len(found) == 1, found
    problem = found[0]
    assert problem.path == f"calls[0].fields[0].{path}"
    assert message in str(problem.message)
    assert problem.hint is not None and hint in str(problem.hint)
    assert problem.line is not None and problem.line > HEAD.count("\n")


def test_duplicate_and_malformed_keys_are_refused() -> None:
    field = '[[calls.fields]]\nkey = "{key}"\nkind = "yes-no"\nlabel = {{ es = "S", en = "S" }}\n'
    text = HEAD + field.format(key="a") + field.format(key="a") + field.format(key="Bad Key")
    found = {(p.path, str(p.message)) for p in problems(text)}
    assert any(p == "calls[0].fields[1].key" and "duplicate key 'a'" in m for p, m in found)
    assert any(p == "calls[0].fields[2].key" and "not a field key" in m for p, m in found)


# --------------------------------------------------------------------------- strategies

LABEL = Text({"en": "Label", "es": "Etiqueta"})
KEY = "answer"

_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


def _bounds(value: int) -> st.SearchStrategy[tuple[int | None, int | None]]:
    return st.tuples(st.none() | st.integers(0, value), st.none() | st.integers(value, value + 20))


@st.composite
def texts(draw: st.DrawFn) -> tuple[AnyField, Any]:
    words = draw(st.lists(st.text(st.characters(exclude_categories=("Z", "C")), min_size=1)))
    space = draw(st.sampled_from([" ", "  ", "\n", "\t", "\u3000"]))
    value = space.join(words)
    if draw(st.booleans()):
        value = space + value + space
    low_c, high_c = draw(_bounds(len(value)))
    low_w, high_w = draw(_bounds(len(value.split())))
    required = bool(value.strip()) and draw(st.booleans())
    field = TextField(
        key=KEY,
        label=LABEL,
        required=required,
        min_characters=low_c,
        max_characters=high_c,
        min_words=low_w,
        max_words=high_w,
    )
    return field, value


_option_values = st.lists(
    st.text(st.characters(exclude_characters="\x00"), min_size=1, max_size=8).filter(str.strip),
    min_size=1,
    max_size=6,
    unique=True,
)


def _options(values: list[str]) -> tuple[Option, ...]:
    return tuple(Option(value=v, label=LABEL) for v in values)


@st.composite
def choices(draw: st.DrawFn) -> tuple[AnyField, Any]:
    values = draw(_option_values)
    return ChoiceField(key=KEY, label=LABEL, options=_options(values)), draw(
        st.sampled_from(values)
    )


@st.composite
def multiple_choices(draw: st.DrawFn) -> tuple[AnyField, Any]:
    values = draw(_option_values)
    chosen = draw(st.lists(st.sampled_from(values), unique=True))
    low, high = draw(_bounds(len(chosen)))
    field = MultipleChoiceField(
        key=KEY,
        label=LABEL,
        options=_options(values),
        min_choices=low,
        max_choices=high,
        required=bool(chosen) and draw(st.booleans()),
    )
    return field, chosen


@st.composite
def numbers(draw: st.DrawFn) -> tuple[AnyField, Any]:
    value = draw(st.integers(-(10**9), 10**9) | st.floats(allow_nan=False, allow_infinity=False))
    low = draw(st.none() | st.floats(max_value=value, allow_nan=False, allow_infinity=False))
    high = draw(st.none() | st.floats(min_value=value, allow_nan=False, allow_infinity=False))
    integral = isinstance(value, int) or value.is_integer()
    field = NumberField(
        key=KEY, label=LABEL, minimum=low, maximum=high, integer=integral and draw(st.booleans())
    )
    return field, value


_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
_hosts = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(_label, min_size=1, max_size=3),
    st.sampled_from(["org", "int", "ch"]),
)
emails = st.builds(
    lambda local, host: f"{local}@{host}",
    st.from_regex(r"[a-z0-9._+-]{1,12}", fullmatch=True),
    _hosts,
)
urls = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}{path}",
    st.sampled_from(["http", "https"]),
    _hosts,
    st.sampled_from(["", "/", "/forum/2020", "/a?b=c#d"]),
)


@st.composite
def people(draw: st.DrawFn) -> tuple[AnyField, Any]:
    person = st.fixed_dictionaries(
        {
            "name": st.text(st.characters(exclude_characters="\x00"), min_size=1).filter(str.strip),
            "consent_publish": st.booleans(),
        },
        optional={
            "email": emails,
            "organisation": st.text(st.characters(exclude_characters="\x00")),
            "country": st.sampled_from(COUNTRY_CODES),
        },
    )
    value = draw(st.lists(person, max_size=5))
    low, high = draw(_bounds(len(value)))
    field = PeopleField(
        key=KEY,
        label=LABEL,
        min_people=low,
        max_people=high,
        required=bool(value) and draw(st.booleans()),
    )
    return field, value


@st.composite
def files(draw: st.DrawFn) -> tuple[AnyField, Any]:
    types = draw(st.lists(st.sampled_from(["pdf", "docx", "odt", "PNG"]), unique=True))
    ending = draw(st.sampled_from(types)) if types else "txt"
    stem = draw(
        st.text(st.characters(exclude_categories=("C",), exclude_characters="/\\"), min_size=1)
    )
    ending = draw(st.sampled_from([ending, ending.upper(), ending.lower()]))
    size = draw(st.integers(0, 10**8))
    value: dict[str, Any] = {"name": f"{stem}.{ending}", "size": size}
    if draw(st.booleans()):
        value["media_type"] = "application/pdf"
    # The loader refuses a limit of 0 bytes (at least 1), whatever the size of the value.
    max_bytes = draw(st.none() | st.integers(max(size, 1), 10**9))
    return FileField(key=KEY, label=LABEL, types=tuple(types), max_bytes=max_bytes), value


def _simple(
    cls: type[AnyField], values: st.SearchStrategy[Any]
) -> st.SearchStrategy[tuple[AnyField, Any]]:
    return st.tuples(
        st.builds(cls, key=st.just(KEY), label=st.just(LABEL), required=st.booleans()), values
    )


valid_cases = st.one_of(
    texts(),
    choices(),
    multiple_choices(),
    numbers(),
    people(),
    files(),
    _simple(YesNoField, st.booleans()),
    _simple(DateField, st.dates().map(dt.date.isoformat)),
    _simple(UrlField, urls),
    _simple(EmailField, emails),
    _simple(CountryField, st.sampled_from(COUNTRY_CODES)),
    _simple(UnRegionField, st.sampled_from(list(UN_REGIONS))),
)


@st.composite
def invalid_cases(draw: st.DrawFn) -> tuple[AnyField, Any]:
    """A valid case made invalid: a constraint tightened past the value, or a wrong value."""
    field, value = draw(valid_cases)
    if isinstance(field, TextField) and value:
        return attrs.evolve(field, max_characters=len(value) - 1), value
    if isinstance(field, MultipleChoiceField | PeopleField) and value:
        name = "max_choices" if isinstance(field, MultipleChoiceField) else "max_people"
        return attrs.evolve(field, **{name: len(value) - 1}), value
    if isinstance(field, NumberField):
        if abs(value) < 1e15:  # beyond, value + 1 == value for floats
            return attrs.evolve(field, maximum=None, minimum=value + 1), value
        return field, str(value)
    if isinstance(field, FileField) and value["size"]:
        return attrs.evolve(field, max_bytes=value["size"] - 1), value
    if isinstance(field, ChoiceField):
        return field, value + "\x01"
    if isinstance(field, CountryField | UnRegionField):
        return field, value.lower() + "x"
    if isinstance(field, DateField):
        return field, value.replace("-", "/")
    if isinstance(field, EmailField | UrlField):
        return field, value + " "
    wrong = draw(json_values.filter(lambda v: not isinstance(v, bool | list | dict)))
    return field, wrong


def _schema_accepts(field: AnyField, values: dict[str, Any]) -> bool:
    schema = call_schema((field,))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return bool(validator.is_valid(values))


# --------------------------------------------------------------------------- properties


@given(valid_cases)
def test_a_generated_declaration_accepts_its_generated_valid_values(
    case: tuple[AnyField, Any],
) -> None:
    field, value = case
    assert values_problems((field,), {KEY: value}) == []


@given(invalid_cases())
def test_a_value_outside_its_constraints_is_refused_naming_the_field(
    case: tuple[AnyField, Any],
) -> None:
    field, value = case
    found = values_problems((field,), {KEY: value})
    assert found, (field, value)
    assert all(key == KEY for key, _ in found)


@given(valid_cases | invalid_cases() | st.tuples(valid_cases.map(lambda c: c[0]), json_values))
def test_the_json_schema_accepts_exactly_what_validation_accepts(
    case: tuple[AnyField, Any],
) -> None:
    field, value = case
    if isinstance(value, float) and not math.isfinite(value):
        return
    accepted = not values_problems((field,), {KEY: value})
    assert _schema_accepts(field, {KEY: value}) is accepted, (field, value)


@given(valid_cases.map(lambda c: c[0]))
def test_missing_values_agree_too(field: AnyField) -> None:
    accepted = not values_problems((field,), {})
    assert accepted is not field.required
    assert _schema_accepts(field, {}) is accepted
    unknown = values_problems((field,), {"other": 1})
    assert ("other", "is not a field of this call (fields: answer)") in [
        (key, str(problem)) for key, problem in unknown
    ]
    assert not _schema_accepts(field, {"other": 1})


def _said(problems: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    return [(key, str(problem)) for key, problem in problems]


def test_refusals_say_what_is_wrong() -> None:
    summary = TextField(key="summary", label=LABEL, max_words=3, required=True)
    assert _said(values_problems((summary,), {"summary": "one two three four"})) == [
        ("summary", "it has 4 words; at most 3")
    ]
    assert _said(values_problems((summary,), {"summary": "   "})) == [("summary", "it is empty")]
    assert _said(values_problems((summary,), {})) == [("summary", "is required")]
    country = CountryField(key="country", label=LABEL)
    assert "ISO 3166-1 alpha-2" in _said(values_problems((country,), {"country": "Suiza"}))[0][1]
    speakers = PeopleField(key="speakers", label=LABEL)
    assert _said(values_problems((speakers,), {"speakers": [{"name": "Ana"}]})) == [
        (
            "speakers",
            "person 1: say whether they agree to be published (consent_publish = true/false)",
        )
    ]


# --------------------------------------------------------------------------- round trip

_texts = st.builds(
    lambda es, en: Text({"es": es, "en": en}),
    st.text(st.characters(exclude_categories=("C",)), min_size=1, max_size=8).filter(str.strip),
    st.text(st.characters(exclude_categories=("C",)), min_size=1, max_size=8).filter(str.strip),
)


@given(valid_cases.map(lambda c: c[0]), _texts, st.booleans(), st.booleans())
def test_a_generated_declaration_round_trips_through_the_file(
    field: AnyField, label: Text, required: bool, public: bool
) -> None:
    # Labels in every language of the consultation, as the loader demands.
    options = [attrs.evolve(o, label=label) for o in getattr(field, "options", ())]
    changes: dict[str, Any] = {"label": label, "required": required, "public": public}
    if options:
        changes["options"] = tuple(options)
    declared = attrs.evolve(field, **changes)
    base = loads_consultation(HEAD)
    consultation = attrs.evolve(base, calls=(attrs.evolve(base.calls[0], fields=(declared,)),))
    assert loads_consultation(dump_consultation(consultation)) == consultation


# --------------------------------------------------------------------------- issue 12 rest


def test_date_limits_are_checked_and_given_in_the_schema() -> None:
    field = DateField(
        key="day", label=LABEL, minimum=dt.date(2020, 3, 30), maximum=dt.date(2020, 4, 3)
    )
    assert values_problems((field,), {"day": "2020-03-30"}) == []
    assert values_problems((field,), {"day": "2020-04-03"}) == []
    [(key, early)] = values_problems((field,), {"day": "2020-03-29"})
    assert key == "day" and "before the earliest date allowed, 2020-03-30" in str(early)
    [(_, late)] = values_problems((field,), {"day": "2020-04-04"})
    assert "after the latest date allowed, 2020-04-03" in str(late)
    schema = call_schema((field,))["properties"]["day"]
    assert schema["formatMinimum"] == "2020-03-30" and schema["formatMaximum"] == "2020-04-03"


def _draft_2020_12(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    # No format checker: draft 2020-12 makes ``format`` an annotation, so the limits must
    # hold without one.
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_a_standard_validator_refuses_dates_out_of_range() -> None:
    field = DateField(
        key="day", label=LABEL, minimum=dt.date(2020, 2, 27), maximum=dt.date(2021, 3, 2)
    )
    validator = _draft_2020_12(call_schema((field,)))
    for day in ("2020-02-27", "2020-02-29", "2020-12-31", "2021-01-01", "2021-03-02"):
        assert validator.is_valid({"day": day}), day
    for day in ("2020-02-26", "2021-03-03", "2019-06-01", "2022-01-01", "2021-02-29"):
        assert not validator.is_valid({"day": day}), day
    assert not validator.is_valid({"day": "2020-02-30"})  # not a date at all


@st.composite
def _date_shaped(draw: st.DrawFn) -> str:
    # Four digits, two, two: the shape of a date, including many that are no date.
    year = draw(st.integers(0, 9999))
    month = draw(st.one_of(st.integers(0, 13), st.integers(0, 99)))
    day = draw(st.one_of(st.integers(0, 32), st.integers(0, 99)))
    return f"{year:04d}-{month:02d}-{day:02d}"


def _as_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


@given(
    st.one_of(st.none(), st.dates()),
    st.one_of(st.none(), st.dates()),
    st.lists(st.one_of(_date_shaped(), st.dates().map(dt.date.isoformat)), max_size=20),
)
def test_a_date_fields_pattern_accepts_exactly_the_dates_in_its_range(
    low: dt.date | None, high: dt.date | None, candidates: list[str]
) -> None:
    if low is not None and high is not None and low > high:
        low, high = high, low
    field = DateField(key="day", label=LABEL, minimum=low, maximum=high)
    validator = _draft_2020_12(call_schema((field,)))
    edges = [d.isoformat() for d in (low, high) if d is not None]
    beside = [
        (d + dt.timedelta(days=step)).isoformat()
        for d in (low, high)
        if d is not None
        for step in (-1, 1)
        if dt.date.min + dt.timedelta(days=1) <= d <= dt.date.max - dt.timedelta(days=1)
    ]
    for text in [*candidates, *edges, *beside]:
        day = _as_date(text)
        inside = day is not None and (low is None or low <= day) and (high is None or day <= high)
        assert validator.is_valid({"day": text}) == inside, (text, low, high)


def test_date_limits_load_from_the_file_and_reversed_limits_are_located() -> None:
    text = HEAD + (
        '\n[[calls.fields]]\nkey = "day"\nkind = "date"\nlabel = { es = "Día", en = "Day" }\n'
        "minimum = 2020-04-03\nmaximum = 2020-03-30\n"
    )
    [problem] = problems(text)
    assert problem.path == "calls[0].fields[0].maximum" and problem.line == 16
    fine = loads_consultation(text.replace("maximum = 2020-03-30", "maximum = 2020-04-30"))
    day = fine.calls[0].field("day")
    assert isinstance(day, DateField) and day.maximum == dt.date(2020, 4, 30)
    assert loads_consultation(dump_consultation(fine)) == fine


def test_event_payloads_carry_public_field_values_with_consent() -> None:
    from consultkit.events import SubmissionReceived
    from consultkit.testing.factories import make_submission, wsis_consultation

    wsis = wsis_consultation()
    speakers = [
        {"name": "Ana", "email": "ana@example.org", "consent_publish": True},
        {"name": "Bo", "consent_publish": False},
    ]
    submission = attrs.evolve(
        make_submission(call_id="workshop-requests"),
        fields={"format": "panel", "speakers": speakers, "sdgs": ["SDG4"], "secret": "x"},
    )
    fields = SubmissionReceived(consultation=wsis, submission=submission).payload()["fields"]
    # Speakers only with their own consent and never with an address; undeclared keys never.
    assert fields["speakers"] == [{"name": "Ana", "organisation": None}]
    assert fields["format"] == "panel" and fields["sdgs"] == ["SDG4"]
    assert "secret" not in fields


def test_draft_from_row_reads_field_values() -> None:
    from consultkit.app.application import draft_from_row

    row = {
        "call": "workshop-requests",
        "fields": {"format": "panel"},
        "field.sdgs": ["SDG4"],
        "field.speakers": "",
    }
    assert draft_from_row(row).fields == {"format": "panel", "sdgs": ["SDG4"]}
    with pytest.raises(ValueError, match="fields must be a table"):
        draft_from_row({"call": "x", "fields": ["format"]})
