"""Writing files whole or not at all, never through a file someone else planted.

Every file consultkit writes for a person (feeds, exports, charts) goes through
:func:`atomic_file` or :func:`write_atomically`: the bytes go to a new temporary file
beside the target, created exclusively (``O_EXCL``, so a symlink or file planted under a
predictable name is never opened or followed), then renamed over the target. A reader
sees the old file or the new one, never half of one; any failure (a full disk included)
removes the temporary file and leaves the target as it was.

A target that exists and is not a regular file (a FIFO, a device, a directory) is
refused: renaming over a FIFO or ``/dev/…`` would replace it, which is never what
``-o /dev/stdout`` meant. A symbolic link at the target is replaced by the new file, not
written through.

The module sits outside the layers (like :mod:`consultkit.errors`) so the command line,
the application and the formats can all use it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING

from consultkit.errors import ConsultkitError
from consultkit.i18n import Text, deferred
from consultkit.reasons import os_reason

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["FileWriteError", "atomic_file", "check_target", "write_atomically"]


class FileWriteError(ConsultkitError):
    """A file could not be written: ``path`` and the ``reason``, for people."""

    def __init__(self, path: Path, reason: str | Text) -> None:
        self.path = path
        self.reason = reason
        super().__init__(
            deferred.gettext("cannot write %(path)s: %(reason)s", path=str(path), reason=reason)
        )


def _kind(mode: int) -> Text | None:
    """What a non-regular file is, in words; None for a regular file or a symlink."""
    if stat.S_ISREG(mode) or stat.S_ISLNK(mode):
        return None
    if stat.S_ISDIR(mode):
        return deferred.gettext("a folder")
    if stat.S_ISFIFO(mode):
        return deferred.gettext("a FIFO (named pipe)")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return deferred.gettext("a device")
    if stat.S_ISSOCK(mode):
        return deferred.gettext("a socket")
    return deferred.gettext("a special file")  # pragma: no cover (a door: none here)


def check_target(target: Path) -> None:
    """Raise :class:`FileWriteError` when ``target`` exists and is not a regular file."""
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise FileWriteError(target, _reason(target, exc)) from exc
    kind = _kind(mode)
    if kind is not None:
        raise FileWriteError(
            target,
            deferred.gettext(
                "it is %(kind)s, not a regular file; give the path of a file to create or"
                " replace (or leave the option out to write to stdout)",
                kind=kind,
            ),
        )


def _reason(target: Path, exc: OSError) -> str | Text:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return deferred.gettext(
            "the disk is full at %(directory)s: free space and retry; nothing was half-written",
            directory=str(target.parent),
        )
    return os_reason(exc)


def _default_mode() -> int:
    # os.umask is the only portable way to read the umask; set it straight back.
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_file(
    target: str | os.PathLike[str], *, mode: int | None = None, make_parents: bool = False
) -> Iterator[IO[bytes]]:
    """A binary handle whose bytes replace ``target`` when the block ends without error.

    ``mode`` is the new file's permission bits exactly (e.g. ``0o600`` for files that hold
    personal data); the default is what ``open()`` gives, ``0o666`` less the umask. With
    ``make_parents`` missing directories are created. Raises :class:`FileWriteError` for
    a target that is not a regular file and for any system error (a full disk says so);
    the target is then untouched and no temporary file is left.
    """
    path = Path(target)
    check_target(path)
    try:
        if make_parents:
            path.parent.mkdir(parents=True, exist_ok=True)
        # mkstemp opens with O_CREAT | O_EXCL (and O_NOFOLLOW) under an unpredictable name.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as exc:
        raise FileWriteError(path, _reason(path, exc)) from exc
    try:
        os.fchmod(fd, _default_mode() if mode is None else mode)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            # The rename must not reach the disk before the bytes do (a crash would leave
            # an empty file under the target's name).
            os.fsync(handle.fileno())
        # The target may have been swapped for a FIFO while we wrote: check again.
        check_target(path)
        Path(tmp).replace(path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        if isinstance(exc, OSError) and not isinstance(exc, FileWriteError):
            raise FileWriteError(path, _reason(path, exc)) from exc
        raise


def write_atomically(
    target: str | os.PathLike[str],
    data: bytes,
    *,
    mode: int | None = None,
    make_parents: bool = False,
) -> None:
    """Replace ``target`` with ``data`` through :func:`atomic_file` (same arguments)."""
    with atomic_file(target, mode=mode, make_parents=make_parents) as handle:
        handle.write(data)
