"""Files that hold personal data: readable and writable by their owner only (mode 0600).

The store, full submission exports (and their ``.partial`` files while they are written)
and the log channel's file hold names and addresses, so they are not left to the umask,
which commonly makes new files readable by everyone (0644). Public exports and calendar
feeds are meant to be served and keep the umask's mode (issue 9, finding 6).
"""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

PRIVATE_MODE = 0o600
"""Read and write for the owner, nothing for anyone else."""


def create_private(path: Path) -> bool:
    """Create ``path`` empty with :data:`PRIVATE_MODE` unless it exists; whether it did.

    An existing file is left as it is: its mode is its owner's choice (``chmod 600`` it).
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_MODE)
    except FileExistsError:
        return False
    try:
        _restrict(fd)
    finally:
        os.close(fd)
    return True


def open_private(path: Path, flags: int) -> int:
    """Open ``path`` with ``os.open`` ``flags`` (creating it), its mode made 0600; the fd.

    The umask can only take bits away from the mode a file is created with, so a new file
    gets 0600 exactly; a file that existed (a log written by an older release, a partial
    export left by a killed run) is made 0600 too when this user owns it, since it holds
    the same data.
    """
    fd = os.open(path, flags | os.O_CREAT | os.O_CLOEXEC, PRIVATE_MODE)
    try:
        _restrict(fd)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _restrict(fd: int) -> None:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
        return  # a device or pipe, or someone else's file: its mode is not ours to set
    if stat.S_IMODE(info.st_mode) == PRIVATE_MODE:
        return
    os.fchmod(fd, PRIVATE_MODE)


__all__ = ["PRIVATE_MODE", "create_private", "open_private"]
