"""Files a call accepts with a submission: what it allows, what a file really is, its name.

A call declares ``attachments = { types = ["image/jpeg", "image/png"], max_bytes =
5_000_000, max_files = 3 }``. A file's type is read from its first bytes (its magic number,
with the ``filetype`` library), never from the name or the content type the client sent:
a PNG renamed ``.exe`` is a PNG, an HTML page renamed ``.png`` is refused. The name a
submitter gave is kept only as a label, made harmless by :func:`safe_name`; the file is
stored under a random id (:func:`new_reference`), never under that name.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Final

import attrs

from consultkit.errors import RuleRefusedError
from consultkit.value_methods import shared_value_methods

if TYPE_CHECKING:
    from collections.abc import Sequence

ACCEPTABLE_TYPES: Final[dict[str, str]] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
"""Media types a call may allow, with the name ending a stored file gets: types whose
magic bytes identify them (a text format such as HTML or CSV has none to check)."""

REFERENCE_PREFIX: Final = "upload:"
"""How a stored file is named among a submission's ``attachments``: ``upload:ID/NAME``."""

MAX_NAME_CHARACTERS: Final = 100
_ID = r"[0-9a-f]{32}"


@attrs.frozen(kw_only=True)
@shared_value_methods
class Attachments:
    """What files a call accepts: ``types`` (media types), at most ``max_bytes`` each, and
    at most ``max_files`` per submission."""

    types: tuple[str, ...]
    max_bytes: int
    max_files: int = 1


@attrs.frozen(kw_only=True)
@shared_value_methods
class Upload:
    """One file as a client sent it: the name it gave and the bytes."""

    name: str
    content: bytes = attrs.field(repr=lambda c: f"<{len(c)} bytes>")


@attrs.frozen(kw_only=True)
@shared_value_methods
class CheckedUpload:
    """An upload whose type was read from its bytes, under a safe name and a new id."""

    id: str
    name: str
    media_type: str
    content: bytes = attrs.field(repr=lambda c: f"<{len(c)} bytes>")

    @property
    def reference(self) -> str:
        return f"{REFERENCE_PREFIX}{self.id}/{self.name}"


@attrs.frozen(kw_only=True)
@shared_value_methods
class StoredAttachment:
    """A kept file as it is served: its safe name, its sniffed type and its bytes."""

    name: str
    media_type: str
    content: bytes = attrs.field(repr=lambda c: f"<{len(c)} bytes>")


def sniff(content: bytes) -> str | None:
    """The media type ``content``'s first bytes show, or None when they show none known."""
    # Imported here: filetype and secrets cost about 15 ms, and every verb that reads a
    # consultation imports this module, while only a submission with files sniffs one
    # (benchmarks/bench_startup.py, issue 14).
    import filetype

    kind = filetype.guess(content[:8192])
    return None if kind is None else str(kind.mime)


def safe_name(name: str, media_type: str) -> str:
    """A harmless label for a file the client called ``name``, ending as ``media_type`` does.

    Folders (``../../etc/passwd``), NUL and other control characters, bidirectional
    overrides (U+202E makes ``gpj.exe`` read ``exe.jpg``) and other invisible format
    characters are dropped, the stem is cut to :data:`MAX_NAME_CHARACTERS`, and the ending
    is the sniffed type's, whatever the client wrote.
    """
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name))[-1]
    kept = "".join(c for c in base if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp"))
    stem = kept.rsplit(".", 1)[0] if "." in kept.lstrip(".") else kept
    stem = re.sub(r"\s+", " ", stem).strip(" .")[:MAX_NAME_CHARACTERS].strip(" .")
    return f"{stem or 'attachment'}.{ACCEPTABLE_TYPES[media_type]}"


def check_uploads(
    allowed: Attachments | None, uploads: Sequence[Upload], *, call_id: str
) -> list[CheckedUpload]:
    """The uploads, checked against what the call allows (rule ``attachment``), with ids.

    The error's ``field`` is ``attachments``; its message names the file and what to do.
    """
    if not uploads:
        return []
    import secrets  # with hmac and hashlib, only for submissions with files (see sniff)

    if allowed is None:
        raise RuleRefusedError(
            "attachment",
            f"call {call_id!r} takes no files: send the submission without attachments",
            field="attachments",
        )
    if len(uploads) > allowed.max_files:
        raise RuleRefusedError(
            "attachment",
            f"{len(uploads)} files sent; this call takes at most {allowed.max_files}: remove some",
            field="attachments",
        )
    accepted = ", ".join(ACCEPTABLE_TYPES[t] for t in allowed.types)
    checked = []
    for upload in uploads:
        shown = safe_name(upload.name, "application/pdf").removesuffix(".pdf")
        if len(upload.content) > allowed.max_bytes:
            raise RuleRefusedError(
                "attachment",
                f"file {shown!r} has {len(upload.content):,} bytes; this call takes at most"
                f" {allowed.max_bytes:,} bytes per file: send a smaller file",
                field="attachments",
            )
        media_type = sniff(upload.content)
        if media_type not in allowed.types:
            found = "an unrecognised format" if media_type is None else media_type
            raise RuleRefusedError(
                "attachment",
                f"file {shown!r} is {found} (read from its content, not its name); this call"
                f" takes {accepted}: send one of those",
                field="attachments",
            )
        checked.append(
            CheckedUpload(
                id=secrets.token_hex(16),
                name=safe_name(upload.name, media_type),
                media_type=media_type,
                content=upload.content,
            )
        )
    return checked


def parse_reference(reference: str) -> tuple[str, str] | None:
    """The id and name of a stored file's reference, or None for any other attachment."""
    if not reference.startswith(REFERENCE_PREFIX):
        return None
    file_id, _, name = reference.removeprefix(REFERENCE_PREFIX).partition("/")
    return (file_id, name) if re.fullmatch(_ID, file_id) else None


def is_file_id(text: str) -> bool:
    """Whether ``text`` has the shape of a stored file's id (32 lower-case hex digits)."""
    return re.fullmatch(_ID, text) is not None


__all__ = [
    "ACCEPTABLE_TYPES",
    "REFERENCE_PREFIX",
    "Attachments",
    "CheckedUpload",
    "StoredAttachment",
    "Upload",
    "check_uploads",
    "is_file_id",
    "parse_reference",
    "safe_name",
    "sniff",
]
