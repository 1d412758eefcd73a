"""Who may not review what: declared conflicts and the ones derived from the data.

Derived: the reviewer wrote it (same e-mail), works for the submitting organisation
(compared case- and space-insensitively), or, where the round says so, comes from the
submitter's country.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from consultkit.domain.review.pool import Reviewer


@attrs.frozen(kw_only=True)
class Candidate:
    """A submission as conflict checks see it (nothing a reviewer is shown)."""

    id: str
    reference: str
    email: str | None = None
    organisation: str | None = None
    country: str | None = None


def _same(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def conflict(reviewer: Reviewer, candidate: Candidate, *, same_country: bool) -> str | None:
    """Why ``reviewer`` may not review ``candidate``, or ``None`` when they may."""
    if candidate.reference in reviewer.conflicts or candidate.id in reviewer.conflicts:
        return "declared conflict"
    if _same(reviewer.email, candidate.email):
        return "authorship"
    if _same(reviewer.organisation, candidate.organisation):
        return "same organisation"
    if any(_same(o, candidate.organisation) for o in reviewer.conflict_organisations):
        return "declared conflict with the organisation"
    if same_country and _same(reviewer.country, candidate.country):
        return "same country"
    return None
