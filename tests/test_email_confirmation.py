"""Verification levels and e-mail confirmation: signed, expiring links; kept, counted apart."""

from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3
from typing import TYPE_CHECKING, Any

import itsdangerous
import pytest
from click.testing import CliRunner

from consultkit.app.application import Consultkit
from consultkit.app.confirmation import ConfirmationSigner
from consultkit.cli import cli
from consultkit.config.loader import loads_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.submissions import Provenance, SubmissionStatus, Submitter, Verification
from consultkit.errors import ConfigError, ConfirmationLinkError
from consultkit.formats.submission_export import export_submissions
from consultkit.notify.settings import NotifySettings, load_settings
from consultkit.storage.sqlite import MIGRATIONS, SqliteStore
from consultkit.testing.migrations import undo_statements

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from consultkit.domain.model import Consultation

NOW = dt.datetime(2020, 1, 10, 9, 0, tzinfo=dt.UTC)
SECRET = "a-test-secret-of-enough-length"
ANA = Submitter(name="Ana Pérez", email="ana@example.org", group="civil-society")

FILE = """\
id = "c"
zone = "Europe/Zurich"
languages = ["en", "es"]
title = { en = "T", es = "T" }

[[groups]]
id = "civil-society"
name = { en = "Civil society", es = "Sociedad civil" }

[[calls]]
id = "confirmed"
kind = "contribution"
title = { en = "Confirmed", es = "Confirmada" }
confirm_email = true

[[calls]]
id = "plain"
kind = "contribution"
title = { en = "Plain", es = "Sencilla" }
"""

VERIFICATION_MIGRATION = next(
    number
    for number, statements in enumerate(MIGRATIONS, start=1)
    if any("verification" in statement for statement in statements)
)
SETTINGS = NotifySettings(secret=SECRET, public_url="https://consult.example.org")


@pytest.fixture(scope="module")
def consultation() -> Consultation:
    return loads_consultation(FILE)


@pytest.fixture(params=["memory", "sqlite"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Consultkit]:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'ck.sqlite'}"
    with Consultkit.open(url, clock=FixedClock(NOW), entry_points=False) as application:
        application.settings = SETTINGS
        yield application


def send(app: Consultkit, consultation: Consultation, call: str = "confirmed", **kw: Any) -> Any:
    return app.submit(consultation, call_id=call, submitter=ANA, title="T", body="B", **kw)


def confirmation_event(app: Consultkit) -> dict[str, Any]:
    [event] = [e for e in app.store.unrouted_events(50) if "confirmation" in e.kind]
    assert event.kind == "submission.confirmation-requested"
    return dict(event.payload)


def token_of(payload: dict[str, Any]) -> str:
    return str(payload["confirm_url"]).rsplit("/", 1)[-1]


# --------------------------------------------------------------------------- the library


def test_a_call_that_asks_stores_unconfirmed_and_sends_a_link(
    app: Consultkit, consultation: Consultation
) -> None:
    receipt = send(app, consultation)
    stored = app.find(consultation, receipt.tracking_number)
    assert stored.verification is Verification.EMAIL_UNCONFIRMED
    payload = confirmation_event(app)
    assert payload["audience"] == ["submitter"]
    assert payload["submitter_email"] == ANA.email
    assert payload["confirm_url"].startswith("https://consult.example.org/c/confirm/")
    assert payload["expires_at"] == "2020-01-13T09:00:00Z"


def test_other_calls_and_organiser_entries_record_none(
    app: Consultkit, consultation: Consultation
) -> None:
    plain = send(app, consultation, call="plain")
    entered = send(app, consultation, provenance=Provenance.ORGANISER, organiser="secretariat")
    for receipt in (plain, entered):
        assert app.find(consultation, receipt.tracking_number).verification is Verification.NONE
    assert not [e for e in app.store.unrouted_events(50) if "confirmation" in e.kind]


