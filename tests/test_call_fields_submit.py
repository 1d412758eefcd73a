"""One field declaration drives submit: checks named by field, storage, the command line."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from click.testing import CliRunner

from consultkit.app.application import Consultkit
from consultkit.cli import cli
from consultkit.config.loader import loads_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.submissions import Submitter
from consultkit.errors import RuleRefusedError
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
        conn.execute("DELETE FROM schema_version WHERE version = 3")
    conn.close()
    new = attrs.evolve(make_submission(2), fields={"format": "panel"})
    with SqliteStore(f"sqlite:///{db}") as store:
        assert store.schema_version() == SCHEMA_VERSION == 3
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
