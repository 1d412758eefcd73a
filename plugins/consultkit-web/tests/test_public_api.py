"""Public submissions through the API: paged by cursor, the same rows as `export --public`."""

from __future__ import annotations

import io
import json
from pathlib import Path

from consultkit_web import create_app
from litestar.testing import TestClient

from consultkit.app.application import Consultkit
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock, parse_instant
from consultkit.domain.submissions import Consent, SubmissionStatus, Submitter

WSIS = Path(__file__).resolve().parents[3] / "examples" / "wsis2020" / "consultation.toml"
CID = "wsis-forum-2020-ocp"
URL = f"/api/consultations/{CID}/submissions"


def test_pages_concatenate_to_the_public_export() -> None:
    consultation = load_consultation(WSIS)
    app = Consultkit.open("memory://", clock=FixedClock(parse_instant("2020-01-15T10:00:00Z")))
    for n in range(5):
        receipt = app.submit(
            consultation,
            call_id="official-submissions",
            submitter=Submitter(name=f"P{n}", email=f"p{n}@example.org", group="civil-society"),
            title=f"T{n}",
            body=f"B{n}",
            consent=Consent(publish_text=True, publish_name=n % 2 == 0),
        )
        if n != 3:
            for decision in (SubmissionStatus.UNDER_REVIEW, SubmissionStatus.ACCEPTED):
                app.review(consultation, receipt.tracking_number, decision=decision, organiser="o")
    web = create_app(app, [consultation], secret="csrf-secret")
    items: list[dict[str, object]] = []
    with TestClient(app=web) as client:
        page = client.get(URL, params={"limit": 3}).json()
        items += page["items"]
        assert len(items) == 3 and page["next_cursor"]
        page = client.get(URL, params={"limit": 3, "cursor": page["next_cursor"]}).json()
        items += page["items"]
        assert page["next_cursor"] is None
        bad = client.get(URL, params={"cursor": "garbage"})
        assert bad.status_code == 422 and bad.json()["rule"] == "cursor"
        assert client.get(URL, params={"limit": 501}).status_code == 400
    out = io.StringIO()
    app.export_submissions(consultation, out, format="jsonl", public=True)
    assert items == [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(items) == 4
    app.close()
