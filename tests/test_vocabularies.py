"""Tags and themes as the consultation's own vocabularies (issue 12).

C1-C11 and the SDGs were a rule for every consultation; now they are the WSIS example's
``[[vocabularies]]``, and another consultation declares its own, or none.
"""

from __future__ import annotations

import datetime as dt

import pytest

from consultkit.config.loader import dump_consultation, loads_consultation
from consultkit.domain.fields import MultipleChoiceField, values_problems
from consultkit.domain.submission_rules import check_submission
from consultkit.domain.submissions import Draft, Submitter
from consultkit.domain.text import Text
from consultkit.domain.vocabularies import Term, Vocabulary, resolve_tag, term_key
from consultkit.errors import ConfigError, Problem, RuleRefusedError
from consultkit.testing.factories import minimal_consultation, wsis_consultation

HEAD = """\
id = "c"
zone = "Europe/Zurich"
languages = ["es", "en"]
title = { es = "T", en = "T" }

[[calls]]
id = "ideas"
kind = "contribution"
title = { es = "Ideas", en = "Ideas" }
"""

THEMES = """
[[vocabularies]]
id = "themes"
label = { es = "Temas", en = "Themes" }
terms = [
  { id = "water", label = { es = "Agua", en = "Water" }, aliases = ["agua"] },
  { id = "energy", label = { es = "Energía", en = "Energy" } },
]
"""

AT = dt.datetime(2020, 1, 10, 12, tzinfo=dt.UTC)


def draft(call: str = "ideas", **changes: object) -> Draft:
    values: dict[str, object] = {
        "call_id": call,
        "submitter": Submitter(name="Ana", email="ana@example.org", group="civil-society"),
        "title": "An idea",
        "body": "Some text.",
    }
    values.update(changes)
    return Draft(**values)  # type: ignore[arg-type]


def problems(text: str) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        loads_consultation(text, file="c.toml")
    return list(caught.value.problems)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [("C7", "C7"), ("c 11", "C11"), ("sdg4", "SDG4"), ("SDG-17", "SDG17"), (" SDG 01 ", "SDG1")],
)
def test_the_wsis_vocabularies_accept_what_people_type(typed: str, canonical: str) -> None:
    assert resolve_tag(typed, wsis_consultation().vocabularies) == canonical


@pytest.mark.parametrize("typed", ["C0", "C12", "SDG0", "SDG18", "X3", "", "C", "SDGfour"])
def test_the_wsis_vocabularies_refuse_other_tags_naming_them(typed: str) -> None:
    with pytest.raises(ValueError, match=r"'wsis-action-lines' \(C1 to C11\).*'sdgs'"):
        resolve_tag(typed, wsis_consultation().vocabularies)


def test_the_wsis_example_declares_c1_to_c11_and_the_17_sdgs() -> None:
    wsis = wsis_consultation()
    lines, sdgs = wsis.vocabulary("wsis-action-lines"), wsis.vocabulary("sdgs")
    assert [t.id for t in lines.terms] == [f"C{i}" for i in range(1, 12)]
    assert [t.id for t in sdgs.terms] == [f"SDG{i}" for i in range(1, 18)]
    assert lines.label("es") == "Líneas de Acción de la CMSI"
    assert "terms" in lines.inferred  # the numbering is not in the letter
    # The workshop-request fields take their options from the vocabularies.
    field = wsis.call("workshop-requests").field("sdgs")
    assert isinstance(field, MultipleChoiceField) and field.vocabulary == "sdgs"
    assert [o.value for o in field.options] == [t.id for t in sdgs.terms]


def test_a_consultation_without_vocabularies_takes_no_tags() -> None:
    """Before: every consultation accepted C7 (the WSIS rule was hard-coded)."""
    with pytest.raises(RuleRefusedError, match="declares no") as caught:
        check_submission(minimal_consultation(), draft("comments", tags=("C7",)), AT)
    assert caught.value.rule == "tag"


def test_a_consultation_declares_its_own_themes() -> None:
    themes = loads_consultation(HEAD + THEMES, file="c.toml")
    assert check_submission(themes, draft(tags=("Agua", "ENERGY")), AT).draft.tags == (
        "water",
        "energy",
    )
    with pytest.raises(RuleRefusedError, match=r"unknown tag 'C7'.*'themes' \(water, energy\)"):
        check_submission(themes, draft(tags=("C7",)), AT)


def test_a_call_takes_tags_from_the_vocabularies_it_names() -> None:
    text = (
        HEAD
        + 'tag_vocabularies = ["regions"]\n'
        + THEMES
        + THEMES.replace('"themes"', '"regions"')
        .replace('"water"', '"north"')
        .replace('"energy"', '"south"')
    )
    consultation = loads_consultation(text, file="c.toml")
    assert check_submission(consultation, draft(tags=("north",)), AT).draft.tags == ("north",)
    with pytest.raises(RuleRefusedError, match="'regions'"):
        check_submission(consultation, draft(tags=("water",)), AT)


