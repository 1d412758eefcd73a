"""Reading CSV and JSON Lines into drafts: line numbers, problems, restored cells."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from consultkit.formats.submission_export import FORMULA_PREFIXES, write_csv
from consultkit.formats.submission_import import (
    ImportFileError,
    all_rows,
    guess_format,
    read_chunks,
    restore_cell,
)

HEADER = "call_id,group,submitter_name,submitter_email,title,body\r\n"


def read(text: str, fmt: str = "csv", chunk_size: int = 1000):  # type: ignore[no-untyped-def]
    return all_rows(
        read_chunks(
            io.StringIO(text, newline=""),
            format=fmt,  # type: ignore[arg-type]
            consultation_id="c",
            default_language="es",
            file="in.csv",
            chunk_size=chunk_size,
        )
    )


def test_good_rows_become_drafts_with_their_lines() -> None:
    rows, problems = read(
        HEADER + "call,civil-society,Ana,ana@example.org,T1,B1\r\n"
        "call,governments,Bob,bob@example.org,T2,B2\r\n"
    )
    assert problems == []
    assert [r.line for r in rows] == [2, 3]
    first = rows[0].draft
    assert first.call_id == "call" and first.submitter.group == "civil-society"
    assert first.submitter.email == "ana@example.org" and first.language == "es"


def test_line_numbers_count_quoted_multi_line_fields() -> None:
    text = (
        HEADER
        + 'call,g,Ana,ana@example.org,T,"one\ntwo\nthree"\r\n'  # lines 2-4
        + "call,g,,bob@example.org,T,B\r\n"  # line 5: empty name
        + 'call,g,Cy,cy@example.org,"multi\r\nline title",B\r\n'  # lines 6-7
        + "call,g,Di,di@example.org,T\r\n"  # line 8: a cell short
        + "call,g,Ed,ed@example.org,T,B\r\n"  # line 9
    )
    rows, problems = read(text)
    assert [r.line for r in rows] == [2, 6, 9]
    assert rows[0].draft.body == "one\ntwo\nthree"
    assert rows[1].draft.title == "multi\r\nline title"
    assert [(p.line, p.path) for p in problems] == [(5, "submitter_name"), (8, "")]
    assert "is empty" in str(problems[0].message)
    assert "has 5 cells; the header has 6" in str(problems[1].message)
    assert str(problems[0]).startswith("in.csv:5: submitter_name:")


def test_line_numbers_survive_chunking() -> None:
    body = "".join(f'call,g,P{i},p{i}@example.org,T,"a\nb"\r\n' for i in range(7))
    chunks = list(
        read_chunks(
            io.StringIO(HEADER + body, newline=""),
            format="csv",
            consultation_id="c",
            chunk_size=3,
        )
    )
    assert [len(c.rows) for c in chunks] == [3, 3, 1]
    assert [r.line for c in chunks for r in c.rows] == [2, 4, 6, 8, 10, 12, 14]
    assert chunks[-1].last_line == 15


def test_unterminated_quote_is_reported_on_its_line() -> None:
    rows, problems = read(HEADER + "call,g,A,a@example.org,T,B\r\n" + 'call,g,B,b@x.org,"T,B\r\n')
    assert len(rows) == 1
    assert problems[0].line == 3
    assert "not valid CSV at line 3" in str(problems[0].message)


@pytest.mark.parametrize(
    ("extra_header", "extra_cell", "column", "message"),
    [
        ("consent_publish_text", "maybe", "consent_publish_text", "is not true or false"),
        ("received_at", "yesterday", "received_at", "not an ISO 8601 instant"),
        ("received_at", "2019-07-01T10:00:00", "received_at", "has no offset"),
        ("consultation_id", "other", "consultation_id", "not 'c'"),
    ],
)
def test_bad_values_name_their_column(
    extra_header: str, extra_cell: str, column: str, message: str
) -> None:
    header = HEADER.rstrip("\r\n") + f",{extra_header}\r\n"
    rows, problems = read(header + f"call,g,A,a@example.org,T,B,{extra_cell}\r\n")
    assert rows == []
    assert problems[0].path == column and problems[0].line == 2
    assert message in str(problems[0].message)


def test_optional_columns_are_read() -> None:
    header = (
        "call_id,group,submitter_name,submitter_email,title,body,tags,language,"
        "consent_publish_text,consent_publish_name,received_at,idempotency_key,"
        "submitter_organisation,tracking_number\r\n"
    )
    rows, problems = read(
        header + "call,g,A,a@example.org,T,B,C1; SDG5,fr,yes,0,2019-07-01T12:00:00+02:00,k1,"
        "ITU,CK-1\r\n"
    )
    assert problems == []
    row = rows[0]
    assert row.draft.tags == ("C1", "SDG5") and row.draft.language == "fr"
    assert row.draft.consent.publish_text and not row.draft.consent.publish_name
    assert (
        row.received_at is not None and row.received_at.isoformat() == "2019-07-01T10:00:00+00:00"
    )
    assert row.idempotency_key == "k1" and row.import_key() == "k1"
    assert row.tracking_number == "CK-1"
    assert row.draft.submitter.organisation == "ITU"
    mapping = row.as_mapping()
    assert mapping["email"] == "a@example.org" and mapping["tracking_number"] == "CK-1"


def test_derived_import_keys_are_stable_and_distinct() -> None:
    text = HEADER + "call,g,A,a@example.org,T,B\r\n" + "call,g,A,a@example.org,T,B\r\n"
    first, _ = read(text)
    again, _ = read(text)
    assert [r.import_key() for r in first] == [r.import_key() for r in again]
    assert first[0].import_key() != first[1].import_key()


def test_neutralised_cells_are_restored() -> None:
    rows, _ = read(HEADER + "call,g,A,a@example.org,'=1+2,'-minus\r\n")
    assert rows[0].draft.title == "=1+2"
    assert rows[0].draft.body == "-minus"
    assert restore_cell("'plain") == "'plain"
    assert restore_cell("'") == "'"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("call_id,group,submitter_name,title,body\r\n", "missing column submitter_email"),
        (HEADER.rstrip("\r\n") + ",emial\r\n", "unknown column 'emial'"),
        (HEADER.rstrip("\r\n") + ",title\r\n", "named twice: title"),
        ("", "the file is empty"),
    ],
)
def test_bad_header_stops_the_import(header: str, message: str) -> None:
    with pytest.raises(ImportFileError) as caught:
        read(header)
    assert message in str(caught.value)


def test_csv_with_byte_order_mark_header_is_read() -> None:
    rows, problems = read("\ufeff" + HEADER + "call,g,A,a@example.org,T,B\r\n")
    assert problems == [] and len(rows) == 1


def test_jsonl_lines_and_problems() -> None:
    good = {
        "call_id": "call",
        "group": "g",
        "submitter_name": "A",
        "submitter_email": "a@example.org",
        "title": "T",
        "body": "B",
        "tags": ["C1"],
        "consent_publish_name": True,
    }
    lines = [
        json.dumps(good),
        "",  # line 2: blank, skipped
        "{not json",
        json.dumps([1, 2]),
        json.dumps({**good, "emial": "x"}),
        json.dumps({**good, "tags": [1]}),
        json.dumps({**good, "title": ""}),
        json.dumps({**good, "title": 5}),
    ]
    rows, problems = read("\n".join(lines) + "\n", fmt="jsonl")
    assert [r.line for r in rows] == [1, 8]
    assert rows[0].draft.tags == ("C1",) and rows[0].draft.consent.publish_name
    assert rows[1].draft.title == "5"
    assert [p.line for p in problems] == [3, 4, 5, 6, 7]
    assert "not valid JSON at line 3, column 2" in str(problems[0].message)
    assert "not a JSON object" in str(problems[1].message)
    assert "unknown column" in str(problems[2].message)
    assert problems[3].path == "tags"
    assert problems[4].path == "title"


def test_chunk_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        read(HEADER, chunk_size=0)


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="csv or jsonl"):
        read(HEADER, fmt="xml")


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("a.jsonl", "jsonl"), ("A.NDJSON", "jsonl"), ("a.csv", "csv"), ("data", "csv")],
)
def test_guess_format(name: str, fmt: str) -> None:
    assert guess_format(name) == fmt


_CELL_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=40,
)


@settings(max_examples=75)
@given(title=_CELL_TEXT, body=_CELL_TEXT, name=_CELL_TEXT)
def test_csv_export_reads_back_to_the_same_text(title: str, body: str, name: str) -> None:
    # A value that itself starts with ' and a formula character is the one documented
    # ambiguity of neutralising; everything else must survive quoting, line breaks and
    # the ' prefix unchanged.
    for value in (title, body, name):
        assume(not (value[:1] == "'" and value[1:2] in FORMULA_PREFIXES))
    out = io.StringIO(newline="")
    row = {
        "call_id": "call",
        "group": "g",
        "submitter_name": name,
        "submitter_email": "a@example.org",
        "title": title,
        "body": body,
    }
    write_csv(out, [row], tuple(row))
    rows, problems = read(out.getvalue())
    assert problems == []
    draft = rows[0].draft
    assert (draft.title, draft.body, draft.submitter.name) == (title, body, name)
    assert rows[0].line == 2


@pytest.mark.parametrize(
    "word", ["true", "yes", "Y", "1", "on", "false", "no", "n", "0", "off", "", "perhaps"]
)
def test_a_file_row_and_an_api_row_read_yes_no_words_alike(word: str) -> None:
    """One reader of yes/no cells: a CSV row and a mapping given to the app agree."""
    from consultkit.app.application import draft_from_row
    from consultkit.formats.submission_import import parse_flag, row_from_record

    record = {
        "call_id": "c",
        "submitter_name": "n",
        "submitter_email": "e@x.org",
        "group": "g",
        "title": "t",
        "body": "b",
        "consent_publish_name": word,
    }
    try:
        expected = parse_flag(word)
    except ValueError:
        with pytest.raises(ValueError):
            row_from_record(record, line=2, consultation_id="k", default_language="en")
        with pytest.raises(ValueError):
            draft_from_row({"call": "c", "consent_publish_name": word})
        return
    row = row_from_record(record, line=2, consultation_id="k", default_language="en")
    assert row.draft.consent.publish_name is expected
    assert (
        draft_from_row({"call": "c", "consent_publish_name": word}).consent.publish_name is expected
    )
