"""Privacy on disk (issue 9, findings 4, 5, 6 and 8): what erasure leaves in the files, who
may read the files that hold personal data, and whose idempotency key is whose."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import stat
from pathlib import Path
from types import SimpleNamespace
from typing import IO, TYPE_CHECKING, Any, cast

import attrs
import pytest

from consultkit.app.application import Consultkit
from consultkit.cli.submissions_io import _export_to_file
from consultkit.config.loader import load_consultation
from consultkit.default_plugins.log_notifier import LogNotifier
from consultkit.domain.clock import FixedClock
from consultkit.domain.review.scores import Review
from consultkit.domain.submissions import SubmissionStatus, Submitter, submission_record
from consultkit.errors import StoreError
from consultkit.storage import sqlite as sqlite_module
from consultkit.storage.records import Delivery, DeliveryStatus, OutboxEvent
from consultkit.storage.sql import SUBMISSION_COLUMNS, SqlStore
from consultkit.storage.sqlite import MIGRATIONS, SCHEMA_VERSION, SqliteStore
from consultkit.testing.factories import T0, make_event, make_submission, received_entry

if TYPE_CHECKING:
    from collections.abc import Iterator

    from consultkit.domain.model import Consultation
    from consultkit.domain.submissions import Submission

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
CALL = "official-submissions"
DURING = dt.datetime(2019, 12, 2, 10, 0, tzinfo=dt.UTC)
WU = Submitter(
    name="Wu",
    email="wu.lin@example.org",
    group="civil-society",
    organisation="Lotus Cooperative",
)
IDENTITY = (b"wu.lin@example.org", b"Lotus Cooperative", b"Wu")


@pytest.fixture(scope="module")
def consultation() -> Consultation:
    return load_consultation(EXAMPLE)


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _store_files(db: Path) -> dict[str, bytes]:
    files = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
    return {f.name: f.read_bytes() for f in files if f.exists()}


def _leftovers(db: Path) -> list[tuple[str, bytes]]:
    return [
        (name, needle)
        for name, data in _store_files(db).items()
        for needle in IDENTITY
        if needle in data
    ]


# -- findings 4 and 5: no byte of the store files holds the identity after erasure ----------


def test_erasure_leaves_no_identity_in_the_sqlite_files(
    consultation: Consultation, tmp_path: Path
) -> None:
    db = tmp_path / "ck.sqlite"
    url = f"sqlite:///{db}"
    with Consultkit.open(url, clock=FixedClock(DURING), entry_points=False) as app:
        receipt = app.submit(
            consultation,
            call_id=CALL,
            submitter=WU,
            title="Community networks in river towns",
            body="Let cooperatives run the last mile.",
        )
        tn = receipt.tracking_number
        app.review(
            consultation,
            tn,
            decision=SubmissionStatus.UNDER_REVIEW,
            organiser="ITU",
            reason="Checked with Lotus Cooperative",
        )
        app.withdraw(consultation, tn, email=WU.email, reason="Wu will send a new version")
        # Another process holding the store keeps the WAL file alive.
        with SqliteStore(url) as other:
            assert other.find_by_tracking_number(tn) is not None
            assert _leftovers(db)  # the identity is there before erasure
            assert app.erase_submitter(consultation, WU.email) == 1
            assert _leftovers(db) == []
            assert other.find_by_tracking_number(tn) is not None
    assert _leftovers(db) == []


def test_erasure_leaves_no_reviewer_comment_about_the_submission_in_the_sqlite_files(
    tmp_path: Path,
) -> None:
    # A reviewer's comment may quote the submission; the number the reviewer gave stays.
    db = tmp_path / "ck.sqlite"
    marker = b"REVIEWER-NOTE-7Q3"
    with SqliteStore(f"sqlite:///{db}") as store:
        s = make_submission(1, email=WU.email, name=WU.name, organisation=str(WU.organisation))
        store.add_submission(s, received_entry(s), [make_event(submission=s)])
        store.save_review(
            Review(
                consultation_id="wsis-2020",
                round="workshops/scoring",
                submission_id=s.id,
                reviewer_id="r01",
                at=T0,
                scores={"relevance": 4},
                comment=f"{marker.decode()}: their river-town network is strong",
            )
        )
        assert any(marker in data for data in _store_files(db).values())
        store.erase_submitter("wsis-2020", WU.email, keep_text=True, reason="r", at=T0)
        assert [name for name, data in _store_files(db).items() if marker in data] == []
        (kept,) = store.reviews("wsis-2020", "workshops/scoring")
        assert kept.scores == {"relevance": 4} and kept.comment is None


class _BuildWithoutSecureDelete(sqlite3.Connection):
    """A connection as a SQLite built without SQLITE_SECURE_DELETE opens it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.execute("PRAGMA secure_delete = OFF")


