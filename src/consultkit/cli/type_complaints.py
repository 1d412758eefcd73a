"""click's complaints about a value (``'xml' is not one of 'csv', 'json'.``), reworded.

click words them with ``gettext`` when a value type's ``convert`` fails and ships no
catalogue, so the error keeps only the English sentence: the value is not kept apart. The
sentence is read back with the same wording click uses (a test checks each type against
click's own output, so a change in click shows up there) and said again in the reader's
words. A sentence that is not recognised is left as click wrote it.
"""

from __future__ import annotations

import errno
import os
import re
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from consultkit.i18n import Messages


def type_complaint(error: click.BadParameter, words: Messages) -> str:
    """``error``'s message in ``words`` when it is a value type's complaint, else as it is."""
    kind = error.param.type if error.param is not None else None
    text = error.message
    if isinstance(kind, click.Choice):
        return _choice(text, words) or text
    if isinstance(kind, click.IntRange | click.FloatRange):
        return _in_range(text, words) or _number(kind, text, words) or text
    if isinstance(kind, click.types.IntParamType | click.types.FloatParamType):
        return _number(kind, text, words) or text
    if isinstance(kind, click.types.BoolParamType):
        return _boolean(text, words) or text
    if isinstance(kind, click.DateTime):
        return _date_time(text, words) or text
    if isinstance(kind, click.Path):
        return _path(_path_kind(kind, words), text, words) or text
    if isinstance(kind, click.File):
        return _file(text, words) or text
    return text


def _choice(text: str, words: Messages) -> str | None:
    found = re.fullmatch(r"(.+?) is not (?:one of )?(.+)\.", text, re.DOTALL)
    if found is None:
        return None
    value, choices = found.groups()
    return words.gettext("%(value)s is not one of %(choices)s.", value=value, choices=choices)


def _number(kind: click.ParamType[Any], text: str, words: Messages) -> str | None:
    found = re.fullmatch(
        r"(.+?) is not a valid (?:integer|float|integer range|float range)\.", text
    )
    if found is None:
        return None
    value = found.group(1)
    if isinstance(kind, click.types.IntParamType):
        return words.gettext("%(value)s is not a whole number.", value=value)
    return words.gettext("%(value)s is not a number.", value=value)


def _in_range(text: str, words: Messages) -> str | None:
    found = re.fullmatch(r"(.+?) is not in the range (.+)\.", text)
    if found is None:
        return None
    value, limits = found.groups()
    return words.gettext("%(value)s is not in the range %(range)s.", value=value, range=limits)


def _boolean(text: str, words: Messages) -> str | None:
    found = re.fullmatch(r"(.+?) is not a valid boolean\. Recognized values: (.+)", text)
    if found is None:
        return None
    value, states = found.groups()
    return words.gettext(
        "%(value)s is not yes or no: use one of %(states)s.", value=value, states=states
    )


def _date_time(text: str, words: Messages) -> str | None:
    found = re.fullmatch(r"(.+?) does not match the formats? (.+)\.", text)
    if found is None:
        return None
    value, formats = found.groups()
    return words.ngettext(
        "%(value)s does not match the format %(formats)s.",
        "%(value)s does not match the formats %(formats)s.",
        formats.count(", ") + 1,
        value=value,
        formats=formats,
    )


def _path_kind(kind: click.Path, words: Messages) -> str:
    if kind.file_okay and not kind.dir_okay:
        return words.pgettext("path kind", "File")
    if kind.dir_okay and not kind.file_okay:
        return words.pgettext("path kind", "Directory")
    return words.pgettext("path kind", "Path")


def _path(kind: str, text: str, words: Messages) -> str | None:
    found = re.fullmatch(
        r"\w+ (.+?) (does not exist|is a file|is a directory|is not readable|is not writable"
        r"|is not executable)\.",
        text,
        re.DOTALL,
    )
    if found is None:
        return None
    name, what = found.groups()
    return _path_words(what, kind, name, words)


def _path_words(what: str, kind: str, name: str, words: Messages) -> str:
    if what == "does not exist":
        return words.gettext("%(kind)s %(name)s does not exist.", kind=kind, name=name)
    if what == "is a file":
        return words.gettext("%(kind)s %(name)s is a file.", kind=kind, name=name)
    if what == "is a directory":
        return words.gettext("%(kind)s %(name)s is a directory.", kind=kind, name=name)
    if what == "is not readable":
        return words.gettext("%(kind)s %(name)s cannot be read.", kind=kind, name=name)
    if what == "is not writable":
        return words.gettext("%(kind)s %(name)s cannot be written.", kind=kind, name=name)
    return words.gettext("%(kind)s %(name)s cannot be run.", kind=kind, name=name)


# click.File says what the system said on opening (``'x': No such file or directory``):
# the error number is gone, so the system's words for the common ones are matched.
_OPEN_FAILURES = {
    os.strerror(errno.ENOENT): "does not exist",
    os.strerror(errno.EISDIR): "is a directory",
    os.strerror(errno.EACCES): "is not readable",
}


def _file(text: str, words: Messages) -> str | None:
    found = re.fullmatch(r"'(.+)': (.+)", text, re.DOTALL)
    if found is None or found.group(2) not in _OPEN_FAILURES:
        return None
    name, reason = found.groups()
    kind = words.pgettext("path kind", "File")
    return _path_words(_OPEN_FAILURES[reason], kind, repr(name), words)


__all__ = ["type_complaint"]
