"""Files sent for a call's file fields (``kind = "file"``): what each really is.

A file field declares name endings (``types = ["pdf", "docx"]``); each ending stands for
one media type (:data:`ENDING_TYPES`), and the file's bytes must show that type, read
three ways:

* formats with a magic number (PDF, PNG, JPEG, GIF, WebP) are sniffed as attachments are
  (:func:`consultkit.domain.attachments.sniff`), and the sniffed type must be the ending's;
* Office Open XML (docx, xlsx, pptx) and OpenDocument (odt, ods, odp) files are all ZIP
  archives to a sniffer, so the archive itself is asked: its ``[Content_Types].xml`` must
  declare the ending's main part (a macro-enabled ``.docm`` renamed ``.docx`` declares
  another and is refused), or its ``mimetype`` entry must be the ODF type. Only that one
  small entry is decompressed, and at most :data:`MAX_MANIFEST_BYTES` of it, so a
  zip bomb costs nothing; nothing is extracted. This proves what the container says it
  holds, not that every part inside is well formed;
* plain text (txt, csv, md) has no magic number: it must be UTF-8 without NUL characters.

An ending outside :data:`ENDING_TYPES` cannot be checked, so the loader refuses to
declare it. The checked file is kept like an attachment (``upload:ID/NAME``) and the
field's value names it: ``{name, size, media_type, attachment = ID}``.
"""

from __future__ import annotations

import functools
import io
from typing import TYPE_CHECKING, Any, Final

from consultkit.domain.attachments import CheckedUpload, safe_name, sniff
from consultkit.domain.rendering import listed, render_number
from consultkit.errors import RuleRefusedError
from consultkit.i18n import Text, deferred

if TYPE_CHECKING:
    import zipfile
    from collections.abc import Mapping, Sequence

    from consultkit.domain.attachments import Upload
    from consultkit.domain.fields import AnyField, FileField

ENDING_TYPES: Final[Mapping[str, str]] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "txt": "text/plain",
    "csv": "text/csv",
    "md": "text/markdown",
}
"""The endings a file field may declare, with the media type each stands for."""

_OOXML_MAIN: Final[Mapping[str, str]] = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
_ODF: Final = frozenset({"odt", "ods", "odp"})
_TEXT: Final = frozenset({"txt", "csv", "md"})

DEFAULT_MAX_BYTES: Final = 10_000_000
"""The largest file a file field takes when it declares no ``max_bytes``."""

MAX_MANIFEST_BYTES: Final = 256 * 1024
"""The most of ``[Content_Types].xml`` read from an archive (real ones are a few KB)."""


def ending_of(name: str) -> str:
    """The lower-case ending of ``name`` without the dot ("" when it has none)."""
    stem, dot, ending = name.rpartition(".")
    return ending.lower() if dot and stem.strip(" .") else ""


def _bounded(archive: zipfile.ZipFile, entry: str, limit: int) -> bytes | None:
    try:
        info = archive.getinfo(entry)
    except KeyError:
        return None
    if info.file_size > limit:
        return None
    with archive.open(info) as member:
        # read(limit + 1) decompresses no more than that, whatever the header claims.
        content = member.read(limit + 1)
    return None if len(content) > limit else content


def _archive_shows(content: bytes, ending: str) -> bool:
    # Lazy, as secrets below: the loader reads ENDING_TYPES from this module on every verb,
    # and zipfile (with shutil, struct, binascii) is for checking an uploaded file (issue 14).
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if ending in _ODF:
                first = archive.infolist()[:1]
                mimetype = _bounded(archive, "mimetype", 128)
                return (
                    bool(first)
                    and first[0].filename == "mimetype"
                    and mimetype == ENDING_TYPES[ending].encode()
                )
            manifest = _bounded(archive, "[Content_Types].xml", MAX_MANIFEST_BYTES)
            return manifest is not None and f'"{_OOXML_MAIN[ending]}"'.encode() in manifest
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        # A damaged or unsupported archive (bad CRC, encryption, odd method) shows nothing.
        return False


def content_shows(content: bytes, ending: str) -> bool:
    """Whether ``content`` is what a file ending ``.ending`` (in :data:`ENDING_TYPES`) is."""
    if ending in _TEXT:
        if b"\0" in content:
            return False
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
    if ending in _OOXML_MAIN or ending in _ODF:
        # Sniffers guess among ZIP formats from the first entries' names; the archive's
        # own declaration decides instead.
        return content.startswith(b"PK\x03\x04") and _archive_shows(content, ending)
    return sniff(content) == ENDING_TYPES[ending]


