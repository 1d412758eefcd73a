"""The erasure rules every store backend applies to outbox payloads."""

import datetime as dt
from pathlib import Path

from consultkit.config.loader import load_consultation
from consultkit.domain.submissions import (
    SUBMITTER_IDENTITY,
    Actor,
    ActorRole,
    HistoryEntry,
    SubmissionStatus,
)
from consultkit.events import SubmissionReceived, SubmissionStatusChanged
from consultkit.storage.erasure import ERASED, IDENTITY_KEYS, scrub_payload, without_identity
from consultkit.storage.protocols import idempotency_key_hash
from consultkit.testing.factories import make_submission

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"

PAYLOAD = {
    "submitter_email": "Ana@Example.org",
    "name": "Ana Pérez",
    "title": "Rural schools",
    "note": "from ana pérez",
    "recipients": ["ana@example.org", "org@example.org"],
    "status": "submitted",
}


def test_a_linked_payload_loses_identity_and_text_unless_kept() -> None:
    kept = scrub_payload(
        PAYLOAD, address="ana@example.org", names=["ana pérez"], linked=True, keep_text=True
    )
    assert kept["submitter_email"] == ERASED and kept["name"] is None
    assert kept["note"] == ERASED  # the name appears in free text
    assert kept["title"] == "Rural schools"
    assert kept["recipients"] == [ERASED, "org@example.org"]
    assert kept["status"] == "submitted"
    gone = scrub_payload(
        PAYLOAD, address="ana@example.org", names=["ana pérez"], linked=True, keep_text=False
    )
    assert gone["title"] is None


def test_an_unlinked_payload_only_loses_the_address() -> None:
    other = scrub_payload(
        PAYLOAD, address="ana@example.org", names=["ana pérez"], linked=False, keep_text=False
    )
    assert other["submitter_email"] == ERASED
    assert other["name"] == "Ana Pérez" and other["title"] == "Rural schools"


def test_short_names_do_not_wipe_unrelated_text() -> None:
    out = scrub_payload(
        {"note": "an idea"}, address="x@example.org", names=["an"], linked=True, keep_text=True
    )
    assert out == {"note": "an idea"}


def test_idempotency_keys_are_matched_by_their_hash() -> None:
    assert idempotency_key_hash(None) is None
    digest = idempotency_key_hash("k-1")
    assert digest is not None and len(digest) == 64 and "k-1" not in digest


def test_the_application_keys_are_emptied_however_short_the_name() -> None:
    # Issue 9, finding 4: "Wu" is too short to look for in free text, but the keys that
    # carry it are emptied; a reason naming the submitter goes as a whole.
    payload = {
        "submitter_name": "Wu",
        "submitter_email": "wu@example.org",
        "submitter_organisation": "Lotus Cooperative",
        "reason": "Wu withdrew it",
        "note": "an idea from a would-be partner",
    }
    out = scrub_payload(
        payload,
        address="wu@example.org",
        names=["Wu", "Lotus Cooperative"],
        linked=True,
        keep_text=True,
    )
    assert out == {
        "submitter_name": None,
        "submitter_email": ERASED,
        "submitter_organisation": None,
        "reason": ERASED,
        "note": "an idea from a would-be partner",
    }


def test_every_identity_key_of_a_submission_event_is_an_erased_key() -> None:
    # The payload's identity keys come from one definition, so erasure cannot miss one.
    consultation = load_consultation(EXAMPLE)
    submission = make_submission(
        1,
        consultation_id=consultation.id,
        call_id="official-submissions",
        email="wu@example.org",
        name="Wu",
        organisation="Lotus Cooperative",
    )
    entry = HistoryEntry(
        submission_id=submission.id,
        at=submission.received_at + dt.timedelta(days=1),
        actor=Actor(role=ActorRole.ORGANISER, id="itu"),
        from_status=SubmissionStatus.SUBMITTED,
        to_status=SubmissionStatus.UNDER_REVIEW,
    )
    events = [
        SubmissionReceived(consultation=consultation, submission=submission),
        SubmissionStatusChanged(consultation=consultation, submission=submission, entry=entry),
    ]
    identity = {"Wu", "wu@example.org", "Lotus Cooperative"}
    for event in events:
        carrying = {k for k, v in event.payload().items() if isinstance(v, str) and v in identity}
        assert carrying == set(SUBMITTER_IDENTITY) <= IDENTITY_KEYS


def test_a_log_copy_holds_no_identity() -> None:
    out = without_identity(
        {"submitter_email": "Wu@example.org", "submitter_name": "Wu", "title": "Rivers"}
    )
    assert out == {"submitter_email": ERASED, "submitter_name": None, "title": "Rivers"}
    assert without_identity({"title": "no submitter"}) == {"title": "no submitter"}
