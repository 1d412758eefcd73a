"""The erasure rules every store backend applies to outbox payloads."""

from consultkit.storage.erasure import ERASED, scrub_payload
from consultkit.storage.protocols import idempotency_key_hash

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
