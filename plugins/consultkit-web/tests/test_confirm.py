"""E-mail confirmation through the web: the receipt asks, the link confirms, bad links get 4xx."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from consultkit_web import create_app
from consultkit_web.testing import filled, form_tokens
from litestar.testing import TestClient

from consultkit.app.application import Consultkit
from consultkit.config.loader import loads_consultation
from consultkit.domain.clock import FixedClock, parse_instant
from consultkit.domain.submissions import Verification
from consultkit.notify.settings import NotifySettings

if TYPE_CHECKING:
    from collections.abc import Iterator

    from litestar import Litestar

ROOT = Path(__file__).resolve().parents[3]
WSIS = ROOT / "examples" / "wsis2020" / "consultation.toml"
IN_WINDOW = "2020-01-15T10:00:00Z"
CID = "wsis-forum-2020-ocp"
FORM = f"/{CID}/calls/official-submissions/submit"
ES = {"accept-language": "es-ES,es;q=0.9"}
SECRET = "web-test-secret-long-enough"


@pytest.fixture
def application() -> Iterator[Consultkit]:
    app = Consultkit.open("memory://", clock=FixedClock(parse_instant(IN_WINDOW)))
    app.settings = NotifySettings(secret=SECRET, public_url="https://consult.example.org")
    yield app
    app.close()


@pytest.fixture
def client(application: Consultkit) -> Iterator[TestClient[Litestar]]:
    text = WSIS.read_text(encoding="utf-8").replace(
        'id = "official-submissions"\n', 'id = "official-submissions"\nconfirm_email = true\n', 1
    )
    web = create_app(application, [loads_consultation(text)], secret="csrf-secret")
    with TestClient(app=web) as test_client:
        yield test_client


def _submit(client: TestClient[Litestar]) -> str:
    tokens = form_tokens(client.get(FORM, headers=ES).text)
    sent = client.post(FORM + "?lang=es", data=filled() | tokens, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    return str(sent.headers["location"])


def _link(application: Consultkit) -> str:
    [event] = [
        e
        for e in application.store.unrouted_events(10)
        if e.kind == "submission.confirmation-requested"
    ]
    return str(event.payload["confirm_url"]).removeprefix("https://consult.example.org")


def test_the_receipt_asks_and_the_link_confirms(
    client: TestClient[Litestar], application: Consultkit
) -> None:
    receipt = client.get(_submit(client))
    assert "confirmar su dirección de correo" in receipt.text
    page = client.get(_link(application), headers=ES)
    assert page.status_code == 200
    assert "Dirección de correo confirmada" in page.text
    number = re.search(r"CK(-[0-9A-Z]{4}){4}", page.text)
    assert number is not None
    stored = application.store.find_by_tracking_number(number.group(0))
    assert stored is not None
    assert stored.verification is Verification.EMAIL_CONFIRMED
    assert "confirmar su dirección" not in client.get(receipt.url).text


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        (lambda link: link[:-4] + "AAAA", 400, "no es válido"),
        (lambda link: link.rsplit("/", 1)[0] + "/../../etc/passwd", 404, ""),
        (lambda link: link.rsplit("/", 1)[0] + "/" + "A" * 600, 400, "no es válido"),
    ],
)
def test_a_forged_link_gets_a_clear_4xx_page(
    client: TestClient[Litestar],
    application: Consultkit,
    change: object,
    status: int,
    words: str,
) -> None:
    _submit(client)
    link = _link(application)
    assert callable(change)
    page = client.get(change(link), headers=ES)
    assert page.status_code == status
    assert "text/html" in page.headers["content-type"]
    assert words in page.text
    [submission] = list(application.store.list_submissions(CID))
    assert submission.verification is Verification.EMAIL_UNCONFIRMED


def test_an_expired_link_gets_410_and_the_submission_stays(
    client: TestClient[Litestar], application: Consultkit
) -> None:
    _submit(client)
    link = _link(application)
    application.clock = FixedClock(parse_instant(IN_WINDOW) + dt.timedelta(days=4))
    page = client.get(link, headers=ES)
    assert page.status_code == 410
    assert "ha caducado" in page.text
    problem = client.get(link, headers={"accept": "application/json"})
    assert problem.json()["rule"] == "confirmation-expired"
    [submission] = list(application.store.list_submissions(CID))
    assert submission.verification is Verification.EMAIL_UNCONFIRMED
