"""Vocabularies: a consultation's own lists of themes (``[[vocabularies]]``).

A vocabulary has an id, a label in every language and its terms; submissions are tagged
with term ids, and choice fields may take their options from one (``vocabulary = "sdgs"``).
Nothing is built in: the WSIS example declares the Action Lines C1-C11 and the SDGs as its
own vocabularies, another consultation declares its own or none.
"""

from __future__ import annotations

import functools
import re

import attrs

from consultkit.domain.rendering import listed
from consultkit.domain.text import Text
from consultkit.errors import InvalidValueError
from consultkit.i18n import Text as Words
from consultkit.i18n import deferred, joined
from consultkit.value_methods import shared_value_methods

_EMPTY = Text({})
_SEPARATORS = r"[\s_\-.]+"
_DIGITS = r"\d+"


# Rows of a bulk import type the same few tags again and again (issue 14).
@functools.lru_cache(maxsize=4096)
def term_key(text: str) -> str:
    """What a typed term is compared by: case, spaces, ``-``, ``_``, ``.`` and leading zeros
    do not matter, so ``sdg 04``, ``SDG-4`` and ``SDG4`` are one term."""
    compact = re.sub(_SEPARATORS, "", text).casefold()
    return re.sub(_DIGITS, lambda m: str(int(m[0])), compact)


@attrs.frozen(kw_only=True)
@shared_value_methods
class Term:
    """One term: the ``id`` stored on submissions, its label, and other spellings accepted."""

    id: str
    label: Text
    aliases: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
@shared_value_methods
class Vocabulary:
    """A named list of terms; ``inferred`` lists paths the source implies but does not state."""

    id: str
    label: Text
    terms: tuple[Term, ...] = ()
    description: Text = _EMPTY
    inferred: tuple[str, ...] = ()
    note: Text = _EMPTY

    def term_id(self, typed: str) -> str | None:
        """The id of the term ``typed`` names (by id or alias, see :func:`term_key`), or None."""
        return self._ids_by_key.get(term_key(typed))

    @functools.cached_property
    def _ids_by_key(self) -> dict[str, str]:
        # Keyed once per vocabulary: scanning the terms per tag recomputed every term's key
        # for every imported row (issue 14). The first term declaring a spelling keeps it,
        # as the scan in declaration order did.
        ids: dict[str, str] = {}
        for term in self.terms:
            for spelling in (term.id, *term.aliases):
                key = term_key(spelling)
                if key:
                    ids.setdefault(key, term.id)
        return ids

    def describe(self) -> Words:
        """The terms in brief for a refusal: ``'sdgs' (SDG1 to SDG17)``, or all when few."""
        ids = [t.id for t in self.terms]
        if len(ids) > 6:
            return deferred.gettext(
                "%(vocabulary)r (%(first)s to %(last)s)",
                vocabulary=self.id,
                first=ids[0],
                last=ids[-1],
            )
        return deferred.gettext("%(vocabulary)r (%(terms)s)", vocabulary=self.id, terms=listed(ids))


def resolve_tag(typed: str, vocabularies: tuple[Vocabulary, ...]) -> str:
    """The term id ``typed`` names in one of ``vocabularies``.

    Raises :class:`~consultkit.errors.InvalidValueError` (a ``ValueError``) naming the
    vocabularies and their terms when it names none (or when there is no vocabulary, so
    no tag is accepted), in the reader's language once rendered.
    """
    wanted = term_key(typed)
    for vocabulary in vocabularies:
        found = vocabulary._ids_by_key.get(wanted)
        if found is not None:
            return found
    if not vocabularies:
        raise InvalidValueError(
            deferred.gettext(
                "unknown tag %(tag)r: this call takes no tags (the consultation declares no"
                " [[vocabularies]] for it)",
                tag=typed,
            )
        )
    raise InvalidValueError(
        deferred.gettext(
            "unknown tag %(tag)r: use a term of vocabulary %(vocabularies)s",
            tag=typed,
            vocabularies=joined(v.describe() for v in vocabularies),
        )
    )


__all__ = ["Term", "Vocabulary", "resolve_tag", "term_key"]
