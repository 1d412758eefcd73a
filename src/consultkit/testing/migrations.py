"""Roll a store's schema back to an older version, to test the migrations after it.

A migration test writes rows the way an older consultkit did, then opens the store with
today's code and checks what the migrations made of them. :func:`undo_statements` gives
the SQL that takes a schema at the newest version back to ``version`` (columns, indexes
and tables the later migrations added go, newest first), so such a test keeps working when
more migrations are appended after the one it is about. Data changes (``UPDATE``) cannot
be undone and are skipped; delete the ``schema_version`` rows above ``version`` too.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

_ADD_COLUMN = re.compile(r"^\s*ALTER\s+TABLE\s+(\w+)\s+ADD\s+COLUMN\s+(\w+)", re.IGNORECASE)
_CREATE_INDEX = re.compile(r"^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(\w+)", re.IGNORECASE)
_CREATE_TABLE = re.compile(r"^\s*CREATE\s+TABLE\s+(\w+)", re.IGNORECASE)


def undo_statements(migrations: Sequence[Sequence[str]], version: int) -> list[str]:
    """The statements that undo ``migrations[version:]``'s schema changes, newest first."""
    undo: list[str] = []
    for migration in reversed(migrations[version:]):
        for statement in reversed(migration):
            if match := _ADD_COLUMN.match(statement):
                undo.append(f"ALTER TABLE {match[1]} DROP COLUMN {match[2]}")
            elif match := _CREATE_INDEX.match(statement):
                undo.append(f"DROP INDEX {match[1]}")
            elif match := _CREATE_TABLE.match(statement):
                undo.append(f"DROP TABLE {match[1]}")
    return undo
