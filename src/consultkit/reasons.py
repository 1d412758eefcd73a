"""Why a file or its contents could not be read or written, in the reader's words (issue 11).

Python's ``json`` and ``csv`` modules explain a failure in English, and the operating
system's ``strerror`` in English or the C library's language: consultkit words the reasons
people meet itself, from the error's number or position, and quotes the system's words
only for a rarer error number it has none for. Every "cannot read/write …: REASON" takes
its reason from here.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Final

from consultkit.i18n import Text, deferred

if TYPE_CHECKING:
    import json
    from collections.abc import Mapping

__all__ = ["csv_reason", "json_reason", "os_reason"]

_ERRNO_REASONS: Final[Mapping[int, Text]] = {
    errno.ENOENT: deferred.gettext("no such file or folder"),
    errno.EACCES: deferred.gettext("permission denied"),
    errno.EPERM: deferred.gettext("the operation is not permitted"),
    errno.EISDIR: deferred.gettext("it is a folder"),
    errno.ENOTDIR: deferred.gettext("a part of the path is not a folder"),
    errno.ENOSPC: deferred.gettext("no space is left on the disk"),
    errno.EEXIST: deferred.gettext("it exists already"),
    errno.EROFS: deferred.gettext("the file system is read-only"),
    errno.ENAMETOOLONG: deferred.gettext("the name is too long"),
    # A server consultkit talks to (SMTP, CalDAV, a webhook) is out of reach: organisers
    # meet these in `notify status` and `caldav-publish`, so they are worded too.
    errno.ECONNREFUSED: deferred.gettext("the server refused the connection"),
    errno.ECONNRESET: deferred.gettext("the server closed the connection"),
    errno.ETIMEDOUT: deferred.gettext("the connection timed out"),
    errno.EHOSTUNREACH: deferred.gettext("the host cannot be reached"),
    errno.ENETUNREACH: deferred.gettext("the network cannot be reached"),
}


def os_reason(exc: OSError) -> Text | str:
    """Why the system refused: worded for the common error numbers, else its ``strerror``."""
    words = _ERRNO_REASONS.get(exc.errno) if exc.errno is not None else None
    if words is not None:
        return words
    # socket.timeout and a failed name lookup carry no errno of the table above.
    if isinstance(exc, TimeoutError):
        return _ERRNO_REASONS[errno.ETIMEDOUT]
    import socket  # here, not at the top: most verbs that load this module open no socket

    if isinstance(exc, socket.gaierror):
        return deferred.gettext("the name could not be resolved")
    return str(exc.strerror or exc)


def json_reason(exc: json.JSONDecodeError, *, first_line: int = 1) -> Text:
    """``not valid JSON at line L, column C``; ``first_line`` is the file's line the parsed
    text starts on (a JSON Lines record's), so the line is the file's."""
    return deferred.gettext(
        "not valid JSON at line %(line)s, column %(column)s",
        line=first_line + exc.lineno - 1,
        column=exc.colno,
    )


def csv_reason(line: int) -> Text:
    """``not valid CSV at line N``: the csv module's own words say only what it expected."""
    return deferred.gettext("not valid CSV at line %(line)s", line=line)
