"""Who may receive a person's address, and what happens while no channel reaches people.

Issue 9: a submitter's "e-mail address" went to the first enabled channel, a webhook, as the
URL to POST to (item 7); the default ``log`` channel marked receipts done though nobody got
them, so enabling e-mail later sent nothing (item 13); ``submit`` took addresses the SMTP
channel then refused and ``subscribers add`` took anything (item 15).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from consultkit.app.application import Consultkit
from consultkit.cli import cli
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.submission_rules import email_address_problem
from consultkit.domain.submissions import Submitter
from consultkit.errors import RuleRefusedError
from consultkit.notify.settings import NotifySettings
from consultkit.storage.protocols import DeliveryStatus
from smtp_inbox import Inbox, serving_inbox

if TYPE_CHECKING:
    from collections.abc import Iterator

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
DURING = dt.datetime(2019, 12, 2, 10, 0, tzinfo=dt.UTC)
ANA = Submitter(name="Ana Pérez", email="ana@example.org", group="civil-society")


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    pytest.importorskip("aiosmtpd.controller")
    pytest.importorskip("consultkit_smtp")
    with serving_inbox() as served:
        yield served


def _submit(app: Consultkit, email: str = "ana@example.org") -> Any:
    return app.submit(
        load_consultation(EXAMPLE),
        call_id="official-submissions",
        submitter=Submitter(name="Ana Pérez", email=email, group="civil-society"),
        title="Escuelas rurales",
        body="Conectar primero las escuelas rurales.",
        language="es",
    )


def test_the_log_channel_does_not_consume_receipts(tmp_path: Path, inbox: Any) -> None:
    handler, port = inbox
    url = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    log = tmp_path / "log.jsonl"
    clock = FixedClock(DURING)
    with Consultkit.open(url, clock=clock, entry_points=True) as app:
        receipt = _submit(app)
        # No configuration: only the log channel. It records; it reaches nobody.
        report = app.dispatch(NotifySettings(channel_settings={"log": {"path": str(log)}}))
        assert report.delivered == 0
        counts = app.store.delivery_counts()
        assert counts[DeliveryStatus.DONE] == 0
        assert counts[DeliveryStatus.PENDING] == 2  # Ana's receipt, the organisers' notice
        waiting = app.store.list_deliveries(DeliveryStatus.PENDING, 10)
        assert {d.channel for d in waiting} == {"email"}
        assert all(d.attempts == 0 for d in waiting)  # waiting is not failing
        # The log mirrors what waits: the operator sees it, nobody is told it was sent
        # (and the log, which erasure cannot reach, withholds the addresses).
        mirrored = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
        assert sorted((m["channel"], m["recipient"]) for m in mirrored) == [
            ("email", "[withheld]"),
            ("email", "[withheld]"),
        ]
        assert {m["delivery_id"] for m in mirrored} == {d.id for d in waiting}
        # Enabling e-mail later sends what waited.
    later = FixedClock(DURING + dt.timedelta(minutes=5))
    with Consultkit.open(url, clock=later, entry_points=True) as app:
        email = {"host": "127.0.0.1", "port": str(port), "from": "wsis-info@itu.int"}
        report = app.dispatch(
            NotifySettings(
                channels=("email", "log"),
                channel_settings={"email": email, "log": {"path": str(log)}},
            )
        )
        assert report.delivered == 2
        # ... and mirrors what e-mail sent.
        assert len(log.read_text(encoding="utf-8").splitlines()) == 4
    to_ana = handler.to("ana@example.org")
    assert len(to_ana) == 1 and receipt.tracking_number in str(to_ana[0]["Subject"])


def test_waiting_for_a_channel_never_dead_letters(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    with Consultkit.open(url, clock=FixedClock(DURING), entry_points=False) as app:
        _submit(app)
    settings = NotifySettings(channel_settings={"log": {"path": str(tmp_path / "log.jsonl")}})
    for minutes in range(1, 30, 2):  # many cron runs, past max_attempts (8)
        clock = FixedClock(DURING + dt.timedelta(minutes=minutes))
        with Consultkit.open(url, clock=clock, entry_points=False) as app:
            app.dispatch(settings)
            counts = app.store.delivery_counts()
    assert counts[DeliveryStatus.DEAD] == 0 and counts[DeliveryStatus.PENDING] == 2
    # Mirrored once, not at every look.
    assert len((tmp_path / "log.jsonl").read_text(encoding="utf-8").splitlines()) == 2


def test_a_persons_address_never_goes_to_a_channel_that_does_not_reach_people(
    tmp_path: Path,
) -> None:
    """With only ``log`` enabled the receipt is routed to ``email`` (to wait), never to log."""
    url = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    log = tmp_path / "log.jsonl"
    with Consultkit.open(url, clock=FixedClock(DURING), entry_points=False) as app:
        _submit(app)
        dispatcher = app.dispatcher(NotifySettings(channel_settings={"log": {"path": str(log)}}))
        assert dispatcher.address_channel == "email"
        dispatcher.close()
    assert NotifySettings(channels=("webhook", "log")).address_channel == "email"
    assert not log.exists() or "ana@example.org" not in log.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "address",
    [
        "http://127.0.0.1:8080/internal/delete@x.yz",  # a URL posing as an address
        "https://hooks.example/x?to=a@x.yz",
        "<ana@example.org>",
        "ana@example.org, bob@example.org",
        'ana"@example.org',
        "ana(x)@example.org",
        "ana@exa_mple.org",
        "ana..perez@example.org",
    ],
)
def test_submit_refuses_addresses_the_smtp_channel_refuses(tmp_path: Path, address: str) -> None:
    assert email_address_problem(address) is not None
    smtp = pytest.importorskip("consultkit_smtp.notifier")
    assert smtp._address(address) is None  # the same rule, one function
    url = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    with Consultkit.open(url, clock=FixedClock(DURING), entry_points=False) as app:
        with pytest.raises(RuleRefusedError, match="not an e-mail address"):
            _submit(app, address)
        assert app.store.delivery_counts()[DeliveryStatus.PENDING] == 0


@pytest.mark.parametrize("address", ["ana@example.org", "o'brien@example.ie", "a.b+c@sub.ex.org"])
def test_good_addresses_pass_at_the_door_and_at_the_channel(address: str) -> None:
    assert email_address_problem(address) is None
    smtp = pytest.importorskip("consultkit_smtp.notifier")
    assert smtp._address(address) is not None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["not-an-email"], "not-an-email"),
        (["ana@example.org", "--channel", "sms"], "no plugin provides channel 'sms'"),
        (["ana@example.org", "--language", "klingon"], "'klingon' is not a language tag"),
        (["ftp://example.org/x", "--channel", "webhook"], "http:// or https:// URL"),
        (["http://127.0.0.1:9/x@x.yz"], "cannot be reached on email"),
    ],
)
def test_subscribers_add_refuses_what_no_channel_can_use(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    env = {"CONSULTKIT_STORE": f"sqlite:///{tmp_path / 'ck.sqlite'}"}
    result = CliRunner().invoke(cli, ["subscribers", "add", str(EXAMPLE), *args], env=env)
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    listed = CliRunner().invoke(cli, ["subscribers", "list", str(EXAMPLE)], env=env)
    assert "example.org" not in listed.output
