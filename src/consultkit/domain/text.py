"""Multilingual text with an honest fallback chain.

The six UN languages (ar, zh, en, fr, ru, es) are first class, but any BCP 47 tag works.
A missing translation never raises: :meth:`Text.get` falls back and says that it did.
"""

from __future__ import annotations

# Mapping is resolved at run time (cattrs reads the annotations of Text), so it stays here.
from collections.abc import Iterable, Mapping  # noqa: TC003

import attrs

from consultkit.value_methods import shared_value_methods

UN_LANGUAGES: tuple[str, ...] = ("ar", "zh", "en", "fr", "ru", "es")


@attrs.frozen(kw_only=True)
@shared_value_methods
class Localized:
    """A text chosen for a reader: what was asked for, what was found, and whether it fell back."""

    text: str
    language: str
    requested: str

    @property
    def is_fallback(self) -> bool:
        return self.language != self.requested


def _freeze(values: Mapping[str, str]) -> Mapping[str, str]:
    return dict(values)


@attrs.frozen
@shared_value_methods
class Text:
    """A text in several languages, keyed by language tag."""

    values: Mapping[str, str] = attrs.field(converter=_freeze)

    @classmethod
    def of(cls, **values: str) -> Text:
        return cls(values)

    def __bool__(self) -> bool:
        return any(v for v in self.values.values())

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.values)

    def get(self, language: str, fallbacks: Iterable[str] = ()) -> Localized:
        """Pick the text for ``language``, then each of ``fallbacks``, then English, then any.

        A regional tag falls back to its base language first (``es-419`` to ``es``).
        """
        chain = [language]
        if "-" in language:
            chain.append(language.split("-", 1)[0])
        chain.extend(fallbacks)
        chain.append("en")
        for candidate in chain:
            text = self.values.get(candidate)
            if text:
                return Localized(text=text, language=candidate, requested=language)
        for candidate, text in self.values.items():
            if text:
                return Localized(text=text, language=candidate, requested=language)
        return Localized(text="", language=language, requested=language)

    def __call__(self, language: str, fallbacks: Iterable[str] = ()) -> str:
        """The plain string for ``language`` (see :meth:`get`)."""
        return self.get(language, fallbacks).text
