"""Benchmark: the web front end (plugins/consultkit-web) against bare Litestar endpoints.

Both run in the same process through Litestar's test client (no network noise), so the
ratios are comparable across machines:

- submissions per second through the whole web stack (CSRF, rate limit, body limit,
  security headers, problem handling, the API handler) against a bare Litestar endpoint
  doing the same ``Consultkit.submit`` call on the same kind of store. Target >= 0.7x.
- a feed GET answered 304 for a matching ETag (the feed is exported, hashed and compared
  on each request) against the same bytes served as a static file by Litestar. Target
  >= 0.5x.

Each ratio is the median of paired rounds (a batch of each side back to back, the order
alternating) of the requests served per second of this process's CPU time; the wall-time
ratio is printed beside it (see :func:`paired` for why CPU time is the judged one).

    python benchmarks/bench_web.py           # full run; exit 1 if under a target
    python benchmarks/bench_web.py --smoke   # a quick run for CI; never fails on speed
"""

from __future__ import annotations

import argparse
import itertools
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from consultkit_web import create_app
from litestar import Litestar, Request, post
from litestar.static_files import create_static_files_router
from litestar.testing import TestClient

from consultkit.app.application import Consultkit
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock, parse_instant
from consultkit.domain.submissions import Submitter

SUBMIT_TARGET = 0.7
FEED_TARGET = 0.5
WSIS = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
CID = "wsis-forum-2020-ocp"
IN_WINDOW = "2020-01-15T10:00:00Z"
counter = itertools.count()


def body() -> dict[str, Any]:
    n = next(counter)
    return {
        "group": "civil-society",
        "name": "Bench",
        "email": "bench@example.org",
        "title": f"Benchmark {n}",
        "body": f"Benchmark submission {n}.",
        "language": "en",
    }


def open_app() -> Consultkit:
    return Consultkit.open("memory://", clock=FixedClock(parse_instant(IN_WINDOW)))


def bare_app(app: Consultkit, static_dir: Path) -> Litestar:
    consultation = load_consultation(WSIS)

    @post("/submit", sync_to_thread=True)
    def submit(request: Request[Any, Any, Any], data: dict[str, Any]) -> dict[str, str]:
        # The same call the web API makes, idempotency key included.
        receipt = app.submit(
            consultation,
            call_id="official-submissions",
            submitter=Submitter(name=data["name"], email=data["email"], group=data["group"]),
            title=data["title"],
            body=data["body"],
            language=data["language"],
            idempotency_key=request.headers.get("idempotency-key"),
        )
        return {"tracking_number": receipt.tracking_number}

    return Litestar([submit, create_static_files_router(path="/static", directories=[static_dir])])


def rate(client: TestClient[Litestar], send: Any, number: int) -> tuple[float, float]:
    """Requests per second of wall time and per second of this process's CPU time."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(number):
        send(client)
    return number / (time.perf_counter() - wall), number / (time.process_time() - cpu)


def paired(
    rounds: int, number: int, fast: tuple[Any, Any], slow: tuple[Any, Any]
) -> tuple[list[float], list[float]]:
    """``rounds`` ratios slow/fast (wall, CPU), each from one batch per side back to back.

    The sides alternate which goes first, so a change of load falls on both sides of a
    ratio rather than on one side's whole run. The CPU ratio is the judged one: the test
    client hops between three threads per request, so on a shared 2-core machine the wall
    time of a batch measures how the OS schedules them (rounds from 0.07x to 2.6x in one
    run), while the process's CPU time per request measures the work each stack does.
    """
    walls, cpus = [], []
    for index in range(rounds):
        order = (fast, slow) if index % 2 else (slow, fast)
        measured = {id(side): rate(side[0], side[1], number) for side in order}
        walls.append(measured[id(slow)][0] / measured[id(fast)][0])
        cpus.append(measured[id(slow)][1] / measured[id(fast)][1])
    return walls, cpus


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a quick run that never fails")
    args = parser.parse_args()
    # Both clients log every request at INFO: the same cost on both sides, only noise.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    number, rounds = (20, 2) if args.smoke else (100, 15)
    consultation = load_consultation(WSIS)
    web_core, bare_core = open_app(), open_app()
    web = create_app(web_core, [consultation], requests_per_minute=10**9, lookups_per_minute=10**9)
    with tempfile.TemporaryDirectory() as folder, TestClient(app=web) as web_client:
        feed = web_client.get(f"/{CID}/feeds/es.ics")
        etag = feed.headers["etag"]
        Path(folder, "feed.ics").write_bytes(feed.content)
        with TestClient(app=bare_app(bare_core, Path(folder))) as bare_client:
            api = f"/api/consultations/{CID}/calls/official-submissions/submissions"

            def web_submit(client: TestClient[Litestar]) -> None:
                response = client.post(
                    api, json=body(), headers={"Idempotency-Key": str(next(counter))}
                )
                assert response.status_code == 201, response.text

            def bare_submit(client: TestClient[Litestar]) -> None:
                key = {"Idempotency-Key": str(next(counter))}
                assert client.post("/submit", json=body(), headers=key).status_code == 201

            def web_feed(client: TestClient[Litestar]) -> None:
                response = client.get(f"/{CID}/feeds/es.ics", headers={"If-None-Match": etag})
                assert response.status_code == 304

            def static_feed(client: TestClient[Litestar]) -> None:
                assert client.get("/static/feed.ics").status_code == 200

            submit = paired(rounds, number, (bare_client, bare_submit), (web_client, web_submit))
            feeds = paired(rounds, number, (bare_client, static_feed), (web_client, web_feed))
    web_core.close()
    bare_core.close()
    submit_ratio, feed_ratio = statistics.median(submit[1]), statistics.median(feeds[1])
    print(f"{rounds} paired rounds of {number} requests per side")
    for name, (walls, cpus), target in (
        ("submit: web/bare  ", submit, SUBMIT_TARGET),
        ("feed:   304/static", feeds, FEED_TARGET),
    ):
        print(
            f"{name} = {statistics.median(cpus):.2f}x CPU median (rounds {min(cpus):.2f}-"
            f"{max(cpus):.2f}; target >= {target}x); wall {statistics.median(walls):.2f}x"
            f" (rounds {min(walls):.2f}-{max(walls):.2f})"
        )
    if args.smoke:
        return 0
    return 0 if submit_ratio >= SUBMIT_TARGET and feed_ratio >= FEED_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
