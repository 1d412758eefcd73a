"""HTML and line breaks typed into every field of the form and the API.

A line break in a one-line field (name, organisation, title, country) would become a new
header in the receipt e-mail or a new property in a feed: it is refused with that field's
error and nothing is stored. HTML is text: it is stored as typed and shown escaped, never
as markup, on every page that shows it and in the outbox event the e-mail is made from.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from consultkit_web.testing import filled, form_tokens

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.testing import TestClient

    from consultkit.app.application import Consultkit

CID = "wsis-forum-2020-ocp"
FORM = f"/{CID}/calls/official-submissions/submit"
API = f"/api/consultations/{CID}/calls/official-submissions/submissions"
MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'
BREAKS = ("\r\nBcc: evil@example.org", "\nX-Injected: 1", "\rX: 1", "\u2028X: 1", "\x85X")
#: Every field of the form and the API, with a valid value to put the attack after.
FIELDS = {
    "group": "civil-society",
    "name": "Ana Pérez",
    "organisation": "Red de Bibliotecas",
    "email": "ana@example.org",
    "title": "Acceso público",
    "body": "Un texto.",
    "language": "es",
    "tags": "C3",
}
ONE_LINE = ("name", "organisation", "title")
#: Fields whose value must come from a fixed set or a strict syntax: anything else is refused.
STRICT = ("group", "email", "language", "tags")


def _stored(application: Consultkit, web: Litestar) -> list[Any]:
    return list(application.list_submissions(web.state["site"].consultations[CID]))


def _post_form(client: TestClient[Litestar], **values: str) -> Any:
    tokens = form_tokens(client.get(FORM).text)
    return client.post(FORM, data=filled(**values) | tokens, follow_redirects=False)


@pytest.mark.parametrize("field", [*ONE_LINE, *STRICT])
@pytest.mark.parametrize("attack", BREAKS)
def test_a_line_break_in_a_one_line_field_is_refused_beside_that_field(
    client: TestClient[Litestar], application: Consultkit, web: Litestar, field: str, attack: str
) -> None:
    response = _post_form(client, **{field: FIELDS[field] + attack})
    assert response.status_code == 422, response.text[:300]
    assert f'id="{field}-error"' in response.text
    assert _stored(application, web) == []


def test_a_line_break_in_the_body_is_a_paragraph(
    client: TestClient[Litestar], application: Consultkit, web: Litestar
) -> None:
    assert _post_form(client, body="First.\r\nSecond.").status_code == 303
    (submission,) = _stored(application, web)
    assert "Second." in submission.body


@pytest.mark.parametrize("field", [f for f in FIELDS if f != "body"])
def test_a_line_break_through_the_api_is_a_422_naming_the_field(
    client: TestClient[Litestar], application: Consultkit, web: Litestar, field: str
) -> None:
    body: dict[str, Any] = {k: v for k, v in FIELDS.items() if k != "tags"} | {"tags": ["C3"]}
    attacked = FIELDS[field] + "\r\nBcc: evil@example.org"
    body[field] = [attacked] if field == "tags" else attacked
    response = client.post(API, json=body, headers={"Idempotency-Key": f"crlf-{field}"})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["rule"] in {"one-line", "submitter", "language", "tag", "unknown-group"}
    assert _stored(application, web) == []


@pytest.mark.parametrize("field", [*ONE_LINE, "body"])
def test_html_is_stored_as_text_and_never_served_as_markup(
    client: TestClient[Litestar], application: Consultkit, web: Litestar, field: str
) -> None:
    value = f"{FIELDS[field]} {MARKUP}"
    response = _post_form(client, consent_publish_name="yes", **{field: value})
    assert response.status_code == 303, response.text[:300]
    (submission,) = _stored(application, web)
    typed = {
        "name": submission.submitter.name,
        "organisation": submission.submitter.organisation,
        "title": submission.title,
        "body": submission.body,
    }
    assert typed[field] == value  # kept as the person typed it
    number = submission.tracking_number
    pages = [
        client.get(response.headers["location"]).text,
        client.get(f"/{CID}/track", params={"number": number}).text,
        client.get(f"/api/consultations/{CID}/submissions/{number}").text,
        client.get(f"/{CID}/feeds/es.ics").text,
    ]
    for page in pages:
        assert "<script" not in page and "<img" not in page
    # The receipt e-mail is made from the outbox event: it carries the text, one line each.
    events = application.store.unrouted_events(10)
    assert events
    for event in events:
        for key in ("title", "submitter_name", "submitter_organisation"):
            text = event.payload.get(key) or ""
            assert not re.search(r"[\r\n\x85\u2028\u2029]", text), (key, text)


@pytest.mark.parametrize("field", STRICT)
def test_html_in_a_strict_field_is_refused(
    client: TestClient[Litestar], application: Consultkit, web: Litestar, field: str
) -> None:
    response = _post_form(client, **{field: FIELDS[field] + MARKUP})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert "<script" not in response.text.split("<body", 1)[1].split("</form>")[0].replace(
        "<script src=", ""
    )
    assert _stored(application, web) == []
