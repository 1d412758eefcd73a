"""Attachments on the web: the form takes files only where the call does, served as downloads."""

from __future__ import annotations

import base64
import stat
import struct
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from consultkit_web import create_app
from consultkit_web.testing import filled, form_tokens
from litestar.testing import TestClient

from consultkit.app.application import Consultkit
from consultkit.config.loader import loads_consultation
from consultkit.domain.attachments import parse_reference
from consultkit.domain.clock import FixedClock, parse_instant
from consultkit.domain.submissions import SubmissionStatus

if TYPE_CHECKING:
    from collections.abc import Iterator

    from litestar import Litestar

ROOT = Path(__file__).resolve().parents[3]
WSIS = ROOT / "examples" / "wsis2020" / "consultation.toml"
CID = "wsis-forum-2020-ocp"
IN_WINDOW = "2020-01-15T10:00:00Z"
# The photo contest has no dates in the letter; the official-submissions call is open at
# IN_WINDOW, so it is given the photo contest's attachments here.
CALL = "official-submissions"
ALLOWED = '{ types = ["image/jpeg", "image/png"], max_bytes = 4_000, max_files = 2 }'
FORM = f"/{CID}/calls/{CALL}/submit"
PLAIN_FORM = f"/{CID}/calls/workshop-requests/submit"


def png(marker: bytes = b"pixel") -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"tEXt", b"Comment\0" + marker)
        + chunk(b"IDAT", zlib.compress(b"\0\xff\0\0"))
        + chunk(b"IEND", b"")
    )


def consultation_text() -> str:
    return WSIS.read_text(encoding="utf-8").replace(
        f'id = "{CALL}"\n', f'id = "{CALL}"\nattachments = {ALLOWED}\n', 1
    )


@pytest.fixture
def application(tmp_path: Path) -> Iterator[Consultkit]:
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    app = Consultkit.open(url, clock=FixedClock(parse_instant(IN_WINDOW)), entry_points=False)
    yield app
    app.close()


@pytest.fixture
def client(application: Consultkit) -> Iterator[TestClient[Litestar]]:
    web = create_app(
        application,
        [loads_consultation(consultation_text())],
        secret="csrf-secret",
        max_body_bytes=64 * 1024,
    )
    with TestClient(app=web) as test_client:
        yield test_client


def send(client: TestClient[Litestar], form: str, *files: tuple[str, bytes], **values: Any) -> Any:
    tokens = form_tokens(client.get(form).text)
    return client.post(
        form + "?lang=en",
        data=filled(**values) | tokens,
        files=[("attachments", (name, content, "image/png")) for name, content in files],
        follow_redirects=False,
    )


def stored_file(application: Consultkit) -> tuple[str, str]:
    (submission,) = application.store.list_submissions(CID)
    (reference,) = submission.attachments
    parsed = parse_reference(reference)
    assert parsed is not None
    return submission.tracking_number, parsed[0]


def test_only_a_call_taking_files_shows_a_multipart_form(client: TestClient[Litestar]) -> None:
    html = client.get(FORM + "?lang=en").text
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file"' in html and 'accept="image/jpeg,image/png"' in html
    assert "JPG, PNG; at most 2 files of 0.004 MB each" in html
    # Issue 11: the size in the page's own decimal mark, by babel (not Python's "0.004").
    assert "0,004" in client.get(FORM + "?lang=fr").text
    plain = client.get(PLAIN_FORM).text
    assert "multipart" not in plain and 'type="file"' not in plain


def test_a_photo_is_stored_privately_and_served_only_as_a_download(
    client: TestClient[Litestar], application: Consultkit
) -> None:
    sent = send(client, FORM, ("../../etc/passwd", png()))
    assert sent.status_code == 303, sent.text
    number, file_id = stored_file(application)
    kept = application.attachment_files.root / file_id
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    link = f"/api/consultations/{CID}/submissions/{number}/attachments/{file_id}"
    # Not accepted yet: not public, whatever the consent.
    assert client.get(link).status_code == 404
    for decision in (SubmissionStatus.UNDER_REVIEW, SubmissionStatus.ACCEPTED):
        application.review(
            loads_consultation(consultation_text()), number, decision=decision, organiser="o"
        )
    served = client.get(link)
    assert served.status_code == 200 and served.content == png()
    assert served.headers["content-type"] == "image/png"
    assert served.headers["content-disposition"].startswith('attachment; filename="passwd.png"')
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-security-policy"].startswith("default-src 'none'; sandbox")
    assert client.get(link, headers={"authorization": "Bearer wrong"}).status_code == 401


