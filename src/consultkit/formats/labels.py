"""The words for a schedule item's kind, status, precision and relation, in any language.

The html and svg exporters, the feed, the e-mails, the web pages and the command line say
the same things about items and submissions; these functions are the one place they are
worded (the words themselves live in the catalogue, :mod:`consultkit.i18n`). The enums
are looked up by value (a ``StrEnum`` is its value), so importing this module stays
cheap for the command line (``benchmarks/bench_startup.py``).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from consultkit.domain.model import ItemStatus
    from consultkit.domain.windows import Precision
    from consultkit.i18n import Messages


def kind_label(kind: str, words: Messages) -> str:
    """What a schedule item is (``phase``, ``event``, ``deadline``, ``review``), in words."""
    labels = {
        "phase": words.gettext("Phase"),
        "event": words.gettext("Event"),
        "deadline": words.gettext("Deadline"),
        "review": words.gettext("Review"),
    }
    return labels.get(kind, kind)


def status_label(status: ItemStatus, words: Messages) -> str:
    """``Confirmed``, ``Tentative`` or ``Cancelled`` in the reader's words."""
    return {
        "confirmed": words.gettext("Confirmed"),
        "tentative": words.gettext("Tentative"),
        "cancelled": words.gettext("Cancelled"),
    }[status]


def precision_label(precision: Precision, words: Messages) -> str:
    """How well a window is known, in the reader's words."""
    return {
        "minute": words.gettext("Exact time"),
        "day": words.gettext("Whole days"),
        "month": words.gettext("Month known, day not yet"),
        "unknown": words.gettext("To be announced"),
    }[precision]


def relation_label(relation: str, words: Messages) -> str:
    """Where an item stands from now (``upcoming``, ``current``, ``past``, ``uncertain``)."""
    labels = {
        "upcoming": words.pgettext("relation", "Upcoming"),
        "current": words.pgettext("relation", "Now"),
        "past": words.pgettext("relation", "Past"),
        "uncertain": words.pgettext("relation", "Not certain yet"),
    }
    return labels.get(relation, relation)


def submission_status_label(status: str, words: Messages) -> str:
    """A submission's status (internal, ``under-review``, or public, ``not-accepted``) in words."""
    labels = {
        "draft": words.pgettext("submission status", "draft"),
        "submitted": words.pgettext("submission status", "submitted"),
        "under-review": words.pgettext("submission status", "under review"),
        "accepted": words.pgettext("submission status", "accepted"),
        "rejected": words.pgettext("submission status", "rejected"),
        "withdrawn": words.pgettext("submission status", "withdrawn"),
        "edited": words.pgettext("submission status", "edited by the submitter"),
        "received": words.pgettext("submission status", "received"),
        "not-accepted": words.pgettext("submission status", "not accepted"),
    }
    return labels.get(status, status)


def verification_label(verification: str, words: Messages) -> str:
    """How far a submission's sender was verified (``Verification``) in words."""
    labels = {
        "none": words.pgettext("verification", "not asked"),
        "email-unconfirmed": words.pgettext("verification", "e-mail not confirmed"),
        "email-confirmed": words.pgettext("verification", "e-mail confirmed"),
    }
    return labels.get(verification, verification)


def region_label(code: str, words: Messages) -> str:
    """A UN M49 region or sub-region (``150``, ``151``; ``consultkit.domain.fields.UN_REGIONS``)
    by its CLDR name in ``words``' language, as countries are named."""
    if code == _CHANNEL_ISLANDS:  # an M49 sub-region CLDR does not name
        return words.pgettext("UN region", "Channel Islands")
    return _territories(words.language).get(code, code)


_CHANNEL_ISLANDS = "830"


@functools.cache
def _territories(language: str) -> Mapping[str, str]:
    # Lazy: babel's locale data costs start-up time every command would pay for
    # (benchmarks/bench_startup.py); only the commands that name regions load it.
    from babel import Locale

    territories: Mapping[str, str] = Locale.parse(language).territories
    return territories


def change_label(change: str, words: Messages) -> str:
    """What happened to a schedule item (a ``ChangeKind`` of ``consultkit.domain.schedule``)."""
    labels = {
        "added": words.pgettext("schedule change", "added"),
        "removed": words.pgettext("schedule change", "removed"),
        "moved": words.pgettext("schedule change", "moved"),
        "confirmed": words.pgettext("schedule change", "confirmed"),
        "tentative": words.pgettext("schedule change", "now to be confirmed"),
        "cancelled": words.pgettext("schedule change", "cancelled"),
        "place changed": words.pgettext("schedule change", "new place"),
        "gone virtual": words.pgettext("schedule change", "now online"),
        "details changed": words.pgettext("schedule change", "details updated"),
    }
    return labels.get(change, change)


def role_label(role: str, words: Messages) -> str:
    """Who acted on a submission (an ``ActorRole`` of ``consultkit.domain.submissions``)."""
    labels = {
        "submitter": words.pgettext("actor", "submitter"),
        "organiser": words.pgettext("actor", "organiser"),
        "system": words.pgettext("actor", "system"),
    }
    return labels.get(role, role)
