"""Attachments: a call's allowed files, their type read from their bytes, kept privately."""

from __future__ import annotations

import datetime as dt
import re
import stat
import struct
import zlib
from typing import TYPE_CHECKING, Any

import pytest

from consultkit.app.application import Consultkit
from consultkit.config.loader import loads_consultation
from consultkit.domain.attachments import Upload, parse_reference, safe_name
from consultkit.domain.clock import FixedClock
from consultkit.domain.submissions import Consent, SubmissionStatus, Submitter
from consultkit.errors import ConfigError, RuleRefusedError, UnknownItemError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from consultkit.domain.model import Consultation

NOW = dt.datetime(2020, 1, 10, 9, 0, tzinfo=dt.UTC)
ALLOWED = '{ types = ["image/jpeg", "image/png"], max_bytes = 2_000, max_files = 2 }'
FILE = f"""\
id = "c"
zone = "Europe/Zurich"
languages = ["en"]
title = {{ en = "T" }}

[[groups]]
id = "civil-society"
name = {{ en = "Civil society" }}

[[calls]]
id = "photos"
kind = "contest"
title = {{ en = "Photo contest" }}
attachments = {ALLOWED}

[[calls]]
id = "plain"
kind = "contribution"
title = {{ en = "Plain" }}
"""


def png(marker: bytes = b"consultkit-test-pixel") -> bytes:
    """A real 1x1 PNG carrying ``marker`` in a text chunk, so its bytes can be searched."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"tEXt", b"Comment\0" + marker)
        + chunk(b"IDAT", zlib.compress(b"\0\xff\0\0"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def consultation() -> Consultation:
    return loads_consultation(FILE)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Consultkit]:
    url = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    with Consultkit.open(url, clock=FixedClock(NOW), entry_points=False) as application:
        yield application


def send(app: Consultkit, consultation: Consultation, *uploads: Upload, **kw: Any) -> Any:
    options: dict[str, Any] = {
        "call_id": "photos",
        "title": "T",
        "body": "B",
        "submitter": Submitter(name="Ana", email="ana@example.org", group="civil-society"),
    } | kw
    return app.submit(consultation, uploads=uploads, **options)


def kept_files(app: Consultkit) -> list[Path]:
    root = app.attachment_files.root
    return sorted(root.iterdir()) if root.exists() else []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd.png"),
        ("..\\..\\boot.ini", "boot.png"),
        ("a\x00b\x1f\x7fc.png", "abc.png"),
        ("photo\u202egnp.exe", "photognp.png"),  # RTL override: would read photoexe.png
        ("x" * 5000 + ".png", "x" * 100 + ".png"),
        ("...", "attachment.png"),
        ("", "attachment.png"),
        ("evil.html", "evil.png"),
    ],
)
def test_names_are_made_harmless(name: str, expected: str) -> None:
    assert safe_name(name, "image/png") == expected


def test_a_valid_png_is_kept_private_under_a_random_id_and_served(
    app: Consultkit, consultation: Consultation
) -> None:
    receipt = send(app, consultation, Upload(name="../../etc/passwd", content=png()))
    (reference,) = app.find(consultation, receipt.tracking_number).attachments
    parsed = parse_reference(reference)
    assert parsed is not None
    file_id, name = parsed
    assert name == "passwd.png"
    (kept,) = kept_files(app)
    assert kept.name == file_id and kept.parent == app.attachment_files.root
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    served = app.attachment(consultation, receipt.tracking_number, file_id, organiser=True)
    assert (served.name, served.media_type, served.content) == ("passwd.png", "image/png", png())


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        # A PNG renamed .exe is still a PNG: accepted, under a .png name (below).
        (Upload(name="page.png", content=b"<!doctype html><script>alert(1)</script>"), "an"),
        (Upload(name="x.png", content=b"%PDF-1.4\n" + b"0" * 50), "application/pdf"),
        (Upload(name="big.png", content=png(b"x" * 3000)), "at most 2,000 bytes"),
    ],
)
def test_what_the_bytes_are_decides_not_the_name(
    app: Consultkit, consultation: Consultation, upload: Upload, message: str
) -> None:
    with pytest.raises(RuleRefusedError) as caught:
        send(app, consultation, upload)
    assert (caught.value.rule, caught.value.field) == ("attachment", "attachments")
    assert message in str(caught.value) and repr(upload.name.rsplit(".")[0]) in str(caught.value)
    assert list(app.list_submissions(consultation)) == []
    assert kept_files(app) == []


def test_a_png_named_exe_is_kept_as_png(app: Consultkit, consultation: Consultation) -> None:
    receipt = send(app, consultation, Upload(name="holiday.exe", content=png()))
    (reference,) = app.find(consultation, receipt.tracking_number).attachments
    assert reference.endswith("/holiday.png")


def test_calls_without_attachments_and_too_many_files_are_refused(
    app: Consultkit, consultation: Consultation
) -> None:
    with pytest.raises(RuleRefusedError, match="call 'plain' takes no files"):
        send(app, consultation, Upload(name="a.png", content=png()), call_id="plain")
    with pytest.raises(RuleRefusedError, match="at most 2: remove some"):
        send(app, consultation, *[Upload(name=f"{n}.png", content=png()) for n in range(3)])
    assert kept_files(app) == []


def test_a_reference_sent_as_text_cannot_claim_a_stored_file(
    app: Consultkit, consultation: Consultation
) -> None:
    first = send(app, consultation, Upload(name="a.png", content=png()))
    (reference,) = app.find(consultation, first.tracking_number).attachments
    with pytest.raises(RuleRefusedError, match="send the file itself"):
        send(app, consultation, attachments=[reference])


def test_a_submission_refused_after_the_files_were_written_keeps_none(
    app: Consultkit, consultation: Consultation
) -> None:
    # The body check runs after the files are written: the refusal must take them back.
    with pytest.raises(RuleRefusedError):
        send(app, consultation, Upload(name="a.png", content=png()), title="")
    assert kept_files(app) == []
    assert list(app.attachment_files.root.glob("*.part")) == []


def test_a_replayed_submission_keeps_only_the_original_files(
    app: Consultkit, consultation: Consultation
) -> None:
    send(app, consultation, Upload(name="a.png", content=png()), idempotency_key="k")
    again = send(app, consultation, Upload(name="a.png", content=png()), idempotency_key="k")
    assert again.replayed
    assert len(kept_files(app)) == 1


def test_only_organisers_or_consented_public_submissions_are_served(
    app: Consultkit, consultation: Consultation
) -> None:
    private = send(app, consultation, Upload(name="a.png", content=png()))
    public = send(
        app,
        consultation,
        Upload(name="b.png", content=png()),
        consent=Consent(publish_text=True),
        title="Shown",
    )
    for receipt in (private, public):
        for decision in (SubmissionStatus.UNDER_REVIEW, SubmissionStatus.ACCEPTED):
            app.review(consultation, receipt.tracking_number, decision=decision, organiser="org")

    def file_id(receipt: Any) -> str:
        (reference,) = app.find(consultation, receipt.tracking_number).attachments
        parsed = parse_reference(reference)
        assert parsed is not None
        return parsed[0]

    with pytest.raises(UnknownItemError):
        app.attachment(consultation, private.tracking_number, file_id(private), organiser=False)
    shown = app.attachment(consultation, public.tracking_number, file_id(public), organiser=False)
    assert shown.content == png()
    with pytest.raises(UnknownItemError):  # another submission's file under this one
        app.attachment(consultation, public.tracking_number, file_id(private), organiser=True)


def test_erasure_leaves_no_byte_of_the_file(
    app: Consultkit, consultation: Consultation, tmp_path: Path
) -> None:
    marker = b"ERASE-ME-7f3a9c-photo-of-ana"
    send(app, consultation, Upload(name="ana.png", content=png(marker)))
    assert any(marker in p.read_bytes() for p in kept_files(app))
    assert app.erase_submitter(consultation, "ana@example.org", keep_text=True) == 1
    app.close()
    assert kept_files(app) == []
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert marker not in path.read_bytes(), path


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        (
            '{ types = ["image/jpg"], max_bytes = 10 }',
            "calls[0].attachments.types[0]: 'image/jpg' is not a type whose content can be checked",
        ),
        ('{ types = ["image/jpg"], max_bytes = 10 }', "did you mean 'image/jpeg'?"),
        ('{ types = ["text/html"], max_bytes = 10 }', "is not a type whose content"),
        ('{ types = ["image/png"], max_bytes = 0 }', "attachments.max_bytes: must be a whole"),
        ('{ types = ["image/png"], max_byte = 10 }', "did you mean 'max_bytes'?"),
        ("{ types = [], max_bytes = 10 }", "attachments.types: lists no media type"),
    ],
)
def test_a_wrong_declaration_is_a_located_error(declared: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        loads_consultation(FILE.replace(ALLOWED, declared))


def test_without_a_sqlite_store_files_need_a_directory() -> None:
    app = Consultkit.open("memory://", entry_points=False)
    with pytest.raises(Exception, match="set \\$CONSULTKIT_ATTACHMENTS"):
        _ = app.attachment_files
