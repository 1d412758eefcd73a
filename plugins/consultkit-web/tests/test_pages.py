"""The server-rendered pages: consultation, form, submitting, receipt, tracking."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from consultkit_web.testing import filled, form_tokens

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.testing import TestClient

    from consultkit.app.application import Consultkit

CID = "wsis-forum-2020-ocp"
FORM = f"/{CID}/calls/official-submissions/submit"
ES = {"accept-language": "es-ES,es;q=0.9,en;q=0.5"}


def stored(application: Consultkit, web: Litestar) -> int:
    consultation = web.state["site"].consultations[CID]
    return len(list(application.list_submissions(consultation)))


def test_root_redirects_to_the_only_consultation(client: TestClient[Litestar]) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/{CID}"


def test_consultation_page_is_live_and_in_the_readers_language(
    client: TestClient[Litestar],
) -> None:
    page = client.get(f"/{CID}", headers=ES)
    assert page.status_code == 200
    html = page.text
    assert '<html lang="es"' in html
    assert "Contribuciones oficiales" in html
    # The deadline stated by rule, local and UTC, and a countdown from the app's clock.
    assert "fin del 3 de febrero de 2020" in html
    assert "23:59:59 CET = 22:59:59 UTC" in html
    assert 'data-seconds-left="1688400"' in html  # 15 Jan 10:00 to 3 Feb 23:00 UTC
    assert "19 días y 13 horas" in html  # named by babel, plural forms and all
    # Subscribe links, organisers, contact.
    assert 'href="webcal://' in html and "calendar.google.com" in html
    assert "outlook.live.com" in html and f"/{CID}/feeds/es.ics" in html
    assert "UIT" in html and "Gitanjali Sah" in html
    # The switcher offers the consultation's other language.
    assert 'hreflang="en"' in html
    english = client.get(f"/{CID}?lang=en", headers=ES).text
    assert '<html lang="en"' in english and "Official submissions" in english


def test_pages_carry_no_inline_script_and_strict_headers(client: TestClient[Litestar]) -> None:
    for path in (f"/{CID}", FORM, f"/{CID}/track", f"/{CID}/nope"):
        response = client.get(path)
        assert re.search(r"<script(?![^>]*\bsrc=)", response.text) is None, path
        assert " style=" not in response.text, path
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"


def test_form_offers_eligible_groups_consent_and_hidden_tokens(
    client: TestClient[Litestar],
) -> None:
    html = client.get(FORM, headers=ES).text
    assert 'name="_csrf_token"' in html and 'name="idempotency_key"' in html
    groups = re.findall(r'name="group" value="([^"]+)"', html)
    assert groups == [
        "governments",
        "private-sector",
        "civil-society",
        "academia-technical",
        "international-organisations",
    ]
    assert "Publicar mi nombre junto a ella." in html
    assert 'name="website"' in html and 'tabindex="-1"' in html  # the honeypot


def test_submitting_twice_stores_one_and_shows_the_receipt(
    client: TestClient[Litestar], application: Consultkit, web: Litestar
) -> None:
    tokens = form_tokens(client.get(FORM, headers=ES).text)
    first = client.post(FORM + "?lang=es", data=filled() | tokens, follow_redirects=False)
    assert first.status_code == 303, first.text
    again = client.post(FORM + "?lang=es", data=filled() | tokens, follow_redirects=False)
    assert again.headers["location"] == first.headers["location"]
    assert stored(application, web) == 1
    receipt = client.get(first.headers["location"])
    number = re.search(r"CK-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt.text)
    assert number and "Contribución recibida" in receipt.text
    # The receipt e-mail is queued through the outbox with the submission.
    assert application.outbox().unrouted >= 1


def test_a_refused_submission_keeps_the_text_shows_the_rule_and_stores_nothing(
    client: TestClient[Litestar], application: Consultkit, web: Litestar
) -> None:
    tokens = form_tokens(client.get(FORM, headers=ES).text)
    body = "Un texto largo <b>que</b> no debe perderse."
    response = client.post(
        FORM + "?lang=es", data=filled(title="", body=body) | tokens, follow_redirects=False
    )
    assert response.status_code == 422
    html = response.text
    assert 'id="title-error"' in html and "Esta convocatoria exige este campo." in html
    assert 'aria-invalid="true"' in html
    assert "Un texto largo &lt;b&gt;que&lt;/b&gt; no debe perderse." in html  # kept, escaped
    assert 'value="Ana Pérez"' in html
    assert stored(application, web) == 0
    bad_email = client.post(
        FORM + "?lang=es", data=filled(email="not-an-address") | tokens, follow_redirects=False
    )
    assert 'id="email-error"' in bad_email.text
    assert stored(application, web) == 0


def test_missing_csrf_token_is_refused(
    client: TestClient[Litestar], application: Consultkit, web: Litestar
) -> None:
    client.get(FORM)
    response = client.post(FORM, data=filled(), follow_redirects=False)
    assert response.status_code == 403
    assert stored(application, web) == 0


def test_the_honeypot_refuses_and_stores_nothing(
    client: TestClient[Litestar], application: Consultkit, web: Litestar
) -> None:
    tokens = form_tokens(client.get(FORM).text)
    response = client.post(FORM, data=filled(website="http://spam") | tokens)
    assert response.status_code == 422
    assert stored(application, web) == 0


def test_tracking_shows_public_status_only_and_hides_whether_numbers_exist(
    client: TestClient[Litestar],
) -> None:
    tokens = form_tokens(client.get(FORM, headers=ES).text)
    location = client.post(FORM + "?lang=es", data=filled() | tokens, follow_redirects=False)
    number = location.headers["location"].split("number=")[1].split("&")[0]
    found = client.get(f"/{CID}/track", params={"number": number, "lang": "es"}).text
    assert "recibida" in found and "Historial" in found
    assert "ana@example.org" not in found and "Ana Pérez" not in found
    answers, times = [], []
    for wrong in ("CK-0000-0000-0000-0001", "nonsense", "<script>"):
        started = time.monotonic()
        text = client.get(f"/{CID}/track", params={"number": wrong, "lang": "es"}).text
        times.append(time.monotonic() - started)
        answers.append(text.split("</form>", 1)[1])
    assert len(set(answers)) == 1 and "No se ha encontrado" in answers[0]
    assert min(times) >= 0.25


def test_unknown_consultation_and_call_are_404_pages(client: TestClient[Litestar]) -> None:
    assert client.get("/nope").status_code == 404
    response = client.get(f"/{CID}/calls/nope/submit")
    assert response.status_code == 404 and "<main" in response.text


def test_a_spanish_form_shows_the_refusal_in_spanish_beside_its_field(
    client: TestClient[Litestar], application: Consultkit, web: Litestar
) -> None:
    # Issue 11: the refusal's details are worded in the page's language, not marked English.
    tokens = form_tokens(client.get(FORM, headers=ES).text)
    response = client.post(
        FORM + "?lang=es", data=filled(group="nobody") | tokens, follow_redirects=False
    )
    assert response.status_code == 422
    html = response.text
    error = re.search(r'<p class="error" id="group-error">(.*?)</p>', html, re.S)
    assert error is not None
    assert "no tiene el grupo de partes interesadas &#39;nobody&#39;" in error.group(1)
    assert "unknown-group" in error.group(1)  # the rule stays an id, in every language
    assert "has no stakeholder group" not in html
    assert 'lang="en"' not in error.group(1)
    assert stored(application, web) == 0
