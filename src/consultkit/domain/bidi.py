"""Right-to-left text: which languages are written so, and where Latin fragments sit in it.

An Arabic sentence that carries an e-mail address, a URL, a time with its zone
(``16:00–17:00 CEST``), a tracking number or an English word is laid out by the Unicode
Bidirectional Algorithm, which gives the punctuation at the fragment's edges to the
surrounding right-to-left text: ``Organised by:`` comes out as ``:Organised by``, and
``(14:00–15:00 UTC)`` loses its brackets to the wrong side. Isolating each fragment (HTML's
``<bdi>``; in plain text U+2066 LEFT-TO-RIGHT ISOLATE … U+2069 POP DIRECTIONAL ISOLATE,
Unicode 6.3) lays it out on its own, left to right, as one block in the sentence.

:func:`latin_runs` finds the fragments; :func:`isolate_latin` wraps them for plain text
(e-mails, calendar descriptions) and the HTML exporter wraps the same runs in ``<bdi>``.
Numbers alone are left to the algorithm: in an Arabic sentence a date range reads from
the right, as its readers expect.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

RTL_LANGUAGES: Final = frozenset({"ar", "he", "fa", "ur", "ps", "sd", "ug", "yi", "dv", "ckb"})
"""Base languages written right to left (of the six UN languages: Arabic)."""

LRI: Final = "\u2066"
"""LEFT-TO-RIGHT ISOLATE: opens a Latin fragment in right-to-left plain text."""
FSI: Final = "\u2068"
"""FIRST STRONG ISOLATE: opens a fragment whose direction its first letter decides."""
PDI: Final = "\u2069"
"""POP DIRECTIONAL ISOLATE: closes an isolate opened by LRI, RLI or FSI."""

_RTL_CLASSES: Final = frozenset({"R", "AL", "AN"})
# Punctuation that belongs to the sentence around a fragment rather than to the fragment:
# "Organised by: " ends the run at "by", "(UTC)" keeps its brackets outside.
# An opening bracket at a fragment's end, or a closing one at its start, belongs to the
# text beyond it: "Europe/Zurich (آخر لحظة …)".
_LEADING: Final = " \t\n\r\u00a0([{«“‘\"'.,;:!?،؛؟)]}"
_TRAILING: Final = " \t\n\r\u00a0.,;:!?)]}»”’\"'،؛؟([{"
_LIST_SEPARATOR: Final = re.compile(r"[,;،؛]\s")
_PAIRS: Final = {"(": ")", "[": "]", "{": "}"}


def is_rtl(language: str) -> bool:
    """Whether ``language`` (a BCP 47 tag such as ``ar`` or ``ar-EG``) is written right to left."""
    return language.replace("_", "-").split("-", 1)[0].lower() in RTL_LANGUAGES


def direction(language: str) -> str:
    """``rtl`` or ``ltr``: the HTML ``dir`` of a page in ``language``."""
    return "rtl" if is_rtl(language) else "ltr"


def _balanced(text: str) -> bool:
    depth = {o: 0 for o in _PAIRS}
    closers = {c: o for o, c in _PAIRS.items()}
    for char in text:
        if char in _PAIRS:
            depth[char] += 1
        elif char in closers:
            depth[closers[char]] -= 1
            if depth[closers[char]] < 0:
                return False
    return all(d == 0 for d in depth.values())


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """``text[start:end]`` without the sentence's punctuation at its edges, brackets kept paired."""
    while start < end and text[start] in _LEADING:
        start += 1
    while end > start and text[end - 1] in _TRAILING:
        end -= 1
    # A bracket opened inside the fragment is closed inside it, or the closing one would
    # be laid out right to left on the wrong side: take the closer back in.
    while end < len(text) and not _balanced(text[start:end]) and text[end] in ")]}":
        end += 1
        if _balanced(text[start:end]):
            break
    while start > 0 and not _balanced(text[start:end]) and text[start - 1] in "([{":
        start -= 1
        if _balanced(text[start:end]):
            break
    return start, end


def _line_runs(line: str) -> list[tuple[str, bool]]:
    classes = [unicodedata.bidirectional(c) for c in line]
    if "L" not in classes:
        return [(line, False)] if line else []
    if not _RTL_CLASSES.intersection(classes):
        # A line with no right-to-left letter (an English sentence, a label that fell back
        # to English) is one fragment, its final full stop included.
        core = line.strip()
        start = line.index(core)
        whole = [(line[:start], False), (core, True), (line[start + len(core) :], False)]
        return [p for p in whole if p[0]]
    pieces: list[tuple[str, bool]] = []
    position = 0
    index = 0
    while index < len(line):
        if classes[index] in _RTL_CLASSES:
            index += 1
            continue
        segment_start = index
        while index < len(line) and classes[index] not in _RTL_CLASSES:
            index += 1
        # "2019, 16:00 CEST": the year belongs to the Arabic date before it, the time to
        # its zone; a comma and a space part the fragments of a list.
        bounds = [segment_start]
        bounds += [m.end() for m in _LIST_SEPARATOR.finditer(line, segment_start, index)]
        for part_start, part_end in zip(bounds, [*bounds[1:], index], strict=True):
            start, end = _trim(line, part_start, part_end)
            if "L" in classes[start:end]:
                if start > position:
                    pieces.append((line[position:start], False))
                pieces.append((line[start:end], True))
                position = end
    if position < len(line):
        pieces.append((line[position:], False))
    return pieces


def latin_runs(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into pieces, each with whether it is a left-to-right fragment to isolate.

    In a line with right-to-left letters, a fragment is a stretch without them that holds
    at least one left-to-right letter (a Latin word, an address, ``16:00 CEST``), without
    the spaces and sentence punctuation at its edges; a line without any is one fragment.
    Fragments never cross a line end (a paragraph ends every isolate). Joining the pieces
    gives ``text`` back.
    """
    pieces: list[tuple[str, bool]] = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
        pieces.extend(_line_runs(body))
        if len(body) < len(line):
            pieces.append((line[len(body) :], False))
    merged: list[tuple[str, bool]] = []
    for piece, latin in pieces:
        if merged and not latin and not merged[-1][1]:
            merged[-1] = (merged[-1][0] + piece, False)
        else:
            merged.append((piece, latin))
    return merged


def isolate_latin(text: str, language: str) -> str:
    """``text`` with each Latin fragment between LRI and PDI when ``language`` is right to left.

    Unchanged for left-to-right languages, and for text that already carries isolates
    (isolating twice would nest them). Use it on plain text a reader sees (e-mail bodies,
    calendar descriptions), never on a value a program parses (a URL property, a header).
    """
    if not is_rtl(language) or not text or LRI in text or FSI in text:
        return text
    return "".join(f"{LRI}{piece}{PDI}" if latin else piece for piece, latin in latin_runs(text))