def _erase_one(url: str) -> None:
    """Five submissions, each with an event; erase the third one's submitter."""
    with SqliteStore(url) as store:
        for n in range(5):
            s = (
                make_submission(n, email=WU.email, name=WU.name, organisation=str(WU.organisation))
                if n == 2
                else make_submission(n)
            )
            store.add_submission(s, received_entry(s), [make_event(submission=s)])
        store.erase_submitter("wsis-2020", WU.email, keep_text=False, reason="r", at=T0)


def test_secure_delete_is_set_whatever_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = sqlite3.connect
    monkeypatch.setattr(
        sqlite3, "connect", lambda *a, **k: real(*a, factory=_BuildWithoutSecureDelete, **k)
    )
    db = tmp_path / "ck.sqlite"
    with SqliteStore(f"sqlite:///{db}") as store:
        assert store._writer.execute("PRAGMA secure_delete").fetchone()[0] == 1
        with store._read() as reader:
            assert reader.execute("PRAGMA secure_delete").fetchone()[0] == 1
    _erase_one(f"sqlite:///{db}")
    assert _leftovers(db) == []


def test_erased_pages_leave_the_wal_while_the_store_is_held(tmp_path: Path) -> None:
    db = tmp_path / "ck.sqlite"
    url = f"sqlite:///{db}"
    with SqliteStore(url) as holder:  # another process keeps the store (and its WAL) open
        holder.schema_version()
        _erase_one(url)
        assert _leftovers(db) == []
        assert db.with_name("ck.sqlite-wal").stat().st_size == 0


def test_an_erasure_blocked_by_a_long_read_says_so_and_a_rerun_finishes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_module, "BUSY_TIMEOUT_MS", 100)
    db = tmp_path / "ck.sqlite"
    url = f"sqlite:///{db}"
    with SqliteStore(url) as store:
        s = make_submission(1, email=WU.email, name=WU.name, organisation=str(WU.organisation))
        store.add_submission(s, received_entry(s), [make_event(submission=s)])
        reader = sqlite3.connect(db)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM submissions").fetchone()  # a long read
        with pytest.raises(
            StoreError, match=r"erasure is stored.*run the same erasure again"
        ) as refused:
            store.erase_submitter("wsis-2020", WU.email, keep_text=False, reason="r", at=T0)
        # The organiser reads why in their own language (issue 11), the URL as it is.
        french = refused.value.render("fr")
        assert url in french
        assert "run the same" not in french
        reader.rollback()
        reader.close()
        assert store.erase_submitter("wsis-2020", WU.email, keep_text=False, reason="r", at=T0) == 0
        assert _leftovers(db) == []


# -- finding 6: files holding personal data are the owner's alone -------------------------


@pytest.mark.usefixtures("umask_022")
def test_a_new_sqlite_store_and_its_wal_files_are_0600(tmp_path: Path) -> None:
    db = tmp_path / "ck.sqlite"
    with SqliteStore(f"sqlite:///{db}") as store:
        s = make_submission(1)
        store.add_submission(s, received_entry(s), [])
        files = [db, db.with_name("ck.sqlite-wal"), db.with_name("ck.sqlite-shm")]
        assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}


