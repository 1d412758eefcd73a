"""Bad consultation files: one clear, located message per problem, never a traceback."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from consultkit.config.loader import load_consultation, loads_consultation
from consultkit.errors import ConfigError, Problem

if TYPE_CHECKING:
    from pathlib import Path

HEAD = """\
id = "c"
zone = "Europe/Zurich"
languages = ["en"]
title = { en = "T" }

[[groups]]
id = "governments"
name = { en = "Governments" }
"""


def problems(text: str) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        loads_consultation(text, file="c.toml")
    assert caught.value.problems
    return list(caught.value.problems)


def one(text: str) -> Problem:
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


def phase(window: str, extra: str = "") -> str:
    return (
        HEAD
        + f"""
[[phases]]
id = "p1"
ordinal = 1
title = {{ en = "P" }}
window = {window}
{extra}"""
    )


def test_a_minimal_file_loads() -> None:
    consultation = loads_consultation(HEAD)
    assert consultation.id == "c"
    assert consultation.groups[0].id == "governments"


def test_unknown_zone_suggests_the_iana_name() -> None:
    problem = one(HEAD.replace("Europe/Zurich", "Europe/Geneva"))
    assert problem.path == "zone"
    assert problem.line == 2
    assert "unknown time zone 'Europe/Geneva'" in str(problem.message)
    assert problem.hint is not None and "Europe/Zurich" in str(problem.hint)
    assert str(problem).startswith("c.toml:2: zone: unknown time zone")


def test_end_before_start_names_the_end_field_and_its_line() -> None:
    problem = one(
        phase('{ kind = "exact", start = 2019-06-04T17:00:00, end = 2019-06-04T16:00:00 }')
    )
    assert problem.path == "phases[0].window.end"
    assert problem.line == 14
    assert "ends before it starts" in str(problem.message)


def test_window_tables_report_the_line_of_the_bad_key() -> None:
    text = (
        HEAD
        + """
[[phases]]
id = "p1"
ordinal = 1
title = { en = "P" }
window = { kind = "unscheduled" }

[[phases]]
id = "p2"
ordinal = 2
title = { en = "Q" }

[phases.window]
kind = "days"
first = 2019-11-29
last = 2019-11-25
"""
    )
    problem = one(text)
    assert problem.path == "phases[1].window.last"
    assert problem.line == 24
    # Both problems are reported when phases[0] is wrong too.
    text = text.replace('window = { kind = "unscheduled" }', "window = 3", 1)
    paths = {p.path for p in problems(text)}
    assert paths == {"phases[0].window", "phases[1].window.last"}


def test_unknown_stakeholder_group_in_a_call() -> None:
    text = (
        HEAD
        + """
[[calls]]
id = "k"
kind = "contribution"
title = { en = "K" }
groups = ["governments", "goverments2"]
"""
    )
    problem = one(text)
    assert problem.path == "calls[0].groups[1]"
    assert "unknown stakeholder group 'goverments2'" in str(problem.message)
    assert str(problem.hint) == "did you mean 'governments'?"
    assert problem.line == 14


def test_a_date_that_does_not_exist_is_a_toml_error_with_line() -> None:
    problem = one(phase('{ kind = "days", first = 2020-02-30, last = 2020-03-01 }'))
    assert problem.line == 14
    assert "not valid TOML" in str(problem.message)
    assert problem.hint is not None and "30 February" in str(problem.hint)


def test_a_time_in_the_spring_gap_is_refused() -> None:
    problem = one(
        phase('{ kind = "exact", start = 2020-03-29T02:30:00, end = 2020-03-29T04:00:00 }')
    )
    assert problem.path == "phases[0].window.start"
    assert "does not exist in Europe/Zurich" in str(problem.message)


def test_a_time_in_the_autumn_fold_asks_for_an_offset() -> None:
    text = phase('{ kind = "exact", start = 2019-10-27T02:30:00, end = 2019-10-27T04:00:00 }')
    problem = one(text)
    assert problem.path == "phases[0].window.start"
    assert "happens twice" in str(problem.message)
    assert problem.hint is not None and "+02:00" in str(problem.hint)
    fixed = loads_consultation(text.replace("02:30:00,", "02:30:00+01:00,"))
    start = fixed.phases[0].window.earliest()
    assert start == dt.datetime(2019, 10, 27, 1, 30, tzinfo=dt.UTC)


def test_duplicate_ids() -> None:
    text = (
        phase('{ kind = "unscheduled" }')
        + """