def test_a_field_refusal_names_the_field_and_its_vocabulary() -> None:
    field = wsis_consultation().call("workshop-requests").field("sdgs")
    [(key, problem)] = values_problems((field,), {"sdgs": ["SDG18"]})
    assert key == "sdgs" and "vocabulary 'sdgs'" in str(problem)


@pytest.mark.parametrize(
    ("extra", "path", "message"),
    [
        (
            THEMES.replace('en = "Themes"', 'fr = "Thèmes"'),
            "vocabularies[0].label",
            "no text in en",
        ),
        (THEMES.replace('"energy"', '"water"'), "vocabularies[0].terms[1].id", "duplicate term"),
        (
            '\n[[vocabularies]]\nid = "x"\nlabel = { es = "X", en = "X" }\n',
            "vocabularies[0].terms",
            "needs terms",
        ),
        (THEMES.replace("aliases", "alias"), "vocabularies[0].terms[0].alias", "unknown"),
    ],
)
def test_a_bad_vocabulary_is_a_located_error(extra: str, path: str, message: str) -> None:
    found = problems(HEAD + extra)
    assert any(p.path == path and message in str(p.message) and p.line for p in found), found


def test_a_field_naming_an_unknown_vocabulary_is_a_located_error() -> None:
    text = (
        HEAD
        + (
            '\n[[calls.fields]]\nkey = "theme"\nkind = "choice"\n'
            'label = { es = "Tema", en = "Theme" }\nvocabulary = "themse"\n'
        )
        + THEMES
    )
    [problem] = problems(text)
    assert problem.path == "calls[0].fields[0].vocabulary"
    assert "unknown vocabulary 'themse'" in str(problem.message) and "themes" in str(
        problem.hint or ""
    )
    assert problem.line == 15  # the vocabulary = line


def test_options_and_a_vocabulary_together_are_refused() -> None:
    text = (
        HEAD
        + (
            '\n[[calls.fields]]\nkey = "theme"\nkind = "choice"\n'
            'label = { es = "Tema", en = "Theme" }\nvocabulary = "themes"\n'
            'options = [{ value = "a", label = { es = "A", en = "A" } }]\n'
        )
        + THEMES
    )
    [problem] = problems(text)
    assert problem.path == "calls[0].fields[0].options" and "not both" in str(problem.message)


def test_a_call_naming_an_unknown_tag_vocabulary_is_refused() -> None:
    [problem] = problems(HEAD + 'tag_vocabularies = ["theme"]\n' + THEMES)
    assert problem.path == "calls[0].tag_vocabularies[0]" and "did you mean 'themes'" in str(
        problem.hint or ""
    )


def test_vocabularies_round_trip_through_the_file_format() -> None:
    wsis = wsis_consultation()
    assert loads_consultation(dump_consultation(wsis)) == wsis


def test_term_keys_ignore_case_separators_and_leading_zeros() -> None:
    assert term_key("SDG-04") == term_key("sdg 4") == "sdg4"
    vocabulary = Vocabulary(
        id="v", label=Text.of(en="V"), terms=(Term(id="a-b", label=Text.of(en="AB")),)
    )
    assert vocabulary.term_id("A B") == "a-b" and vocabulary.term_id("") is None


def test_a_vocabulary_reads_its_terms_once_not_per_tag(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14: every tag of every imported row recomputed the key of every term until a
    match (two regexes each): a third of a bulk-imported row's time on the WSIS example."""
    import consultkit.domain.vocabularies as vocabularies

    keyed: list[str] = []
    real = vocabularies.term_key

    def counting(text: str) -> str:
        keyed.append(text)
        return real(text)

    monkeypatch.setattr(vocabularies, "term_key", counting)
    wsis = wsis_consultation().vocabularies
    spellings = sum(1 + len(t.aliases) for v in wsis for t in v.terms)
    for _ in range(100):
        assert resolve_tag("SDG17", wsis) == "SDG17"
        assert resolve_tag("c 7", wsis) == "C7"
    assert len(keyed) <= spellings + 2 * 100


@pytest.mark.parametrize("typed", ["water", "WATER", "agua", "Energy", "en-ergy", "x", "", "__"])
def test_a_term_is_found_as_a_scan_of_the_terms_finds_it(typed: str) -> None:
    """The index gives what the scan in declaration order gives, first term winning."""
    vocabulary = Vocabulary(
        id="v",
        label=Text({"en": "V"}),
        terms=(
            Term(id="water", label=Text({"en": "W"}), aliases=("agua", "energy")),
            Term(id="energy", label=Text({"en": "E"}), aliases=("water",)),
        ),
    )
    wanted = term_key(typed)
    scanned = next(
        (
            t.id
            for t in vocabulary.terms
            if wanted and wanted in {term_key(s) for s in (t.id, *t.aliases)}
        ),
        None,
    )
    assert vocabulary.term_id(typed) == scanned