@pytest.mark.usefixtures("umask_022")
def test_full_exports_and_their_partial_files_are_0600(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    seen: list[int] = []

    class App:
        def export_submissions(self, consultation: object, out: IO[str], **_: object) -> int:
            # What a killed export leaves behind: the partial file, as it is mid-way.
            out.write("a row\r\n")
            (partial,) = tmp_path.glob(".*.csv.*.partial")
            seen.append(_mode(partial))
            return 2

    app: Any = App()
    assert _export_to_file(app, app, out, "csv", False, "utf-8") == 2
    assert seen == [0o600]
    assert _mode(out) == 0o600
    public = tmp_path / "public.csv"
    _export_to_file(app, app, public, "csv", True, "utf-8")
    assert _mode(public) == 0o644  # meant to be served: the umask decides


def _delivery(payload: dict[str, Any], recipient: str) -> Delivery:
    event = OutboxEvent(
        id="e1",
        kind="submission.received",
        consultation_id="wsis-2020",
        occurred_at=T0,
        payload=payload,
        submission_id="s1",
    )
    return Delivery(
        id="d1",
        event=event,
        channel="log",
        recipient=recipient,
        language="en",
        status=DeliveryStatus.CLAIMED,
        attempts=1,
        next_attempt_at=T0,
    )


@pytest.mark.usefixtures("umask_022")
def test_the_log_file_is_0600_and_holds_no_identity(tmp_path: Path) -> None:
    log = tmp_path / "deliveries.jsonl"
    payload = {
        "tracking_number": "CK-1",
        "title": "Community networks",
        "submitter_name": "Wu",
        "submitter_email": "wu.lin@example.org",
        "submitter_organisation": "Lotus Cooperative",
        "submitter": {"name": "Wu", "email": "wu.lin@example.org"},
    }
    notifier = LogNotifier(path=log)
    (result,) = notifier.send([_delivery(payload, "wu.lin@example.org")])
    assert result.ok
    notifier.send([_delivery(payload, "all")])
    assert _mode(log) == 0o600
    data = log.read_bytes()
    assert [needle for needle in IDENTITY if needle in data] == []
    first, second = (json.loads(line) for line in data.splitlines())
    assert first["payload"]["tracking_number"] == "CK-1"
    assert first["payload"]["title"] == "Community networks"
    assert second["recipient"] == "all"  # a log subscriber's label is no one's address


# -- finding 8: idempotency keys are the submitter's ---------------------------------------


def test_another_persons_key_and_campaign_text_is_their_own_submission(
    consultation: Consultation,
) -> None:
    with Consultkit.open("memory://", clock=FixedClock(DURING), entry_points=False) as app:

        def send(who: Submitter) -> str:
            return app.submit(
                consultation,
                call_id=CALL,
                submitter=who,
                title="Keep the internet open",
                body="Keep the internet open!",
                idempotency_key="campaign-2019",
            ).tracking_number

        ana = Submitter(name="Ana Pérez", email="ana@example.org", group="civil-society")
        victim = send(ana)
        attacker = send(Submitter(name="Bo", email="bo@example.org", group="governments"))
        assert attacker != victim
        assert app.find(consultation, attacker).submitter is not None
        assert send(ana) == victim  # the owner's retry is still a replay
        app.erase_submitter(consultation, "ana@example.org")
        assert send(ana) not in (victim, attacker)


def _legacy_store(db: Path, *submissions: Submission) -> None:
    """A schema version 1 file, whose idempotency hashes are those of the key alone."""
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TEXT)")
        for statement in MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (1, '2020-01-01T00:00:00+00:00')")
        sqlite_like = cast("SqlStore", SimpleNamespace(dialect=SqliteStore.dialect))
        for s in submissions:
            # Version 1 had none of the columns migration 3 ("fields") and later ones add.
            row = list(SqlStore._record_row(sqlite_like, submission_record(s)))
            row = row[: SUBMISSION_COLUMNS.index("fields")]
            key = s.idempotency_key
            row[18] = None if key is None else hashlib.sha256(key.encode()).hexdigest()
            if s.erased_at is not None:
                row[4] = row[5] = row[17] = None  # what erasure left in version 1
            conn.execute(f"INSERT INTO submissions VALUES (NULL, {', '.join('?' * len(row))})", row)
    conn.close()


def test_keys_stored_before_scoping_are_migrated(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    mine = make_submission(1, email="ana@example.org", key="k")
    erased = make_submission(2, email="bo@example.org", key="gone")
    _legacy_store(db, mine, attrs.evolve(erased, erased_at=T0))
    with SqliteStore(f"sqlite:///{db}") as store:
        assert store.schema_version() == SCHEMA_VERSION
        found = store.find_by_idempotency_key("wsis-2020", "k", "ana@example.org")
        assert found is not None and found.submission_id == mine.id
        assert store.find_by_idempotency_key("wsis-2020", "k", "bo@example.org") is None
        assert store.find_by_idempotency_key("wsis-2020", "gone", "bo@example.org") is None
        with store._read() as conn:
            hashes = conn.execute("SELECT idempotency_hash FROM submissions ORDER BY seq")
            assert [h is None for (h,) in hashes] == [False, True]
