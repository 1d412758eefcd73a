"""Imports refuse every bad row with its line and store every good one (issue 9, finding 14)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from consultkit.app.application import Consultkit
from consultkit.cli import cli
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.submissions import (
    Submitter,
    new_tracking_number,
    normalize_tracking_number,
    weak_tracking_number,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
WHEN = "2019-07-01T10:00:00Z"
NOW = dt.datetime(2019, 7, 1, 10, tzinfo=dt.UTC)
HEADER = ("call_id", "submitter_name", "submitter_email", "group", "title", "body")


def row(n: int, body: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "call_id": "official-submissions",
        "submitter_name": f"Person {n}",
        "submitter_email": f"p{n}@example.org",
        "group": "civil-society",
        "title": f"Title {n}",
        "body": body if body is not None else f"Text number {n}",
        **extra,
    }


def csv_file(path: Path, rows: list[dict[str, Any]]) -> Path:
    columns = list(HEADER) + sorted({k for r in rows for k in r} - set(HEADER))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["--now", WHEN, *args], catch_exceptions=False)


def imported(store: str) -> list[str]:
    consultation = load_consultation(EXAMPLE)
    with Consultkit.open(store, clock=FixedClock(NOW), entry_points=False) as app:
        return [s.title for s in app.list_submissions(consultation)]


def test_a_csv_cell_over_131072_characters_refuses_its_row_only(tmp_path: Path) -> None:
    rows = [row(n) for n in range(49)]
    rows[1] = row(1, body="x" * 131_073)
    path = csv_file(tmp_path / "long.csv", rows)
    store = f"sqlite:///{tmp_path / 's.sqlite'}"
    result = run("submissions", "import", str(EXAMPLE), str(path), "--store", store)
    assert result.exit_code == 1
    assert "49 rows: 48 stored, 0 already present, 1 refused" in result.stderr
    assert ":3: " in result.stderr and "too-long" in result.stderr
    assert len(imported(store)) == 48


def test_jsonl_deep_nesting_and_huge_integers_are_refused_rows(tmp_path: Path) -> None:
    lines = [
        json.dumps(row(0)),
        '{"title": ' + "[" * 100_000 + "]" * 100_000 + "}",
        json.dumps(row(2)),
        '{"title": ' + "9" * 5_000 + "}",
        json.dumps(row(4)),
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = f"sqlite:///{tmp_path / 's.sqlite'}"
    result = run("submissions", "import", str(EXAMPLE), str(path), "--store", store)
    assert result.exit_code == 1
    assert "5 rows: 3 stored, 0 already present, 2 refused" in result.stderr
    assert "bad.jsonl:2: " in result.stderr and "nested too deeply" in result.stderr
    assert "bad.jsonl:4: " in result.stderr
    assert sorted(imported(store)) == ["Title 0", "Title 2", "Title 4"]


def _nul_import(tmp_path: Path, store: str) -> Any:
    rows = [row(0), row(1, body="a\x00b"), row(2), row(3, idempotency_key="k\x00")]
    path = csv_file(tmp_path / "nul.csv", rows)
    return run("submissions", "import", str(EXAMPLE), str(path), "--store", store)


def test_a_nul_byte_refuses_its_row_and_keeps_the_chunk(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.sqlite'}"
    result = _nul_import(tmp_path, store)
    assert result.exit_code == 1
    assert "4 rows: 2 stored, 0 already present, 2 refused" in result.stderr
    assert "nul.csv:3: " in result.stderr and "NUL" in result.stderr
    assert "nul.csv:5: text: the idempotency key contains a NUL" in result.stderr
    assert sorted(imported(store)) == ["Title 0", "Title 2"]


def test_a_tracking_number_of_another_submission_is_refused(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.sqlite'}"
    consultation = load_consultation(EXAMPLE)
    with Consultkit.open(store, clock=FixedClock(NOW), entry_points=False) as app:
        taken = app.submit(
            consultation,
            call_id="official-submissions",
            submitter=Submitter(name="Ana", email="ana@example.org", group="civil-society"),
            title="Original",
            body="Already here",
        ).tracking_number
    fresh = new_tracking_number()
    rows = [
        row(0, tracking_number=taken),
        row(1, tracking_number=fresh),
        row(2, tracking_number=fresh),
    ]
    path = csv_file(tmp_path / "clash.csv", rows)
    result = run("submissions", "import", str(EXAMPLE), str(path), "--store", store)
    assert result.exit_code == 1
    assert "3 rows: 1 stored, 0 already present, 2 refused" in result.stderr
    assert f"clash.csv:2: tracking-number: tracking number {taken} already belongs" in (
        result.stderr
    )
    assert "clash.csv:4: " in result.stderr
    # Importing the same file again is a resume, not a clash: the stored row is skipped.
    again = run("submissions", "import", str(EXAMPLE), str(path), "--store", store)
    assert "3 rows: 0 stored, 1 already present, 2 refused" in again.stderr
    assert sorted(imported(store)) == ["Original", "Title 1"]


@pytest.mark.parametrize(
    "weak",
    [
        "CK-0000-0000-0000-0000",
        "CK-1111-1111-2222-3333",
        "CK-0123-4567-89AB-CDEF",
        "CK-ZZZZ-ZZZZ-0000-1234",
    ],
)
def test_weak_tracking_numbers_are_refused_on_import(tmp_path: Path, weak: str) -> None:
    path = csv_file(tmp_path / "weak.csv", [row(0, tracking_number=weak)])
    store = f"sqlite:///{tmp_path / 's.sqlite'}"
    result = run("submissions", "import", str(EXAMPLE), str(path), "--store", store)
    assert result.exit_code == 1
    assert "weak.csv:2: tracking-number:" in result.stderr and "cannot be random" in result.stderr
    assert imported(store) == []


def test_numbers_consultkit_makes_are_never_weak() -> None:
    for _ in range(20_000):
        number = new_tracking_number()
        assert weak_tracking_number(number) is None, number
    # Lookups still accept any well-formed number (one imported before this check).
    assert normalize_tracking_number("ck-0000-0000-0000-0000") == "CK-0000-0000-0000-0000"
