"""One field declaration drives submit: checks named by field, storage, the command line."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
from typing import TYPE_CHECKING, Any

import attrs
import jsonschema
import pytest
from click.testing import CliRunner

from consultkit.app.application import Consultkit
from consultkit.cli import cli
from consultkit.config.loader import loads_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.fields import PeopleField
from consultkit.domain.submissions import Consent, SubmissionStatus, Submitter
from consultkit.domain.text import Text
from consultkit.errors import RuleRefusedError
from consultkit.formats.submission_export import (
    FULL_COLUMNS,
    declared_fields,
    export_submissions,
    public_row,
)
from consultkit.formats.submission_import import read_chunks
from consultkit.formats.timeline_json import build_timeline
from consultkit.storage.sqlite import SCHEMA_VERSION, SqliteStore
from consultkit.testing.factories import make_submission, received_entry

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from consultkit.domain.model import Consultation

NOW = dt.datetime(2020, 1, 10, 9, 0, tzinfo=dt.UTC)
ANA = Submitter(name="Ana Pérez", email="ana@example.org", group="civil-society")

FILE = """\
id = "c"
zone = "Europe/Zurich"
languages = ["es", "en"]
title = { es = "T", en = "T" }

[[groups]]
id = "civil-society"
name = { es = "Sociedad civil", en = "Civil society" }

[[calls]]
id = "workshops"
kind = "request"
title = { es = "Talleres", en = "Workshops" }

[[calls.fields]]
key = "format"
kind = "choice"
label = { es = "Formato", en = "Format" }
required = true
public = true
options = [
  { value = "panel", label = { es = "Panel", en = "Panel" } },
  { value = "roundtable", label = { es = "Mesa redonda", en = "Round table" } },
]

[[calls.fields]]
key = "speakers"
kind = "people"
label = { es = "Oradores", en = "Speakers" }
max_people = 2

[[calls.fields]]
key = "action_lines"
kind = "multiple-choice"
label = { es = "Líneas de acción", en = "Action Lines" }
options = [
  { value = "C1", label = { es = "C1", en = "C1" } },
  { value = "C7", label = { es = "C7", en = "C7" } },
]

[[calls.fields]]
key = "online"
kind = "yes-no"
label = { es = "En línea", en = "Online" }

