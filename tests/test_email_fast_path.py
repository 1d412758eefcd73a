"""The e-mail check's dot-atom fast path answers exactly as the full RFC 5322 parse does.

Issue 14: parsing every address with :class:`email.headerregistry.Address` was a third of
a bulk-imported row's cost. A plain ASCII local part now skips the parse; the answer must
not change, so the fast path is checked against the parse it replaces.
"""

from __future__ import annotations

import string
from email.headerregistry import Address

from hypothesis import given
from hypothesis import strategies as st

from consultkit.domain.submission_rules import email_address_problem


def parsed_problem(text: str) -> str | None:
    """The answer of the check as it was before the fast path, for every text."""
    saved = email_address_problem.__globals__["_DOT_ATOM"]
    email_address_problem.__globals__["_DOT_ATOM"] = _NEVER
    try:
        return email_address_problem(text)
    finally:
        email_address_problem.__globals__["_DOT_ATOM"] = saved


class _Never:
    def fullmatch(self, _text: str) -> None:
        return None


_NEVER = _Never()
LOCAL = st.text(alphabet=string.printable + "é\x00", min_size=0, max_size=20)
DOMAIN = st.sampled_from(["example.org", "sub.ex.org", "x.yz", "exa_mple.org", "org", "-a.b"])


@given(LOCAL, DOMAIN)
def test_every_address_gets_the_answer_of_the_full_parse(local: str, domain: str) -> None:
    address = f"{local}@{domain}"
    assert email_address_problem(address) == parsed_problem(address)


@given(
    st.from_regex(
        r"[A-Za-z0-9!#$%&'*+=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+=?^_`{|}~-]+)*", fullmatch=True
    )
)
def test_a_dot_atom_local_part_parses_back_unchanged(local: str) -> None:
    assert Address(addr_spec=f"{local}@example.org").addr_spec == f"{local}@example.org"
    assert email_address_problem(f"{local}@example.org") is None


def test_the_fast_path_is_taken_for_plain_addresses() -> None:
    """Without it the parse runs: this fails if the fast path is removed or never matches."""
    calls = []
    original = email_address_problem.__globals__["_parsed_address"]

    def counting(text: str) -> str | None:
        calls.append(text)
        result: str | None = original(text)
        return result

    email_address_problem.__globals__["_parsed_address"] = counting
    try:
        assert email_address_problem("person12@example.org") is None
        assert email_address_problem("o'brien+x@example.ie") is None
        assert email_address_problem("ana..perez@example.org") is not None
    finally:
        email_address_problem.__globals__["_parsed_address"] = original
    assert calls == ["ana..perez@example.org"]


def test_an_address_with_two_at_signs_is_refused_not_raised() -> None:
    """Found by the property above: the parse raised HeaderParseError (a traceback)."""
    assert email_address_problem("a@b@example.org") is not None
    assert email_address_problem("@@example.org") is not None
