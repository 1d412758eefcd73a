"""File fields carry their file: checked by ending and content, kept, exported, erased."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner
from tests.test_attachments import png

from consultkit.app.application import Consultkit
from consultkit.cli import cli
from consultkit.config.loader import loads_consultation
from consultkit.domain.attachments import Upload, parse_reference
from consultkit.domain.clock import FixedClock
from consultkit.domain.field_files import MAX_MANIFEST_BYTES, content_shows
from consultkit.domain.submissions import Consent, SubmissionStatus, Submitter
from consultkit.errors import ConfigError, RuleRefusedError, UnknownItemError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from consultkit.domain.model import Consultation

NOW = dt.datetime(2020, 1, 10, 9, 0, tzinfo=dt.UTC)
FILE = """\
id = "c"
zone = "Europe/Zurich"
languages = ["en"]
title = { en = "T" }

[[groups]]
id = "civil-society"
name = { en = "Civil society" }

[[calls]]
id = "papers"
kind = "contribution"
title = { en = "Papers" }

[[calls.fields]]
key = "paper"
kind = "file"
label = { en = "Paper" }
types = ["pdf", "docx", "odt", "txt"]
max_bytes = 100_000
required = true
public = true

[[calls.fields]]
key = "photo"
kind = "file"
label = { en = "Photo" }
types = ["png"]
"""

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def ooxml(main: str = DOCX_MAIN, *, extra: bytes = b"") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types><Override PartName="/word/document.xml"'
            f' ContentType="{main}"/></Types>',
        )
        archive.writestr("word/document.xml", b"<w:document/>" + extra)
    return out.getvalue()


def odf(mimetype: str = "application/vnd.oasis.opendocument.text") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype)
        archive.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


@pytest.fixture(scope="module")
def consultation() -> Consultation:
    return loads_consultation(FILE)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Consultkit]:
    url = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    with Consultkit.open(url, clock=FixedClock(NOW), entry_points=False) as application:
        yield application


def send(app: Consultkit, consultation: Consultation, **kw: Any) -> Any:
    options: dict[str, Any] = {
        "call_id": "papers",
        "title": "T",
        "body": "B",
        "submitter": Submitter(name="Ana", email="ana@example.org", group="civil-society"),
    } | kw
    return app.submit(consultation, **options)


def kept_files(app: Consultkit) -> list[Path]:
    root = app.attachment_files.root
    return sorted(root.iterdir()) if root.exists() else []


# --------------------------------------------------------------------------- content


@pytest.mark.parametrize(
    ("content", "ending", "shows"),
    [
        (PDF, "pdf", True),
        (png(), "pdf", False),
        (png(), "png", True),
        (ooxml(), "docx", True),
        (ooxml(DOCM_MAIN), "docx", False),  # macros inside a name that promises none
        (ooxml(), "xlsx", False),
        (odf(), "odt", True),
        (odf("application/vnd.oasis.opendocument.spreadsheet"), "odt", False),
        (odf(), "docx", False),
        (b"PK\x03\x04 not really a zip", "docx", False),
        ("Résumé, ligne 1\n".encode(), "txt", True),
        (b"a\x00b", "txt", False),
        (b"\xff\xfe latin-1 \xe9", "csv", False),
        (PDF, "docx", False),
    ],
)
def test_the_content_must_be_what_the_ending_says(content: bytes, ending: str, shows: bool) -> None:
    assert content_shows(content, ending) is shows


def test_a_zip_bomb_manifest_is_never_decompressed_beyond_the_bound() -> None:
    # 64 MB of spaces compress to about 64 KB; the check must stop at the bound.
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("[Content_Types].xml", "w", force_zip64=True) as manifest,
    ):
        chunk = b" " * (1 << 20)
        for _ in range(64):
            manifest.write(chunk)
        manifest.write(f'"{DOCX_MAIN}"'.encode())
    assert MAX_MANIFEST_BYTES < 64 << 20
    assert content_shows(out.getvalue(), "docx") is False


# --------------------------------------------------------------------------- submitting


def test_a_file_fields_file_is_kept_and_its_value_names_it(
    app: Consultkit, consultation: Consultation
) -> None:
    paper = Upload(name="../a b.docx", content=ooxml())
    receipt = send(app, consultation, field_files={"paper": paper})
    submission = app.find(consultation, receipt.tracking_number)
    value = submission.fields["paper"]
    assert value["name"] == "a b.docx" and value["size"] == len(ooxml())
    assert value["media_type"].endswith("wordprocessingml.document")
    (reference,) = submission.attachments
    assert parse_reference(reference) == (value["attachment"], "a b.docx")
    served = app.attachment(
        consultation, receipt.tracking_number, value["attachment"], organiser=True
    )
    assert served.content == ooxml()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "field 'paper': is required"),
        ({"paper": Upload(name="a.pdf", content=png())}, "'a' is not a .pdf file"),
        ({"paper": Upload(name="a.exe", content=PDF)}, "does not end in one of pdf, docx"),
        ({"paper": Upload(name="a.pdf", content=PDF + b" " * 100_000)}, "at most 100,000"),
        (
            {"paper": Upload(name="a.pdf", content=PDF), "nope": Upload(name="b", content=PDF)},
            "field 'nope': a file was sent but it is not a file field",
        ),
    ],
)
def test_a_wrong_or_missing_file_is_refused_naming_its_field(
    app: Consultkit, consultation: Consultation, files: dict[str, Upload], message: str
) -> None:
    with pytest.raises(RuleRefusedError, match=re.escape(message)) as refused:
        send(app, consultation, field_files=files)
    assert refused.value.rule == "field"
    assert kept_files(app) == []


def test_a_described_file_or_a_claimed_id_is_refused(
    app: Consultkit, consultation: Consultation
) -> None:
    paper = {"paper": Upload(name="a.pdf", content=PDF)}
    first = send(app, consultation, field_files=paper)
    stolen = app.find(consultation, first.tracking_number).fields["paper"]
    for value in ({"name": "a.pdf", "size": 3}, stolen):
        with pytest.raises(RuleRefusedError, match="send the file itself"):
            send(app, consultation, fields={"photo": value}, field_files=paper)


def test_a_refused_submission_keeps_none_of_its_field_files(
    app: Consultkit, consultation: Consultation
) -> None:
    with pytest.raises(RuleRefusedError, match="has no stakeholder group"):
        send(
            app,
            consultation,
            field_files={"paper": Upload(name="a.pdf", content=PDF)},
            submitter=Submitter(name="Ana", email="ana@example.org", group="nobody"),
        )
    assert kept_files(app) == []


def test_only_public_file_fields_with_consent_are_served_and_exported(
    app: Consultkit, consultation: Consultation
) -> None:
    files = {
        "paper": Upload(name="p.pdf", content=PDF),
        "photo": Upload(name="me.png", content=png()),
    }
    shown = send(app, consultation, field_files=files, consent=Consent(publish_text=True))
    hidden = send(
        app,
        consultation,
        field_files=files,
        submitter=Submitter(name="Bo", email="bo@example.org", group="civil-society"),
    )
    for receipt in (shown, hidden):
        for decision in (SubmissionStatus.UNDER_REVIEW, SubmissionStatus.ACCEPTED):
            app.review(consultation, receipt.tracking_number, decision=decision, organiser="org")
    values = app.find(consultation, shown.tracking_number).fields
    paper, photo = values["paper"]["attachment"], values["photo"]["attachment"]
    assert app.attachment(consultation, shown.tracking_number, paper, organiser=False)
    with pytest.raises(UnknownItemError):  # the photo field is not public
        app.attachment(consultation, shown.tracking_number, photo, organiser=False)
    assert app.attachment(consultation, shown.tracking_number, photo, organiser=True)

    out = io.StringIO()
    app.export_submissions(consultation, out, format="jsonl", public=True)
    # Both were received at the clock's one instant: the export orders them by id then.
    public = {row["id"]: row for row in map(json.loads, out.getvalue().splitlines())}
    assert public[shown.submission_id]["field.paper"] == f"{paper}/p.pdf"
    assert public[hidden.submission_id]["field.paper"] is None
    assert all("field.photo" not in row for row in public.values())
    out = io.StringIO()
    app.export_submissions(consultation, out, format="jsonl")
    full = {row["id"]: row for row in map(json.loads, out.getvalue().splitlines())}
    assert full[shown.submission_id]["field.photo"]["attachment"] == photo


def test_erasure_leaves_no_byte_of_a_field_file(
    app: Consultkit, consultation: Consultation, tmp_path: Path
) -> None:
    marker = b"ERASE-ME-field-file-4b1d"
    send(
        app,
        consultation,
        field_files={
            "paper": Upload(name="cv.txt", content=b"CV of Ana " + marker),
            "photo": Upload(name="ana.png", content=png(marker)),
        },
    )
    assert sum(marker in p.read_bytes() for p in kept_files(app)) == 2
    assert app.erase_submitter(consultation, "ana@example.org", keep_text=True) == 1
    app.close()
    assert kept_files(app) == []
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert marker not in path.read_bytes(), path


def test_an_ending_consultkit_cannot_check_is_a_located_error() -> None:
    with pytest.raises(ConfigError, match=re.escape("types[1]: consultkit cannot check")):
        loads_consultation(FILE.replace('types = ["png"]', 'types = ["png", "doc"]'))


# --------------------------------------------------------------------------- command line


def _submit(tmp_path: Path, *arguments: str) -> Any:
    config = tmp_path / "c.toml"
    config.write_text(FILE, encoding="utf-8")
    return CliRunner().invoke(
        cli,
        [
            "--now",
            "2020-01-10T09:00:00Z",
            "submit",
            str(config),
            "--store",
            f"sqlite:///{tmp_path / 'ck.sqlite'}",
            "--call",
            "papers",
            "--group",
            "civil-society",
            "--name",
            "Ana",
            "--email",
            "ana@example.org",
            "--title",
            "T",
            "--body",
            "B",
            *arguments,
        ],
    )


def test_the_command_line_sends_a_file_with_at_path(tmp_path: Path) -> None:
    paper = tmp_path / "paper.pdf"
    paper.write_bytes(PDF)
    result = _submit(tmp_path, "--field", f"paper=@{paper}")
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "ck.sqlite.attachments").iterdir())) == 1


def test_the_command_line_names_a_missing_or_wrong_file(tmp_path: Path) -> None:
    result = _submit(tmp_path, "--field", f"paper=@{tmp_path / 'nowhere.pdf'}")
    assert result.exit_code == 2
    assert "paper: cannot read" in result.output and "Traceback" not in result.output
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"hello")
    result = _submit(tmp_path, "--field", f"paper=@{fake}")
    assert result.exit_code == 1
    assert "field 'paper': file 'fake' is not a .pdf file" in result.output


def test_an_edit_keeps_the_stored_files_and_cannot_claim_another(
    app: Consultkit, consultation: Consultation
) -> None:
    editable = loads_consultation(
        FILE.replace('title = { en = "Papers" }', 'title = { en = "Papers" }\neditable = true')
    )
    mine = send(app, editable, field_files={"paper": Upload(name="a.pdf", content=PDF)})
    other = send(
        app,
        editable,
        field_files={"paper": Upload(name="b.pdf", content=PDF)},
        submitter=Submitter(name="Bo", email="bo@example.org", group="civil-society"),
    )
    before = app.find(editable, mine.tracking_number)
    theirs = app.find(editable, other.tracking_number)
    # Changing the title and nothing else keeps the file and its reference.
    app.edit(editable, mine.tracking_number, email="ana@example.org", title="New", fields={})
    after = app.find(editable, mine.tracking_number)
    assert after.fields["paper"] == before.fields["paper"]
    assert after.attachments == before.attachments
    app.edit(editable, mine.tracking_number, email="ana@example.org", attachments=["doi:1"])
    assert app.find(editable, mine.tracking_number).attachments == ("doi:1", *before.attachments)
    for change in (
        {"fields": {"paper": theirs.fields["paper"]}},
        {"attachments": list(theirs.attachments)},
    ):
        with pytest.raises(RuleRefusedError, match="stored files stay as they were sent"):
            app.edit(editable, mine.tracking_number, email="ana@example.org", **change)


def test_a_replayed_submission_keeps_only_the_original_field_file(
    app: Consultkit, consultation: Consultation
) -> None:
    paper = {"paper": Upload(name="a.pdf", content=PDF)}
    first = send(app, consultation, field_files=paper, idempotency_key="k1")
    again = send(app, consultation, field_files=paper, idempotency_key="k1")
    assert again.replayed and again.tracking_number == first.tracking_number
    stored = app.find(consultation, first.tracking_number).fields["paper"]["attachment"]
    assert [p.name for p in kept_files(app)] == [stored]
