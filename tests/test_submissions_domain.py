"""The pure submission domain: ids, tracking numbers, tags, fingerprints, submitting rules."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consultkit.domain.campaigns import (
    duplicate_groups,
    fingerprint,
    jaccard,
    minhash,
    normalize_body,
    shingles,
)
from consultkit.domain.model import Call, Consultation, Phase, Requirement, StakeholderGroup
from consultkit.domain.submission_rules import (
    call_times,
    check_submission,
    new_submission,
    receipt_for,
)
from consultkit.domain.submissions import (
    Consent,
    Draft,
    Provenance,
    SubmissionStatus,
    Submitter,
    new_submission_id,
    new_tracking_number,
    normalize_tracking_number,
)
from consultkit.domain.text import Text
from consultkit.domain.windows import DayWindow, Deadline, ExactWindow
from consultkit.errors import RuleRefusedError
from consultkit.testing.factories import wsis_consultation

ZONE = "Europe/Zurich"
UTC = dt.UTC


def wsis(**call_changes: object) -> Consultation:
    """A small WSIS-like consultation: phase I opens the call, phase V is its deadline."""
    phases = (
        Phase(
            id="I",
            ordinal=1,
            title=Text.of(en="Launch"),
            window=ExactWindow(
                start=dt.datetime(2019, 6, 4, 15, 0, tzinfo=UTC),
                end=dt.datetime(2019, 6, 4, 16, 0, tzinfo=UTC),
                zone=ZONE,
            ),
        ),
        Phase(
            id="III",
            ordinal=3,
            title=Text.of(en="Second meeting"),
            window=DayWindow(first=dt.date(2019, 11, 25), last=dt.date(2019, 11, 29), zone=ZONE),
        ),
        Phase(
            id="V",
            ordinal=5,
            title=Text.of(en="Deadline for official submissions"),
            window=Deadline(day=dt.date(2020, 2, 3), zone=ZONE),
        ),
    )
    fields: dict[str, object] = {
        "id": "official",
        "kind": "submission",
        "title": Text.of(en="Official submissions"),
        "opens_with": "I",
        "closes_with": "V",
    }
    fields.update(call_changes)
    return Consultation(
        id="wsis2020",
        title=Text.of(en="WSIS Forum 2020"),
        zone=ZONE,
        languages=("en", "fr", "es"),
        groups=(
            StakeholderGroup(id="government", name=Text.of(en="Government")),
            StakeholderGroup(id="civil-society", name=Text.of(en="Civil society")),
        ),
        phases=phases,
        calls=(Call(**fields),),  # type: ignore[arg-type]
        vocabularies=wsis_consultation().vocabularies,
    )


def draft(**changes: object) -> Draft:
    fields: dict[str, object] = {
        "call_id": "official",
        "submitter": Submitter(
            name="Ana Pérez", email="ana@example.org", group="civil-society", country="ES"
        ),
        "title": "Access for rural schools",
        "body": "Connectivity for rural schools should be an Action Line C2 priority.",
        "language": "en",
        "tags": ("c2", "SDG 4"),
    }
    fields.update(changes)
    return Draft(**fields)  # type: ignore[arg-type]


# Last second of 3 February 2020 in Geneva (CET, UTC+1) is 22:59:59 UTC.
LAST_SECOND = dt.datetime(2020, 2, 3, 22, 59, 59, tzinfo=UTC)
TOO_LATE = dt.datetime(2020, 2, 3, 23, 0, 0, tzinfo=UTC)
DURING = dt.datetime(2019, 12, 1, 12, 0, tzinfo=UTC)


class TestIdentifiers:
    def test_ids_are_uuid7_and_time_ordered(self) -> None:
        first = new_submission_id(dt.datetime(2020, 1, 1, tzinfo=UTC))
        later = new_submission_id(dt.datetime(2020, 1, 1, 0, 0, 0, 2000, tzinfo=UTC))
        parsed = uuid.UUID(first)
        assert parsed.version == 7
        assert parsed.variant == uuid.RFC_4122
        assert first < later
        assert int(parsed.hex[:12], 16) == 1577836800000

    def test_ids_differ_within_one_millisecond(self) -> None:
        at = dt.datetime(2020, 1, 1, tzinfo=UTC)
        assert len({new_submission_id(at) for _ in range(1000)}) == 1000

    def test_tracking_number_shape_and_entropy(self) -> None:
        numbers = {new_tracking_number() for _ in range(2000)}
        assert len(numbers) == 2000
        for number in numbers:
            assert re.fullmatch(r"CK(-[0-9A-HJKMNP-TV-Z]{4}){4}", number), number
        # Every position uses the whole alphabet: the randomness reaches every character.
        columns = [set(n.replace("-", "")[2 + i] for n in numbers) for i in range(16)]
        assert all(len(column) == 32 for column in columns)

    @given(st.integers(min_value=0, max_value=15))
    def test_typed_tracking_numbers_normalise(self, position: int) -> None:
        number = new_tracking_number()
        typed = number.lower().replace("-", " ").replace("0", "o").replace("1", "l")
        assert normalize_tracking_number(typed) == number
        assert normalize_tracking_number(number.removeprefix("CK-")) == number
        compact = number.replace("-", "")[2:]
        assert normalize_tracking_number(compact[:position] + "U" + compact[position + 1 :]) is None
        assert normalize_tracking_number(compact[:-1]) is None


class TestFingerprints:
    def test_campaign_variants_share_a_fingerprint(self) -> None:
        a = "Keep the Internet OPEN!  Protect net neutrality."
        b = "keep the internet open -- protect net\nneutrality"
        assert normalize_body(a) == "keep the internet open protect net neutrality"
        assert fingerprint(a) == fingerprint(b)
        assert fingerprint(a) != fingerprint("Keep the Internet closed.")
        assert re.fullmatch(r"[0-9a-f]{64}", fingerprint(a))

    def test_fullwidth_and_ligatures_fold(self) -> None:
        assert fingerprint("ＯＰＥＮ ﬁle") == fingerprint("open file")

    def test_shingle_similarity_near_and_far(self) -> None:
        letter = (
            "I urge the commission to protect the open internet and to keep broadband"
            " classified as a common carrier service for every household in the country."
        )
        signed = letter + " Signed Ana"
        other = "The rural school programme should fund satellite links and teacher training."
        assert jaccard(shingles(letter), shingles(signed)) > 0.8
        assert jaccard(shingles(letter), shingles(other)) == 0.0

    def test_duplicate_groups_count_and_never_drop(self) -> None:
        letter = (
            "I urge the commission to protect the open internet and to keep broadband"
            " classified as a common carrier service for every household in the country,"
            " because small businesses, schools and libraries depend on equal treatment"
            " of traffic and cannot pay for a fast lane."
        )
        near = letter + " Thank you."
        rows = [
            ("a", letter),
            ("b", letter.upper()),
            ("c", near),
            ("d", "Something else entirely."),
        ]
        groups = duplicate_groups(rows)
        assert len(groups) == 1
        assert groups[0].ids == ("a", "b", "c")  # the most copied text leads
        assert groups[0].count == 3
        assert not groups[0].exact
        exact_only = duplicate_groups(rows, exact_only=True)
        assert [(set(g.ids), g.exact) for g in exact_only] == [({"a", "b"}, True)]

    def test_empty_texts_and_minhash_of_nothing(self) -> None:
        assert shingles("  ... ") == frozenset()
        assert minhash(frozenset()) == ()
        groups = duplicate_groups([("a", " ... "), ("b", ""), ("c", "!")])
        assert [(set(g.ids), g.exact) for g in groups] == [({"a", "b", "c"}, True)]


class TestCallTimes:
    def test_phase_opening_and_deadline(self) -> None:
        consultation = wsis()
        times = call_times(consultation, consultation.call("official"))
        assert times.opens == dt.datetime(2019, 6, 4, 15, 0, tzinfo=UTC)
        assert times.closes == TOO_LATE
        assert times.notes == ()

    def test_unknown_sides_are_open_and_said(self) -> None:
        consultation = wsis(opens_with=None, closes_with=None)
        times = call_times(consultation, consultation.call("official"))
        assert times.opens is None and times.closes is None
        assert len(times.notes) == 2
        assert "treated as open" in times.notes[0]

    def test_day_window_closes_at_its_end(self) -> None:
        consultation = wsis(closes_with="III")
        times = call_times(consultation, consultation.call("official"))
        assert times.closes == dt.datetime(2019, 11, 29, 23, 0, tzinfo=UTC)


class TestCheckSubmission:
    def test_last_second_in_geneva_is_accepted(self) -> None:
        checked = check_submission(wsis(), draft(), LAST_SECOND)
        assert checked.draft.tags == ("C2", "SDG4")

    def test_midnight_in_geneva_is_refused_with_both_zones(self) -> None:
        with pytest.raises(RuleRefusedError) as info:
            check_submission(wsis(), draft(), TOO_LATE)
        assert info.value.rule == "call-closed"
        message = str(info.value)
        assert "3 February 2020" in message and "Europe/Zurich" in message
        assert "23:59:59" in message and "22:59:59 UTC" in message
        assert "it is now 2020-02-04 00:00:00 Europe/Zurich (2020-02-03 23:00:00 UTC)" in message

    def test_before_opening_is_refused(self) -> None:
        with pytest.raises(RuleRefusedError) as info:
            check_submission(wsis(), draft(), dt.datetime(2019, 6, 4, 14, 59, 59, tzinfo=UTC))
        assert info.value.rule == "call-not-open"

    def test_unknown_deadline_is_open_with_a_note(self) -> None:
        checked = check_submission(
            wsis(closes_with=None), draft(), dt.datetime(2030, 1, 1, tzinfo=UTC)
        )
        assert any("no deadline" in note for note in checked.notes)

    def test_explicit_deadline_on_the_call(self) -> None:
        consultation = wsis(
            closes_with=None, deadline=Deadline(day=dt.date(2020, 1, 31), zone=ZONE)
        )
        with pytest.raises(RuleRefusedError, match="is closed"):
            check_submission(consultation, draft(), dt.datetime(2020, 1, 31, 23, 0, tzinfo=UTC))

    @pytest.mark.parametrize(
        ("changes", "rule"),
        [
            ({"call_id": "nope"}, "unknown-call"),
            (
                {"submitter": Submitter(name="X", email="x@example.org", group="aliens")},
                "unknown-group",
            ),
            (
                {"submitter": Submitter(name=" ", email="x@example.org", group="government")},
                "submitter",
            ),
            (
                {"submitter": Submitter(name="X", email="not-an-address", group="government")},
                "submitter",
            ),
            ({"language": "english please"}, "language"),
            ({"body": "   "}, "missing-content"),
            ({"title": ""}, "missing-content"),
            ({"body": "x" * 100_001}, "too-long"),
            ({"tags": ("C12",)}, "tag"),
            ({"consent": Consent(publish_organisation=True)}, "consent"),
        ],
    )
    def test_refusals_name_their_rule(self, changes: dict[str, object], rule: str) -> None:
        with pytest.raises(RuleRefusedError) as info:
            check_submission(wsis(), draft(**changes), DURING)
        assert info.value.rule == rule

    def test_group_eligibility(self) -> None:
        consultation = wsis(groups=("government",))
        with pytest.raises(RuleRefusedError) as info:
            check_submission(consultation, draft(), DURING)
        assert info.value.rule == "group-not-eligible"
        government = Submitter(name="Min", email="min@gov.example", group="government")
        check_submission(consultation, draft(submitter=government), DURING)

    def test_requirements_with_fields(self) -> None:
        consultation = wsis(
            requirements=(
                Requirement(
                    id="tags", description=Text.of(en="Name the Action Lines"), field="tags"
                ),
                Requirement(
                    id="org", description=Text.of(en="Say who you represent"), field="organisation"
                ),
                Requirement(
                    id="plugin", description=Text.of(en="Checked elsewhere"), field="budget"
                ),
            )
        )
        with pytest.raises(RuleRefusedError, match="Name the Action Lines"):
            check_submission(consultation, draft(tags=()), DURING)
        with pytest.raises(RuleRefusedError, match="organisation"):
            check_submission(consultation, draft(), DURING)
        with_org = Submitter(
            name="Ana", email="ana@example.org", group="civil-society", organisation="APC"
        )
        check_submission(consultation, draft(submitter=with_org), DURING)


def test_new_submission_and_receipt() -> None:
    at = dt.datetime(2020, 1, 10, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    submission = new_submission(
        draft(), consultation_id="wsis2020", at=at, provenance=Provenance.API, idempotency_key="k1"
    )
    assert submission.received_at == dt.datetime(2020, 1, 10, 8, 30, tzinfo=UTC)
    assert submission.received_at.tzinfo is UTC
    assert submission.status is SubmissionStatus.SUBMITTED
    assert submission.fingerprint == fingerprint(draft().body)
    receipt = receipt_for(submission)
    assert receipt.tracking_number == submission.tracking_number
    assert receipt.submission_id == submission.id
    assert not receipt.replayed