[[phases]]
id = "p1"
ordinal = 2
title = { en = "Again" }
window = { kind = "unscheduled" }
"""
    )
    problem = one(text)
    assert problem.path == "phases[1].id"
    assert "duplicate id 'p1'" in str(problem.message)
    assert problem.line == 17


def test_unknown_keys_suggest_close_matches() -> None:
    found = problems('websit = "https://example.org"\n' + HEAD)
    assert [(p.path, str(p.message), str(p.hint)) for p in found] == [
        ("websit", "unknown key 'websit'", "did you mean 'website'?")
    ]
    assert found[0].line == 1
    found = problems(phase('{ kind = "days", first = 2020-01-01, lst = 2020-01-02 }'))
    assert [(p.path, str(p.hint)) for p in found] == [
        ("phases[0].window.lst", "did you mean 'last'?"),
        ("phases[0].window.last", "add last = …"),
    ]


def test_unknown_window_kind_and_enum_values_suggest() -> None:
    problem = one(phase('{ kind = "day", first = 2020-01-01, last = 2020-01-02 }'))
    assert problem.path == "phases[0].window.kind"
    assert str(problem.hint) == "did you mean 'days'?"
    problem = one(phase('{ kind = "unscheduled" }', 'status = "canceled"'))
    assert problem.path == "phases[0].status"
    assert problem.hint is not None and "did you mean 'cancelled'?" in str(problem.hint)


def test_wrong_types_are_not_coerced() -> None:
    text = HEAD.replace('id = "c"', "id = 7").replace('languages = ["en"]', 'languages = "en"')
    found = {p.path: str(p.message) for p in problems(text)}
    assert found["id"].startswith("expected a string, got an integer")
    assert found["languages"].startswith("expected an array, got a string")


def test_missing_required_fields() -> None:
    found = problems('id = "c"\n')
    assert {p.path for p in found} == {"zone", "languages", "title"}
    assert all(str(p.message) == "required field is missing" for p in found)


def test_references_to_phases_calls_and_anchors() -> None:
    text = (
        phase('{ kind = "days", first = 2020-01-01, last = 2020-01-02 }')
        + """
[[calls]]
id = "k"
kind = "contribution"
title = { en = "K" }
opens_with = "p2"
closes_with = "p1"

