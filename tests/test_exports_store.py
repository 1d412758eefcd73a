"""An export reads from a snapshot and holds no write lock: intake goes on meanwhile."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

from consultkit.app.application import Consultkit
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.submissions import Submitter
from consultkit.formats.submission_export import export_submissions

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"


def test_submissions_are_accepted_while_an_export_is_streaming(tmp_path: Path) -> None:
    consultation = load_consultation(EXAMPLE)
    url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    clock = FixedClock(dt.datetime(2019, 7, 1, 10, tzinfo=dt.UTC))

    def submit(app: Consultkit, n: int) -> None:
        app.submit(
            consultation,
            call_id="official-submissions",
            submitter=Submitter(name=f"P{n}", email=f"p{n}@example.org", group="governments"),
            title=f"T{n}",
            body=f"Text {n}",
        )

    with (
        Consultkit.open(url, clock=clock, entry_points=False) as exporter,
        Consultkit.open(url, clock=clock, entry_points=False) as intake,
    ):
        for n in range(1200):  # more than one fetch batch, so the read is really open
            submit(intake, n)
        written: list[int] = []

        def during_export() -> None:
            written.append(1)
            if len(written) == 1:
                # The export's read is open now; a write on another connection must
                # neither wait for it nor fail with "database is locked".
                submit(intake, 10_000)

        out = io.StringIO()
        count = export_submissions(
            out,
            exporter.store.list_submissions(consultation.id),
            format="jsonl",
            on_row=during_export,
        )
        # The export saw its snapshot (consistent), the new row is stored all the same.
        assert count == 1200
        assert len(list(intake.store.list_submissions(consultation.id))) == 1201
        ids = [json.loads(line)["id"] for line in out.getvalue().splitlines()]
        assert len(set(ids)) == 1200