def largest_file(field: FileField) -> int:
    """The most bytes ``field`` takes: its ``max_bytes``, else :data:`DEFAULT_MAX_BYTES`."""
    return DEFAULT_MAX_BYTES if field.max_bytes is None else field.max_bytes


def _refused(field: FileField, problem: Text) -> RuleRefusedError:
    message = deferred.gettext("field %(key)r: %(problem)s", key=field.key, problem=problem)
    return RuleRefusedError("field", message, field=field.key)


def check_field_file(field: FileField, upload: Upload) -> CheckedUpload:
    """``upload`` checked against ``field`` (rule ``field``, naming it), under a new id."""
    allowed = tuple(t.lower() for t in field.types) or tuple(ENDING_TYPES)
    shown = safe_name(upload.name, "application/pdf").removesuffix(".pdf")
    ending = ending_of(upload.name)
    if ending not in allowed or ending not in ENDING_TYPES:
        raise _refused(
            field,
            deferred.gettext(
                "file %(name)r does not end in one of %(endings)s: send one of those",
                name=shown,
                endings=listed(allowed),
            ),
        )
    most = largest_file(field)
    if len(upload.content) > most:
        raise _refused(
            field,
            deferred.gettext(
                "file %(name)r has %(size)s bytes; at most %(most)s: send a smaller file",
                name=shown,
                size=functools.partial(render_number, len(upload.content)),
                most=functools.partial(render_number, most),
            ),
        )
    if not content_shows(upload.content, ending):
        raise _refused(
            field,
            deferred.gettext(
                "file %(name)r is not a .%(ending)s file (read from its content, not its name):"
                " send a real .%(ending)s file or save it as one",
                name=shown,
                ending=ending,
            ),
        )
    stem = safe_name(upload.name, "application/pdf").removesuffix(".pdf")
    import secrets  # with hmac and hashlib, only for a checked upload (see _archive_shows)

    return CheckedUpload(
        id=secrets.token_hex(16),
        name=f"{stem}.{ending}",
        media_type=ENDING_TYPES[ending],
        content=upload.content,
    )


def check_field_files(
    fields: Sequence[AnyField], files: Mapping[str, Upload], values: Mapping[str, object]
) -> dict[str, CheckedUpload]:
    """Each file of ``files`` (by field key) checked against its file field.

    A key that is no file field of the call, and a file field's value sent as text (a
    name, a size, an ``attachment`` id) rather than as the file itself, are refused.
    """
    from consultkit.domain.fields import FileField

    by_key = {f.key: f for f in fields if isinstance(f, FileField)}
    for key in values:
        if key in by_key:
            raise _refused(
                by_key[key],
                deferred.gettext("send the file itself, not a description of it (name, size, id)"),
            )
    checked: dict[str, CheckedUpload] = {}
    for key, upload in files.items():
        field = by_key.get(key)
        if field is None:
            known = listed(tuple(by_key)) if by_key else deferred.pgettext("no fields", "none")
            raise RuleRefusedError(
                "field",
                deferred.gettext(
                    "field %(key)r: a file was sent but it is not a file field of this call"
                    " (file fields: %(known)s)",
                    key=key,
                    known=known,
                ),
                field=key,
            )
        checked[key] = check_field_file(field, upload)
    return checked


def field_value(checked: CheckedUpload) -> dict[str, object]:
    """A file field's stored value for a kept file."""
    return {
        "name": checked.name,
        "size": len(checked.content),
        "media_type": checked.media_type,
        "attachment": checked.id,
    }


def without_file_ids(values: Mapping[str, Any]) -> dict[str, Any]:
    """Field values with each kept file's ``attachment`` id left out: a retry of the same
    submission keeps its file under a new id, yet is the same request."""
    return {
        key: {k: v for k, v in value.items() if k != "attachment"}
        if isinstance(value, dict)
        else value
        for key, value in values.items()
    }


__all__ = [
    "DEFAULT_MAX_BYTES",
    "ENDING_TYPES",
    "MAX_MANIFEST_BYTES",
    "check_field_file",
    "check_field_files",
    "content_shows",
    "ending_of",
    "field_value",
    "largest_file",
    "without_file_ids",
]
