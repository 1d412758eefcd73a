"""The catalogue: complete in the six UN languages, faithful to its source, compiled.

consultkit's own words are English messages in the code, extracted into
``locale/consultkit.pot`` and translated in ``locale/LANG/LC_MESSAGES/consultkit.po``
(docs/translating.md). These tests fail when a message is added without extracting it,
when a language misses or empties one, when a translation drops or invents a placeholder,
when a plural has the wrong number of forms, and when a committed ``.mo`` is older than
its ``.po``.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from babel import Locale
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from consultkit.domain.text import UN_LANGUAGES
from consultkit.i18n import LANGUAGES, LOCALE_DIR, messages

if TYPE_CHECKING:
    from collections.abc import Iterable

    from babel.messages.catalog import Catalog

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]")
EXPECTED_PLURALS = {"ar": 6, "en": 2, "es": 3, "fr": 3, "ru": 3, "zh": 1}


def _po(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "consultkit.po").open("rb") as f:
        return read_po(f, locale=language)


def _template() -> Catalog:
    with (LOCALE_DIR / "consultkit.pot").open("rb") as f:
        return read_po(f)


def _keys(catalogue: Iterable[Any]) -> set[tuple[str | None, Any]]:
    return {(m.context, m.id) for m in catalogue if m.id}


def test_the_catalogue_languages_are_the_un_languages() -> None:
    assert set(LANGUAGES) == set(UN_LANGUAGES)
    for language in LANGUAGES:
        assert (LOCALE_DIR / language / "LC_MESSAGES" / "consultkit.po").is_file()


def test_the_template_holds_every_message_the_code_marks() -> None:
    """Extracting again finds exactly the template's messages (run pybabel extract)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mappings = config["tool"]["babel"]["mappings"]
    method_map = [(m["pattern"], m["method"]) for m in mappings]
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, directory_filter=lambda d: ".venv" not in d
    ):
        found.add((context, message))
    assert found == _keys(_template())


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_is_missing_empty_or_fuzzy(language: str) -> None:
    catalogue = _po(language)
    assert _keys(catalogue) == _keys(_template())
    for message in catalogue:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(s.strip() for s in strings), message.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_of_the_english_source(language: str) -> None:
    for message in _po(language):
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            source = set(PLACEHOLDER.findall(message.id[1]))
            for form in message.string:
                # CLDR writes "one" and "two" without the number (Arabic دعوتان), so a
                # plural form may leave out %(num)s, and nothing else.
                assert set(PLACEHOLDER.findall(form)) | {"num"} == source | {"num"}, form
        else:
            assert sorted(PLACEHOLDER.findall(message.string)) == sorted(
                PLACEHOLDER.findall(message.id)
            ), message.id
        assert message.python_format == ("%(" in str(message.id)), message.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_forms_follow_cldr(language: str) -> None:
    catalogue = _po(language)
    rule = get_plural(Locale.parse(language))
    assert catalogue.num_plurals == rule.num_plurals == EXPECTED_PLURALS[language]
    assert catalogue.plural_expr == rule.plural_expr
    for message in catalogue:
        if message.id and isinstance(message.id, tuple):
            assert len(message.string) == rule.num_plurals, message.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_header_asks_for_a_native_speakers_review(language: str) -> None:
    text = (LOCALE_DIR / language / "LC_MESSAGES" / "consultkit.po").read_text("utf-8")
    assert "a native speaker's\n# review is welcome" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_matches_its_po(language: str) -> None:
    """pybabel compile was run after the last change to the .po (the wheel ships the .mo)."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / "consultkit.mo").open("rb") as f:
        compiled = read_mo(f)
    written = _po(language)
    assert _entries(compiled) == _entries(written)
    assert compiled.plural_forms == written.plural_forms


def _entries(catalogue: Catalog) -> dict[tuple[str | None, Any], Any]:
    def plain(value: Any) -> Any:
        return tuple(value) if isinstance(value, list | tuple) else value

    return {(m.context, plain(m.id)): plain(m.string) for m in catalogue if m.id}


def test_plurals_pick_the_languages_own_forms() -> None:
    def calls(language: str, n: int) -> str:
        return messages(language).ngettext("%(num)s call", "%(num)s calls", n)

    assert [calls("ar", n) for n in (0, 1, 2, 3, 11, 100)] == [
        "0 دعوة",
        "دعوة واحدة",
        "دعوتان",
        "3 دعوات",
        "11 دعوةً",
        "100 دعوة",
    ]
    assert [calls("ru", n) for n in (1, 3, 5, 21)] == [
        "1 призыв",
        "3 призыва",
        "5 призывов",
        "21 призыв",
    ]
    assert calls("zh", 5) == "5 项征集"
