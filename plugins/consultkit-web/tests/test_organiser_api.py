"""The organiser API behind bearer tokens: 401/403 as problems, private rows, review, export."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from consultkit.config.loader import loads_consultation
from consultkit.domain.submissions import SubmissionStatus, Submitter

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.testing import TestClient

    from consultkit.app.application import Consultkit
    from consultkit.domain.model import Consultation

ROOT = Path(__file__).resolve().parents[3]
WSIS = ROOT / "examples" / "wsis2020" / "consultation.toml"
CID = "wsis-forum-2020-ocp"
BASE = f"/api/consultations/{CID}/organiser"
ANA = Submitter(name="Ana Pérez", email="ana@example.org", group="civil-society")


@pytest.fixture
def consultation(web: Litestar) -> Consultation:
    found: Consultation = web.state["site"].consultations[CID]
    return found


def _submit(application: Consultkit, consultation: Consultation) -> str:
    receipt = application.submit(
        consultation,
        call_id="official-submissions",
        submitter=ANA,
        title="Bibliotecas",
        body="Texto.",
    )
    return receipt.tracking_number


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize("path", ["/submissions", "/export", "/stats"])
def test_without_a_working_token_the_answer_is_401(
    client: TestClient[Litestar], application: Consultkit, consultation: Consultation, path: str
) -> None:
    _, secret = application.create_token(consultation, "secretariat")
    for headers in ({}, bearer("ckt_wrong"), {"Authorization": f"Basic {secret}"}):
        answer = client.get(BASE + path, headers=headers)
        assert answer.status_code == 401
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert answer.json()["rule"] == "token"
    assert client.get(BASE + path, headers=bearer(secret)).status_code == 200
    application.revoke_token(consultation, "secretariat")
    assert client.get(BASE + path, headers=bearer(secret)).status_code == 401


def test_a_token_of_another_consultation_gets_403(
    client: TestClient[Litestar], application: Consultkit
) -> None:
    other = loads_consultation(WSIS.read_text(encoding="utf-8").replace(CID, "other-ocp"))
    _, secret = application.create_token(other, "secretariat")
    answer = client.get(f"{BASE}/submissions", headers=bearer(secret))
    assert answer.status_code == 403
    assert answer.json()["rule"] == "token-scope"


def test_organisers_list_review_export_and_count(
    client: TestClient[Litestar],
    application: Consultkit,
    consultation: Consultation,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    number = _submit(application, consultation)
    _, secret = application.create_token(consultation, "secretariat")
    listed = client.get(f"{BASE}/submissions", headers=bearer(secret)).json()
    assert [(r["tracking_number"], r["submitter_email"]) for r in listed] == [
        (number, "ana@example.org")
    ]
    reviewed = client.post(
        f"{BASE}/submissions/{number}/review",
        json={"decision": "under-review"},
        headers=bearer(secret),
    )
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["status"] == "under-review"
    history = application.show(consultation, number).history
    assert history[-1].actor.id == "token:secretariat"
    refused = client.post(
        f"{BASE}/submissions/{number}/review", json={"decision": "rejected"}, headers=bearer(secret)
    )
    assert refused.status_code == 422 and refused.json()["rule"] == "reason-required"
    application.review(
        consultation, number, decision=SubmissionStatus.ACCEPTED, organiser="secretariat"
    )
    export = client.get(f"{BASE}/export", headers=bearer(secret))
    assert export.headers["content-disposition"].startswith("attachment")
    assert "ana@example.org" in export.text
    public = client.get(f"{BASE}/export?format=jsonl&public=true", headers=bearer(secret))
    [row] = [json.loads(line) for line in public.text.splitlines()]
    assert "submitter_email" not in row and row["text_withheld"] is True
    stats = client.get(f"{BASE}/stats", headers=bearer(secret)).json()
    assert stats["total"] == 1 and stats["by_status"][0]["key"] == "accepted"
    assert secret not in caplog.text


def test_the_openapi_document_declares_the_bearer_scheme(client: TestClient[Litestar]) -> None:
    document = client.get("/api/schema/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from `consultkit tokens create CONFIG NAME`.",
    }
    operation = document["paths"][f"{BASE}/submissions".replace(CID, "{consultation_id}")]["get"]
    assert operation["security"] == [{"bearer": []}]
    assert {"401", "403"} <= set(operation["responses"])


def test_the_token_is_checked_before_the_body_is_read(
    client: TestClient[Litestar], application: Consultkit, consultation: Consultation
) -> None:
    # Without a token nobody learns how a review body is validated: 401 comes first.
    number = _submit(application, consultation)
    for body in ({"decision": "maybe"}, {}):
        answer = client.post(f"{BASE}/submissions/{number}/review", json=body)
        assert answer.status_code == 401, answer.text
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert answer.json()["rule"] == "token"


def test_every_organiser_route_passes_the_one_token_guard(web: Litestar) -> None:
    from consultkit_web.organiser_api import organiser_guard
    from litestar.routes import HTTPRoute

    routes = [r for r in web.routes if isinstance(r, HTTPRoute) and "/organiser/" in r.path]
    assert len(routes) == 4
    for route in routes:
        for handler in route.route_handlers:
            assert list(handler.resolve_guards()) == [organiser_guard], route.path
            assert handler.resolve_security() == [{"bearer": []}], route.path
