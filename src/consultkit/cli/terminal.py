"""Text that reaches a terminal: what a submitter typed is shown, never obeyed.

A name or title can carry escape sequences: OSC 0 retitles the window, OSC 8 turns text
into a disguised hyperlink, CSI moves the cursor or hides lines, and bidi overrides
(U+202E) reorder what an organiser reads. Every command prints what came from a
submission or a file through :func:`for_terminal` (plain text), :func:`rich_text` (rich
tables: also no rich markup, so ``[link=…]`` stays literal) or :func:`json_for_terminal`,
so the characters are shown as visible escapes (``\\x1b``, ``\\u202e``) instead.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from rich.text import Text

__all__ = ["for_terminal", "json_for_terminal", "rich_text"]

# C0 controls, ESC and DEL, C1 controls (0x9b is a one-byte CSI on some terminals), bidi
# embeddings, overrides and isolates (Trojan Source, CVE-2021-42574), and the line and
# paragraph separators that some terminals treat as line breaks.
_BIDI_AND_SEPARATORS: Final = "\u202a-\u202e\u2066-\u2069\u2028\u2029"
# Patterns are strings that re compiles, and caches, when first used: compiled here they
# cost every verb that imports the module (issue 14).
_ONE_LINE: Final = f"[\x00-\x1f\x7f-\x9f{_BIDI_AND_SEPARATORS}]"
# Multi-line text (a submission's body) keeps its line feeds and tabs.
_MULTI_LINE: Final = f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI_AND_SEPARATORS}]"
# What json.dumps leaves raw inside strings (it escapes C0 itself; the line breaks of
# indented output are outside strings and stay).
_JSON_RAW: Final = f"[\x7f-\x9f{_BIDI_AND_SEPARATORS}]"


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: object, *, multiline: bool = False) -> str:
    """``text`` with every control, escape and bidi override shown as a visible escape.

    With ``multiline`` line feeds and tabs are kept (a body's paragraphs); carriage
    returns never are (one can overwrite what the line said before it).
    """
    pattern = _MULTI_LINE if multiline else _ONE_LINE
    return re.sub(pattern, _visible, str(text))


def rich_text(text: object, *, multiline: bool = False) -> Text:
    """:func:`for_terminal` as a rich ``Text``: shown as it is, never read as markup."""
    # Lazy: rich is only needed by the commands that print tables (start-up benchmark).
    from rich.text import Text

    return Text(for_terminal(text, multiline=multiline))


def json_for_terminal(document: Any, **options: Any) -> str:
    """``json.dumps(document, ensure_ascii=False, **options)`` safe to print.

    JSON escapes C0 controls already; DEL, C1 controls and bidi overrides are written raw
    by ``ensure_ascii=False``, so they become ``\\uXXXX`` escapes here. The result is the
    same JSON value (those characters only ever occur inside strings).
    """
    text = json.dumps(document, ensure_ascii=False, **options)
    return re.sub(_JSON_RAW, lambda m: f"\\u{ord(m.group()):04x}", text)
