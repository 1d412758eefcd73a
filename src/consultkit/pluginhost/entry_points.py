"""The entry points of one group, read from the installed distributions' metadata files.

Why not :mod:`importlib.metadata`: importing it imports the ``email`` package (to parse
``METADATA``) and its scan builds an object per distribution, about 60 ms of CPU that every
CLI verb loading plugins paid at start-up (issue 14, ``benchmarks/bench_startup.py``).
The host needs only each ``entry_points.txt`` of group ``consultkit`` and the version of
the distributions that have one, so this module reads those files directly.

It finds what :func:`importlib.metadata.entry_points` finds, in the same order: every
``*.dist-info`` and ``*.egg-info`` directory of each ``sys.path`` entry, entries in path
order and directories in listing order; a distribution already seen under the same
normalized name earlier on the path shadows later copies (PEP 503 normalization, as
importlib.metadata does). Where that simple reading could differ, it hands over to
importlib.metadata: a path entry that is a file (a zip archive), or an import finder
other than the standard path finder that can supply distributions.
"""

from __future__ import annotations

import functools
import importlib
import importlib.machinery
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from consultkit.value_methods import shared_value_methods

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

__all__ = ["EntryPoint", "entry_points"]

# importlib.metadata.EntryPoint.pattern: module, optional ":attr.path", optional extras.
_VALUE = r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$"


@attrs.frozen(kw_only=True)
@shared_value_methods
class EntryPoint:
    """One entry point: its name, its ``module:attribute`` value and its distribution's version."""

    name: str
    value: str
    version: str

    def load(self) -> object:
        """Import the module and return the object the value names (as importlib.metadata)."""
        match = re.match(_VALUE, self.value)
        if match is None:
            raise ValueError(f"not an entry point value: {self.value!r}")
        module = importlib.import_module(match.group("module"))
        names = filter(None, (match.group("attr") or "").split("."))
        return functools.reduce(getattr, names, module)


def entry_points(group: str, path: Sequence[str] | None = None) -> list[EntryPoint]:
    """The entry points of ``group`` in the distributions on ``path`` (default ``sys.path``).

    An explicit ``path`` is read as directories only (the hand-over to importlib.metadata
    is for ``sys.path``, the only path it reads).
    """
    if path is None and _needs_importlib(sys.path):
        return _from_importlib(group)
    paths = list(sys.path if path is None else path)
    found: list[EntryPoint] = []
    seen: set[str] = set()
    for info in _distributions(paths):
        key = _normalize(info.name.rpartition(".")[0].partition("-")[0])
        if key in seen:
            continue
        seen.add(key)
        text = _read(info / "entry_points.txt")
        if text is None:
            continue
        pairs = [(name, value) for section, name, value in _sections(text) if section == group]
        if pairs:
            version = _version(info)
            found.extend(EntryPoint(name=n, value=v, version=version) for n, v in pairs)
    return found


def _needs_importlib(paths: Sequence[str]) -> bool:
    finders = [
        f
        for f in sys.meta_path
        if f is not importlib.machinery.PathFinder and hasattr(f, "find_distributions")
    ]
    return bool(finders) or any(Path(entry).is_file() for entry in paths if entry)


def _from_importlib(group: str) -> list[EntryPoint]:
    import importlib.metadata

    return [
        EntryPoint(
            name=ep.name,
            value=ep.value,
            version=(ep.dist.version if ep.dist is not None else None) or "unknown",
        )
        for ep in importlib.metadata.entry_points(group=group)
    ]


def _distributions(paths: Sequence[str]) -> Iterator[Path]:
    for entry in paths:
        try:
            children = list(Path(entry or ".").iterdir())
        except OSError:
            continue
        for child in children:
            if child.name.lower().endswith((".dist-info", ".egg-info")):
                yield child


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _read(file: Path) -> str | None:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _sections(text: str) -> Iterator[tuple[str | None, str, str]]:
    """(section, name, value) of an ``entry_points.txt``, read as importlib.metadata does."""
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
            continue
        if section is not None and "=" in line:
            name, value = line.split("=", 1)
            yield section, name.strip(), value.strip()


def _version(info: Path) -> str:
    """The ``Version`` header of the distribution's ``METADATA`` (``PKG-INFO`` for eggs)."""
    for file in ("METADATA", "PKG-INFO"):
        text = _read(info / file)
        if not text:  # importlib.metadata reads PKG-INFO when METADATA is absent or empty
            continue
        for line in text.splitlines():
            if not line.strip():
                break  # the headers end at the first blank line
            key, sep, value = line.partition(":")
            if sep and key.strip().lower() == "version":
                return value.strip() or "unknown"
        return "unknown"
    return "unknown"
