"""Script links and broken addresses are refused when the file is read (issue 9, finding 12).

The feed and the page filter links again with the same function
(:func:`consultkit.domain.links.safe_url`); ``tests/test_calendar_interop.py`` checks the
feed's side, ``tests/test_web_exporters_html.py`` the page's.
"""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from consultkit.config.loader import loads_consultation
from consultkit.domain.links import email_problem, safe_url, url_problem
from consultkit.errors import ConfigError, Problem

if TYPE_CHECKING:
    from pathlib import Path

HEAD = """\
id = "c"
zone = "Europe/Zurich"
languages = ["en"]
title = { en = "T" }
"""

BODY = """
[contact]
name = "Gitanjali Sah"
email = EMAIL

[[organisers]]
id = "itu"
name = { en = "ITU" }
url = ORG_URL

[[phases]]
id = "p1"
ordinal = 1
title = { en = "P" }
window = { kind = "days", first = 2020-01-10, last = 2020-01-10 }
place = { online_url = ONLINE }

[[events]]
id = "forum"
title = { en = "Forum" }
window = { kind = "days", first = 2020-03-30, last = 2020-04-03 }
url = EVENT_URL

[[calls]]
id = "official"
kind = "submission"
title = { en = "Official" }
url = CALL_URL
"""

GOOD = {
    "WEBSITE": '"https://www.wsis.org/forum"',
    "EMAIL": '"wsis-info@itu.int"',
    "ORG_URL": '"www.itu.int"',
    "ONLINE": '"https://connect.itu.int/room"',
    "EVENT_URL": '"https://www.itu.int/forum"',
    "CALL_URL": '"mailto:wsis-info@itu.int"',
}


def document(**changes: str) -> str:
    values = {**GOOD, **changes}
    text = HEAD + f"website = {values.pop('WEBSITE')}\n" + BODY
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def problems(text: str) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        loads_consultation(text, file="c.toml")
    return list(caught.value.problems)


def test_good_links_load() -> None:
    c = loads_consultation(document())
    assert c.website == "https://www.wsis.org/forum"
    assert c.contact.email == "wsis-info@itu.int"


@pytest.mark.parametrize(
    ("key", "value", "path", "line"),
    [
        ("WEBSITE", '"javascript:alert(1)"', "website", 5),
        ("ORG_URL", '" JaVaScRiPt:alert(1)"', "organisers[0].url", 14),
        ("ONLINE", '"data:text/html,<script>alert(1)</script>"', "phases[0].place.online_url", 21),
        ("EVENT_URL", '"vbscript:msgbox(1)"', "events[0].url", 27),
        ("CALL_URL", '"https://x.org/\\r\\nX-INJECTED:1"', "calls[0].url", 33),
        ("ONLINE", '"room-g2"', "phases[0].place.online_url", 21),
    ],
)
def test_a_script_link_or_a_line_break_is_refused_where_it_is(
    key: str, value: str, path: str, line: int
) -> None:
    (problem,) = problems(document(**{key: value}))
    assert (problem.path, problem.line, problem.file) == (path, line, "c.toml")
    assert problem.hint is not None and "https://" in str(problem.hint)


@pytest.mark.parametrize(
    "value",
    [
        '"wsis-info@itu.int\\r\\nBcc: everyone@example.org"',
        '"wsis-info@itu.int\\n"',
        '"not-an-email"',
        '"a@b.org, c@d.org"',
    ],
)
def test_a_contact_email_with_a_line_break_is_refused(value: str) -> None:
    (problem,) = problems(document(EMAIL=value))
    assert (problem.path, problem.line) == ("contact.email", 9)
    assert problem.hint is not None and "one address" in str(problem.hint)


def test_validate_refuses_a_script_link_without_a_traceback(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(document(WEBSITE='"javascript:alert(1)"'), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "consultkit", "validate", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done
    assert "Traceback" not in done.stderr
    assert f"{config}:5: website: links may use only" in done.stderr + done.stdout


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://x.org/a", "https://x.org/a"),
        ("webcal://x.org/c.ics", "webcal://x.org/c.ics"),
        ("www.wsis.org/forum", "https://www.wsis.org/forum"),
        ("javascript:alert(1)", None),
        ("java\tscript:alert(1)", None),  # urlsplit would drop the TAB and see javascript:
        ("https://x.org/\x7f", None),
        ("https://x.org/\x85a", None),  # C1 NEXT LINE
        ("http://[::1", None),  # urlsplit raises
    ],
)
def test_one_check_for_every_link(url: str, kept: str | None) -> None:
    assert safe_url(url) == kept
    assert (url_problem(url) is None) == (kept is not None)


def test_email_problem() -> None:
    assert email_problem("wsis-info@itu.int") is None
    assert email_problem("ana.pérez+forum@例え.jp") is None
    assert email_problem("a@b.org\r\nBcc: c@d.org") is not None
    assert email_problem("a@b") is not None