[[reminders]]
id = "r"
anchor = "call:kk"
before = ["P1D"]
"""
    )
    found = {p.path: p for p in problems(text)}
    assert set(found) == {"calls[0].opens_with", "calls[0].closes_with", "reminders[0].anchor"}
    assert "has no deadline" in str(found["calls[0].closes_with"].message)
    assert str(found["reminders[0].anchor"].hint) == "did you mean 'k'?"


def test_syntax_errors_carry_line_and_column() -> None:
    problem = one('id = "c"\nzone = \n')
    assert problem.line == 2
    assert "column" in str(problem.message)


def test_files_that_do_not_exist_or_are_not_utf8(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_consultation(tmp_path / "missing.toml")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes('id = "c"\ntitle = { en = "Caf\xe9" }\n'.encode("latin-1"))
    with pytest.raises(ConfigError) as caught:
        load_consultation(bad)
    assert caught.value.problems[0].line == 2
    assert "UTF-8" in str(caught.value.problems[0].message)


def test_every_problem_is_reported_at_once() -> None:
    text = 'extra = 1\nissued = "2019-05-31"\n' + HEAD.replace("Europe/Zurich", "Mars/Olympus")
    assert {p.path for p in problems(text)} == {"zone", "extra", "issued"}


def test_an_unknown_zone_is_one_problem_even_with_windows_that_rely_on_it() -> None:
    text = phase('{ kind = "days", first = 2020-02-03, last = 2020-02-04 }')
    found = problems(text.replace("Europe/Zurich", "Europe/Geneva"))
    assert [(p.path, p.line) for p in found] == [("zone", 2)]
    # ... and the other problems of the file are still found.
    text = phase('{ kind = "days", first = 2020-02-04, last = 2020-02-03 }')
    text = text.replace("ordinal = 1", "ordinal = '1'")
    found = problems(text.replace("Europe/Zurich", "Europe/Geneva"))
    assert [p.path for p in found] == ["zone", "phases[0].ordinal", "phases[0].window.last"]


def test_toml_syntax_errors_name_the_field_when_the_line_tells() -> None:
    problem = one(phase('{ kind = "days", first = 2020-02-30, last = 2020-03-01 }'))
    assert (problem.path, problem.line) == ("phases[0].window.first", 14)
    problem = one(HEAD.replace('id = "c"\n', 'id = "c"\nissued = 2019-02-30\n'))
    assert (problem.path, problem.line) == ("issued", 2)
    problem = one(HEAD.replace('id = "c"\n', 'id = "c"\nid = "d"\n'))
    assert (problem.path, problem.line) == ("id", 2)
    assert str(problem.hint) == "a key or table is written twice; keep one"
    assert str(problem).startswith("c.toml:2: id: not valid TOML: Cannot overwrite a value")


def test_a_string_where_a_table_belongs_is_a_message_for_people() -> None:
    problem = one(HEAD.replace('id = "c"\n', 'id = "c"\ncontact = "Gitanjali Sah"\n'))
    assert problem.path == "contact"
    assert str(problem.message) == "expected a table, got a string ('Gitanjali Sah')"
    assert str(problem.hint) == "write { name = …, phone = …, fax = … }"
    problem = one(phase('{ kind = "unscheduled" }', 'place = "Room A"'))
    assert (problem.path, str(problem.message)[:24]) == (
        "phases[0].place",
        "expected a table, got a ",
    )


def test_hints_for_quoted_numbers_months_and_times_in_the_spring_gap() -> None:
    problem = one(phase('{ kind = "unscheduled" }').replace("ordinal = 1", 'ordinal = "2"'))
    assert (problem.path, str(problem.hint)) == ("phases[0].ordinal", "remove the quotes")
    # A key written twice on the last line, without a newline: tomllib says "end of document".
    problem = one(phase('{ kind = "unscheduled" }', 'ordinal = "2"').rstrip("\n"))
    assert (problem.path, problem.line) == ("phases[0].ordinal", 15)
    problem = one(phase('{ kind = "months", first = "2020-01", last = "2020-13" }'))
    assert str(problem.hint) == "write the year and the month as a string: '2020-01'"
    problem = one(
        HEAD + '[[calls]]\nid = "k"\nkind = "x"\ntitle = { en = "K" }\n'
        "opens_at = 2020-03-29T02:30:00\n"
    )
    assert problem.path == "calls[0].opens_at"
    assert str(problem.hint) == "pick a time that exists in that zone"


def test_an_empty_file_is_one_problem(tmp_path: Path) -> None:
    for text in ("", "\n", "# only a comment\n"):
        problem = one(text)
        assert str(problem.message) == "the file holds no consultation (it is empty)"
        assert problem.hint is not None and "examples/wsis2020/consultation.toml" in str(
            problem.hint
        )


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_consultation(tmp_path)
    (problem,) = caught.value.problems
    assert str(problem.message).startswith("cannot read")
    assert str(problem.hint) == "give the path of a consultation .toml file, not of a directory"


def test_line_numbers_count_newlines_only() -> None:
    # U+2028 inside a string is no line break in TOML; the line of the error must not move.
    text = HEAD.replace('title = { en = "T" }', 'title = { en = "T\u2028T" }')
    problem = one(text + '[[calls]]\nid = "k"\nkind = 1\ntitle = { en = "K" }\n')
    assert (problem.path, problem.line) == ("calls[0].kind", 11)


def call(deadline: str) -> str:
    return (
        HEAD
        + f"""
