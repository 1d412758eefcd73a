"""The web hands screen_submission the form's extra fields and the client; holds are stored."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from consultkit_web import create_app
from consultkit_web.testing import filled, form_tokens
from litestar.testing import TestClient

from consultkit import hookimpl
from consultkit.app.application import Consultkit
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock, parse_instant
from consultkit.pluginhost.host import PluginHost

if TYPE_CHECKING:
    from collections.abc import Mapping

ROOT = Path(__file__).resolve().parents[3]
WSIS = ROOT / "examples" / "wsis2020" / "consultation.toml"
CID = "wsis-forum-2020-ocp"
FORM = f"/{CID}/calls/official-submissions/submit"
POST = f"/api/consultations/{CID}/calls/official-submissions/submissions"


class Captcha:
    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []

    @hookimpl
    def screen_submission(self, screening: Mapping[str, str]) -> str | None:
        self.seen.append(dict(screening))
        return None if screening.get("captcha") == "solved" else "no CAPTCHA answer"


def test_form_and_api_pass_screening_data_and_held_submissions_are_stored() -> None:
    captcha = Captcha()
    host = PluginHost.load(plugins={"captcha": captcha}, entry_points=False)
    app = Consultkit(
        host=host, store_url="memory://", clock=FixedClock(parse_instant("2020-01-15T10:00:00Z"))
    )
    web = create_app(app, [load_consultation(WSIS)], secret="csrf-secret")
    with TestClient(app=web) as client:
        tokens = form_tokens(client.get(FORM).text)
        sent = client.post(FORM, data=filled(captcha="solved") | tokens, follow_redirects=False)
        assert sent.status_code == 303
        body = {
            "group": "governments",
            "name": "M",
            "email": "ict@example.gov",
            "title": "T",
            "body": "B",
            "screening": {"captcha": "wrong"},
        }
        assert client.post(POST, json=body).status_code == 201
    assert captcha.seen[0] == {"captcha": "solved", "client": "testclient"}
    assert captcha.seen[1] == {"captcha": "wrong", "client": "testclient"}
    held = [s.held for s in app.store.list_submissions(CID)]
    assert sorted(held, key=str) == [None, "captcha: no CAPTCHA answer"]
    app.close()
