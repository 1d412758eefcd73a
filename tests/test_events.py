"""consultkit.events: one class per kind, one payload shape for every channel, clean layers."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).parent))

import attrs
import pytest
from consultkit_smtp.render import render_message
from consultkit_webhook.notifier import body_of

import event_samples as samples
from consultkit import events as ev
from consultkit.app.outbox import due_events, to_outbox
from consultkit.app.routing import audience_of, route
from consultkit.default_plugins.log_notifier import LogNotifier
from consultkit.domain.reminders import Moment, due_moments, item_edges
from consultkit.domain.submissions import ActorRole
from consultkit.storage.erasure import without_identity
from consultkit.storage.protocols import (
    Delivery,
    DeliveryStatus,
    DeliveryTarget,
    OutboxEvent,
    Subscription,
)

if TYPE_CHECKING:
    from consultkit.domain.model import Consultation

SRC = Path(__file__).resolve().parents[1] / "src" / "consultkit"
KINDS = [
    "submission.received",
    "submission.status-changed",
    "submission.edited",
    "submission.confirmation-requested",
    "phase.opened",
    "call.opened",
    "call.closed",
    "reminder.due",
    "schedule.changed",
]
ENVELOPE = {"consultation", "organisers", "audience", "groups", "language"}


@pytest.fixture(scope="module")
def wsis() -> Consultation:
    return samples.wsis()


@pytest.fixture(scope="module")
def each(wsis: Consultation) -> dict[str, ev.Event]:
    return samples.one_of_each(wsis)


def test_the_registry_holds_one_class_per_kind() -> None:
    assert list(ev.EVENTS) == KINDS
    for kind, cls in ev.EVENTS.items():
        assert cls.kind == kind
        assert ev.event_class(kind) is cls
        assert attrs.has(cls) and cls.__attrs_attrs__  # type: ignore[attr-defined]
    assert ev.event_class("submission.deleted") is None
    assert len({cls.__name__ for cls in ev.EVENTS.values()}) == len(KINDS)


def test_the_samples_cover_every_kind(each: dict[str, ev.Event]) -> None:
    assert sorted(each) == sorted(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_a_payload_is_json_with_the_envelope(each: dict[str, ev.Event], kind: str) -> None:
    event = each[kind]
    payload = event.payload()
    assert json.loads(json.dumps(payload)) == payload
    assert payload.keys() >= ENVELOPE
    assert payload["audience"] == list(event.audience)
    assert payload["consultation"]["id"] == event.consultation_id == "wsis-forum-2020-ocp"
    assert payload["organisers"] == ["wsis-info@itu.int"]
    assert event.dedupe_key.startswith(("reminder:", kind))


@pytest.mark.parametrize("kind", KINDS)
def test_an_event_becomes_its_outbox_record(each: dict[str, ev.Event], kind: str) -> None:
    event = each[kind]
    record = to_outbox(event)
    assert record.kind == kind
    assert record.consultation_id == event.consultation_id
    assert record.dedupe_key == event.dedupe_key
    assert dict(record.payload) == event.payload()
    assert record.occurred_at == event.occurred_at
    assert record.occurred_at.tzinfo is dt.UTC
    assert record.submission_id == event.submission_id
    assert to_outbox(event, event_id="fixed").id == "fixed"
    if event.stable_id is None:
        assert to_outbox(event).id != record.id  # a fresh UUID each time
    else:
        assert to_outbox(event).id == record.id == event.stable_id


def test_submission_events_keep_the_flat_keys_receivers_get(each: dict[str, ev.Event]) -> None:
    received = each["submission.received"]
    assert isinstance(received, ev.SubmissionReceived)
    sub = received.submission
    assert sub.submitter is not None
    payload = received.payload()
    assert payload["tracking_number"] == sub.tracking_number
    assert payload["submission_id"] == sub.id
    assert payload["submitter_email"] == sub.submitter.email
    assert payload["submitter_name"] == sub.submitter.name
    assert str(payload["call_title"]).startswith("Official submissions")
    assert payload["received_at"] == "2020-01-20T09:00:00Z"
    assert payload["groups"] == ["civil-society"]
    assert payload["language"] == "en"
    assert received.audience == ("submitter", "organisers")
    assert received.dedupe_key == f"submission.received:{sub.id}"
    assert received.submission_id == sub.id


def test_a_receipt_builds_its_consultation_s_part_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 14: the consultation's part (about 2 KB: its titles in six languages) was built
    # for every submission's receipt; it is the same for every receipt of a call.
    consultation = samples.wsis()  # a new value: nothing is kept for it yet
    built: list[str] = []
    real = ev.consultation_part
    monkeypatch.setattr(ev, "consultation_part", lambda c: built.append(c.id) or real(c))
    sub = samples.submission(consultation)
    payloads = [
        ev.SubmissionReceived(
            consultation=consultation,
            submission=attrs.evolve(sub, id=f"id-{n}", tracking_number=f"CK-{n}", title=f"T{n}"),
        ).payload()
        for n in range(4)
    ]
    assert len(built) == 1
    varying = {"submission_id", "tracking_number", "title"}
    assert all(p.keys() == payloads[0].keys() for p in payloads)
    assert {k for k in payloads[0] if payloads[0][k] != payloads[1][k]} == varying
    # The same value as built afresh for another (equal) consultation value, key order too.
    fresh = ev.SubmissionReceived(consultation=samples.wsis(), submission=sub).payload()
    assert len(built) == 2
    again = ev.SubmissionReceived(consultation=consultation, submission=sub).payload()
    assert list(again.items()) == list(fresh.items())
    # A changed consultation is another value: its receipts say what it says now.
    renamed = attrs.evolve(consultation, website="https://example.org/new")
    payload = ev.SubmissionReceived(consultation=renamed, submission=sub).payload()
    assert payload["consultation"]["website"] == "https://example.org/new"


def test_a_status_change_tells_organisers_only_of_what_they_did_not_do(
    wsis: Consultation,
) -> None:
    sub = samples.submission(wsis)
    by_organiser = ev.SubmissionStatusChanged(
        consultation=wsis, submission=sub, entry=samples.status_entry(sub)
    )
    assert by_organiser.audience == ("submitter",)
    assert by_organiser.payload()["audience"] == ["submitter"]
    withdrawn = ev.SubmissionStatusChanged(
        consultation=wsis,
        submission=sub,
        entry=samples.status_entry(sub, ActorRole.SUBMITTER, "person1@example.org"),
    )
    assert withdrawn.audience == ("submitter", "organisers")
    payload = withdrawn.payload()
    assert payload["from_status"] == "submitted" and payload["to_status"] == "under-review"
    assert payload["public_status"] == "received"  # under review shows as received
    assert payload["changed_at"] == "2020-01-21T09:00:00Z"
    assert payload["reason"] == "checking eligibility"
    # The format existing outbox rows carry, so a retried transition is still recognised.
    assert by_organiser.dedupe_key == (
        f"submission.status-changed:{sub.id}:submitted>under-review@2020-01-21T09:00:00+00:00"
    )


def test_clock_and_reminder_dedupe_keys_hold_the_instant(each: dict[str, ev.Event]) -> None:
    opened = each["call.opened"]
    assert opened.dedupe_key == (
        "call.opened:wsis-forum-2020-ocp:call:official-submissions:"
        + str(opened.payload()["item"]["at"])
    )
    assert opened.payload()["groups"] == ["x"]
    reminder = each["reminder.due"]
    assert isinstance(reminder, ev.ReminderDue)
    assert reminder.dedupe_key == (
        "reminder:wsis-forum-2020-ocp:official-submissions-deadline:604800:"
        + str(ev.iso(reminder.anchor_at))
    )
    assert reminder.occurred_at == reminder.anchor_at - dt.timedelta(days=7)
    assert reminder.audience == ("subscribers",)
    payload = reminder.payload()
    assert payload["reminder"]["before_seconds"] == 604800
    assert payload["reminder"]["due_at"] == ev.iso(reminder.occurred_at)
    assert payload["item"]["ref"] == "call:official-submissions"


def test_a_schedule_change_is_named_by_what_changed(
    wsis: Consultation, each: dict[str, ev.Event]
) -> None:
    changed = each["schedule.changed"]
    assert isinstance(changed, ev.ScheduleChanged)
    again = samples.one_of_each(wsis)["schedule.changed"]
    assert (again.stable_id, again.dedupe_key) == (changed.stable_id, changed.dedupe_key)
    assert changed.stable_id is not None
    assert changed.stable_id.startswith("schedule-wsis-forum-2020-ocp-2-")
    assert changed.dedupe_key.startswith("schedule.changed:wsis-forum-2020-ocp:2:")
    other = attrs.evolve(changed, revision=3)
    assert other.dedupe_key != changed.dedupe_key
    payload = changed.payload()
    assert (payload["revision"], payload["previous_revision"]) == (2, 1)
    (change,) = payload["changes"]
    assert change["ref"] == "phase:phase-2" and change["change"] == "moved"
    assert change["title"]["en"]
    assert change["before"]["precision"] == "minute"


def test_routing_reads_the_one_shape(wsis: Consultation, each: dict[str, ev.Event]) -> None:
    record = to_outbox(each["submission.received"])
    subscriber = Subscription(
        consultation_id=wsis.id, channel="webhook", address="https://x", created_at=samples.AT
    )
    targets = route(record, [subscriber], address_channel="email")
    assert targets == [
        DeliveryTarget(channel="email", recipient="person1@example.org", language="en"),
        # Organisers read the consultation's first language.
        DeliveryTarget(channel="email", recipient="wsis-info@itu.int", language="es"),
    ]
    reminder = to_outbox(each["reminder.due"])
    assert route(reminder, [subscriber], address_channel="email") == [
        DeliveryTarget(channel="webhook", recipient="https://x", language="en")
    ]


def test_a_hand_written_event_gets_its_kinds_default_audience() -> None:
    def bare(kind: str) -> OutboxEvent:
        return OutboxEvent(
            id="e", kind=kind, consultation_id="c", occurred_at=samples.AT, payload={}
        )

    for kind, cls in ev.EVENTS.items():
        assert audience_of(bare(kind)) == cls.default_audience
    assert audience_of(bare("something.else")) == ("subscribers", "organisers")


@pytest.mark.parametrize("kind", KINDS)
def test_every_channel_gets_the_same_payload(
    each: dict[str, ev.Event], kind: str, tmp_path: Path
) -> None:
    record = to_outbox(each[kind])
    delivery = Delivery(
        id="d1",
        event=record,
        channel="email",
        recipient="wsis-info@itu.int",
        language="es",
        status=DeliveryStatus.CLAIMED,
        attempts=1,
        next_attempt_at=samples.AT,
    )
    stored = json.loads(json.dumps(dict(record.payload)))
    assert json.loads(body_of(delivery))["payload"] == stored
    log = tmp_path / "log.jsonl"
    LogNotifier(path=log).send([delivery])
    # The log file is outside erasure, so it gets the same payload without the submitter's
    # identity (issue 9, finding 6; docs/notifications.md).
    assert json.loads(log.read_text(encoding="utf-8"))["payload"] == without_identity(stored)
    message = render_message(delivery)
    assert message.subject and message.language == "es"
    assert "Undefined" not in message.text and "None" not in message.subject


def test_due_events_are_built_from_the_classes(wsis: Consultation) -> None:
    start = item_edges(wsis, "phase:phase-2").start
    assert start is not None
    moments = due_moments(wsis, start + dt.timedelta(minutes=1))
    assert [(m.moment, m.ref) for m in moments] == [(Moment.PHASE_OPENED, "phase:phase-2")]
    records = due_events(wsis, start + dt.timedelta(minutes=1))
    assert [r.kind for r in records] == [ev.PhaseOpened.kind]
    expected = ev.PhaseOpened(consultation=wsis, ref="phase:phase-2", at=start)
    assert records[0].dedupe_key == expected.dedupe_key
    assert dict(records[0].payload) == expected.payload()


@pytest.mark.parametrize(
    "instant",
    [
        dt.datetime(2020, 3, 29, 0, 30, 15, 999_999, tzinfo=dt.UTC),
        dt.datetime(2020, 3, 29, 2, 30, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=45))),
        dt.datetime(2019, 12, 31, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3))),
    ],
)
def test_event_instants_are_utc_with_a_z(instant: dt.datetime) -> None:
    # Formatted with the stdlib since issue 14: the same text pendulum gave.
    import pendulum

    expected = pendulum.instance(instant).in_timezone("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ev.iso(instant) == ev.iso(pendulum.instance(instant)) == expected
    with pytest.raises(ValueError, match="no time zone"):
        ev.iso(instant.replace(tzinfo=None))
