"""A call's quota on the web: refused beside the field in the form, as a problem in the API."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from consultkit_web import create_app
from consultkit_web.testing import filled, form_tokens
from litestar.testing import TestClient

from consultkit.config.loader import loads_consultation

if TYPE_CHECKING:
    from collections.abc import Iterator

    from litestar import Litestar

    from consultkit.app.application import Consultkit

ROOT = Path(__file__).resolve().parents[3]
WSIS = ROOT / "examples" / "wsis2020" / "consultation.toml"
CID = "wsis-forum-2020-ocp"
FORM = f"/{CID}/calls/official-submissions/submit"
POST = f"/api/consultations/{CID}/calls/official-submissions/submissions"
ES = {"accept-language": "es-ES,es;q=0.9"}


@pytest.fixture
def client(application: Consultkit) -> Iterator[TestClient[Litestar]]:
    text = WSIS.read_text(encoding="utf-8").replace(
        'id = "official-submissions"\n',
        'id = "official-submissions"\nquota = { per_email = 2, per_organisation = 3 }\n',
        1,
    )
    web = create_app(application, [loads_consultation(text)], secret="csrf-secret")
    with TestClient(app=web) as test_client:
        yield test_client


def _send(client: TestClient[Litestar], **values: str) -> object:
    tokens = form_tokens(client.get(FORM, headers=ES).text)
    return client.post(FORM + "?lang=es", data=filled(**values) | tokens, follow_redirects=False)


def test_the_form_refuses_beside_the_address_and_keeps_the_text(
    client: TestClient[Litestar], application: Consultkit
) -> None:
    for n in range(2):
        assert _send(client, title=f"T{n}").status_code == 303  # type: ignore[attr-defined]
    refused = _send(client, title="La tercera", email="ANA+otra@example.org")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    html = refused.text  # type: ignore[attr-defined]
    assert 'id="email-error"' in html
    assert "Esta dirección de correo ya ha enviado tantas contribuciones" in html
    assert 'value="La tercera"' in html
    assert len(list(application.store.list_submissions(CID))) == 2
    assert _send(client, title="Otra", email="bo@example.org").status_code == 303  # type: ignore[attr-defined]
    organisation = _send(client, title="Más", email="carla@example.org")
    assert organisation.status_code == 422  # type: ignore[attr-defined]
    assert 'id="organisation-error"' in organisation.text  # type: ignore[attr-defined]


def test_the_api_answers_a_problem_naming_the_rule(client: TestClient[Litestar]) -> None:
    body = {
        "group": "governments",
        "name": "Ministerio",
        "email": "ict@example.gov",
        "title": "Aportación",
        "body": "Texto.",
        "language": "es",
    }
    for n in range(2):
        assert client.post(POST, json=body | {"title": f"T{n}"}).status_code == 201
    refused = client.post(POST, json=body)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["rule"] == "quota"
    assert "at most 2 submissions per e-mail address" in refused.json()["detail"]
