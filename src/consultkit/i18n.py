"""consultkit's own words in the reader's language: one gettext catalogue, managed with Babel.

Every fixed word consultkit writes (the command line's tables and messages, the feed's
phrases, the page's and the picture's labels, the e-mails, the web pages) is an English
message in the code, marked with ``gettext``/``ngettext``/``pgettext`` (``_`` in
templates), and translated in ``locale/LANG/LC_MESSAGES/consultkit.po``. The compiled
``.mo`` files are committed and shipped in the wheel; ``tests/test_i18n_catalogue.py``
fails when one is older than its ``.po``. ``docs/translating.md`` gives the workflow
(``pybabel extract``, ``update``, ``compile``).

Look a language up with :func:`messages`; it takes any tag (``ar``, ``ar-EG``,
``zh-Hans-CN``, ``fr_CH``) and falls back to its base language, then to English, one
message at a time. Values are filled in by name, python-format style
(``gettext("Deadline: %(date)s", date=...)``); ``ngettext`` also offers ``num``.

Where the words are written before anyone knows who will read them (an error raised deep in
the loader or the domain, shown later by the command line, a web page or a log), mark them
with :data:`deferred` instead: ``deferred.gettext("no such call %(id)s", id=...)`` makes a
:class:`Text`, which the edge renders in its reader's language (``text.render("ar")``);
``str(text)`` is the English. ``pybabel extract`` finds these calls like any other.

A catalogue is read only when a language is first asked for, by the standard library's
``gettext`` (Babel manages and compiles the catalogues; reading them needs no babel), so
the command line's start-up stays cheap (``benchmarks/bench_startup.py``).
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol

import attrs

from consultkit.value_methods import shared_value_methods

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "Messages",
    "Text",
    "catalogue_language",
    "deferred",
    "environment_language",
    "joined",
    "messages",
    "text_from_json",
    "text_to_json",
]

DOMAIN: Final = "consultkit"
LOCALE_DIR: Final = Path(__file__).parent / "locale"
LANGUAGES: Final = ("ar", "en", "es", "fr", "ru", "zh")
"""The six official languages of the United Nations, each with a complete catalogue."""


class _Catalogue(Protocol):
    def gettext(self, message: str) -> str: ...
    def ngettext(self, singular: str, plural: str, n: int) -> str: ...
    def pgettext(self, context: str, message: str) -> str: ...


def catalogue_language(language: str | None) -> str:
    """The catalogue for a language tag: ``ar-EG`` → ``ar``, ``zh_Hans`` → ``zh``, else ``en``."""
    if not language:
        return "en"
    base = language.replace("_", "-").split("-", 1)[0].split(".", 1)[0].lower()
    return base if base in LANGUAGES else "en"


def environment_language(environ: Mapping[str, str] | None = None) -> str:
    """The reader's language from ``LC_ALL``, ``LC_MESSAGES`` or ``LANG`` (POSIX order).

    ``ar_EG.UTF-8`` gives ``ar``; ``C``, ``POSIX``, an unset locale or a language
    consultkit has no catalogue for give ``en``.
    """
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "").strip()
        if value:
            if value.split(".", 1)[0] in ("C", "POSIX"):
                return "en"
            return catalogue_language(value.split("@", 1)[0])
    return "en"


@attrs.frozen
@shared_value_methods
class Messages:
    """The catalogue of one language; each method returns the message with values filled in."""

    language: str
    catalogue: _Catalogue = attrs.field(repr=False)
    """The loaded gettext catalogue, for callers that fill values in themselves."""

    def gettext(self, message: str, **values: object) -> str:
        """``message`` in this language, ``%(name)s`` placeholders filled from ``values``."""
        text = self.catalogue.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        """The plural form this language uses for ``n``; ``%(num)s`` is ``n`` unless given."""
        text = self.catalogue.ngettext(singular, plural, n)
        return text % {"num": n, **values}

    def pgettext(self, context: str, message: str, **values: object) -> str:
        """``message`` as meant in ``context`` (one English word, two meanings)."""
        text = self.catalogue.pgettext(context, message)
        return text % values if values else text


@functools.cache
def messages(language: str | None) -> Messages:
    """The :class:`Messages` for ``language`` (any tag; English when there is no catalogue)."""
    return Messages(catalogue_language(language), _load(catalogue_language(language)))


def _load(language: str) -> _Catalogue:
    # The standard library reads the .mo files Babel compiles (babel.support.Translations
    # is the same GNUTranslations class): importing babel.support alone costs ~140 ms, the
    # whole budget of a command's start-up (benchmarks/bench_startup.py).
    import gettext

    # The English catalogue says what the code says (tests/test_i18n_english.py), so English
    # reads none, as English help does: parsing its 150 KB cost every command 5 ms (issue 14).
    if language == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, [language], fallback=True)


@attrs.frozen
@shared_value_methods
class Text:
    """Words not yet in a language: a message with its values, worded when the reader is known.

    Values may be :class:`Text` themselves (a reason inside a refusal), or callables given
    the language (a date that babel words); they are rendered in the same language. Make one
    with :data:`deferred`.
    """

    message: str
    values: tuple[tuple[str, object], ...] = ()
    plural: str | None = None
    n: int = 1
    context: str | None = None

    def render(self, language: str | None) -> str:
        """These words in ``language`` (any tag; English where there is no catalogue)."""
        words = messages(language)
        values = {key: _worded(value, words.language) for key, value in self.values}
        if self.plural is not None:
            return words.ngettext(self.message, self.plural, self.n, **values)
        if self.context is not None:
            return words.pgettext(self.context, self.message, **values)
        return words.gettext(self.message, **values)

    def __str__(self) -> str:
        return self.render("en")


def _worded(value: object, language: str) -> object:
    if isinstance(value, Text):
        return value.render(language)
    if callable(value):
        return str(value(language))
    return value


class _Deferred:
    """The gettext calls, made later: each returns a :class:`Text` instead of a string.

    Their names are gettext's own so that ``pybabel extract`` finds the messages.
    """

    @staticmethod
    def gettext(message: str, **values: object) -> Text:
        return Text(message, tuple(values.items()))

    @staticmethod
    def ngettext(singular: str, plural: str, n: int, **values: object) -> Text:
        return Text(singular, tuple({"num": n, **values}.items()), plural=plural, n=n)

    @staticmethod
    def pgettext(context: str, message: str, **values: object) -> Text:
        return Text(message, tuple(values.items()), context=context)


deferred: Final = _Deferred()
"""``deferred.gettext(...)``, ``deferred.ngettext(...)``, ``deferred.pgettext(...)``: a
:class:`Text` to render where the reader is known."""


def joined(texts: Iterable[Text]) -> Text:
    """Texts given together, ``first; second``, each worded in the reader's language (the
    separator too: ``؛`` in Arabic, ``；`` in Chinese). ``texts`` must not be empty."""
    first, *rest = texts
    for text in rest:
        first = deferred.gettext("%(first)s; %(then)s", first=first, then=text)
    return first


def _value_data(value: object) -> object:
    if isinstance(value, Text):
        return {"text": _text_data(value)}
    if value is None or isinstance(value, (bool, int, float)):
        return value
    # A callable (a number or date babel words) cannot be stored: it keeps its English.
    return str(_worded(value, "en"))


def _text_data(text: Text) -> dict[str, object]:
    data: dict[str, object] = {
        "message": text.message,
        "values": [[key, _value_data(value)] for key, value in text.values],
    }
    if text.plural is not None:
        data |= {"plural": text.plural, "n": text.n}
    if text.context is not None:
        data["context"] = text.context
    return data


def text_to_json(text: Text) -> str:
    """``text`` as JSON, to store where it is written and word it when it is read.

    Values that are :class:`Text` are kept as words; a callable value (a number or date
    babel words) is kept as its English, since a function cannot be stored.
    """
    return json.dumps(_text_data(text), ensure_ascii=False, sort_keys=True)


def _text_from_data(data: Mapping[str, object]) -> Text:
    values = data.get("values")
    pairs: list[tuple[str, object]] = []
    for pair in values if isinstance(values, list) else ():
        key, value = pair
        if isinstance(value, dict):
            value = _text_from_data(value["text"])
        pairs.append((str(key), value))
    plural, n, context = data.get("plural"), data.get("n", 1), data.get("context")
    return Text(
        str(data["message"]),
        tuple(pairs),
        plural=plural if isinstance(plural, str) else None,
        n=n if isinstance(n, int) else 1,
        context=context if isinstance(context, str) else None,
    )


def text_from_json(stored: str | None) -> Text | None:
    """The :class:`Text` :func:`text_to_json` stored; ``None`` for nothing or what is not one
    (a store's older rows), so the caller shows the plain text it has instead."""
    if not stored:
        return None
    try:
        data = json.loads(stored)
        return _text_from_data(data) if isinstance(data, dict) else None
    except (ValueError, KeyError, TypeError):
        return None