def test_following_the_link_confirms_once(app: Consultkit, consultation: Consultation) -> None:
    receipt = send(app, consultation)
    token = token_of(confirmation_event(app))
    app.clock = FixedClock(NOW + dt.timedelta(days=2))
    confirmed = app.confirm_email(consultation, token)
    assert confirmed.tracking_number == receipt.tracking_number
    assert confirmed.verification is Verification.EMAIL_CONFIRMED
    assert confirmed.status is SubmissionStatus.SUBMITTED
    assert app.confirm_email(consultation, token) == confirmed  # twice: nothing changes


def test_an_expired_link_is_refused_and_the_submission_kept(
    app: Consultkit, consultation: Consultation
) -> None:
    receipt = send(app, consultation)
    token = token_of(confirmation_event(app))
    app.clock = FixedClock(NOW + dt.timedelta(days=3, seconds=1))
    with pytest.raises(ConfirmationLinkError) as caught:
        app.confirm_email(consultation, token)
    assert caught.value.rule == "confirmation-expired"
    kept = app.find(consultation, receipt.tracking_number)
    assert kept.verification is Verification.EMAIL_UNCONFIRMED


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
        lambda t: ConfirmationSigner(secret="another-secret-of-length").token("x", NOW),
        lambda t: itsdangerous.URLSafeSerializer(SECRET, salt="other").dumps(["x", 9**9]),
        lambda t: "not-a-token",
        lambda t: "",
    ],
)
def test_a_forged_link_is_refused(app: Consultkit, consultation: Consultation, forge: Any) -> None:
    send(app, consultation)
    token = token_of(confirmation_event(app))
    with pytest.raises(ConfirmationLinkError) as caught:
        app.confirm_email(consultation, forge(token))
    assert caught.value.rule == "confirmation-link"


def test_a_genuine_token_of_the_wrong_shape_counts_as_forged() -> None:
    signer = ConfirmationSigner(secret=SECRET)
    odd = signer._serializer().dumps({"s": "x"})
    with pytest.raises(ConfirmationLinkError, match="not valid"):
        signer.read(odd, NOW)


def test_a_link_of_another_consultation_or_an_erased_submitter_is_refused(
    app: Consultkit, consultation: Consultation
) -> None:
    send(app, consultation)
    token = token_of(confirmation_event(app))
    other = loads_consultation(FILE.replace('id = "c"', 'id = "d"', 1))
    with pytest.raises(ConfirmationLinkError, match="names no submission"):
        app.confirm_email(other, token)
    app.erase_submitter(consultation, ANA.email)
    with pytest.raises(ConfirmationLinkError, match="names no submission"):
        app.confirm_email(consultation, token)


def test_without_a_secret_nothing_is_stored(consultation: Consultation) -> None:
    with Consultkit.open("memory://", clock=FixedClock(NOW), entry_points=False) as app:
        app.settings = NotifySettings()
        with pytest.raises(ConfigError, match="CONSULTKIT_SECRET"):
            send(app, consultation)
        assert list(app.list_submissions(consultation)) == []
        assert send(app, consultation, call="plain")  # calls that do not ask still work


def test_the_secret_comes_from_the_environment_or_the_settings_file(tmp_path: Path) -> None:
    assert load_settings(environ={"CONSULTKIT_SECRET": SECRET}).secret == SECRET
    file = tmp_path / "settings.toml"
    file.write_text(f'secret = "{SECRET}"\npublic_url = "https://x.org/"\nconfirm_hours = 2\n')
    settings = load_settings(file, environ={})
    assert (settings.secret, settings.public_url) == (SECRET, "https://x.org")
    assert settings.confirm_validity == dt.timedelta(hours=2)
    assert SECRET not in repr(settings)
    with pytest.raises(ConfigError, match="at least 16 characters"):
        load_settings(environ={"CONSULTKIT_SECRET": "short"})


