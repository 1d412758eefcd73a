"""English reads no catalogue, so the English catalogue must say exactly what the code says.

``consultkit.i18n`` gives English readers the code's own words without reading
``en/LC_MESSAGES/consultkit.mo`` (issue 14: parsing it cost every command 5 ms of start-up).
That is only right while every English translation is its message unchanged; rewording
English belongs in the code, where the message is written.
"""

from __future__ import annotations

import gettext

from babel.messages.pofile import read_po

from consultkit.i18n import LOCALE_DIR, messages


def test_every_english_translation_is_its_message() -> None:
    with (LOCALE_DIR / "en" / "LC_MESSAGES" / "consultkit.po").open("rb") as f:
        catalogue = read_po(f, locale="en")
    reworded = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if any(s and s != i for s, i in zip(strings, ids, strict=False)):
            reworded.append(message.id)
    assert reworded == []


def test_english_words_are_the_code_s_without_a_catalogue() -> None:
    messages.cache_clear()
    try:
        words = messages("en-GB")
        assert type(words.catalogue) is gettext.NullTranslations
        assert words.ngettext("%(num)s row", "%(num)s rows", 1) == "1 row"
        assert words.ngettext("%(num)s row", "%(num)s rows", 2) == "2 rows"
        assert words.pgettext("table heading", "Call") == "Call"
    finally:
        messages.cache_clear()
