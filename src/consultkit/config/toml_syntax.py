"""tomllib's syntax errors in words the reader's language has.

Python's TOML parser explains a syntax error in English (``Illegal character '\\n'``), with
a fixed set of sentences; each is matched here and said again through the catalogue, its
values (a character, a key) kept as they are. A sentence a later Python adds stays as
Python wrote it.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from consultkit.i18n import deferred

if TYPE_CHECKING:
    from collections.abc import Callable

    from consultkit.i18n import Text

__all__ = ["toml_error"]


# Built on the first syntax error, not at import: every verb imports the loader, few meet
# a TOML syntax error, and compiling these patterns cost about 1 ms (issue 14).
@functools.cache
def _sentences() -> list[tuple[re.Pattern[str], Callable[[str], Text]]]:
    said: list[tuple[str, Callable[[str], Text]]] = [
        ("Cannot overwrite a value", lambda _: deferred.gettext("Cannot overwrite a value")),
        (
            "Cannot mutate immutable namespace (?P<v>.*)",
            lambda v: deferred.gettext("Cannot mutate immutable namespace %(key)s", key=v),
        ),
        ("Unescaped '\\\\' in a string", lambda _: deferred.gettext("Unescaped '\\' in a string")),
        (
            "Illegal character (?P<v>.*)",
            lambda v: deferred.gettext("Illegal character %(char)s", char=v),
        ),
        (
            "Found invalid character (?P<v>.*)",
            lambda v: deferred.gettext("Found invalid character %(char)s", char=v),
        ),
        (
            "Duplicate inline table key (?P<v>.*)",
            lambda v: deferred.gettext("Duplicate inline table key %(key)s", key=v),
        ),
        (
            "Cannot redefine namespace (?P<v>.*)",
            lambda v: deferred.gettext("Cannot redefine namespace %(key)s", key=v),
        ),
        (
            "Cannot declare (?P<v>.*) twice",
            lambda v: deferred.gettext("Cannot declare %(key)s twice", key=v),
        ),
        ("Unterminated string", lambda _: deferred.gettext("Unterminated string")),
        ("Unclosed inline table", lambda _: deferred.gettext("Unclosed inline table")),
        ("Unclosed array", lambda _: deferred.gettext("Unclosed array")),
        ("Invalid value", lambda _: deferred.gettext("Invalid value")),
        ("Invalid statement", lambda _: deferred.gettext("Invalid statement")),
        (
            "Invalid initial character for a key part",
            lambda _: deferred.gettext("Invalid initial character for a key part"),
        ),
        ("Invalid hex value", lambda _: deferred.gettext("Invalid hex value")),
        ("Invalid date or datetime", lambda _: deferred.gettext("Invalid date or datetime")),
        (
            "Expected ']]' at the end of an array declaration",
            lambda _: deferred.gettext("Expected ']]' at the end of an array declaration"),
        ),
        (
            "Expected ']' at the end of a table declaration",
            lambda _: deferred.gettext("Expected ']' at the end of a table declaration"),
        ),
        (
            "Expected '=' after a key in a key/value pair",
            lambda _: deferred.gettext("Expected '=' after a key in a key/value pair"),
        ),
        (
            "Escaped character is not a Unicode scalar value",
            lambda _: deferred.gettext("Escaped character is not a Unicode scalar value"),
        ),
        ("Expected (?P<v>.*)", lambda v: deferred.gettext("Expected %(what)s", what=v)),
    ]
    return [(re.compile(pattern), words) for pattern, words in said]


def toml_error(message: str) -> Text | str:
    """``message`` (tomllib's, its position taken off) in words to be worded for the reader."""
    for pattern, words in _sentences():
        match = pattern.fullmatch(message)
        if match is not None:
            return words(match.groupdict().get("v", ""))
    return message
