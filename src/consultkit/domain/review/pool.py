"""The reviewer pool: who reviews, with what they must declare to avoid conflicts.

Reviewers' personal data is private: the pool lives in its own file (``reviewers.toml``),
never in the published consultation file, and only reviewer ids reach the store.
"""

from __future__ import annotations

import attrs

from consultkit.domain.rendering import listed
from consultkit.errors import UnknownItemError
from consultkit.i18n import deferred


@attrs.frozen(kw_only=True)
class Reviewer:
    """One reviewer: stakeholder group, organisation, country (ISO 3166-1 alpha-2) and
    declared conflicts (submission tracking numbers and organisations)."""

    id: str
    name: str
    group: str
    email: str | None = None
    organisation: str | None = None
    country: str | None = None
    language: str | None = None
    conflicts: tuple[str, ...] = ()
    """Tracking numbers of submissions the reviewer declared a conflict with."""
    conflict_organisations: tuple[str, ...] = ()
    """Organisations whose submissions the reviewer declared a conflict with."""


@attrs.frozen(kw_only=True)
class ReviewerPool:
    reviewers: tuple[Reviewer, ...] = ()

    def reviewer(self, reviewer_id: str) -> Reviewer:
        for reviewer in self.reviewers:
            if reviewer.id == reviewer_id:
                return reviewer
        ids = [r.id for r in self.reviewers]
        raise UnknownItemError(
            deferred.gettext(
                "no reviewer %(id)r in the pool (known: %(known)s)",
                id=reviewer_id,
                known=listed(ids) if ids else deferred.pgettext("no ids", "none"),
            )
        )

    def select(self, ids: tuple[str, ...]) -> tuple[Reviewer, ...]:
        """The reviewers named by ``ids`` (all of them when empty)."""
        if not ids:
            return self.reviewers
        return tuple(self.reviewer(i) for i in ids)
