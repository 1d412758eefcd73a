from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from consultkit_web import create_app
from consultkit_web.testing import serving
from litestar.testing import TestClient

from consultkit.app.application import Consultkit
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock, parse_instant

if TYPE_CHECKING:
    from collections.abc import Iterator

    from litestar import Litestar

ROOT = Path(__file__).resolve().parents[3]
WSIS = ROOT / "examples" / "wsis2020" / "consultation.toml"
# Inside the official-submissions call window (opens 4 June 2019, closes 3 February 2020).
IN_WINDOW = "2020-01-15T10:00:00Z"
CID = "wsis-forum-2020-ocp"


@pytest.fixture
def application() -> Iterator[Consultkit]:
    app = Consultkit.open("memory://", clock=FixedClock(parse_instant(IN_WINDOW)))
    yield app
    app.close()


@pytest.fixture
def web(application: Consultkit) -> Litestar:
    return create_app(application, [load_consultation(WSIS)], secret="test-secret")


@pytest.fixture
def client(web: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app=web) as test_client:
        yield test_client


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A `consultkit serve` process on 127.0.0.1 with its own SQLite store."""
    store = f"sqlite:///{tmp_path / 'web.sqlite'}"
    with serving(WSIS, store, tmp_path, before=("--now", IN_WINDOW)) as base:
        yield base, store
