"""Tracking numbers come from one ``secrets.token_bytes`` call per pool, never shared.

Issue 14: one ``os.urandom`` system call per tracking number was a measurable share of a
bulk-imported row's cost. Numbers are now drawn 256 at a time; these tests hold the
pooling to its promises: few calls, every number unique and well formed, and a forked
child never issuing a number its parent holds.
"""

from __future__ import annotations

import os
import secrets

import pytest

from consultkit.domain import submissions
from consultkit.domain.submissions import new_tracking_number, normalize_tracking_number


def test_many_numbers_take_few_random_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = secrets.token_bytes

    def counting(n: int) -> bytes:
        calls.append(n)
        return real(n)

    monkeypatch.setattr(secrets, "token_bytes", counting)
    numbers = [new_tracking_number() for _ in range(1_000)]
    assert len(calls) <= 5, f"{len(calls)} calls to token_bytes for 1,000 numbers"
    assert len(set(numbers)) == 1_000
    assert all(normalize_tracking_number(n) == n for n in numbers)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_never_issues_its_parents_numbers() -> None:
    new_tracking_number()  # the parent now holds a pool
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        os.close(read)
        os.write(write, new_tracking_number().encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    parent = [new_tracking_number() for _ in range(submissions._TRACKING_POOL)]
    assert child not in parent
