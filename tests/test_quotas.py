"""Per-call quotas: at most N per e-mail address or organisation, counted under a lock."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import threading
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

from consultkit.app.application import Consultkit
from consultkit.cli import cli
from consultkit.config.loader import loads_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.quotas import normalise_email, normalise_organisation
from consultkit.domain.submissions import Submitter
from consultkit.errors import ConfigError, RuleRefusedError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from consultkit.domain.model import Consultation

NOW = dt.datetime(2020, 1, 10, 9, 0, tzinfo=dt.UTC)

FILE = """\
id = "c"
zone = "Europe/Zurich"
languages = ["en"]
title = { en = "T" }

[[groups]]
id = "civil-society"
name = { en = "Civil society" }

[[calls]]
id = "photos"
kind = "contest"
title = { en = "Photo contest" }
quota = { per_email = 3, per_organisation = 5 }

[[calls]]
id = "plain"
kind = "contribution"
title = { en = "Plain" }
"""


def who(email: str = "ana@example.org", organisation: str | None = None) -> Submitter:
    return Submitter(name="Ana", email=email, group="civil-society", organisation=organisation)


@pytest.fixture(scope="module")
def consultation() -> Consultation:
    return loads_consultation(FILE)


@pytest.fixture(params=["memory", "sqlite"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Consultkit]:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'ck.sqlite'}"
    with Consultkit.open(url, clock=FixedClock(NOW), entry_points=False) as application:
        yield application


def send(app: Consultkit, consultation: Consultation, submitter: Submitter, **kw: Any) -> Any:
    options: dict[str, Any] = {"call_id": "photos", "title": "T", "body": "B"} | kw
    return app.submit(consultation, submitter=submitter, **options)


@pytest.mark.parametrize(
    ("typed", "same_as"),
    [
        ("  Ana@Example.ORG ", "ana@example.org"),
        ("ana+wsis@example.org", "ana@example.org"),
        ("a.n.a@GoogleMail.com", "ana@gmail.com"),
        ("ａｎａ@example.org", "ana@example.org"),  # full-width letters (NFKC)
    ],
)
def test_addresses_are_normalised_for_counting(typed: str, same_as: str) -> None:
    assert normalise_email(typed) == normalise_email(same_as)


def test_dots_count_outside_gmail_and_plus_only_after_the_local_part() -> None:
    assert normalise_email("a.na@example.org") != normalise_email("ana@example.org")
    assert normalise_email("+@example.org") == "+@example.org"


@pytest.mark.parametrize(
    "typed",
    ["Red de Bibliotecas, A.C.", "  red de  bibliotecas a c", "RED DE BIBLIOTECAS (A.C.)"],
)
def test_organisations_are_normalised_for_counting(typed: str) -> None:
    assert normalise_organisation(typed) == "red de bibliotecas a c"


def test_the_last_slot_is_taken_and_the_next_refused_beside_the_address(
    app: Consultkit, consultation: Consultation
) -> None:
    for n in range(3):
        send(app, consultation, who(f"Ana+{n}@Example.org"), title=f"T{n}")
    with pytest.raises(RuleRefusedError) as caught:
        send(app, consultation, who("ana@example.org"), title="T3")
    assert (caught.value.rule, caught.value.field) == ("quota", "email")
    assert "at most 3 submissions per e-mail address" in str(caught.value)
    assert len(list(app.list_submissions(consultation))) == 3
    send(app, consultation, who("bo@example.org"))  # someone else still may
    send(app, consultation, who("ana@example.org"), call_id="plain")  # another call too


def test_a_retry_of_a_stored_submission_is_replayed_not_refused(
    app: Consultkit, consultation: Consultation
) -> None:
    receipts = [
        send(app, consultation, who(), title=f"T{n}", idempotency_key=f"k{n}") for n in range(3)
    ]
    again = send(app, consultation, who(), title="T2", idempotency_key="k2")
    assert again.replayed and again.tracking_number == receipts[2].tracking_number


def test_a_withdrawn_submission_gives_its_slot_back(
    app: Consultkit, consultation: Consultation
) -> None:
    receipts = [send(app, consultation, who(), title=f"T{n}") for n in range(3)]
    app.withdraw(consultation, receipts[0].tracking_number, email="ana@example.org")
    send(app, consultation, who(), title="T3")


def test_organisations_are_counted_across_addresses(
    app: Consultkit, consultation: Consultation
) -> None:
    names = [
        "Red de Bibliotecas",
        "red de bibliotecas.",
        "RED DE BIBLIOTECAS",
        "Red de  Bibliotecas",
    ]
    for n in range(5):
        send(app, consultation, who(f"p{n}@example.org", names[n % 4]))
    with pytest.raises(RuleRefusedError) as caught:
        send(app, consultation, who("p9@example.org", "Red de bibliotecas"))
    assert (caught.value.rule, caught.value.field) == ("quota", "organisation")
    send(app, consultation, who("p9@example.org"))  # without an organisation, only the address


def test_erasure_takes_the_quota_keys_with_the_identity(tmp_path: Path) -> None:
    consultation = loads_consultation(FILE)
    path = tmp_path / "ck.sqlite"
    with Consultkit.open(f"sqlite:///{path}", clock=FixedClock(NOW), entry_points=False) as app:
        send(app, consultation, who(organisation="Red"))
        app.erase_submitter(consultation, "ana@example.org")
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT quota_email, quota_organisation FROM submissions").fetchall()
    assert rows == [(None, None)]


def test_imported_submissions_are_not_counted(app: Consultkit, consultation: Consultation) -> None:
    rows = [
        {"call": "photos", "name": "Ana", "email": "ana@example.org", "group": "civil-society",
         "title": f"T{n}", "body": f"B{n}"}
        for n in range(4)
    ]  # fmt: skip
    assert app.import_submissions(consultation, rows).stored == 4
    send(app, consultation, who())


def test_two_processes_never_both_take_the_last_slot(tmp_path: Path) -> None:
    """Eight writers on their own connections race for three slots: exactly three win."""
    consultation = loads_consultation(FILE)
    url = f"sqlite:///{tmp_path / 'race.sqlite'}"
    apps = [Consultkit.open(url, clock=FixedClock(NOW), entry_points=False) for _ in range(8)]
    start = threading.Barrier(len(apps))
    outcomes: list[str] = []

    def one(app: Consultkit, n: int) -> None:
        start.wait()
        try:
            send(app, consultation, who(f"ana+{n}@example.org"), title=f"T{n}")
            outcomes.append("stored")
        except RuleRefusedError as exc:
            outcomes.append(exc.rule)

    threads = [threading.Thread(target=one, args=(a, n)) for n, a in enumerate(apps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert sorted(outcomes) == ["quota"] * 5 + ["stored"] * 3
        assert len(list(apps[0].list_submissions(consultation))) == 3
    finally:
        for app in apps:
            app.close()


@pytest.mark.parametrize(
    ("quota", "message"),
    [
        ("{ per_email = 0 }", "calls[0].quota.per_email: must be a whole number of at least 1"),
        ("{ per_organization = 2 }", "did you mean 'per_organisation'?"),
    ],
)
def test_a_wrong_quota_is_a_located_error(quota: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        loads_consultation(FILE.replace("{ per_email = 3, per_organisation = 5 }", quota))


def test_the_command_line_refuses_the_fourth(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(FILE, encoding="utf-8")
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"

    def submit(n: int) -> Any:
        return CliRunner().invoke(
            cli,
            ["--now", "2020-01-10T09:00:00Z", "submit", str(config), "--store", store,
             "--call", "photos", "--group", "civil-society", "--name", "Ana",
             "--email", "ana@example.org", "--title", f"T{n}", "--body", "B"],
        )  # fmt: skip

    for n in range(3):
        assert submit(n).exit_code == 0
    refused = submit(3)
    assert refused.exit_code == 1, refused.output
    assert "quota" in refused.output
    assert "at most 3 submissions per e-mail address" in refused.output


# Statements per durable submission (issue 14): the write transaction reads the key and
# the count only when a quota counts; otherwise the insert's conflict clause on the
# idempotency hash is the check. Nothing is read before it: the key is looked up on a
# reader only when a rule refuses (a retry after the deadline is still answered) or when
# plugins would otherwise see a retry.


def _statements(
    tmp_path: Path, consultation: Consultation, call_id: str, *, readers: bool = False
) -> list[str]:
    """What one submission with a key runs: on the writer, or on every connection."""
    url = f"sqlite:///{tmp_path / 's.db'}"
    with Consultkit.open(url, clock=FixedClock(NOW), entry_points=False) as app:
        store: Any = app.store
        statements: list[str] = []
        connect = store._connect

        def traced() -> sqlite3.Connection:
            conn: sqlite3.Connection = connect()
            conn.set_trace_callback(statements.append)
            return conn

        traced_connections = [store._writer]
        if readers:
            store._connect = traced
            traced_connections += store._readers
        for conn in traced_connections:
            conn.set_trace_callback(statements.append)
        send(app, consultation, who(organisation="Org"), call_id=call_id, idempotency_key="k")
        for conn in [store._writer, *store._readers]:
            conn.set_trace_callback(None)
    return [s.split(None, 1)[0].upper() for s in statements]


def _writes(tmp_path: Path, consultation: Consultation, call_id: str) -> list[str]:
    return _statements(tmp_path, consultation, call_id)


def test_without_a_quota_the_write_transaction_only_writes(
    tmp_path: Path, consultation: Consultation
) -> None:
    assert _writes(tmp_path, consultation, "plain") == [
        "BEGIN",
        "INSERT",
        "INSERT",
        "INSERT",
        "COMMIT",
    ]


def test_with_a_quota_the_key_and_the_counts_are_read_under_the_lock(
    tmp_path: Path, consultation: Consultation
) -> None:
    # The key first: a retry is replayed, never refused by a full quota; then each count.
    assert _writes(tmp_path, consultation, "photos") == ["BEGIN"] + ["SELECT"] * 3 + [
        "INSERT",
        "INSERT",
        "INSERT",
        "COMMIT",
    ]


@pytest.mark.parametrize(("call_id", "reads"), [("plain", 0), ("photos", 3)])
def test_a_new_submission_reads_nothing_outside_its_write_transaction(
    tmp_path: Path, consultation: Consultation, call_id: str, reads: int
) -> None:
    # Issue 14: the key was looked up on a reader before the rules, whose page cache every
    # commit empties (about 50 us a submission); the write transaction answers a retry.
    assert _statements(tmp_path, consultation, call_id, readers=True) == (
        ["BEGIN"] + ["SELECT"] * reads + ["INSERT"] * 3 + ["COMMIT"]
    )


def test_a_key_stored_after_the_first_look_up_is_still_replayed(
    app: Consultkit, consultation: Consultation, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = send(app, consultation, who(), call_id="plain", idempotency_key="k")
    # As if another process stored it between the look-up on the reader and the write.
    monkeypatch.setattr(app.store, "find_by_idempotency_key", lambda *_: None)
    again = send(app, consultation, who(), call_id="plain", idempotency_key="k")
    assert again.replayed and again.tracking_number == first.tracking_number
    assert len(list(app.store.list_submissions(consultation.id))) == 1


def test_organisations_are_cut_at_exactly_what_isalnum_refuses() -> None:
    # The C pattern must keep what the per-character rule kept, at every code point, or
    # stored keys would stop matching (quotas count older submissions).
    import re
    import sys

    from consultkit.domain.quotas import _NOT_ALNUM

    text = "".join(map(chr, range(sys.maxunicode + 1)))
    kept = "".join(c if c.isalnum() else " " for c in text)
    assert re.sub(_NOT_ALNUM, " ", text).split() == kept.split()
