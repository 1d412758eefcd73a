"""Attached files on disk: one private file per upload, named by its random id.

Files, not BLOBs in the store: a photo is megabytes that neither SQL queries nor exports
need, and deleting a file frees its bytes without a VACUUM, where a BLOB's deleted pages
linger in the database and its write-ahead log until they are reused. The directory is
0700 and each file 0600 (:mod:`consultkit.storage.private_files`).

A file is written to ``ID.part`` and renamed to ``ID`` once complete, so no reader ever
sees half a file; the application writes the files before the submission's transaction
and removes them when that transaction is refused or fails, so a refused submission
leaves nothing behind. Removing overwrites the bytes with zeros before unlinking.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING

from consultkit.domain.attachments import is_file_id
from consultkit.storage.private_files import open_private

if TYPE_CHECKING:
    from pathlib import Path

DIRECTORY_MODE = 0o700


class AttachmentFiles:
    """The attached files under ``root`` (created 0700 on the first write)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, file_id: str) -> Path:
        # Ids are made here, never taken from a request as a path: 32 hex digits only.
        if not is_file_id(file_id):
            raise ValueError(f"not an attachment id: {file_id!r}")
        return self.root / file_id

    def write(self, file_id: str, content: bytes) -> None:
        """Store ``content`` as ``file_id``: complete or not at all."""
        path = self._path(file_id)
        self.root.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
        partial = path.with_name(file_id + ".part")
        fd = open_private(partial, os.O_WRONLY | os.O_TRUNC)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            partial.replace(path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

    def read(self, file_id: str) -> bytes | None:
        """The bytes stored as ``file_id``, or None when there are none (erased)."""
        try:
            return self._path(file_id).read_bytes()
        except FileNotFoundError:
            return None

    def remove(self, file_id: str) -> None:
        """Overwrite ``file_id``'s bytes with zeros and delete it (nothing if it is gone)."""
        path = self._path(file_id)
        with contextlib.suppress(FileNotFoundError):
            size = path.stat().st_size
            with path.open("r+b") as out:
                out.write(b"\0" * size)
                out.flush()
                os.fsync(out.fileno())
            path.unlink()


__all__ = ["AttachmentFiles"]