[[calls]]
id = "c1"
kind = "contribution"
title = {{ en = "C" }}
deadline = {deadline}
"""
    )


# Windows are a cattrs tagged union on ``kind``; these pin the messages its checks keep.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            phase("{ }"),
            "phases[0].window.kind: the window has no kind (add kind = one of"
            " 'exact', 'days', 'months', 'deadline', 'unscheduled')",
        ),
        (
            phase("{ kind = 3 }"),
            "phases[0].window.kind: unknown window kind 3 (use one of 'exact',"
            " 'days', 'months', 'deadline', 'unscheduled')",
        ),
        (
            phase('{ kind = "unscheduled", first = 1 }'),
            "phases[0].window.first: unknown key 'first' (a 'unscheduled' window"
            " takes ('kind', 'zone'))",
        ),
        (
            phase('{ kind = "deadline", day = 2020-02-03, rule = "at-time" }'),
            "phases[0].window.time: the at-time rule needs a time (add time = 12:00:00)",
        ),
        (
            call("3"),
            "calls[0].deadline: expected a deadline table, got an integer (3)"
            " (write e.g. { day = 2020-02-03 } (end of day in the consultation's zone))",
        ),
        (
            call('{ kind = "days", day = 2020-02-03 }'),
            "calls[0].deadline.kind: a deadline has kind = 'deadline' (remove the kind)",
        ),
    ],
)
def test_window_messages_survive_the_tagged_union(text: str, expected: str) -> None:
    problem = str(one(text))
    assert problem.startswith("c.toml:")
    assert problem.partition(": ")[2] == expected


def _run(args: list[str], lang: str) -> tuple[int, list[str]]:
    from click.testing import CliRunner

    from consultkit.cli import cli

    env = {"LANG": lang, "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": "1000"}
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    return result.exit_code, result.stderr.splitlines()


_LOCATED = r"(?P<where>\S+\.toml:\d+: [\w.\[\]]+): (?P<said>.*)"


def test_validate_explains_in_the_locales_language_at_the_same_places(tmp_path: Path) -> None:
    import re

    config = tmp_path / "broken.toml"
    config.write_text(
        phase(
            '{ kind = "days", first = 2020-02-04, last = 2020-02-03 }', 'status = "maybe"'
        ).replace("Europe/Zurich", "Europe/Geneva"),
        encoding="utf-8",
    )
    code, english = _run(["validate", str(config)], "C")
    assert code == 2
    code, french = _run(["validate", str(config)], "fr_FR.UTF-8")
    assert code == 2
    said = [re.fullmatch("error: " + _LOCATED, line) for line in english]
    dit = [re.fullmatch("erreur : " + _LOCATED, line) for line in french]
    assert all(said) and all(dit), (english, french)
    assert [m["where"] for m in dit if m] == [m["where"] for m in said if m]
    assert [m["where"].split(": ", 1)[1] for m in dit if m] == [
        "zone",
        "phases[0].window.last",
        "phases[0].status",
    ]
    assert [m["said"] for m in dit if m] == [
        "fuseau horaire inconnu 'Europe/Geneva' (vouliez-vous dire 'Europe/Zurich' ? Utilisez"
        " un nom de fuseau IANA)",
        "le dernier jour est antérieur au premier jour (intervertissez-les ou corrigez l'un d'eux)",
        "'maybe' n'est pas autorisé ici (utilisez l'une des valeurs 'confirmed', 'tentative',"
        " 'cancelled')",
    ]


def test_a_commands_lang_words_the_files_errors(tmp_path: Path) -> None:
    config = tmp_path / "broken.toml"
    config.write_text(HEAD.replace('id = "c"', "id = 7"), encoding="utf-8")
    code, lines = _run(["timeline", str(config), "--lang", "es"], "C")
    assert code == 2
    assert lines == [
        f"error: {config}:1: id: se esperaba una cadena, se recibió un entero (7)"
        " (ponga el valor entre comillas)"
    ]
