"""docs/notifications.md's table of events matches the classes of consultkit.events.

Each kind has one row naming its class, its default audience and every top-level key of
its payload; the envelope and the submission's facts are listed once, in the paragraph
below the table. A kind added, renamed or given a new payload key fails here until the
page says so.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import attrs
import pytest

import event_samples as samples
from consultkit import events as ev

PAGE = Path(__file__).resolve().parents[1] / "docs" / "notifications.md"
FACTS = "the submission's facts"


def _section() -> str:
    text = PAGE.read_text(encoding="utf-8")
    start = text.index("\n## Events\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def _rows() -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in _section().splitlines():
        if line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            kind = cells[0].strip("`")
            assert kind not in rows, f"{kind} has two rows"
            rows[kind] = cells
    return rows


def _names(text: str) -> list[str]:
    """The `code` names in ``text`` outside brackets (brackets hold notes and sub-keys)."""
    return re.findall(r"`([^`]+)`", re.sub(r"\([^)]*\)", "", text))


def _between(start: str, end: str) -> set[str]:
    section = _section()
    begin = section.index(start) + len(start)
    return set(_names(section[begin : section.index(end, begin)]))


ENVELOPE = _between("carries:", "**The submission's facts**")
SUBMISSION_FACTS = _between("are top-level keys:", "Instants are")


@pytest.fixture(scope="module")
def each() -> dict[str, ev.Event]:
    return samples.one_of_each(samples.wsis())


def test_the_table_lists_every_kind_once_in_registry_order() -> None:
    assert list(_rows()) == list(ev.EVENTS)


@pytest.mark.parametrize("kind", list(ev.EVENTS))
def test_a_row_names_the_class(kind: str) -> None:
    assert _rows()[kind][1] == f"`{ev.EVENTS[kind].__name__}`"


@pytest.mark.parametrize("kind", list(ev.EVENTS))
def test_a_row_gives_the_default_audience(kind: str, each: dict[str, ev.Event]) -> None:
    audience = _rows()[kind][3]
    assert tuple(_names(audience)) == ev.EVENTS[kind].default_audience
    if each[kind].audience != ev.EVENTS[kind].default_audience:
        assert "(" in audience, f"{kind}: say when its audience differs from the default"


@pytest.mark.parametrize("kind", list(ev.EVENTS))
def test_a_row_lists_every_payload_key(kind: str, each: dict[str, ev.Event]) -> None:
    cell = _rows()[kind][4]
    documented = ENVELOPE | set(_names(cell))
    if FACTS in cell:
        documented |= SUBMISSION_FACTS
    keys = set(each[kind].payload())
    event = each[kind]
    if isinstance(event, ev.ReminderDue):
        # A reviewer's copy of a reminder has a part more: the row lists it too.
        work = ev.ReviewerWork(reviewer_id="r01", assigned=2, open=1, language="en")
        keys |= set(attrs.evolve(event, work=work).payload())
    assert keys == documented


def test_the_envelope_is_what_every_payload_has(each: dict[str, ev.Event]) -> None:
    assert {"consultation", "organisers", "audience", "groups", "language"} == ENVELOPE
    assert {"tracking_number", "title", "submitter_email"} <= SUBMISSION_FACTS
