"""The contract every store backend passes: subclass :class:`StoreContract` and give a store.

Example, in a plugin's tests::

    import pytest
    from consultkit.testing.store_contract import StoreContract

    class TestMyStore(StoreContract):
        @pytest.fixture
        def store(self):
            store = MyStore("mystore://test")
            yield store
            store.close()

Every test uses only the :class:`~consultkit.storage.protocols.Store` protocol, so a
backend that passes behaves like the built-in ones: idempotent submission with keys scoped
to their submitter (and forgotten on erasure), compare-and-set status changes, outbox
deduplication, leased claims, erasure that leaves no identity behind (in the payload shape
the application writes, short names and organisations included). The erasure tests also
check the tombstone each erasure leaves; tombstones are not read through the protocol, so
override :meth:`StoreContract.read_tombstones`.

A backend built on :class:`consultkit.storage.sql.SqlStore` subclasses
:class:`SqlStoreContract` instead: it reads tombstones through the base and also checks
what the base adds beyond the protocol (consultation documents).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from consultkit.app.dispatch import Dispatcher
from consultkit.domain.review.scores import Review, ReviewAssignment
from consultkit.domain.submissions import (
    Actor,
    ActorRole,
    HistoryEntry,
    SubmissionStatus,
    Verification,
    record_instants_as_text,
    submission_record,
)
from consultkit.errors import StoreError, UnknownItemError
from consultkit.formats.submission_export import export_records, export_submissions
from consultkit.i18n import Text, deferred
from consultkit.storage.erasure import ERASED, RECIPIENT_ERASED
from consultkit.storage.protocols import StoreConflictError
from consultkit.storage.records import (
    ApiToken,
    DeliveryFailure,
    DeliveryStatus,
    DeliveryTarget,
    Subscription,
)
from consultkit.storage.sql import SqlStore
from consultkit.testing.factories import T0, make_event, make_submission, received_entry
from consultkit.testing.fixtures import RecordingNotifier

if TYPE_CHECKING:
    from collections.abc import Sequence

    from consultkit.domain.submissions import Submission
    from consultkit.formats.submission_export import ExportFormat
    from consultkit.storage.protocols import Store
    from consultkit.storage.records import Delivery, OutboxEvent, Tombstone

LEASE = dt.timedelta(minutes=5)


def _add(store: Store, submission: Submission, *events_for: bool) -> None:
    events = [make_event(submission=submission)] if events_for else []
    store.add_submission(submission, received_entry(submission), events)


def _route_one(
    store: Store, event_id: str, targets: Sequence[DeliveryTarget], now: dt.datetime
) -> int:
    return store.route_events([(event_id, targets)], now)


def _complete_one(store: Store, delivery_id: str, worker: str, now: dt.datetime) -> bool:
    """Whether ``worker`` still held the claim it completed."""
    return store.complete_deliveries([delivery_id], worker, now) == 1


def _fail_one(
    store: Store,
    delivery_id: str,
    worker: str,
    error: str | Text,
    now: dt.datetime,
    retry_at: dt.datetime | None,
) -> bool:
    """Whether the failure was recorded (``worker`` still held the claim)."""
    failure = DeliveryFailure(delivery_id=delivery_id, error=error, retry_at=retry_at)
    return delivery_id in store.fail_deliveries([failure], worker, now)


def _review(submission: Submission, to: SubmissionStatus, minutes: int = 60) -> HistoryEntry:
    return HistoryEntry(
        submission_id=submission.id,
        at=submission.received_at + dt.timedelta(minutes=minutes),
        actor=Actor(role=ActorRole.ORGANISER, id="secretariat"),
        from_status=submission.status,
        to_status=to,
        reason="reviewed",
    )


def check_claim_after_erasure(store: Store, eraser: Store) -> Delivery:
    """Route an event naming a submitter with ``store``, erase them with ``eraser`` (the
    same store, or another opened on the same database), claim with ``store``, and check
    the claimed event is the scrubbed one; returns the claimed delivery.

    A store may hand a claim the events it just read for routing (issue 14), but only as
    they are stored when the claim reads them: never as they were before an erasure.
    """
    mine = make_submission(1, email="Ana@Example.org", name="Ana Pérez")
    eraser.add_submission(mine, received_entry(mine), [make_event(submission=mine)])
    (event,) = store.unrouted_events(10)
    assert "Ana Pérez" in repr(event.payload)
    organiser = DeliveryTarget(channel="email", recipient="org@example.org")
    assert store.route_events([(event.id, [organiser])], T0) == 1
    eraser.erase_submitter("wsis-2020", "ana@example.org", keep_text=True, reason="r", at=T0)
    (claimed,) = store.claim_deliveries("w1", 10, T0, LEASE)
    assert (claimed.event.id, claimed.recipient) == (event.id, "org@example.org")
    assert "ana" not in repr(claimed.event.payload).lower()
    assert "pérez" not in repr(claimed.event.payload).lower()
    return claimed


class StoreContract:
    """Tests any :class:`~consultkit.storage.Store` must pass; override the ``store`` fixture."""

    @pytest.fixture
    def store(self) -> Store:
        raise NotImplementedError("override the store fixture to test a backend")

    def read_tombstones(self, store: Store, consultation_id: str) -> list[Tombstone]:
        """The erasure tombstones ``store`` recorded for a consultation, oldest first.

        Tombstones are written for audits and read by nobody through the protocol, so the
        suite asks the backend how to read them: override this (a backend built on
        :class:`~consultkit.storage.sql.SqlStore` uses :class:`SqlStoreContract` instead).
        """
        raise NotImplementedError("override read_tombstones to read this backend's tombstones")

    # -- submissions -------------------------------------------------------------------

    def test_add_submission_stores_value_history_and_events(self, store: Store) -> None:
        s = make_submission(1)
        event = make_event(submission=s)
        receipt, created = store.add_submission(s, received_entry(s), [event])
        assert created is True
        assert receipt.tracking_number == s.tracking_number
        assert receipt.submission_id == s.id
        assert receipt.replayed is False
        assert receipt.status is SubmissionStatus.SUBMITTED
        assert store.get_submission(s.id) == s
        assert store.find_by_tracking_number(s.tracking_number) == s
        assert store.history(s.id) == [received_entry(s)]
        assert [e.id for e in store.unrouted_events(10)] == [event.id]

    def test_absent_submission_lookups_return_none(self, store: Store) -> None:
        assert store.get_submission("nope") is None
        assert store.find_by_tracking_number("WSIS-NOPE") is None
        assert store.history("nope") == []

    def test_same_idempotency_key_returns_the_original_receipt(self, store: Store) -> None:
        first = make_submission(1, key="k-1")
        # A new id, as a retried request would make, by the same submitter (keys are theirs).
        retry = make_submission(2, key="k-1", email="person1@example.org")
        original, created = store.add_submission(first, received_entry(first), [])
        replay, created_again = store.add_submission(
            retry, received_entry(retry), [make_event(submission=retry)]
        )
        assert (created, created_again) == (True, False)
        assert replay.replayed is True
        assert replay.tracking_number == original.tracking_number
        assert replay.submission_id == first.id
        assert store.get_submission(retry.id) is None
        assert len(list(store.list_submissions("wsis-2020"))) == 1
        assert store.unrouted_events(10) == []

    def test_find_by_idempotency_key(self, store: Store) -> None:
        first = make_submission(1, key="k-1")
        owner = "person1@example.org"
        assert store.find_by_idempotency_key("wsis-2020", "k-1", owner) is None
        original, _ = store.add_submission(first, received_entry(first), [])
        found = store.find_by_idempotency_key("wsis-2020", "k-1", " Person1@Example.org ")
        assert found is not None
        assert found.replayed is True
        assert found.tracking_number == original.tracking_number
        assert store.find_by_idempotency_key("other", "k-1", owner) is None
        assert store.find_by_idempotency_key("wsis-2020", "k-2", owner) is None
        assert store.find_by_idempotency_key("wsis-2020", "k-1", "someone@example.org") is None

    def test_idempotency_keys_are_per_submitter(self, store: Store) -> None:
        # Issue 9, finding 8: the same key with the same campaign text from another person
        # is that person's own submission, never a replay of someone else's receipt.
        text = "Keep the internet open!"
        victim = make_submission(1, email="ana@example.org", key="campaign", body=text)
        other = make_submission(2, email="bo@example.org", key="campaign", body=text)
        mine, created = store.add_submission(victim, received_entry(victim), [])
        theirs, created_too = store.add_submission(other, received_entry(other), [])
        assert (created, created_too) == (True, True)
        assert theirs.submission_id == other.id != mine.submission_id
        found = store.find_by_idempotency_key("wsis-2020", "campaign", "bo@example.org")
        assert found is not None and found.submission_id == other.id
        found = store.find_by_idempotency_key("wsis-2020", "campaign", "ana@example.org")
        assert found is not None and found.submission_id == victim.id
        retry = make_submission(3, email="ana@example.org", key="campaign", body=text)
        replay, created_again = store.add_submission(retry, received_entry(retry), [])
        assert created_again is False and replay.submission_id == victim.id

    def test_idempotency_keys_are_per_consultation(self, store: Store) -> None:
        a = make_submission(1, key="same", consultation_id="a")
        b = make_submission(2, key="same", consultation_id="b")
        assert store.add_submission(a, received_entry(a), [])[1] is True
        assert store.add_submission(b, received_entry(b), [])[1] is True

    def test_a_second_submission_with_the_same_id_is_refused(self, store: Store) -> None:
        s = make_submission(1)
        _add(store, s)
        with pytest.raises(StoreError):
            _add(store, s)
        assert store.history(s.id) == [received_entry(s)]

    def test_list_submissions_is_ordered_and_filtered(self, store: Store) -> None:
        late = make_submission(3, call_id="exhibitions")
        early = make_submission(1)
        middle = make_submission(2, status=SubmissionStatus.DRAFT)
        other = make_submission(0, consultation_id="other")
        for s in (late, early, middle, other):
            _add(store, s)
        assert [s.id for s in store.list_submissions("wsis-2020")] == [
            early.id,
            middle.id,
            late.id,
        ]
        assert [s.id for s in store.list_submissions("wsis-2020", call_id="exhibitions")] == [
            late.id
        ]
        drafts = store.list_submissions("wsis-2020", status=SubmissionStatus.DRAFT)
        assert [s.id for s in drafts] == [middle.id]

    def test_list_submissions_pages_by_keyset(self, store: Store) -> None:
        made = [make_submission(n) for n in range(5)]
        twin = attrs.evolve(make_submission(9), received_at=made[2].received_at)
        for s in (*made, twin):
            _add(store, s)
        order = [s.id for s in store.list_submissions("wsis-2020")]
        seen: list[str] = []
        after = None
        while True:
            page = list(store.list_submissions("wsis-2020", after=after, limit=2))
            seen += [s.id for s in page]
            if len(page) < 2:
                break
            after = (page[-1].received_at, page[-1].id)
        assert seen == order
        assert len(set(seen)) == 6

    def test_same_instant_orders_by_id(self, store: Store) -> None:
        subs = [make_submission(n, at=T0) for n in range(5)]
        for s in reversed(subs):
            _add(store, s)
        assert [s.id for s in store.list_submissions("wsis-2020")] == sorted(s.id for s in subs)

    def test_bulk_add_counts_new_rows_and_skips_known_ones(self, store: Store) -> None:
        subs = [make_submission(n, key=f"bulk-{n}") for n in range(25)]
        assert store.add_submissions(subs[:10], chunk_size=4) == 10
        assert store.add_submissions(subs, chunk_size=7) == 15
        stored = list(store.list_submissions("wsis-2020"))
        assert [s.id for s in stored] == [s.id for s in subs]
        history = store.history(subs[12].id)
        assert len(history) == 1
        assert history[0].actor == Actor(role=ActorRole.SYSTEM, id="bulk-import")
        assert history[0].to_status is SubmissionStatus.SUBMITTED

    def test_bulk_add_refuses_a_bad_chunk_size(self, store: Store) -> None:
        with pytest.raises(ValueError, match="chunk_size"):
            store.add_submissions([make_submission(1)], chunk_size=0)

    def test_change_status_is_compare_and_set(self, store: Store) -> None:
        s = make_submission(1)
        _add(store, s)
        entry = _review(s, SubmissionStatus.UNDER_REVIEW)
        event = make_event("submission.status_changed", submission=s)
        changed = store.change_status(s.id, SubmissionStatus.SUBMITTED, entry, [event])
        assert changed.status is SubmissionStatus.UNDER_REVIEW
        assert changed.updated_at == entry.at
        assert store.get_submission(s.id) == changed
        assert store.history(s.id)[-1] == entry
        stale = _review(s, SubmissionStatus.WITHDRAWN, minutes=61)
        with pytest.raises(StoreConflictError):
            store.change_status(s.id, SubmissionStatus.SUBMITTED, stale, [make_event()])
        assert len(store.history(s.id)) == 2
        assert [e.id for e in store.unrouted_events(10)] == [event.id]

    def test_change_status_of_an_unknown_submission(self, store: Store) -> None:
        ghost = make_submission(9)
        with pytest.raises(UnknownItemError):
            store.change_status(
                ghost.id,
                SubmissionStatus.SUBMITTED,
                _review(ghost, SubmissionStatus.ACCEPTED),
                [],
            )

    def test_edit_keeps_the_replaced_content_as_a_version(self, store: Store) -> None:
        s = make_submission(1, body="First words.")
        _add(store, s)
        assert store.versions(s.id) == []
        later = s.updated_at + dt.timedelta(minutes=5)
        values: dict[str, Any] = {"k": [1]}
        edited = attrs.evolve(
            s, title="Better title", body="Second words.", fields=values, updated_at=later
        )
        event = make_event("submission.edited", submission=s)
        assert store.edit_submission(s, edited, [event]) == 2
        assert store.get_submission(s.id) == edited
        [kept] = store.versions(s.id)
        assert (kept.version, kept.replaced_at, kept.title, kept.body) == (
            1,
            later,
            s.title,
            "First words.",
        )
        assert kept.fingerprint == s.fingerprint and kept.consent == s.consent
        assert [e.id for e in store.unrouted_events(10)] == [event.id]
        third = attrs.evolve(edited, body="Third.", updated_at=later + dt.timedelta(minutes=1))
        assert store.edit_submission(edited, third, []) == 3
        assert [v.version for v in store.versions(s.id)] == [1, 2]

    def test_edit_is_compare_and_set(self, store: Store) -> None:
        s = make_submission(1)
        _add(store, s)
        first = attrs.evolve(s, body="One.", updated_at=s.updated_at + dt.timedelta(minutes=1))
        store.edit_submission(s, first, [])
        stale = attrs.evolve(s, body="Two.", updated_at=s.updated_at + dt.timedelta(minutes=2))
        with pytest.raises(StoreConflictError):
            store.edit_submission(s, stale, [make_event()])
        assert store.get_submission(s.id) == first and len(store.versions(s.id)) == 1
        with pytest.raises(UnknownItemError):
            ghost = make_submission(9)
            store.edit_submission(ghost, ghost, [])

    def test_erasure_removes_earlier_versions(self, store: Store) -> None:
        s = make_submission(1, email="ana@example.org")
        _add(store, s)
        store.edit_submission(
            s, attrs.evolve(s, body="New.", updated_at=s.updated_at + dt.timedelta(minutes=1)), []
        )
        store.erase_submitter(
            "wsis-2020", "ana@example.org", keep_text=True, reason="asked", at=s.updated_at
        )
        assert store.versions(s.id) == []

    def test_verification_level_round_trips_and_changes(self, store: Store) -> None:
        s = attrs.evolve(make_submission(1), verification=Verification.EMAIL_UNCONFIRMED)
        _add(store, s)
        assert store.get_submission(s.id) == s
        at = s.received_at + dt.timedelta(hours=2)
        confirmed = store.set_verification(s.id, Verification.EMAIL_CONFIRMED, at)
        assert confirmed.verification is Verification.EMAIL_CONFIRMED
        assert confirmed.updated_at == at
        assert confirmed.status is s.status
        assert store.get_submission(s.id) == confirmed
        assert store.history(s.id) == [received_entry(s)]
        bulk = make_submission(2)
        store.add_submissions([bulk])
        loaded = store.get_submission(bulk.id)
        assert loaded is not None
        assert loaded.verification is Verification.NONE

    def test_set_verification_of_an_unknown_submission(self, store: Store) -> None:
        with pytest.raises(UnknownItemError):
            store.set_verification("nope", Verification.EMAIL_CONFIRMED, T0)

    def test_tokens_are_kept_by_hash_listed_and_revoked(self, store: Store) -> None:
        token = ApiToken(
            name="secretariat", consultation_id="wsis-2020", token_hash="a" * 64, created_at=T0
        )
        assert store.add_token(token) is True
        clash = attrs.evolve(token, token_hash="b" * 64)
        assert store.add_token(clash) is False  # the name is taken in that consultation
        other = attrs.evolve(clash, consultation_id="other")
        assert store.add_token(other) is True
        assert store.find_token("a" * 64) == token
        assert store.find_token("c" * 64) is None
        assert store.list_tokens("wsis-2020") == [token]
        later = T0 + dt.timedelta(days=1)
        assert store.revoke_token("wsis-2020", "secretariat", later) is True
        assert store.revoke_token("wsis-2020", "secretariat", later) is False
        assert store.revoke_token("wsis-2020", "nobody", later) is False
        revoked = store.find_token("a" * 64)
        assert revoked is not None
        assert revoked.revoked_at == later
        assert store.list_tokens("other") == [other]

    def test_count_submissions_groups_by_call_group_language_and_status(self, store: Store) -> None:
        for n in range(3):
            _add(store, make_submission(n))
        _add(store, make_submission(3, call_id="photos"))
        _add(store, make_submission(4, status=SubmissionStatus.ACCEPTED))
        _add(store, make_submission(5, consultation_id="other"))
        store.erase_submitter(
            "wsis-2020", "person0@example.org", keep_text=True, reason="asked", at=T0
        )
        counts = sorted(store.count_submissions("wsis-2020"), key=repr)
        assert counts == sorted(
            [
                ("workshops", None, "en", "submitted", "none", False, 1),
                ("workshops", "civil-society", "en", "submitted", "none", False, 2),
                ("photos", "civil-society", "en", "submitted", "none", False, 1),
                ("workshops", "civil-society", "en", "accepted", "none", False, 1),
            ],
            key=repr,
        )
        assert store.count_submissions("nobody") == []

    def test_campaign_counts_are_shared_fingerprints_with_the_first_title(
        self, store: Store
    ) -> None:
        for n in (5, 2, 7):  # stored out of order: the first received names the campaign
            _add(store, make_submission(n, body="Keep the internet open!"))
        for n in (8, 9):
            _add(store, make_submission(n, body="Community networks."))
        _add(store, make_submission(10, body="A unique idea."))
        counts = store.campaign_counts("wsis-2020")
        assert [(n, title) for _, n, title in counts] == [(3, "Workshop 2"), (2, "Workshop 8")]
        assert store.campaign_counts("other") == []

    def test_campaign_texts_give_each_text_once_most_copied_first(self, store: Store) -> None:
        for n in (3, 1, 2):
            _add(store, make_submission(n, body="Keep the internet open!"))
        _add(store, make_submission(4, body="A unique idea."))
        _add(store, make_submission(5, body="Another idea."))
        texts = list(store.campaign_texts("wsis-2020"))
        assert texts[0][1:] == (3, "Keep the internet open!")
        assert [n for _, n, _ in texts] == [3, 1, 1]
        assert texts[1][0] < texts[2][0]  # ties by fingerprint
        assert {body for _, _, body in texts[1:]} == {"A unique idea.", "Another idea."}
        assert list(store.campaign_texts("other")) == []

    def test_submission_fingerprints_follow_the_listing(self, store: Store) -> None:
        for n in (3, 1, 2):
            _add(store, make_submission(n))
        listed = [(s.id, s.fingerprint) for s in store.list_submissions("wsis-2020")]
        assert list(store.submission_fingerprints("wsis-2020")) == listed

    def test_submission_records_are_the_listing_flat(self, store: Store) -> None:
        """``submission_records`` streams what ``list_submissions`` gives, each submission
        flat (:func:`~consultkit.domain.submissions.submission_record`): the exports read it."""
        values: dict[str, Any] = {"topic": "access", "people": [{"name": "Ana"}]}
        erased = attrs.evolve(
            make_submission(4, email="gone@example.org"),
            fields=values,
            verification=Verification.EMAIL_CONFIRMED,
            held="screen: looks automated",
            received_at=T0 + dt.timedelta(microseconds=1),
        )
        for s in (make_submission(3), make_submission(1, key="k-1"), erased):
            _add(store, s)
        store.set_verification(erased.id, Verification.EMAIL_CONFIRMED, T0)
        store.erase_submitter(
            "wsis-2020", "gone@example.org", keep_text=True, reason="request", at=T0
        )
        _add(store, make_submission(2, status=SubmissionStatus.ACCEPTED))
        listed = [submission_record(s) for s in store.list_submissions("wsis-2020")]
        records = store.submission_records("wsis-2020")
        if not records.instants_as_text:
            assert list(records) == listed
            records = store.submission_records("wsis-2020")
        # Instants given as text are the text an export writes of the listed ones.
        as_text = [record_instants_as_text(r) for r in listed]
        assert list(records.with_instant_text()) == as_text
        accepted = store.submission_records("wsis-2020", status=SubmissionStatus.ACCEPTED)
        assert list(accepted.with_instant_text()) == [
            r for r in as_text if r.status is SubmissionStatus.ACCEPTED
        ]
        assert len(as_text) == 4
        assert list(store.submission_records("other")) == []

    @pytest.mark.parametrize("public", [False, True], ids=["full", "public"])
    @pytest.mark.parametrize("format", ["csv", "jsonl"])
    def test_exporting_the_records_writes_the_listing_export(
        self, store: Store, public: bool, format: ExportFormat
    ) -> None:
        """An export of ``submission_records`` is byte for byte the export of the listed
        submissions, whatever form the store gives instants in (issue 14): instants on
        every microsecond edge, a change after receipt, an erasure."""
        edges = (0, 1, 999_999, 100_000, 500)
        for n, microseconds in enumerate(edges):
            at = T0 + dt.timedelta(days=n, microseconds=microseconds)
            _add(store, make_submission(n, at=at, status=SubmissionStatus.ACCEPTED))
        _add(store, make_submission(9, email="gone@example.org", at=T0.replace(year=999)))
        changed = make_submission(7, at=T0 + dt.timedelta(microseconds=7))
        _add(store, changed)
        store.change_status(
            changed.id,
            SubmissionStatus.SUBMITTED,
            _review(changed, SubmissionStatus.ACCEPTED, minutes=61),
            [],
        )
        store.erase_submitter(
            "wsis-2020",
            "gone@example.org",
            keep_text=True,
            reason="request",
            at=T0 + dt.timedelta(seconds=1, microseconds=30),
        )
        status = SubmissionStatus.ACCEPTED if public else None
        fast, listed = io.StringIO(), io.StringIO()
        rows = export_records(
            fast, store.submission_records("wsis-2020", status=status), format=format, public=public
        )
        export_submissions(
            listed, store.list_submissions("wsis-2020"), format=format, public=public
        )
        assert rows == (6 if public else 7)
        assert fast.getvalue() == listed.getvalue()
        assert "2020-01-16T09:00:00.000001Z" in fast.getvalue()  # not parsed, not lost

    # -- erasure ---------------------------------------------------------------------

    def _erasure_setup(self, store: Store) -> tuple[Submission, Submission]:
        mine = make_submission(1, email="Ana@Example.org", name="Ana Pérez")
        theirs = make_submission(2, email="bo@example.org", name="Bo Li")
        for s in (mine, theirs):
            store.add_submission(s, received_entry(s), [make_event(submission=s)])
        for event in store.unrouted_events(10):
            recipient = "ana@example.org" if event.submission_id == mine.id else "bo@example.org"
            _route_one(store, event.id, [DeliveryTarget(channel="email", recipient=recipient)], T0)
        store.add_subscription(
            Subscription(
                consultation_id="wsis-2020",
                channel="email",
                address="ana@example.org",
                created_at=T0,
            )
        )
        return mine, theirs

    def test_erasure_removes_identity_everywhere(self, store: Store) -> None:
        mine, theirs = self._erasure_setup(store)
        at = T0 + dt.timedelta(days=3)
        assert (
            store.erase_submitter(
                "wsis-2020", "ana@example.org", keep_text=False, reason="GDPR Art. 17", at=at
            )
            == 1
        )
        erased = store.get_submission(mine.id)
        assert erased is not None
        assert erased.submitter is None
        assert erased.body is None
        assert erased.attachments == ()
        assert erased.erased_at == at
        assert erased.fingerprint == mine.fingerprint  # campaign counts stay honest
        assert erased.tracking_number == mine.tracking_number
        assert all(e.actor.id != "Ana@Example.org" for e in store.history(mine.id))
        dump = self._everything(store)
        assert "ana@example.org" not in dump.lower()
        assert "ana pérez" not in dump.lower()
        assert "bo@example.org" in dump  # the other submitter is untouched
        assert store.get_submission(theirs.id) == theirs
        assert store.list_subscriptions("wsis-2020") == []
        (tombstone,) = self.read_tombstones(store, "wsis-2020")
        assert tombstone.submission_ids == (mine.id,)
        assert tombstone.reason == "GDPR Art. 17"
        assert tombstone.kept_text is False
        assert tombstone.erased_at == at

    def test_erasure_can_keep_the_text(self, store: Store) -> None:
        mine, _ = self._erasure_setup(store)
        store.erase_submitter(
            "wsis-2020", "ANA@example.org", keep_text=True, reason="Art. 17(3)(a)", at=T0
        )
        erased = store.get_submission(mine.id)
        assert erased is not None
        assert erased.submitter is None
        assert erased.body == mine.body
        assert erased.title == mine.title
        assert self.read_tombstones(store, "wsis-2020")[0].kept_text is True

    def test_erasure_empties_the_reviews_comments_and_keeps_their_scores(
        self, store: Store
    ) -> None:
        # A reviewer's comment is free text about the submission and may quote or name its
        # submitter; the scores are the reviewer's judgement, kept so a ranking stays
        # explainable after the erasure.
        mine, theirs = self._erasure_setup(store)
        given = [
            Review(
                consultation_id="wsis-2020",
                round=round_,
                submission_id=s.id,
                reviewer_id="r01",
                at=T0,
                scores={"relevance": 4} if round_.endswith("scoring") else {},
                passed=None if round_.endswith("scoring") else True,
                confidence=3,
                comment=f"Ana's team knows river towns ({s.id})",
            )
            for s in (mine, theirs)
            for round_ in ("workshops/screening", "workshops/scoring")
        ]
        for review in given:
            store.save_review(review)
        store.erase_submitter("wsis-2020", "ana@example.org", keep_text=True, reason="r", at=T0)
        for round_ in ("workshops/screening", "workshops/scoring"):
            kept = {r.submission_id: r for r in store.reviews("wsis-2020", round_)}
            before = {r.submission_id: r for r in given if r.round == round_}
            assert kept[mine.id] == attrs.evolve(before[mine.id], comment=None)
            assert kept[theirs.id] == before[theirs.id]  # another submission's: untouched

    def test_erasure_kills_unsent_deliveries_to_the_address(self, store: Store) -> None:
        self._erasure_setup(store)
        store.erase_submitter("wsis-2020", "ana@example.org", keep_text=True, reason="r", at=T0)
        dead = store.list_deliveries(DeliveryStatus.DEAD, 10)
        assert len(dead) == 1
        assert "ana" not in dead[0].recipient
        assert store.retry_dead(None, T0) == 0  # nobody left to send to
        pending = store.list_deliveries(DeliveryStatus.PENDING, 10)
        assert [d.recipient for d in pending] == ["bo@example.org"]

    def test_an_erased_recipients_deliveries_keep_words_to_tell_later(self, store: Store) -> None:
        # Issue 11: why a delivery is dead after an erasure is told in the reader's
        # language (notify status), beside the English programs read.
        self._erasure_setup(store)
        (sent,) = (
            d
            for d in store.claim_deliveries("w1", 10, T0, LEASE)
            if d.recipient == "ana@example.org"
        )
        # A failure already dead names the address: it is replaced too.
        assert _fail_one(store, sent.id, "w1", "550 ana@example.org unknown", T0, None)
        again = make_submission(3, email="ana@example.org", name="Ana Pérez")
        store.add_submission(again, received_entry(again), [make_event(submission=again)])
        (event,) = store.unrouted_events(10)
        ana = DeliveryTarget(channel="email", recipient="ana@example.org")
        _route_one(store, event.id, [ana], T0)
        store.erase_submitter("wsis-2020", "ana@example.org", keep_text=True, reason="r", at=T0)
        dead = store.list_deliveries(DeliveryStatus.DEAD, 10)
        assert len(dead) == 2
        for erased in dead:
            assert erased.last_error == "recipient erased"
            assert erased.last_error_words == RECIPIENT_ERASED
        assert RECIPIENT_ERASED.render("fr") != "recipient erased"

    def test_a_claim_after_an_erasure_gives_the_scrubbed_event(self, store: Store) -> None:
        claimed = check_claim_after_erasure(store, store)
        # What the claim answers is what the store now holds for the delivery.
        (held,) = store.list_deliveries(DeliveryStatus.CLAIMED, 10)
        assert held == claimed
        assert held.event.payload == claimed.event.payload

    def test_erasure_of_an_unknown_address_changes_nothing(self, store: Store) -> None:
        self._erasure_setup(store)
        assert (
            store.erase_submitter(
                "wsis-2020", "nobody@example.org", keep_text=False, reason="r", at=T0
            )
            == 0
        )
        assert self.read_tombstones(store, "wsis-2020") == []

    def test_erasure_drops_the_idempotency_binding(self, store: Store) -> None:
        # Issue 9, finding 8: after erasure the key no longer answers with the erased
        # tracking number; the person sending it again makes a new submission.
        first = make_submission(1, email="ana@example.org", key="k")
        _add(store, first)
        store.erase_submitter("wsis-2020", "ana@example.org", keep_text=True, reason="r", at=T0)
        erased = store.get_submission(first.id)
        assert erased is not None
        assert erased.idempotency_key is None
        assert store.find_by_idempotency_key("wsis-2020", "k", "ana@example.org") is None
        retry = make_submission(2, email="ana@example.org", key="k")
        receipt, created = store.add_submission(retry, received_entry(retry), [])
        assert created is True
        assert receipt.submission_id == retry.id

    def test_erasure_empties_the_payload_keys_the_application_writes(self, store: Store) -> None:
        # Issue 9, finding 4: consultkit's submission events carry the identity under flat
        # submitter_* keys; a short name ("Wu") and the organisation must go with them, and
        # from the reasons of the submitter's history.
        wu = make_submission(1, email="Wu@Example.org", name="Wu", organisation="Lotus Cooperative")
        facts = {  # the shape consultkit.events writes for submission events
            "tracking_number": wu.tracking_number,
            "title": wu.title,
            "submitter_name": "Wu",
            "submitter_email": "Wu@Example.org",
            "submitter_organisation": "Lotus Cooperative",
            "group": "civil-society",
        }
        received = make_event(submission=wu, payload={**facts, "status": "submitted"})
        store.add_submission(wu, received_entry(wu), [received])
        review = attrs.evolve(
            _review(wu, SubmissionStatus.UNDER_REVIEW),
            reason="Checked with Lotus Cooperative",
        )
        withdrawal = HistoryEntry(
            submission_id=wu.id,
            at=review.at + dt.timedelta(hours=1),
            actor=Actor(role=ActorRole.SUBMITTER, id="Wu@Example.org"),
            from_status=SubmissionStatus.UNDER_REVIEW,
            to_status=SubmissionStatus.WITHDRAWN,
            reason="Wu changed their mind",
        )
        moves = ((review, SubmissionStatus.SUBMITTED), (withdrawal, review.to_status))
        for entry, expected in moves:
            event = make_event(
                "submission.status-changed",
                submission=wu,
                payload={**facts, "reason": entry.reason},
                dedupe_key=f"status:{entry.to_status}",
            )
            store.change_status(wu.id, expected, entry, [event])
        store.erase_submitter(
            "wsis-2020", "wu@example.org", keep_text=True, reason="GDPR Art. 17", at=T0
        )
        dump = self._everything(store)
        assert "wu@example.org" not in dump.lower()
        assert "lotus cooperative" not in dump.lower()
        assert "Wu" not in dump
        payloads = [dict(e.payload) for e in store.unrouted_events(10)]
        assert len(payloads) == 3
        assert {p["submitter_name"] for p in payloads} == {None}
        assert {p["submitter_organisation"] for p in payloads} == {None}
        assert [e.reason for e in store.history(wu.id)][1:] == [ERASED, ERASED]
        assert all(p["title"] == wu.title for p in payloads)  # the text was kept

    def _everything(self, store: Store) -> str:
        """Every value a caller can read back, as text, to search for leftovers."""
        parts: list[str] = []
        for s in store.list_submissions("wsis-2020"):
            parts.append(repr(s))
            parts.extend(repr(e) for e in store.history(s.id))
        for status in DeliveryStatus:
            for d in store.list_deliveries(status, 100):
                parts.append(repr(d))
                parts.append(json.dumps(dict(d.event.payload), ensure_ascii=False))
        parts.extend(repr(s) for s in store.list_subscriptions("wsis-2020"))
        for event in store.unrouted_events(100):
            parts.append(json.dumps(dict(event.payload), ensure_ascii=False))
        parts.extend(repr(t) for t in self.read_tombstones(store, "wsis-2020"))
        return "\n".join(parts)

    # -- outbox ----------------------------------------------------------------------

    def test_enqueue_skips_known_dedupe_keys(self, store: Store) -> None:
        first = make_event("reminder.due", dedupe_key="reminder:close:2020-02-03")
        again = make_event("reminder.due", dedupe_key="reminder:close:2020-02-03")
        other = make_event("reminder.due", dedupe_key="reminder:open:2020-01-10")
        assert store.enqueue_events([first]) == 1
        assert store.enqueue_events([again, other]) == 1
        assert {e.id for e in store.unrouted_events(10)} == {first.id, other.id}

    def test_unrouted_events_come_oldest_first_with_a_limit(self, store: Store) -> None:
        events = [make_event(at=T0 + dt.timedelta(minutes=n)) for n in (3, 1, 2)]
        store.enqueue_events(events)
        assert [e.id for e in store.unrouted_events(2)] == [events[1].id, events[2].id]

    def test_event_payload_round_trips(self, store: Store) -> None:
        event = make_event(payload={"title": "Café", "n": 3, "list": [1, "x"], "none": None})
        store.enqueue_events([event])
        (stored,) = store.unrouted_events(1)
        assert stored == event
        assert dict(stored.payload) == dict(event.payload)

    def test_route_event_is_idempotent(self, store: Store) -> None:
        event = make_event()
        store.enqueue_events([event])
        targets = [
            DeliveryTarget(channel="email", recipient="a@example.org", language="fr"),
            DeliveryTarget(channel="webhook", recipient="https://hooks.example.org/x"),
        ]
        assert _route_one(store, event.id, targets, T0) == 2
        assert store.unrouted_events(10) == []
        assert _route_one(store, event.id, targets, T0) == 0
        assert store.delivery_counts()[DeliveryStatus.PENDING] == 2
        (french,) = [
            d for d in store.list_deliveries(DeliveryStatus.PENDING, 10) if d.language == "fr"
        ]
        assert french.event == event
        assert french.attempts == 0

    def test_route_an_unknown_event(self, store: Store) -> None:
        with pytest.raises(UnknownItemError):
            _route_one(store, "nope", [], T0)

    def test_route_events_routes_a_batch_idempotently(self, store: Store) -> None:
        events = [make_event(at=T0 + dt.timedelta(minutes=n)) for n in range(3)]
        store.enqueue_events(events)
        routes = [
            (
                events[0].id,
                [
                    DeliveryTarget(channel="email", recipient="a@example.org"),
                    DeliveryTarget(channel="email", recipient="b@example.org", language="fr"),
                ],
            ),
            (events[1].id, [DeliveryTarget(channel="webhook", recipient="https://x.example")]),
            (events[2].id, []),  # nobody to tell: routed all the same
        ]
        assert store.route_events(routes, T0) == 3
        assert store.unrouted_events(10) == []
        assert store.route_events(routes, T0) == 0
        assert _route_one(store, events[0].id, routes[0][1], T0) == 0
        assert store.delivery_counts()[DeliveryStatus.PENDING] == 3
        pending = store.list_deliveries(DeliveryStatus.PENDING, 10)
        assert {(d.event.id, d.recipient, d.language) for d in pending} == {
            (events[0].id, "a@example.org", "en"),
            (events[0].id, "b@example.org", "fr"),
            (events[1].id, "https://x.example", "en"),
        }
        assert store.route_events([], T0) == 0

    def test_route_events_with_an_unknown_event_writes_nothing(self, store: Store) -> None:
        event = make_event()
        store.enqueue_events([event])
        target = [DeliveryTarget(channel="email", recipient="a@example.org")]
        with pytest.raises(UnknownItemError):
            store.route_events([(event.id, target), ("nope", target)], T0)
        assert [e.id for e in store.unrouted_events(10)] == [event.id]
        assert store.delivery_counts()[DeliveryStatus.PENDING] == 0

    def _pending(self, store: Store, n: int) -> None:
        event = make_event()
        store.enqueue_events([event])
        targets = [DeliveryTarget(channel="email", recipient=f"r{i}@example.org") for i in range(n)]
        _route_one(store, event.id, targets, T0)

    def test_two_workers_never_claim_the_same_delivery(self, store: Store) -> None:
        self._pending(store, 5)
        first = store.claim_deliveries("w1", 3, T0, LEASE)
        second = store.claim_deliveries("w2", 3, T0, LEASE)
        assert len(first) == 3
        assert len(second) == 2
        assert not {d.id for d in first} & {d.id for d in second}
        assert all(d.status is DeliveryStatus.CLAIMED and d.attempts == 1 for d in first)
        assert {d.claimed_by for d in second} == {"w2"}
        assert store.claim_deliveries("w3", 3, T0, LEASE) == []

    def test_an_expired_lease_can_be_claimed_again(self, store: Store) -> None:
        self._pending(store, 1)
        (held,) = store.claim_deliveries("w1", 1, T0, LEASE)
        assert store.claim_deliveries("w2", 1, T0 + LEASE - dt.timedelta(seconds=1), LEASE) == []
        (taken,) = store.claim_deliveries("w2", 1, T0 + LEASE, LEASE)
        assert taken.id == held.id
        assert taken.attempts == 2
        assert _complete_one(store, held.id, "w1", T0 + LEASE) is False
        assert _complete_one(store, taken.id, "w2", T0 + LEASE) is True
        assert store.delivery_counts()[DeliveryStatus.DONE] == 1

    def test_a_failures_words_are_kept_to_tell_later(self, store: Store) -> None:
        # Issue 11: the outbox is written before anyone reads it; its words (nested ones
        # too) are kept beside the English, so a reader gets them in their language.
        self._pending(store, 1)
        (d,) = store.claim_deliveries("w1", 1, T0, LEASE)
        reason = deferred.gettext("failed")
        # Made directly, not with deferred, so the catalogue gains no test-only message.
        words = Text(
            "%(reason)s after %(num)s attempt",
            (("num", 2), ("reason", reason), ("server", "421 try later")),
            plural="%(reason)s after %(num)s attempts",
            n=2,
        )
        assert _fail_one(store, d.id, "w1", words, T0, T0 + LEASE) is True
        (pending,) = store.list_deliveries(DeliveryStatus.PENDING, 10)
        assert pending.last_error == str(words)
        assert pending.last_error_words == words
        (again,) = store.claim_deliveries("w1", 1, T0 + LEASE, LEASE)
        assert again.last_error_words == words
        assert _complete_one(store, again.id, "w1", T0 + LEASE) is True
        (done,) = store.list_deliveries(DeliveryStatus.DONE, 10)
        assert (done.last_error, done.last_error_words) == (None, None)

    def test_deliveries_are_not_claimed_before_they_are_due(self, store: Store) -> None:
        self._pending(store, 1)
        assert store.claim_deliveries("w1", 5, T0 - dt.timedelta(seconds=1), LEASE) == []
        assert store.claim_deliveries("w1", 0, T0, LEASE) == []

    def test_failure_with_retry_waits_then_dead_letters(self, store: Store) -> None:
        self._pending(store, 1)
        (d,) = store.claim_deliveries("w1", 1, T0, LEASE)
        retry_at = T0 + dt.timedelta(minutes=10)
        assert _fail_one(store, d.id, "w1", "421 try later", T0, retry_at) is True
        (pending,) = store.list_deliveries(DeliveryStatus.PENDING, 10)
        assert pending.last_error == "421 try later"
        assert pending.next_attempt_at == retry_at
        assert pending.claimed_by is None
        assert store.claim_deliveries("w1", 1, retry_at - dt.timedelta(seconds=1), LEASE) == []
        (again,) = store.claim_deliveries("w1", 1, retry_at, LEASE)
        assert _fail_one(store, again.id, "w2", "not mine", retry_at, None) is False
        assert _fail_one(store, again.id, "w1", "550 no such user", retry_at, None) is True
        (dead,) = store.list_deliveries(DeliveryStatus.DEAD, 10)
        assert dead.last_error == "550 no such user"
        assert dead.last_error_words is None  # a server's reply is kept as it came
        assert dead.attempts == 2
        counts = store.delivery_counts()
        assert counts == {
            DeliveryStatus.PENDING: 0,
            DeliveryStatus.CLAIMED: 0,
            DeliveryStatus.DONE: 0,
            DeliveryStatus.DEAD: 1,
        }

    def test_complete_deliveries_marks_only_claims_the_worker_holds(self, store: Store) -> None:
        self._pending(store, 6)
        mine = store.claim_deliveries("w1", 3, T0, LEASE)
        theirs = store.claim_deliveries("w2", 2, T0, LEASE)
        (unclaimed,) = store.list_deliveries(DeliveryStatus.PENDING, 10)
        ids = [d.id for d in mine + theirs] + [unclaimed.id, "nope"]
        assert store.complete_deliveries(ids, "w1", T0) == 3
        assert store.complete_deliveries([d.id for d in mine], "w1", T0) == 0  # already done
        assert store.complete_deliveries([], "w1", T0) == 0
        counts = store.delivery_counts()
        assert counts[DeliveryStatus.DONE] == 3
        assert counts[DeliveryStatus.CLAIMED] == 2
        assert counts[DeliveryStatus.PENDING] == 1
        done = store.list_deliveries(DeliveryStatus.DONE, 10)
        assert {d.id for d in done} == {d.id for d in mine}
        assert all(d.claimed_by is None and d.lease_until is None for d in done)

    def test_complete_deliveries_after_a_lost_lease(self, store: Store) -> None:
        self._pending(store, 2)
        held = store.claim_deliveries("w1", 2, T0, LEASE)
        taken = store.claim_deliveries("w2", 1, T0 + LEASE, LEASE)
        ids = [d.id for d in held]
        assert store.complete_deliveries(ids, "w1", T0 + LEASE) == 1
        assert store.complete_deliveries([taken[0].id], "w2", T0 + LEASE) == 1
        assert store.delivery_counts()[DeliveryStatus.DONE] == 2

    def test_a_delivery_not_attempted_gives_its_attempt_back(self, store: Store) -> None:
        self._pending(store, 1)
        (held,) = store.claim_deliveries("w1", 1, T0, LEASE)
        assert held.attempts == 1
        later = T0 + dt.timedelta(minutes=1)
        waiting = DeliveryFailure(
            delivery_id=held.id, error="no channel yet", retry_at=later, attempted=False
        )
        assert store.fail_deliveries([waiting], "w1", T0) == {held.id}
        (pending,) = store.list_deliveries(DeliveryStatus.PENDING, 10)
        assert (pending.attempts, pending.next_attempt_at) == (0, later)

    def test_fail_deliveries_retries_dead_letters_and_skips_lost_claims(self, store: Store) -> None:
        self._pending(store, 4)
        retry, dead, lost = store.claim_deliveries("w1", 3, T0, LEASE)
        (other,) = store.claim_deliveries("w2", 1, T0, LEASE)
        retry_at = T0 + dt.timedelta(minutes=10)
        failures = [
            DeliveryFailure(delivery_id=retry.id, error="421 try later", retry_at=retry_at),
            DeliveryFailure(delivery_id=dead.id, error="550 no such user"),
            DeliveryFailure(delivery_id=other.id, error="not mine"),
            DeliveryFailure(delivery_id="nope", error="unknown"),
        ]
        assert store.fail_deliveries(failures, "w1", T0) == {retry.id, dead.id}
        assert store.fail_deliveries(failures, "w1", T0) == frozenset()  # no longer held
        assert store.fail_deliveries([], "w1", T0) == frozenset()
        (pending,) = store.list_deliveries(DeliveryStatus.PENDING, 10)
        assert (pending.id, pending.last_error, pending.next_attempt_at) == (
            retry.id,
            "421 try later",
            retry_at,
        )
        assert pending.claimed_by is None
        (dead_letter,) = store.list_deliveries(DeliveryStatus.DEAD, 10)
        assert (dead_letter.id, dead_letter.last_error) == (dead.id, "550 no such user")
        claimed = store.list_deliveries(DeliveryStatus.CLAIMED, 10)
        assert {(d.id, d.claimed_by) for d in claimed} == {(lost.id, "w1"), (other.id, "w2")}
        assert all(d.last_error is None for d in claimed)

    def test_retry_dead_brings_deliveries_back(self, store: Store) -> None:
        self._pending(store, 3)
        for d in store.claim_deliveries("w1", 3, T0, LEASE):
            _fail_one(store, d.id, "w1", "gone", T0, None)
        dead = store.list_deliveries(DeliveryStatus.DEAD, 10)
        later = T0 + dt.timedelta(hours=1)
        assert store.retry_dead([dead[0].id], later) == 1
        assert store.retry_dead([], later) == 0
        assert store.retry_dead(None, later) == 2
        pending = store.list_deliveries(DeliveryStatus.PENDING, 10)
        assert len(pending) == 3
        assert all(d.attempts == 0 and d.next_attempt_at == later for d in pending)

    # -- subscriptions -----------------------------------------------------------------

    def test_subscriptions_add_update_list_remove(self, store: Store) -> None:
        def sub(address: str, group: str | None, language: str = "en") -> Subscription:
            return Subscription(
                consultation_id="wsis-2020",
                channel="email",
                address=address,
                group=group,
                language=language,
                created_at=T0,
            )

        assert store.add_subscription(sub("a@example.org", "civil-society")) is True
        assert store.add_subscription(sub("b@example.org", None)) is True
        assert store.add_subscription(sub("c@example.org", "governments")) is True
        assert store.add_subscription(sub("a@example.org", "civil-society", "es")) is False
        everyone = store.list_subscriptions("wsis-2020")
        assert len(everyone) == 3
        civil = store.list_subscriptions("wsis-2020", group="civil-society")
        assert {s.address for s in civil} == {"a@example.org", "b@example.org"}
        assert next(s for s in civil if s.address == "a@example.org").language == "es"
        assert store.remove_subscription("wsis-2020", "email", "a@example.org") is True
        assert store.remove_subscription("wsis-2020", "email", "a@example.org") is False
        assert len(store.list_subscriptions("wsis-2020")) == 2
        assert store.list_subscriptions("other") == []

    # -- schedule ----------------------------------------------------------------------

    def test_schedule_revisions_are_numbered_per_consultation(self, store: Store) -> None:
        assert store.latest_schedule_revision("wsis-2020") is None
        event = make_event("schedule.changed", dedupe_key="schedule:wsis-2020:1")
        first = store.save_schedule_revision("wsis-2020", {"items": {"a": 1}}, [event], at=T0)
        second = store.save_schedule_revision(
            "wsis-2020", {"items": {"a": 2}}, [], at=T0 + dt.timedelta(days=1)
        )
        other = store.save_schedule_revision("other", {"items": {}}, [], at=T0)
        assert (first.number, second.number, other.number) == (1, 2, 1)
        latest = store.latest_schedule_revision("wsis-2020")
        assert latest == second
        assert latest is not None
        assert dict(latest.snapshot) == {"items": {"a": 2}}
        assert [r.number for r in store.schedule_revisions("wsis-2020")] == [1, 2]
        assert [e.id for e in store.unrouted_events(10)] == [event.id]

    # -- review ------------------------------------------------------------------------

    def test_review_assignments_are_kept_once_per_pair_and_listed_per_round(
        self, store: Store
    ) -> None:
        first, second = make_submission(1), make_submission(2)
        for s in (first, second):
            _add(store, s)
        pairs = [(first, "r01"), (first, "r02"), (second, "r01")]
        rows = [
            ReviewAssignment(
                consultation_id="wsis-2020",
                round="workshops/scoring",
                submission_id=s.id,
                reviewer_id=r,
                assigned_at=T0,
            )
            for s, r in pairs
        ]
        assert store.add_review_assignments(rows) == 3
        assert store.add_review_assignments(rows[:1]) == 0  # a pair is stored once
        listed = store.review_assignments("wsis-2020", "workshops/scoring")
        assert [(a.submission_id, a.reviewer_id) for a in listed] == sorted(
            (s.id, r) for s, r in pairs
        )
        assert listed[0].assigned_at == T0
        mine = store.review_assignments("wsis-2020", "workshops/scoring", "r02")
        assert [a.submission_id for a in mine] == [first.id]
        assert store.review_assignments("wsis-2020", "workshops/screening") == []

    def test_a_review_is_replaced_by_the_reviewers_next_one(self, store: Store) -> None:
        submission = make_submission(1)
        _add(store, submission)
        given = Review(
            consultation_id="wsis-2020",
            round="workshops/scoring",
            submission_id=submission.id,
            reviewer_id="r01",
            at=T0,
            scores={"relevance": 4, "format": 2},
            confidence=3,
            comment="Clear and focused.",
        )
        store.save_review(given)
        assert store.reviews("wsis-2020", "workshops/scoring") == [given]
        later = attrs.evolve(
            given, at=T0 + dt.timedelta(hours=1), scores={}, abstained=True, comment=None
        )
        store.save_review(later)
        screening = attrs.evolve(given, round="workshops/screening", scores={}, passed=False)
        store.save_review(screening)
        assert store.reviews("wsis-2020", "workshops/scoring") == [later]
        assert store.reviews("wsis-2020", "workshops/screening") == [screening]

    # -- lifecycle ---------------------------------------------------------------------

    def test_a_closed_store_refuses_work(self, store: Store) -> None:
        store.close()
        with pytest.raises(StoreError):
            store.get_submission("x")
        store.close()  # closing twice is harmless


class SqlStoreContract(StoreContract):
    """:class:`StoreContract` for a backend on :class:`~consultkit.storage.sql.SqlStore`.

    The ``store`` fixture must give a ``SqlStore``; the extras of the SQL base are checked
    too.
    """

    def read_tombstones(self, store: Store, consultation_id: str) -> list[Tombstone]:
        """The tombstones, read through :meth:`consultkit.storage.sql.SqlStore.tombstones`."""
        return self._sql(store).tombstones(consultation_id)

    def _sql(self, store: Store) -> SqlStore:
        assert isinstance(store, SqlStore), f"{store!r} is not built on SqlStore"
        return store

    def test_a_drain_builds_each_event_once(
        self, store: Store, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Issue 14: the claim used to read and parse every event again (two builds per
        # event); it takes the one routing built while the row it reads is unchanged.
        sql = self._sql(store)
        audience = ["submitter", "subscribers"]
        sql.enqueue_events(
            [
                make_event(
                    event_id=f"ev-{i}",
                    dedupe_key=f"k-{i}",
                    payload={"submitter_email": f"p{i}@example.org", "audience": audience},
                )
                for i in range(25)
            ]
        )
        for i in range(3):
            sql.add_subscription(
                Subscription(
                    consultation_id="wsis-2020",
                    channel="email",
                    address=f"s{i}@example.org",
                    created_at=T0,
                )
            )
        built: list[str] = []
        build = sql._event

        def counted(row: Sequence[Any]) -> OutboxEvent:
            built.append(row[0])
            return build(row)

        monkeypatch.setattr(sql, "_event", counted)
        # Batches of 10 events (40 deliveries each) claimed 10 at a time: an event's
        # deliveries span claims, which all take the built event.
        notifier = RecordingNotifier()
        report = Dispatcher(
            store=sql, notifiers={"email": notifier}, batch_size=10, now=lambda: T0
        ).drain()
        assert (report.routed, report.delivered) == (25, 100)
        assert sorted(built) == sorted(f"ev-{i}" for i in range(25))
        assert all(d.event.payload["audience"] == audience for d in notifier.sent)

    # -- consultations -----------------------------------------------------------------

    def test_consultation_documents_round_trip_and_replace(self, store: Store) -> None:
        sql_store = self._sql(store)
        assert sql_store.get_consultation("wsis-2020") is None
        sql_store.put_consultation("wsis-2020", {"id": "wsis-2020", "phases": [1, 2]})
        assert sql_store.get_consultation("wsis-2020") == {"id": "wsis-2020", "phases": [1, 2]}
        sql_store.put_consultation("wsis-2020", {"id": "wsis-2020", "phases": []})
        assert sql_store.get_consultation("wsis-2020") == {"id": "wsis-2020", "phases": []}
