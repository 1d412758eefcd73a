"""Two `consultkit serve` processes on one PostgreSQL database, as behind a load balancer.

Clients submit to both at once, and some send the same idempotency key to both processes
at the same moment (a retry that a proxy sends to the other worker): every 2xx must be
stored exactly once, one key must give one submission and one tracking number whichever
process answered, and nothing may fail with a 5xx.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
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
PG = os.environ.get("CONSULTKIT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
CLIENTS = 20
EACH = 10  # submissions per client, alternating between the two processes
TWINS = 20  # keys sent to both processes at the same moment


def _body(key: str) -> dict[str, str]:
    return {
        "group": "civil-society",
        "name": "Client",
        "email": f"{key}@example.org",
        "title": f"Submission {key}",
        "body": f"The text of submission {key}.",
        "language": "en",
    }


async def _post(http: httpx.AsyncClient, base: str, key: str) -> tuple[str, int, str | None]:
    response = await http.post(base + POST, json=_body(key), headers={"Idempotency-Key": key})
    tracking = response.json().get("tracking_number") if response.is_success else None
    return key, response.status_code, tracking


async def _hammer(bases: tuple[str, str]) -> list[tuple[str, int, str | None]]:
    async with httpx.AsyncClient(timeout=60) as http:

        async def client(number: int) -> list[tuple[str, int, str | None]]:
            return [
                await _post(http, bases[index % 2], f"c{number}-{index}") for index in range(EACH)
            ]

        async def twins(number: int) -> list[tuple[str, int, str | None]]:
            key = f"twin-{number}"
            return list(await asyncio.gather(*(_post(http, base, key) for base in bases)))

        batches = await asyncio.gather(
            *(client(n) for n in range(CLIENTS)), *(twins(n) for n in range(TWINS))
        )
    return [result for batch in batches for result in batch]


@pytest.mark.slow
@pytest.mark.postgres
def test_two_server_processes_store_each_submission_once(tmp_path: Path) -> None:
    psycopg = pytest.importorskip("psycopg")
    try:
        psycopg.connect(PG, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    store = f"{PG}?schema=ck_web_two_{uuid.uuid4().hex[:8]}"
    budget = ("--requests-per-minute", "1000000")
    try:
        with contextlib.ExitStack() as stack:
            bases = tuple(
                stack.enter_context(
                    serving(WSIS, store, tmp_path, before=("--now", IN_WINDOW), after=budget)
                )
                for _ in range(2)
            )
            assert bases[0] != bases[1]
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                results = pool.submit(asyncio.run, _hammer((bases[0], bases[1]))).result()
        statuses = sorted({status for _, status, _ in results})
        assert all(200 <= status < 300 for status in statuses), statuses
        by_key: dict[str, set[str | None]] = {}
        for key, _, tracking in results:
            by_key.setdefault(key, set()).add(tracking)
        assert all(len(numbers) == 1 for numbers in by_key.values()), by_key
        with Consultkit.open(store) as app:
            stored = list(app.list_submissions(load_consultation(WSIS)))
        assert len(stored) == CLIENTS * EACH + TWINS == len(by_key)
        assert sorted(s.tracking_number for s in stored) == sorted(
            next(iter(numbers)) for numbers in by_key.values()
        )
    finally:
        schema = store.rsplit("schema=", 1)[1]
        with psycopg.connect(PG, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
