"""The application object: submit, replay, review, withdraw, erase, import, list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from consultkit.app.application import Consultkit, draft_from_row
from consultkit.config.loader import load_consultation
from consultkit.domain.campaigns import fingerprint
from consultkit.domain.clock import FixedClock
from consultkit.domain.lifecycle import is_valid_history
from consultkit.domain.submissions import (
    Consent,
    HistoryEntry,
    Provenance,
    Receipt,
    Submission,
    SubmissionStatus,
    Submitter,
)
from consultkit.errors import (
    PermissionDeniedError,
    RuleRefusedError,
    TransitionError,
    UnknownItemError,
)
from consultkit.hookspecs import hookimpl

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from consultkit.domain.model import Consultation

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
CALL = "official-submissions"
DURING = dt.datetime(2019, 12, 2, 10, 0, tzinfo=dt.UTC)
ANA = Submitter(name="Ana Pérez", email="ana@example.org", group="civil-society", country="ES")


@pytest.fixture(scope="module")
def consultation() -> Consultation:
    return load_consultation(EXAMPLE)


@pytest.fixture(params=["memory", "sqlite"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Consultkit]:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'ck.sqlite'}"
    with Consultkit.open(url, clock=FixedClock(DURING), entry_points=False) as application:
        yield application


def submit(app: Consultkit, consultation: Consultation, **changes: object) -> Receipt:
    fields: dict[str, object] = {
        "call_id": CALL,
        "submitter": ANA,
        "title": "Rural schools",
        "body": "Connect rural schools first.",
        "tags": ["c2", "sdg4"],
        # As the web front door will; the library's own defaults are the CLI's (the
        # consultation's first language, 'es' here, and 'api').
        "language": "en",
        "provenance": Provenance.WEB,
    }
    fields.update(changes)
    return app.submit(consultation, **fields)  # type: ignore[arg-type]


def test_submit_stores_everything_in_one_go(app: Consultkit, consultation: Consultation) -> None:
    receipt = submit(app, consultation)
    assert receipt.tracking_number.startswith("CK-")
    assert not receipt.replayed
    assert receipt.received_at == DURING
    record = app.show(consultation, receipt.tracking_number.lower())
    assert record.submission.tags == ("C2", "SDG4")
    assert record.submission.fingerprint == fingerprint("Connect rural schools first.")
    assert record.public_status == "received"
    assert [e.to_status for e in record.history] == [SubmissionStatus.SUBMITTED]
    assert record.history[0].actor.id == "ana@example.org"
    events = app.store.unrouted_events(10)
    assert [e.kind for e in events] == ["submission.received"]
    payload = events[0].payload
    assert payload["tracking_number"] == receipt.tracking_number
    assert payload["submitter_email"] == "ana@example.org"
    assert payload["submitter_name"] == "Ana Pérez"
    assert payload["language"] == "en"
    assert payload["call_title"]


def test_idempotent_retry_returns_the_original(app: Consultkit, consultation: Consultation) -> None:
    first = submit(app, consultation, idempotency_key="retry-1")
    again = submit(app, consultation, idempotency_key="retry-1")
    assert again.replayed
    assert again.tracking_number == first.tracking_number
    assert len(list(app.list_submissions(consultation))) == 1
    assert len(app.store.unrouted_events(10)) == 1
    with pytest.raises(RuleRefusedError) as info:
        submit(app, consultation, idempotency_key="retry-1", body="Something else.")
    assert info.value.rule == "idempotency-key-reused"
    # Keys are per consultation, not per person: never leak the original's tracking number.
    assert first.tracking_number not in str(info.value)


def test_a_retry_after_the_deadline_still_gets_its_receipt(
    consultation: Consultation, tmp_path: Path
) -> None:
    # The client sent at 23:59:59 Geneva time, lost the answer and retried after midnight.
    url = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    last_second = FixedClock(dt.datetime(2020, 2, 3, 22, 59, 59, tzinfo=dt.UTC))
    with Consultkit.open(url, clock=last_second, entry_points=False) as app:
        first = submit(app, consultation, idempotency_key="late-retry")
    after = FixedClock(dt.datetime(2020, 2, 3, 23, 0, 5, tzinfo=dt.UTC))
    with Consultkit.open(url, clock=after, entry_points=False) as app:
        again = submit(app, consultation, idempotency_key="late-retry")
        assert again.replayed and again.tracking_number == first.tracking_number
        with pytest.raises(RuleRefusedError) as info:
            submit(app, consultation, idempotency_key="new-key")
        assert info.value.rule == "call-closed"
        with pytest.raises(RuleRefusedError) as info:
            submit(app, consultation, idempotency_key="late-retry", body="Changed my mind.")
        assert info.value.rule == "idempotency-key-reused"
        assert len(list(app.list_submissions(consultation))) == 1


def test_deadline_refusal_is_explained(consultation: Consultation) -> None:
    late = FixedClock(dt.datetime(2020, 2, 3, 23, 0, tzinfo=dt.UTC))
    with Consultkit.open("memory://", clock=late, entry_points=False) as app:
        with pytest.raises(RuleRefusedError) as info:
            submit(app, consultation)
        assert info.value.rule == "call-closed"
        assert "Europe/Zurich" in str(info.value) and "UTC" in str(info.value)
        assert list(app.list_submissions(consultation)) == []
    on_time = FixedClock(dt.datetime(2020, 2, 3, 22, 59, 59, tzinfo=dt.UTC))
    with Consultkit.open("memory://", clock=on_time, entry_points=False) as app:
        assert submit(app, consultation).status is SubmissionStatus.SUBMITTED


class Refuser:
    @hookimpl
    def validate_submission(
        self, consultation: Consultation, submission: Submission
    ) -> Sequence[str]:
        return ["attachments must be PDF"] if submission.attachments else []


class Exploding:
    def __init__(self) -> None:
        self.seen: list[str] = []

    @hookimpl
    def submission_received(
        self, consultation: Consultation, submission: Submission, receipt: Receipt
    ) -> None:
        self.seen.append(receipt.tracking_number)
        raise RuntimeError("mail server down")

    @hookimpl
    def submission_status_changed(
        self, consultation: Consultation, submission: Submission, entry: HistoryEntry
    ) -> None:
        raise RuntimeError("webhook down")


def test_plugins_refuse_before_and_fail_after_without_losing_data(
    consultation: Consultation,
) -> None:
    exploding = Exploding()
    with Consultkit.open(
        "memory://", clock=FixedClock(DURING), plugins=[Refuser(), exploding], entry_points=False
    ) as app:
        with pytest.raises(RuleRefusedError) as info:
            submit(app, consultation, attachments=["doc.exe"])
        assert info.value.rule == "plugin"
        assert "PDF" in str(info.value)
        receipt = submit(app, consultation)
        assert exploding.seen == [receipt.tracking_number]
        assert app.find(consultation, receipt.tracking_number).id == receipt.submission_id
        assert any("mail server down" in str(e) for e in app.host.event_failures)
        changed = app.review(
            consultation,
            receipt.tracking_number,
            decision=SubmissionStatus.UNDER_REVIEW,
            organiser="ITU",
        )
        assert changed.status is SubmissionStatus.UNDER_REVIEW
        assert app.find(consultation, receipt.submission_id).status is SubmissionStatus.UNDER_REVIEW


def test_review_and_withdraw_rules(app: Consultkit, consultation: Consultation) -> None:
    receipt = submit(app, consultation)
    tn = receipt.tracking_number
    with pytest.raises(PermissionDeniedError):
        app.withdraw(consultation, tn, email="mallory@example.org")
    with pytest.raises(TransitionError):
        app.review(consultation, tn, decision=SubmissionStatus.ACCEPTED, organiser="ITU")
    with pytest.raises(RuleRefusedError, match="not a review decision"):
        app.review(consultation, tn, decision=SubmissionStatus.WITHDRAWN, organiser="ITU")
    app.review(consultation, tn, decision=SubmissionStatus.UNDER_REVIEW, organiser="ITU")
    with pytest.raises(RuleRefusedError) as info:
        app.review(consultation, tn, decision=SubmissionStatus.REJECTED, organiser="ITU")
    assert info.value.rule == "reason-required"
    app.review(
        consultation, tn, decision=SubmissionStatus.REJECTED, organiser="ITU", reason="off-topic"
    )
    app.review(
        consultation, tn, decision=SubmissionStatus.UNDER_REVIEW, organiser="ITU", reason="appeal"
    )
    withdrawn = app.withdraw(consultation, tn, email="ANA@example.org", reason="changed my mind")
    assert withdrawn.status is SubmissionStatus.WITHDRAWN
    record = app.show(consultation, tn)
    assert is_valid_history(record.history)
    assert [e.to_status for e in record.history][-1] is SubmissionStatus.WITHDRAWN
    kinds = [e.kind for e in app.store.unrouted_events(20)]
    assert kinds.count("submission.status-changed") == 4
    with pytest.raises(TransitionError):
        app.withdraw(consultation, tn, email="ana@example.org")


def test_unknown_reference(app: Consultkit, consultation: Consultation) -> None:
    with pytest.raises(UnknownItemError, match="tracking number"):
        app.show(consultation, "CK-0000-0000-0000-0000")


def test_erase_submitter(app: Consultkit, consultation: Consultation) -> None:
    kept = submit(app, consultation)
    other = submit(
        app,
        consultation,
        submitter=Submitter(name="Bo", email="bo@example.org", group="governments"),
    )
    assert app.erase_submitter(consultation, "ana@example.org", keep_text=True) == 1
    erased = app.find(consultation, kept.tracking_number)
    assert erased.submitter is None
    assert erased.erased_at is not None
    assert erased.body == "Connect rural schools first."
    assert erased.fingerprint == fingerprint("Connect rural schools first.")
    assert app.find(consultation, other.tracking_number).submitter is not None
    with pytest.raises(PermissionDeniedError):
        app.withdraw(consultation, kept.tracking_number, email="ana@example.org")
    for event in app.store.unrouted_events(10):
        assert "ana@example.org" not in repr(dict(event.payload))


def test_list_filters(app: Consultkit, consultation: Consultation) -> None:
    submit(app, consultation)
    submit(
        app,
        consultation,
        submitter=Submitter(name="Bo", email="bo@example.org", group="governments"),
        tags=["C7"],
    )
    assert len(list(app.list_submissions(consultation))) == 2
    assert [
        s.submitter.name
        for s in app.list_submissions(consultation, group="governments")
        if s.submitter
    ] == ["Bo"]
    assert len(list(app.list_submissions(consultation, tag="C7"))) == 1
    assert len(list(app.list_submissions(consultation, tag="SDG4"))) == 1
    assert list(app.list_submissions(consultation, status=SubmissionStatus.ACCEPTED)) == []
    assert len(list(app.list_submissions(consultation, provenance=Provenance.WEB))) == 2


def test_bulk_import_reports_and_resumes(app: Consultkit, consultation: Consultation) -> None:
    rows = [
        {
            "call": CALL,
            "name": f"Person {i}",
            "email": f"p{i}@example.org",
            "group": "civil-society",
            "title": "Form letter",
            "body": "Please protect the open internet.",
            "tags": "C7, SDG9",
            "received_at": "2019-12-01T10:00:00Z",
            "consent_publish_text": "yes",
        }
        for i in range(25)
    ]
    rows.append({**rows[0], "received_at": "2020-02-04T10:00:00+01:00"})  # too late
    rows.append({**rows[0], "group": "aliens"})
    rows.append({"name": "no call"})
    rows.append({**rows[0], "received_at": "2019-12-01T10:00:00"})  # no offset
    report = app.import_submissions(consultation, rows, chunk_size=7)
    assert report.rows == 29
    assert report.stored == 25
    assert [p.rule for p in report.refused] == ["call-closed", "unknown-group", "row", "row"]
    assert "missing field 'call'" in str(report.refused[2])
    again = app.import_submissions(consultation, rows, chunk_size=7)
    assert again.stored == 0 and again.skipped == 25
    stored = list(app.list_submissions(consultation))
    assert len(stored) == 25
    assert all(s.provenance is Provenance.BULK_IMPORT for s in stored)
    assert all(s.consent == Consent(publish_text=True) for s in stored)
    assert all(s.tags == ("C7", "SDG9") for s in stored)
    assert app.store.history(stored[0].id)[0].to_status is SubmissionStatus.SUBMITTED
    assert [c[:2] for c in app.store.campaign_counts(consultation.id)] == [
        (fingerprint("Please protect the open internet."), 25)
    ]
    groups = app.duplicates(consultation)
    assert len(groups) == 1 and groups[0].count == 25 and groups[0].exact


def test_import_keeps_tracking_numbers(app: Consultkit, consultation: Consultation) -> None:
    row = {
        "call_id": CALL,
        "name": "Ana",
        "email": "ana@example.org",
        "group": "civil-society",
        "title": "T",
        "body": "B",
        "tracking_number": "ck-7q2m-9x4d-ht3p-0b5r",
        "idempotency_key": "moved-1",
    }
    assert app.import_submissions(consultation, [row]).stored == 1
    assert app.find(consultation, "CK-7Q2M-9X4D-HT3P-0B5R").idempotency_key == "moved-1"
    bad = {**row, "tracking_number": "nope", "idempotency_key": "moved-2"}
    report = app.import_submissions(consultation, [bad])
    assert report.refused[0].rule == "row"


def test_draft_from_row_reads_flags_and_lists() -> None:
    draft = draft_from_row(
        {
            "call": "c",
            "name": "n",
            "email": "e@x.org",
            "group": "g",
            "tags": ["C1"],
            "consent_publish_name": "1",
        }
    )
    assert draft.tags == ("C1",)
    assert draft.consent.publish_name
    with pytest.raises(ValueError, match="yes/no"):
        draft_from_row({"call": "c", "consent_publish_text": "perhaps"})


def test_organiser_entered_submission_is_attributed(
    app: Consultkit, consultation: Consultation
) -> None:
    receipt = submit(
        app, consultation, provenance=Provenance.ORGANISER, organiser="ITU secretariat"
    )
    record = app.show(consultation, receipt.submission_id)
    assert record.submission.provenance is Provenance.ORGANISER
    assert record.history[0].actor.role == "organiser"
    assert record.history[0].actor.id == "ITU secretariat"
    # The submitter, not the organiser who typed it in, may withdraw it.
    app.withdraw(consultation, receipt.tracking_number, email="ana@example.org")


def test_a_plain_submission_checks_no_files_and_builds_no_uuid_object(
    app: Consultkit, consultation: Consultation, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 14, work done per durable submission: without files or fields there is nothing
    # for the file checks to look at, and an event id is 16 random bytes written as a
    # version-4 UUID, with no uuid.UUID object built and taken apart again for it.
    import uuid

    from consultkit.domain import attachments, field_files

    def never(*_: object, **__: object) -> None:
        raise AssertionError("called for a submission without files")

    monkeypatch.setattr(attachments, "check_uploads", never)
    monkeypatch.setattr(field_files, "check_field_files", never)
    monkeypatch.setattr(uuid, "uuid4", never)
    receipt = submit(app, consultation, idempotency_key="plain")
    (event,) = app.store.unrouted_events(10)
    assert event.submission_id == receipt.submission_id
    parsed = uuid.UUID(event.id)
    assert (str(parsed), parsed.version, parsed.variant) == (event.id, 4, uuid.RFC_4122)


def test_a_submission_without_consent_shares_the_default_one(
    app: Consultkit, consultation: Consultation, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 14: a Consent value was built for every submission that gave none.
    built: list[Consent] = []
    init = Consent.__init__

    def counted(self: Consent, **kwargs: bool) -> None:
        built.append(self)
        init(self, **kwargs)

    submit(app, consultation, title="First")  # what is cached once per process is built
    monkeypatch.setattr(Consent, "__init__", counted)
    submit(app, consultation)
    assert built == []
    monkeypatch.undo()
    assert {s.consent for s in app.list_submissions(consultation)} == {Consent()}
