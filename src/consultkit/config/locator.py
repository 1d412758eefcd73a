"""Find the line of a field path (``phases[3].window.end``) in the raw text of a TOML file.

tomllib keeps no positions, so error messages would lose their line numbers. This small
scanner walks the text line by line, follows table headers (``[a.b]``), arrays of tables
(``[[phases]]``, counting each occurrence), keys and dotted keys, and the keys of inline
tables, and records the first line each path appears on. It does not validate TOML (tomllib
does that first); on text it does not understand it simply records less.
"""

from __future__ import annotations

import re
from typing import TypeAlias

import attrs

from consultkit.value_methods import shared_value_methods

_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_KEY = rf"(?:{_BARE}|{_QUOTED})"
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
# Pattern strings, compiled by re (and kept in its cache) when a text is first scanned: most
# runs never scan one.
_HEADER = rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?"
_ASSIGN = rf"^\s*({_DOTTED})\s*=\s*"


def _split_key(dotted: str) -> list[str]:
    parts = []
    for match in re.finditer(rf"({_KEY})", dotted):
        raw = match.group(1)
        parts.append(raw[1:-1] if raw[:1] in "\"'" else raw)
    return parts


# What a scan finds: the first line of each path, and every path written on each line.
_Scan: TypeAlias = tuple[dict[str, int], dict[int, list[str]]]


@attrs.define
@shared_value_methods(hashable=False)
class KeyLocator:
    """Maps field paths of a TOML document to the 1-based line where each is written.

    The text is scanned when a line is first asked for: a file that loads without a
    problem, as most do, is never scanned (issue 14: 6 ms of every verb that reads one).
    """

    text: str = attrs.field(repr=False)
    _scanned: _Scan | None = attrs.field(default=None, init=False, repr=False, eq=False)

    @classmethod
    def scan(cls, text: str) -> KeyLocator:
        """The locator of ``text`` (a TOML document), scanned when first asked."""
        return cls(text)

    @property
    def lines(self) -> dict[str, int]:
        """The first line each path is written on."""
        return self._scan()[0]

    @property
    def written(self) -> dict[int, list[str]]:
        """Every path written on each line, duplicates included (``lines`` keeps the first)."""
        return self._scan()[1]

    def line_of(self, path: str) -> int | None:
        """The line of ``path``, or of its nearest written parent; None if nothing matches."""
        candidate = path
        while candidate:
            if candidate in self.lines:
                return self.lines[candidate]
            cut = max(candidate.rfind("."), candidate.rfind("["))
            if cut <= 0:
                break
            candidate = candidate[:cut]
        return self.lines.get(candidate)

    def path_at(self, line: int, before: str = "") -> str | None:
        """The field path written on ``line``, or None; for a TOML syntax error's position.

        Several paths may start on one line (an inline table); ``before``, the text of the
        line up to the error's column, picks the key written last before it.
        """
        here = self.written.get(line, [])
        if not here:
            return None
        keys = re.findall(rf"({_DOTTED})\s*=", before)
        if keys:
            last = ".".join(_split_key(keys[-1]))
            named = [p for p in here if p == last or p.endswith(f".{last}")]
            if named:
                return max(named, key=len)
        return min(here, key=len)

    def _scan(self) -> _Scan:
        if self._scanned is None:
            self._scanned = _scan(self.text)
        return self._scanned


def _scan(text: str) -> _Scan:
    scan: _Scan = ({}, {})
    counters: dict[str, int] = {}
    prefix = ""
    in_multiline: str | None = None
    # Lines end at "\n" only, as TOML (and tomllib's line numbers) count them: a string may
    # hold U+2028 or U+0085, which str.splitlines would count as line breaks.
    for number, raw in enumerate(text.split("\n"), start=1):
        if in_multiline is not None:
            if raw.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        header = re.match(_HEADER, line)
        if header is not None:
            parts = _split_key(header.group(2))
            if header.group(1) == "[[":
                # The last key names the array itself; only its parents take indices.
                parent = _resolve(".".join(parts[:-1]), counters) if parts[:-1] else ""
                path = f"{parent}.{parts[-1]}" if parent else parts[-1]
                index = counters.get(path, -1) + 1
                counters[path] = index
                path = f"{path}[{index}]"
            else:
                path = _resolve(".".join(parts), counters)
            prefix = path
            _record(scan, prefix, number)
            continue
        assign = re.match(_ASSIGN, line)
        if assign is None:
            continue
        parts = _split_key(assign.group(1))
        for end in range(1, len(parts) + 1):
            # A dotted key (title.en = …) also writes its parent tables on this line.
            key = ".".join(parts[:end])
            path = f"{prefix}.{key}" if prefix else key
            _record(scan, path, number)
        rest = line[assign.end() :]
        if rest.startswith("{"):
            # Inline tables are one line long in TOML 1.0, so every nested key is on this line.
            for match in re.finditer(rf"[{{,]\s*({_DOTTED})\s*=", rest):
                key = ".".join(_split_key(match.group(1)))
                _record(scan, f"{path}.{key}", number)
        for quote in ('"""', "'''"):
            if rest.startswith(quote) and rest.count(quote) == 1:
                in_multiline = quote
    return scan


def _record(scan: _Scan, path: str, number: int) -> None:
    scan[0].setdefault(path, number)
    scan[1].setdefault(number, []).append(path)


def _resolve(path: str, counters: dict[str, int]) -> str:
    """Put the current index of each array of tables into a header path (``phases.window``)."""
    parts = path.split(".")
    resolved: list[str] = []
    for part in parts:
        resolved.append(part)
        joined = ".".join(resolved)
        if joined in counters:
            resolved = [f"{joined}[{counters[joined]}]"]
    return ".".join(resolved)