[[calls]]
id = "plain"
kind = "contribution"
title = { es = "Contribuciones", en = "Contributions" }
"""

GOOD: dict[str, Any] = {
    "format": "panel",
    "speakers": [
        {"name": "Ana Pérez", "consent_publish": True, "country": "ES"},
        {"name": "Bo Chen", "consent_publish": False, "email": "bo@example.org"},
    ],
    "action_lines": ["C1", "C7"],
    "online": True,
}


@pytest.fixture(scope="module")
def consultation() -> Consultation:
    return loads_consultation(FILE)


@pytest.fixture(params=["memory", "sqlite"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Consultkit]:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'ck.sqlite'}"
    with Consultkit.open(url, clock=FixedClock(NOW), entry_points=False) as application:
        yield application


def send(app: Consultkit, consultation: Consultation, **changes: Any) -> Any:
    arguments: dict[str, Any] = {
        "call_id": "workshops",
        "submitter": ANA,
        "title": "Rural schools",
        "body": "Text",
        "fields": GOOD,
    }
    return app.submit(consultation, **(arguments | changes))


def test_values_are_stored_with_the_submission(app: Consultkit, consultation: Consultation) -> None:
    receipt = send(app, consultation)
    stored = app.find(consultation, receipt.tracking_number)
    assert stored.fields == GOOD


@pytest.mark.parametrize(
    ("fields", "key", "message"),
    [
        ({**GOOD, "format": "debate"}, "format", "'debate' is not an option"),
        ({k: v for k, v in GOOD.items() if k != "format"}, "format", "is required"),
        ({**GOOD, "online": "yes"}, "online", "expected true or false, got text"),
        ({**GOOD, "action_lines": ["C1", "C1"]}, "action_lines", "chosen twice"),
        ({**GOOD, "speakers": GOOD["speakers"] * 2}, "speakers", "at most 2"),
        ({**GOOD, "colour": "red"}, "colour", "not a field of this call"),
    ],
)
def test_a_wrong_value_is_refused_naming_its_field(
    app: Consultkit, consultation: Consultation, fields: dict[str, Any], key: str, message: str
) -> None:
    with pytest.raises(RuleRefusedError) as refused:
        send(app, consultation, fields=fields)
    assert refused.value.rule == "field"
    assert refused.value.field == key
    assert f"field {key!r}: " in str(refused.value)
    assert message in str(refused.value)
    assert list(app.list_submissions(consultation)) == []


def test_a_call_without_fields_works_as_before(app: Consultkit, consultation: Consultation) -> None:
    receipt = app.submit(consultation, call_id="plain", submitter=ANA, title="T", body="B")
    assert app.find(consultation, receipt.tracking_number).fields == {}
    with pytest.raises(RuleRefusedError) as refused:
        send(app, consultation, call_id="plain", fields={"format": "panel"})
    assert refused.value.field == "format"
    assert "is not a field of this call (fields: none)" in str(refused.value)


def test_a_retry_with_other_values_is_not_a_replay(
    app: Consultkit, consultation: Consultation
) -> None:
    first = send(app, consultation, idempotency_key="k1")
    assert send(app, consultation, idempotency_key="k1").submission_id == first.submission_id
    with pytest.raises(RuleRefusedError) as refused:
        send(app, consultation, idempotency_key="k1", fields={**GOOD, "online": False})
    assert refused.value.rule == "idempotency-key-reused"


def test_erasure_empties_the_values(app: Consultkit, consultation: Consultation) -> None:
    # Speakers are people: their names go with the submitter's, even when the text stays.
    receipt = send(app, consultation)
    app.erase_submitter(consultation, ANA.email, keep_text=True)
    assert app.store.get_submission(receipt.submission_id).fields == {}  # type: ignore[union-attr]


def test_migration_3_adds_the_fields_column_to_an_older_file(tmp_path: Path) -> None:
    db = tmp_path / "v2.sqlite"
    old = make_submission(1)
    with SqliteStore(f"sqlite:///{db}") as store:
        store.add_submission(old, received_entry(old), [])
    conn = sqlite3.connect(db)
    with conn:  # back to version 2, as a file written before issue 12 is
        conn.execute("ALTER TABLE submissions DROP COLUMN fields")
        # ... and without what later migrations added (the review tables).
        conn.execute("DROP TABLE IF EXISTS review_assignments")
        conn.execute("DROP TABLE IF EXISTS reviews")
        conn.execute("DELETE FROM schema_version WHERE version >= 3")
    conn.close()
    new = attrs.evolve(make_submission(2), fields={"format": "panel"})
    with SqliteStore(f"sqlite:///{db}") as store:
        assert store.schema_version() == SCHEMA_VERSION
        store.add_submission(new, received_entry(new), [])
        assert store.get_submission(old.id).fields == {}  # type: ignore[union-attr]
        assert store.get_submission(new.id).fields == {"format": "panel"}  # type: ignore[union-attr]


# --------------------------------------------------------------------------- command line


def _submit(tmp_path: Path, *arguments: str) -> Any:
    config = tmp_path / "c.toml"
    config.write_text(FILE, encoding="utf-8")
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    return CliRunner().invoke(
        cli,
        [
            "--now",
            "2020-01-10T09:00:00Z",
            "submit",
            str(config),
            "--store",
            store,
            "--call",
            "workshops",
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
            "--format",
            "json",
            *arguments,
        ],
    )


def test_submit_takes_field_values(tmp_path: Path) -> None:
    speaker = json.dumps({"name": "Bo Chen", "consent_publish": True})
    result = _submit(
        tmp_path,
        "--field",
        "format=roundtable",
        "--field",
        "action_lines=C1",
        "--field",
        "action_lines=C7",
        "--field",
        f"speakers={speaker}",
        "--field",
        "online=no",
    )
    assert result.exit_code == 0, result.output
    receipt = json.loads(result.stdout)
    with SqliteStore(f"sqlite:///{tmp_path / 'ck.sqlite'}") as store:
        stored = store.get_submission(receipt["submission_id"])
    assert stored is not None
    assert stored.fields == {
        "format": "roundtable",
        "action_lines": ["C1", "C7"],
        "speakers": [{"name": "Bo Chen", "consent_publish": True}],
        "online": False,
    }


def test_submit_refuses_a_wrong_field_by_name(tmp_path: Path) -> None:
    result = _submit(tmp_path, "--field", "format=debate")
    assert result.exit_code == 1
    assert "field 'format': 'debate' is not an option" in result.output
    assert "[rule: field]" in result.output
    result = _submit(tmp_path, "--field", "format=panel", "--field", "online=maybe")
    assert result.exit_code == 2
    assert "--field online: 'maybe' is not yes or no" in result.output
    result = _submit(tmp_path, "--field", "format")
    assert result.exit_code == 2
    assert "'format' is not KEY=VALUE" in result.output
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- exports, timeline


def _exported(app: Consultkit, consultation: Consultation, *, public: bool, fmt: str) -> str:
    out = io.StringIO()
    export_submissions(
        out,
        app.list_submissions(consultation),
        format=fmt,  # type: ignore[arg-type]
        public=public,
        fields=declared_fields(consultation),
    )
    return out.getvalue()


def test_exports_carry_the_fields_and_public_ones_only_in_public(
    app: Consultkit, consultation: Consultation
) -> None:
    receipt = send(app, consultation, consent=Consent(publish_text=True))
    for decision in (SubmissionStatus.UNDER_REVIEW, SubmissionStatus.ACCEPTED):
        app.review(consultation, receipt.tracking_number, decision=decision, organiser="o")
    full = [
        json.loads(line)
        for line in _exported(app, consultation, public=False, fmt="jsonl").splitlines()
    ]
    assert [k for k in full[0] if k.startswith("field.")] == [
        "field.format",
        "field.speakers",
        "field.action_lines",
        "field.online",
    ]
    assert full[0]["field.speakers"] == GOOD["speakers"]
    public = [
        json.loads(line)
        for line in _exported(app, consultation, public=True, fmt="jsonl").splitlines()
    ]
    assert [k for k in public[0] if k.startswith("field.")] == ["field.format"]
    assert public[0]["field.format"] == "panel"
    header = _exported(app, consultation, public=False, fmt="csv").splitlines()[0]
    assert header.endswith(",field.format,field.speakers,field.action_lines,field.online")
    row = next(csv.DictReader(io.StringIO(_exported(app, consultation, public=False, fmt="csv"))))
    assert row["field.action_lines"] == "C1;C7"
    assert json.loads(row["field.speakers"]) == GOOD["speakers"]


def test_a_public_people_field_shows_only_who_consented() -> None:
    speakers = PeopleField(key="speakers", label=Text({"en": "S"}), public=True)
    submission = attrs.evolve(
        make_submission(1, status=SubmissionStatus.ACCEPTED), fields={"speakers": GOOD["speakers"]}
    )
    row = public_row(submission, (speakers,))
    assert row["field.speakers"] == [{"name": "Ana Pérez", "organisation": None}]


def test_exports_without_declared_fields_keep_their_columns(app: Consultkit) -> None:
    plain = loads_consultation(FILE.split("[[calls.fields]]")[0])
    header = _exported(app, plain, public=False, fmt="csv").splitlines()[0]
    assert tuple(header.split(",")) == FULL_COLUMNS


def test_the_timeline_carries_a_json_schema_per_call_with_fields(
    consultation: Consultation,
) -> None:
    document = build_timeline(consultation, at=NOW, language="es")
    calls = {c["id"]: c for c in document["calls"]}
    assert "fields_schema" not in calls["plain"]
    assert list(calls["workshops"])[-4:] == ["fields_schema", "groups", "opens_with", "accepting"]
    schema = calls["workshops"]["fields_schema"]
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["title"] == "Talleres"
    assert schema["required"] == ["format"]
    assert schema["properties"]["format"]["title"] == "Formato"
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid(GOOD)
    assert not validator.is_valid({**GOOD, "format": "debate"})


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_export_with_fields_imports_back(
    app: Consultkit, consultation: Consultation, fmt: str
) -> None:
    send(app, consultation)
    exported = _exported(app, consultation, public=False, fmt=fmt)
    chunks = list(
        read_chunks(
            io.StringIO(exported),
            format=fmt,  # type: ignore[arg-type]
            consultation_id=consultation.id,
            fields=declared_fields(consultation),
        )
    )
    assert [p for c in chunks for p in c.problems] == []
    (row,) = [r for c in chunks for r in c.rows]
    assert row.draft.fields == GOOD
