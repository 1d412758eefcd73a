"""The rate limiter keeps a count per client and window, so its cost never grows."""

from __future__ import annotations

from pathlib import Path

from consultkit_web import create_app
from litestar.testing import TestClient

from consultkit.app.application import Consultkit
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock, parse_instant

WSIS = Path(__file__).resolve().parents[3] / "examples" / "wsis2020" / "consultation.toml"
CID = "wsis-forum-2020-ocp"


def test_the_stored_window_stays_two_numbers_and_the_budget_holds() -> None:
    app = Consultkit.open("memory://", clock=FixedClock(parse_instant("2020-01-15T10:00:00Z")))
    web = create_app(app, [load_consultation(WSIS)], requests_per_minute=300)
    with TestClient(app=web) as client:
        for _ in range(300):
            answer = client.get(f"/api/consultations/{CID}")
            assert answer.status_code == 200
        assert answer.headers["ratelimit-remaining"] == "0"
        refused = client.get(f"/api/consultations/{CID}")
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) <= 60
        store = web.stores.get("rate_limit")
        with client.portal() as portal:
            stored = portal.call(store.get, "CountingRateLimit::testclient")
    assert stored is not None
    count, reset = stored.decode().split(" ")
    assert count == "300" and reset.isdigit()  # not 300 timestamps
    app.close()
