"""Load: 2,000 submissions from 50 concurrent clients against a real server on loopback.

Every 2xx must have its submission stored exactly once, with no 5xx and no "database is
locked", on the embedded SQLite store and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import time
import uuid
from pathlib import Path

import httpx
import pytest
from consultkit_web.testing import serving

from consultkit.app.application import Consultkit
from consultkit.config.loader import load_consultation

CID = "wsis-forum-2020-ocp"
WSIS = Path(__file__).resolve().parents[3] / "examples" / "wsis2020" / "consultation.toml"
IN_WINDOW = "2020-01-15T10:00:00Z"
POST = f"/api/consultations/{CID}/calls/official-submissions/submissions"
TOTAL = int(os.environ.get("CONSULTKIT_WEB_LOAD_TOTAL", "2000"))
CLIENTS = 50
PG = os.environ.get("CONSULTKIT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


async def hammer(base: str) -> list[tuple[str, int, str | None]]:
    """Each client sends its share; a dropped connection is retried with the same key."""
    results: list[tuple[str, int, str | None]] = []

    async def client(number: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            for index in range(TOTAL // CLIENTS):
                key = f"load-{number}-{index}"
                body = {
                    "group": "civil-society",
                    "name": f"Client {number}",
                    "email": f"client{number}@example.org",
                    "title": f"Load {number}-{index}",
                    "body": f"Submission {index} of client {number}.",
                    "language": "en",
                }
                for _attempt in range(3):
                    try:
                        response = await http.post(
                            POST, json=body, headers={"Idempotency-Key": key}
                        )
                        break
                    except httpx.TransportError:
                        await asyncio.sleep(0.1)
                else:
                    results.append((key, 0, None))
                    continue
                tracking = response.json().get("tracking_number") if response.is_success else None
                results.append((key, response.status_code, tracking))

    await asyncio.gather(*(client(n) for n in range(CLIENTS)))
    return results


def run_load(tmp_path: Path, store: str) -> None:
    budget = ("--requests-per-minute", "1000000")
    with serving(WSIS, store, tmp_path, before=("--now", IN_WINDOW), after=budget) as base:
        started = time.monotonic()
        # In a thread of its own: Playwright's sync API (the browser tests) may keep an
        # event loop running in this one for the rest of the session.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            results = pool.submit(asyncio.run, hammer(base)).result()
        elapsed = time.monotonic() - started
    statuses = [status for _, status, _ in results]
    assert not [s for s in statuses if s >= 500 or s == 0], sorted(set(statuses))
    ok = [tracking for _, status, tracking in results if 200 <= status < 300]
    assert len(ok) == TOTAL, sorted(set(statuses))
    with Consultkit.open(store) as app:
        stored = list(app.list_submissions(load_consultation(WSIS)))
    assert len(stored) == TOTAL
    assert sorted(s.tracking_number for s in stored) == sorted(ok)  # each once
    print(f"{TOTAL} submissions from {CLIENTS} clients in {elapsed:.1f}s: {TOTAL / elapsed:.0f}/s")


@pytest.mark.slow
def test_load_on_sqlite(tmp_path: Path) -> None:
    run_load(tmp_path, f"sqlite:///{tmp_path / 'load.sqlite'}")


@pytest.mark.slow
@pytest.mark.postgres
def test_load_on_postgresql(tmp_path: Path) -> None:
    psycopg = pytest.importorskip("psycopg")
    schema = f"ck_web_load_{uuid.uuid4().hex[:8]}"
    try:
        psycopg.connect(PG, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    try:
        run_load(tmp_path, f"{PG}?schema={schema}")
    finally:
        with psycopg.connect(PG, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
