"""A process for the concurrency test: ``python pg_worker.py ROLE URL OUT [STOP]``.

``submit``: adds submissions (half with keys the other submitter uses too) and writes the
receipts to OUT as JSON. ``dispatch``: routes events and claims, records and completes
deliveries until the STOP file exists and nothing is left, then writes the claims to OUT.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

from consultkit_postgres import PostgresStore

from consultkit.storage.protocols import DeliveryTarget
from consultkit.testing.factories import make_event, make_submission, received_entry

SUBMISSIONS = 60  # per submitter; the first half share their keys with the other submitter
LEASE = dt.timedelta(minutes=5)


def submit(store: PostgresStore, out: Path) -> None:
    receipts = []
    for n in range(SUBMISSIONS):
        shared = n < SUBMISSIONS // 2
        key = f"shared-{n}" if shared else f"own-{out.stem}-{n}"
        s = make_submission(n, key=key)
        receipt, created = store.add_submission(s, received_entry(s), [make_event(submission=s)])
        receipts.append({"key": key, "id": receipt.submission_id, "created": created})
    out.write_text(json.dumps(receipts))


def dispatch(store: PostgresStore, out: Path, stop: Path, worker: str) -> None:
    claimed: list[dict[str, object]] = []
    deadline = time.monotonic() + 50
    while time.monotonic() < deadline:
        now = dt.datetime.now(dt.UTC)
        events = store.unrouted_events(20)
        store.route_events(
            [
                (e.id, [DeliveryTarget(channel="email", recipient=f"r-{e.id}@example.org")])
                for e in events
            ],
            now,
        )
        batch = store.claim_deliveries(worker, 7, dt.datetime.now(dt.UTC), LEASE)
        claimed.extend({"id": d.id, "attempts": d.attempts} for d in batch)
        done = store.complete_deliveries([d.id for d in batch], worker, dt.datetime.now(dt.UTC))
        assert done == len(batch), (done, len(batch))
        if not events and not batch:
            if stop.exists():
                break
            time.sleep(0.01)
    out.write_text(json.dumps(claimed))


def main() -> None:
    role, url, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    store = PostgresStore(url)
    try:
        if role == "submit":
            submit(store, out)
        else:
            dispatch(store, out, Path(sys.argv[4]), worker=out.stem)
    finally:
        store.close()


if __name__ == "__main__":
    main()