def test_an_html_page_named_png_is_refused_beside_the_field(
    client: TestClient[Litestar], application: Consultkit
) -> None:
    refused = send(client, FORM, ("photo.png", b"<html><script>alert(1)</script></html>"))
    assert refused.status_code == 422
    assert 'id="attachments-error"' in refused.text
    assert "read from its content, not its name" in refused.text
    assert 'value="Acceso público a Internet en bibliotecas"' in refused.text
    assert list(application.store.list_submissions(CID)) == []
    root = application.attachment_files.root
    assert not root.exists() or list(root.iterdir()) == []


def test_a_file_over_the_calls_limit_is_refused_with_its_size(
    client: TestClient[Litestar],
) -> None:
    refused = send(client, FORM, ("big.png", png(b"x" * 5_000)))
    assert refused.status_code == 422
    assert "this call takes at most 4,000 bytes per file" in refused.text


def test_the_larger_body_is_only_for_the_call_taking_files(
    client: TestClient[Litestar],
) -> None:
    big = {"body": "x" * 70_000}
    assert send(client, PLAIN_FORM, **big).status_code == 413
    # The same body fits the call taking files: its limit adds room for them.
    assert send(client, FORM, **big).status_code in {303, 422}
    huge = send(client, FORM, ("a.png", png(b"x" * 200_000)))
    assert huge.status_code == 413
    assert "send smaller files" in huge.text


def test_erasure_leaves_no_byte_of_the_photo(
    client: TestClient[Litestar], application: Consultkit, tmp_path: Path
) -> None:
    marker = b"ERASE-ME-web-photo-4242"
    assert send(client, FORM, ("ana.png", png(marker))).status_code == 303
    erased = application.erase_submitter(loads_consultation(consultation_text()), "ana@example.org")
    assert erased == 1
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert marker not in path.read_bytes(), path


API = f"/api/consultations/{CID}/calls/{CALL}/submissions"
BODY = {
    "group": "civil-society",
    "name": "Ana",
    "email": "ana@example.org",
    "title": "Foto",
    "body": "Texto.",
    "language": "es",
}


def test_the_api_takes_files_in_base64_and_refuses_what_they_are_not(
    client: TestClient[Litestar], application: Consultkit
) -> None:
    photo = {"name": "a.exe", "content_base64": base64.b64encode(png()).decode()}
    sent = client.post(API, json=BODY | {"attachments": [photo]})
    assert sent.status_code == 201, sent.text
    assert stored_file(application)[1]
    html = {"name": "x.png", "content_base64": base64.b64encode(b"<html></html>").decode()}
    refused = client.post(API, json=BODY | {"attachments": [html]})
    assert refused.status_code == 422
    assert refused.json()["rule"] == "attachment"
    assert "'x'" in refused.json()["detail"]
    garbled = client.post(API, json=BODY | {"attachments": [{"name": "y", "content_base64": "!"}]})
    assert (garbled.status_code, garbled.json()["rule"]) == (422, "attachment")
    big = {"name": "b.png", "content_base64": base64.b64encode(png(b"x" * 200_000)).decode()}
    assert client.post(API, json=BODY | {"attachments": [big]}).status_code == 413
    other = f"/api/consultations/{CID}/calls/workshop-requests/submissions"
    assert client.post(other, json=BODY | {"body": "x" * 70_000}).status_code == 413


def test_the_openapi_document_declares_the_files(client: TestClient[Litestar]) -> None:
    schema = client.get("/api/schema/openapi.json").json()
    assert "AttachmentIn" in str(schema["components"]["schemas"])
    assert any("/attachments/" in path for path in schema["paths"])


def test_a_streamed_form_must_announce_its_length(
    client: TestClient[Litestar],
) -> None:
    tokens = form_tokens(client.get(PLAIN_FORM).text)
    form = "&".join(f"{k}={v}" for k, v in (filled() | tokens).items())

    def chunks() -> Iterator[bytes]:
        yield form.encode()
        for _ in range(20):
            yield b"&body=" + b"x" * 4096  # 80 KiB in all: over this call's 64 KiB

    sent = client.post(
        PLAIN_FORM,
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert sent.status_code == 411
    assert "Content-Length" in sent.text
