"""The JSON API, the feeds' HTTP caching, and the abuse limits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from click.testing import CliRunner
from consultkit_web import create_app
from consultkit_web.testing import filled, form_tokens
from litestar.testing import TestClient

from consultkit.cli import cli
from consultkit.config.loader import load_consultation
from consultkit.i18n import messages

if TYPE_CHECKING:
    from litestar import Litestar

    from consultkit.app.application import Consultkit

CID = "wsis-forum-2020-ocp"
IN_WINDOW = "2020-01-15T10:00:00Z"
WSIS = Path(__file__).resolve().parents[3] / "examples" / "wsis2020" / "consultation.toml"
API = f"/api/consultations/{CID}"
POST = f"{API}/calls/official-submissions/submissions"


def body(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "group": "governments",
        "name": "Ministerio",
        "email": "ict@example.gov",
        "title": "Aportación oficial",
        "body": "Texto de la aportación.",
        "language": "es",
        "tags": ["C1"],
    }
    data.update(overrides)
    return data


def test_openapi_document_is_3_1_and_lists_the_api(client: TestClient[Litestar]) -> None:
    response = client.get("/api/schema/openapi.json")
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["openapi"].startswith("3.1")
    paths = document["paths"]
    assert f"{'/api/consultations/{consultation_id}'}/timeline" in paths
    post = paths["/api/consultations/{consultation_id}/calls/{call_id}/submissions"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in post["parameters"])
    assert not any(path.startswith("/{consultation_id}") for path in paths)  # pages stay out


def test_consultation_and_calls(client: TestClient[Litestar]) -> None:
    consultation = client.get(API, params={"lang": "es"}).json()
    assert consultation["id"] == CID and consultation["language"] == "es"
    assert next(g["id"] for g in consultation["groups"]) == "governments"
    calls = {c["id"]: c for c in client.get(f"{API}/calls").json()}
    official = calls["official-submissions"]
    assert official["accepting"] is True
    assert official["deadline_utc"] == "2020-02-03T23:00:00Z"
    assert "title" in official["fields"]


def test_timeline_is_the_cli_document(client: TestClient[Litestar]) -> None:
    served = client.get(f"{API}/timeline", params={"lang": "es"}).json()
    printed = CliRunner().invoke(
        cli, ["--now", IN_WINDOW, "timeline", str(WSIS), "--format", "json", "--lang", "es"]
    )
    assert printed.exit_code == 0, printed.output
    assert served == json.loads(printed.output)


def test_idempotency_key_semantics(
    client: TestClient[Litestar], web: Litestar, application: Consultkit
) -> None:
    headers = {"Idempotency-Key": "k-1"}
    first = client.post(POST, json=body(), headers=headers)
    assert first.status_code == 201, first.text
    again = client.post(POST, json=body(), headers=headers)
    assert again.status_code == 200
    assert again.json()["tracking_number"] == first.json()["tracking_number"]
    assert again.json()["replayed"] is True
    other = client.post(POST, json=body(title="Otra cosa"), headers=headers)
    assert other.status_code == 422
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["rule"] == "idempotency-key-reused"
    site = web.state["site"]
    site.in_flight.add((CID, "k-2"))
    busy = client.post(POST, json=body(), headers={"Idempotency-Key": "k-2"})
    assert busy.status_code == 409 and busy.json()["rule"] == "idempotency-key-in-flight"
    consultation = site.consultations[CID]
    assert len(list(application.list_submissions(consultation))) == 1


def test_refusals_are_problems_with_the_rule(client: TestClient[Litestar]) -> None:
    refused = client.post(POST, json=body(group="nobody"))
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["rule"] == "unknown-group" and problem["status"] == 422
    assert "nobody" in problem["detail"]
    malformed = client.post(
        POST, content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.headers["content-type"].startswith("application/problem+json")
    missing = client.get(f"{API}/submissions/CK-0000-0000-0000-0000")
    assert missing.status_code == 404 and missing.json()["rule"] == "unknown-submission"


def test_status_by_tracking_number_is_public_only(client: TestClient[Litestar]) -> None:
    number = client.post(POST, json=body()).json()["tracking_number"]
    status = client.get(f"{API}/submissions/{number}").json()
    assert status["status"] == "received" and status["history"][0]["status"] == "received"
    assert "ict@example.gov" not in json.dumps(status)


def test_feeds_are_cacheable(client: TestClient[Litestar]) -> None:
    feed = client.get(f"/{CID}/feeds/es.ics")
    assert feed.status_code == 200
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    etag = feed.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert feed.headers["last-modified"].endswith("GMT")
    assert "max-age" in feed.headers["cache-control"]
    assert feed.content.startswith(b"BEGIN:VCALENDAR")
    again = client.get(f"/{CID}/feeds/es.ics")
    assert again.headers["etag"] == etag  # same bytes, same tag
    cached = client.get(f"/{CID}/feeds/es.ics", headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""
    since = client.get(
        f"/{CID}/feeds/es.ics", headers={"If-Modified-Since": feed.headers["last-modified"]}
    )
    assert since.status_code == 304
    group = client.get(f"/{CID}/feeds/en.ics", params={"group": "governments"})
    assert group.status_code == 200 and group.headers["etag"] != etag
    for fmt in ("json", "html", "svg"):
        assert client.get(f"/{CID}/feeds/es.{fmt}").status_code == 200
    assert client.get(f"/{CID}/feeds/xx.ics").status_code == 404


def test_rate_limits_answer_429_with_retry_after(application: Consultkit) -> None:
    web = create_app(
        application, [load_consultation(WSIS)], requests_per_minute=5, lookups_per_minute=2
    )
    with TestClient(app=web) as client:
        for _ in range(2):
            assert client.get(f"/{CID}/track", params={"number": "x"}).status_code == 200
        limited = client.get(f"/{CID}/track", params={"number": "x"})
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) > 0
        assert limited.headers["x-frame-options"] == "DENY"
        for _ in range(5):
            last = client.get(API)
        assert last.status_code == 429
        assert last.headers["content-type"].startswith("application/problem+json")
        assert last.json()["rule"] == "rate-limit"


def test_oversized_bodies_are_refused(
    client: TestClient[Litestar], application: Consultkit, web: Litestar
) -> None:
    huge = body(body="x" * 300_000)
    assert client.post(POST, json=huge).status_code == 413
    form = f"/{CID}/calls/official-submissions/submit"
    tokens = form_tokens(client.get(form).text)
    response = client.post(form, data=filled(body="y" * 300_000) | tokens)
    assert response.status_code == 413
    assert len(list(application.list_submissions(web.state["site"].consultations[CID]))) == 0


def test_bad_input_gets_a_clear_4xx(client: TestClient[Litestar], web: Litestar) -> None:
    wrong_type = client.post(POST, content=b"group=x", headers={"content-type": "text/plain"})
    assert 400 <= wrong_type.status_code < 500
    assert wrong_type.headers["content-type"].startswith("application/problem+json")
    invalid_utf8 = client.post(
        POST, content=b'{"name": "\xff\xfe"}', headers={"content-type": "application/json"}
    )
    assert invalid_utf8.status_code == 400 and invalid_utf8.json()["rule"] == "request"
    form = f"/{CID}/calls/official-submissions/submit"
    tokens = form_tokens(client.get(form).text)
    raw = "&".join(f"{k}={v}" for k, v in tokens.items()) + "&name=%FF%FE&title=%C3"
    garbled = client.post(
        form, content=raw.encode(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert 400 <= garbled.status_code < 500
    consultation = web.state["site"].consultations[CID]
    assert list(web.state["site"].app.list_submissions(consultation)) == []


def test_a_problem_detail_follows_accept_language(client: TestClient[Litestar]) -> None:
    english = client.post(POST, json=body(group="nobody"))
    assert english.json()["detail"].startswith("consultation 'wsis-forum-2020-ocp' has no")
    for header, words in (
        ("es-ES,es;q=0.9", "no tiene el grupo de partes interesadas 'nobody'"),
        ("ar-EG", "فئة أصحاب المصلحة 'nobody'"),
        ("de-DE, fr;q=0.8", "n’a pas de groupe de parties prenantes 'nobody'"),
    ):
        refused = client.post(POST, json=body(group="nobody"), headers={"Accept-Language": header})
        problem = refused.json()
        assert refused.status_code == 422 and words in problem["detail"], header
        # The type, the rule and the title are for programs: the same in every language.
        assert problem["rule"] == "unknown-group"
        assert problem["type"] == english.json()["type"]
        assert problem["title"] == english.json()["title"]


def test_a_body_litestar_cannot_read_is_refused_in_french(client: TestClient[Litestar]) -> None:
    # Issue 11: Litestar's own words ("Input data was truncated", "Expected `str`, got
    # `int`") are English; the detail is the reader's, the field errors stay as data.
    french = {"Accept-Language": "fr-FR", "content-type": "application/json"}
    fr = messages("fr")
    malformed = client.post(POST, content=b'{"name": ', headers=french)
    truncated = client.post(POST, content=b'{"name": "\xff\xfe"}', headers=french)
    for refused in (malformed, truncated):
        problem = refused.json()
        assert refused.status_code == 400 and problem["rule"] == "request"
        assert problem["detail"] == fr.gettext(
            "the request's body could not be read: send JSON in UTF-8, as the API's schema"
            " (`/api/schema`) describes"
        )
        assert "request" not in problem["detail"]  # French, not the English fallback
    wrong = client.post(POST, content=json.dumps(body(group=5)), headers=french)
    problem = wrong.json()
    assert wrong.status_code == 400 and problem["rule"] == "request"
    assert problem["detail"] == fr.gettext(
        "these fields of the request do not fit the API: %(fields)s; check them against its"
        " schema (`/api/schema`)",
        fields="group",
    )
    assert "request" not in problem["detail"]
    assert [(e["key"], e["source"]) for e in problem["errors"]] == [("group", "body")]
    assert all(e["message"] for e in problem["errors"])  # Litestar's own, as data
    english = client.post(POST, content=json.dumps(body(group=5)), headers={"Accept": "*/*"})
    assert english.json()["detail"].startswith("these fields of the request do not fit")
