"""Editing a submission until the deadline, where the call allows it (issue 12).

An edit is a new version (the replaced content is kept), passes every submitting rule at
its instant (so the deadline holds to the last second), and queues an updated receipt.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import pytest
from click.testing import CliRunner

from consultkit.app.application import Consultkit
from consultkit.cli import cli
from consultkit.config.loader import dump_consultation, load_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.submissions import SubmissionStatus, Submitter
from consultkit.errors import PermissionDeniedError, RuleRefusedError
from consultkit.testing.factories import make_delivery

if TYPE_CHECKING:
    from consultkit.domain.model import Consultation

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
CALL = "official-submissions"
DURING = dt.datetime(2019, 12, 2, 10, 0, tzinfo=dt.UTC)
# Phase V's deadline, 3 February 2020 in Geneva (CET): the last second accepted is
# 22:59:59 UTC, and 23:00:00 UTC is too late.
LAST_SECOND = dt.datetime(2020, 2, 3, 22, 59, 59, tzinfo=dt.UTC)
TOO_LATE = dt.datetime(2020, 2, 3, 23, 0, 0, tzinfo=dt.UTC)
ANA = Submitter(name="Ana", email="ana@example.org", group="civil-society", country="ES")


def editable(consultation: Consultation, call_id: str = CALL) -> Consultation:
    calls = tuple(
        attrs.evolve(c, editable=True) if c.id == call_id else c for c in consultation.calls
    )
    return attrs.evolve(consultation, calls=calls)


@pytest.fixture
def wsis() -> Consultation:
    return editable(load_consultation(EXAMPLE))


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ck.sqlite'}"


def at(url: str, instant: dt.datetime) -> Consultkit:
    return Consultkit.open(url, clock=FixedClock(instant), entry_points=False)


def submit(url: str, wsis: Consultation, **changes: object) -> str:
    values: dict[str, object] = {
        "call_id": CALL,
        "submitter": ANA,
        "title": "Rural schools",
        "body": "Connect rural schools first.",
        "tags": ["C2"],
    }
    values.update(changes)
    with at(url, DURING) as app:
        return app.submit(wsis, **values).tracking_number  # type: ignore[arg-type]


def test_an_edit_is_a_new_version_and_an_updated_receipt(url: str, wsis: Consultation) -> None:
    number = submit(url, wsis)
    later = DURING + dt.timedelta(days=3)
    with at(url, later) as app:
        receipt = app.edit(
            wsis, number, email="ANA@example.org", body="Connect rural schools and libraries."
        )
        assert (receipt.tracking_number, receipt.version) == (number, 2)
        assert receipt.received_at == DURING  # still received when it was first sent
        record = app.show(wsis, number)
        assert record.submission.body == "Connect rural schools and libraries."
        assert record.submission.title == "Rural schools" and record.submission.tags == ("C2",)
        assert record.submission.updated_at == later
        [kept] = record.versions
        assert (kept.version, kept.body, kept.replaced_at) == (
            1,
            "Connect rural schools first.",
            later,
        )
        events = [e for e in app.store.unrouted_events(10) if e.kind == "submission.edited"]
        [event] = events
        assert event.payload["version"] == 2 and event.payload["audience"] == ["submitter"]
        assert event.payload["edited_at"] == "2019-12-05T10:00:00Z"
        second = app.edit(wsis, number, email="ana@example.org", title="Rural schools, v3")
        assert second.version == 3
        assert [v.version for v in app.show(wsis, number).versions] == [1, 2]


def test_the_last_second_before_the_deadline_is_accepted_and_the_next_refused(
    url: str, wsis: Consultation
) -> None:
    number = submit(url, wsis)
    with at(url, LAST_SECOND) as app:
        assert app.edit(wsis, number, email=ANA.email, body="Just in time.").version == 2
    with at(url, TOO_LATE) as app, pytest.raises(RuleRefusedError) as refused:
        app.edit(wsis, number, email=ANA.email, body="Too late.")
    assert refused.value.rule == "call-closed"
    assert "22:59:59 UTC" in str(refused.value)
    with at(url, TOO_LATE) as app:
        assert app.show(wsis, number).submission.body == "Just in time."


def test_a_call_that_does_not_say_editable_refuses_edits(url: str) -> None:
    wsis = load_consultation(EXAMPLE)  # as published: no call is editable
    number = submit(url, wsis)
    with at(url, DURING) as app, pytest.raises(RuleRefusedError) as refused:
        app.edit(wsis, number, email=ANA.email, body="New.")
    assert refused.value.rule == "not-editable" and "editable = true" in str(refused.value)


def test_only_the_submitter_edits_and_only_before_review(url: str, wsis: Consultation) -> None:
    number = submit(url, wsis)
    with at(url, DURING) as app:
        with pytest.raises(PermissionDeniedError) as other:
            app.edit(wsis, number, email="bo@example.org", body="Mine now.")
        assert other.value.rule == "edit-own"
        app.review(wsis, number, decision=SubmissionStatus.UNDER_REVIEW, organiser="Org")
        with pytest.raises(RuleRefusedError) as reviewed:
            app.edit(wsis, number, email=ANA.email, body="Too late to change.")
        assert reviewed.value.rule == "edit-status"


def test_the_new_content_passes_the_submitting_rules(url: str, wsis: Consultation) -> None:
    wsis = editable(wsis, "workshop-requests")
    fields = {
        "organisers": [{"name": "Ana", "consent_publish": True}],
        "format": "panel",
        "action_lines": ["C7"],
    }
    number = submit(url, wsis, call_id="workshop-requests", tags=[], fields=fields)
    with at(url, DURING) as app:
        with pytest.raises(RuleRefusedError) as bad_field:
            app.edit(wsis, number, email=ANA.email, fields={**fields, "sdgs": ["SDG18"]})
        assert bad_field.value.rule == "field" and bad_field.value.field == "sdgs"
        with pytest.raises(RuleRefusedError) as bad_tag:
            app.edit(wsis, number, email=ANA.email, tags=["C99"])
        assert bad_tag.value.rule == "tag"
        assert app.show(wsis, number).versions == ()


def test_the_command_line_edits_and_shows_the_versions(
    tmp_path: Path, url: str, wsis: Consultation
) -> None:
    config = tmp_path / "wsis.toml"
    config.write_text(dump_consultation(wsis), encoding="utf-8")
    number = submit(url, wsis)
    runner = CliRunner()
    base = ["submissions", "edit", str(config), number, "--email", ANA.email, "--store", url]
    done = runner.invoke(cli, ["--now", "2020-01-10T09:00:00Z", *base, "--body", "Edited."])
    assert done.exit_code == 0, done.output
    assert f"Edited: {number} (version 2)" in done.output
    late = runner.invoke(cli, ["--now", "2020-02-03T23:00:00Z", *base, "--body", "Late."])
    assert late.exit_code == 1 and "[rule: call-closed]" in late.output
    shown = runner.invoke(
        cli, ["submissions", "show", str(config), number, "--format", "json", "--store", url]
    )
    document = json.loads(shown.output)
    assert document["body"] == "Edited." and document["versions"][0]["version"] == 1


def test_erasure_removes_the_earlier_versions(url: str, wsis: Consultation) -> None:
    number = submit(url, wsis)
    with at(url, DURING) as app:
        app.edit(wsis, number, email=ANA.email, body="A second text naming Ana.")
        app.erase_submitter(wsis, ANA.email, reason="asked")
        assert app.show(wsis, number).versions == ()
        # The events' copies of the field values go too, as the stored values do.
        assert all(e.payload["fields"] is None for e in app.store.unrouted_events(10))
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM submission_versions").fetchone() == (0,)


def test_the_public_history_shows_the_edit(url: str, wsis: Consultation) -> None:
    from consultkit_web.pages import public_history

    number = submit(url, wsis)
    with at(url, DURING + dt.timedelta(hours=2)) as app:
        app.edit(wsis, number, email=ANA.email, body="Edited.")
        history = public_history(app.show(wsis, number))
    assert [h["status"] for h in history] == ["received", "edited"]
    assert history[1]["at"] == "2019-12-02 12:00 UTC"


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "this is version 2"), ("es", "esta es la versión 2"), ("fr", "la version 2")],
)
def test_the_updated_receipt_says_which_version(
    url: str, wsis: Consultation, language: str, words: str
) -> None:
    from consultkit_smtp.render import render_message

    number = submit(url, wsis)
    with at(url, DURING) as app:
        app.edit(wsis, number, email=ANA.email, body="Edited.")
        [event] = [e for e in app.store.unrouted_events(10) if e.kind == "submission.edited"]
    message = render_message(make_delivery(event, recipient=ANA.email, language=language))
    assert words in message.text and words in message.html
    assert number in message.subject