def test_stats_and_exports_show_the_level(app: Consultkit, consultation: Consultation) -> None:
    send(app, consultation)
    send(app, consultation, call="plain")
    token = token_of(confirmation_event(app))
    send(app, consultation, idempotency_key="second")
    app.confirm_email(consultation, token)
    counts = {c.key: c.count for c in app.statistics(consultation).by_verification}
    assert counts == {"none": 1, "email-unconfirmed": 1, "email-confirmed": 1}
    assert app.statistics(consultation).as_dict()["by_verification"][0]["key"] == "none"
    for submission in list(app.list_submissions(consultation)):
        for decision in (SubmissionStatus.UNDER_REVIEW, SubmissionStatus.ACCEPTED):
            app.review(consultation, submission.id, decision=decision, organiser="o")
    for public in (False, True):
        out = io.StringIO()
        export_submissions(out, app.list_submissions(consultation), format="jsonl", public=public)
        levels = sorted(json.loads(line)["verification"] for line in out.getvalue().splitlines())
        assert levels == ["email-confirmed", "email-unconfirmed", "none"]


def test_the_migration_gives_older_submissions_level_none(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    SqliteStore(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        for statement in undo_statements(MIGRATIONS, VERIFICATION_MIGRATION - 1):
            conn.execute(statement)
        conn.execute("DELETE FROM schema_version WHERE version >= ?", (VERIFICATION_MIGRATION,))
        conn.execute(
            "INSERT INTO submissions (id, tracking_number, consultation_id, call_id, title,"
            " language, tags, attachments, consent, provenance, status, received_at,"
            " updated_at, fingerprint, receipt_status) VALUES ('s1', 'CK-1', 'c', 'plain',"
            " 'T', 'en', '[]', '[]', '{}', 'web', 'submitted', '2020-01-01T00:00:00.000000+00:00',"
            " '2020-01-01T00:00:00.000000+00:00', 'f', 'submitted')"
        )
    store = SqliteStore(f"sqlite:///{path}")
    try:
        old = store.get_submission("s1")
        assert old is not None
        assert old.verification is Verification.NONE
    finally:
        store.close()


# --------------------------------------------------------------------------- command line


def _cli(tmp_path: Path, command: str, *arguments: str) -> Any:
    config = tmp_path / "c.toml"
    config.write_text(FILE, encoding="utf-8")
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    return CliRunner(env={"CONSULTKIT_SECRET": SECRET, "CONSULTKIT_NOTIFY_SETTINGS": ""}).invoke(
        cli,
        [
            "--now",
            "2020-01-10T09:00:00Z",
            *command.split(),
            str(config),
            "--store",
            store,
            *arguments,
        ],
    )


def test_the_command_line_confirms_and_stats_count(tmp_path: Path) -> None:
    sent = _cli(
        tmp_path,
        "submit",
        "--call=confirmed",
        "--group=civil-society",
        "--name=Ana",
        "--email=ana@example.org",
        "--title=T",
        "--body=B",
    )
    assert sent.exit_code == 0, sent.output
    store = SqliteStore(f"sqlite:///{tmp_path / 'ck.sqlite'}")
    try:
        [event] = [e for e in store.unrouted_events(10) if "confirmation" in e.kind]
    finally:
        store.close()
    link = str(event.payload["confirm_url"])
    bad = _cli(tmp_path, "submissions confirm", link[:-3] + "xyz")
    assert bad.exit_code == 1  # refused, like any rule
    assert "not valid" in bad.output
    stats = _cli(tmp_path, "stats", "--format", "json")
    assert json.loads(stats.output)["by_verification"] == [
        {"key": "email-unconfirmed", "label": "e-mail not confirmed", "count": 1}
    ]
    done = _cli(tmp_path, "submissions confirm", link)
    assert done.exit_code == 0, done.output
    assert done.output.strip().endswith(": e-mail confirmed")
    shown = _cli(tmp_path, "stats")
    assert "By verification" in shown.output
    assert "email-confirmed" in shown.output
