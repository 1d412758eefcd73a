"""The fingerprint's ASCII fast path gives exactly the hashes of the Unicode path.

Issue 14: the Unicode regex was most of a bulk-imported row's cost; ASCII bodies now take
a ``str.translate`` path. Stored fingerprints must not change (campaign counts compare
old rows with new ones), so the fast path is checked against the Unicode one.
"""

from __future__ import annotations

import hashlib
import re
import string
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from consultkit.domain.campaigns import fingerprint, normalize_body

_PUNCTUATION = re.compile(r"[^\w\s]+")


def unicode_path(text: str) -> str:
    """The normalisation as it was before the fast path, for every text."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_PUNCTUATION.sub(" ", folded).replace("_", " ").split())


ASCII = st.text(alphabet=st.characters(max_codepoint=127))
WORDY_ASCII = st.text(alphabet=string.printable + "\x00\x1c\x1d\x1e\x1f\x7f", max_size=300)


@given(st.one_of(ASCII, WORDY_ASCII))
def test_ascii_texts_normalise_as_the_unicode_path_does(text: str) -> None:
    assert normalize_body(text) == unicode_path(text)
    assert fingerprint(text) == hashlib.sha256(unicode_path(text).encode()).hexdigest()


@given(st.text())
def test_every_text_normalises_as_the_unicode_path_does(text: str) -> None:
    assert normalize_body(text) == unicode_path(text)


def test_each_ascii_character_alone_and_between_words() -> None:
    for code in range(128):
        text = f"Ab{chr(code)}cD_e"
        assert normalize_body(text) == unicode_path(text), repr(chr(code))
