"""The organiser's guide lists the loader's error messages; each one is produced here.

Every message quoted in the first column of the guide's error table must come out of the
loader for one of the files below, and every file below must give a message the table
documents, so the table and the loader cannot drift apart.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from consultkit.config.loader import loads_consultation
from consultkit.errors import ConfigError
from consultkit.testing.factories import MINIMAL_CONSULTATION as MINIMAL

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "organisers.md"


def _edit(old: str, new: str) -> str:
    assert old in MINIMAL, old
    return MINIMAL.replace(old, new, 1)


def _phase(extra: str) -> str:
    return (
        MINIMAL + f'\n[[phases]]\nid = "{extra}"\nordinal = 2\n'
        'title = { en = "Again", fr = "Encore" }\nwindow = { kind = "unscheduled" }\n'
    )


#: One broken file per kind of mistake an organiser makes.
BROKEN = {
    "toml": _edit('id = "minimal"', 'id = "minimal'),
    "empty": "",
    "missing": _edit('id = "minimal"\n', ""),
    "bad id": _edit('id = "minimal"', 'id = "Minimal consultation"'),
    "misspelt key": _edit('zone = "Europe/Zurich"', 'zone = "Europe/Zurich"\ntitel = { en = "x" }'),
    "zone": _edit('"Europe/Zurich"', '"Zurich"'),
    "zone type": _edit('zone = "Europe/Zurich"', "zone = 1"),
    "language tag": _edit('["en", "fr"]', '["en", "French"]'),
    "language twice": _edit('["en", "fr"]', '["en", "fr", "en"]'),
    "string": _edit('id = "civil-society"', "id = 7"),
    "integer": _edit("ordinal = 1", 'ordinal = "1"'),
    "bool": _edit("ordinal = 1", 'ordinal = 1\nplace = { remote_participation = "yes" }'),
    "date": _edit("first = 2020-01-06", 'first = "2020-01-06"'),
    "impossible date": _edit("first = 2020-01-06", "first = 2020-02-30"),
    "year": _edit("first = 2020-01-06", "first = 1800-01-06"),
    "window kind": _edit('kind = "days"', 'kind = "weeks"'),
    "reversed": _edit(
        "first = 2020-01-06, last = 2020-02-28", "first = 2020-02-28, last = 2020-01-06"
    ),
    "gap": _edit("opens_at = 2020-01-06T09:00:00", "opens_at = 2020-03-29T02:30:00"),
    "fold": _edit("opens_at = 2020-01-06T09:00:00", "opens_at = 2019-10-27T02:30:00"),
    "status": _edit("ordinal = 1", 'ordinal = 1\nstatus = "maybe"'),
    "duplicate id": _phase("comments"),
    "duplicate ordinal": _phase("second").replace("ordinal = 2", "ordinal = 1"),
    "group": _edit(
        '[[calls]]\nid = "comments"', '[[calls]]\ngroups = ["civil-societty"]\nid = "comments"'
    ),
    "phase": _edit("opens_at = 2020-01-06T09:00:00", 'opens_with = "coments"'),
    "opens twice": _edit(
        "opens_at = 2020-01-06T09:00:00", 'opens_at = 2020-01-06T09:00:00\nopens_with = "comments"'
    ),
    "closes twice": _edit(
        'deadline = { kind = "deadline", day = 2020-02-28 }',
        'deadline = { kind = "deadline", day = 2020-02-28 }\ncloses_with = "comments"',
    ),
    "anchor": _edit('anchor = "call:comments"', 'anchor = "comments"'),
    "anchor target": _edit('anchor = "call:comments"', 'anchor = "call:coments"'),
    "duration": _edit('before = ["P7D"]', 'before = ["7 days"]'),
    "audience": _edit('before = ["P7D"]', 'before = ["P7D"]\naudience = ["everyone"]'),
    "e-mail": MINIMAL + '\n[contact]\nemail = "wsis-info at itu.int"\n',
    "link": _edit(
        'zone = "Europe/Zurich"', 'website = "ftp://example.org"\nzone = "Europe/Zurich"'
    ),
    "translation": _edit(
        "[[reminders]]",
        '[[calls.fields]]\nkey = "summary"\nkind = "text"\nlabel = { en = "Summary" }\n\n'
        "[[reminders]]",
    ),
    "secret": MINIMAL + '\n[plugins.smtp]\npassword = "hunter2"\n',
    "plugin value": MINIMAL + "\n[plugins.x]\nwhen = 2020-01-01\n",
    "plugin table": MINIMAL + '\n[plugins]\nx = "on"\n',
}


def documented() -> list[str]:
    text = GUIDE.read_text(encoding="utf-8")
    table = text.split("The messages, after", 1)[1].split("\n\n", 2)[1]
    return [m.group(1) for m in re.finditer(r"^\| `([^`]+)` \|", table, re.MULTILINE)]


def messages(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        loads_consultation(text, file="consultation.toml")
    return [str(problem) for problem in caught.value.problems]


PRODUCED = {name: messages(text) for name, text in BROKEN.items()}


def test_the_table_is_found() -> None:
    assert len(documented()) >= 35


@pytest.mark.parametrize("message", documented())
def test_each_documented_message_is_what_the_loader_says(message: str) -> None:
    every = [line for lines in PRODUCED.values() for line in lines]
    assert any(message in line for line in every), f"no broken file gives {message!r}"


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_mistake_gives_a_documented_message(name: str) -> None:
    table = documented()
    lines = PRODUCED[name]
    assert any(message in line for line in lines for message in table), (
        f"{name}: the guide does not explain {lines}"
    )
