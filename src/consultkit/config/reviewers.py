"""Reviewers files: the organisers' private list of reviewers, TOML in, a pool out.

The pool is kept apart from the consultation file because the consultation file is
published and reviewers' names, addresses, organisations and conflicts are personal
data. Only reviewer ids reach the store. Problems are reported like the consultation
file's: file, line, field path, what to do.

.. code-block:: toml

    [[reviewers]]
    id = "r01"
    name = "Ana Pérez"
    email = "ana@example.org"
    group = "civil-society"          # a stakeholder group of the consultation
    organisation = "Fundación Ejemplo"
    country = "UY"                   # ISO 3166-1 alpha-2
    language = "es"                  # of the consultation's; reminders are written in it
    conflicts = ["WSIS-7K2M-9QXD"]   # tracking numbers
    conflict_organisations = ["Another Org"]
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from consultkit.config.loader import (
    _converter,
    _did_you_mean,
    _fail,
    _problems_from,
    _unique,
    _unknown,
    parse_toml,
)
from consultkit.config.locator import KeyLocator
from consultkit.domain.fields import COUNTRY_CODES
from consultkit.domain.links import email_problem
from consultkit.domain.review.pool import ReviewerPool
from consultkit.errors import ConfigError, Problem
from consultkit.i18n import deferred
from consultkit.reasons import os_reason

if TYPE_CHECKING:
    from collections.abc import Iterator

    from consultkit.config.loader import _Problem
    from consultkit.domain.model import Consultation


def loads_reviewers(
    text: str, consultation: Consultation, *, file: str | None = None
) -> ReviewerPool:
    """The reviewer pool in ``text`` (TOML), checked against ``consultation``'s groups."""
    data = parse_toml(text, file)
    locator = KeyLocator.scan(text)
    if not data.get("reviewers"):
        raise ConfigError(
            [
                Problem(
                    path="reviewers",
                    message=deferred.gettext("the file lists no reviewers"),
                    hint=deferred.gettext('add [[reviewers]] tables with id, name and group = "…"'),
                    file=file,
                )
            ]
        )
    try:
        pool: ReviewerPool = _converter().structure(data, ReviewerPool)
    except Exception as exc:  # every structuring failure becomes a located problem
        raise _fail(list(_problems_from(exc, "")), file, locator) from None
    problems = list(_pool_problems(pool, consultation))
    if problems:
        raise _fail(problems, file, locator)
    return pool


def load_reviewers(path: str | Path, consultation: Consultation) -> ReviewerPool:
    """Load the reviewer pool of ``consultation`` from a reviewers file."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        hint = (
            deferred.gettext("check the path")
            if isinstance(exc, FileNotFoundError)
            else deferred.gettext("check the file")
        )
        raise ConfigError(
            [
                Problem(
                    path="",
                    message=deferred.gettext(
                        "cannot read it: %(error)s",
                        error=os_reason(exc)
                        if isinstance(exc, OSError)
                        else deferred.gettext("the file is not UTF-8 text"),
                    ),
                    hint=hint,
                    file=name,
                )
            ]
        ) from None
    return loads_reviewers(text, consultation, file=name)


def _pool_problems(pool: ReviewerPool, consultation: Consultation) -> Iterator[_Problem]:
    yield from _unique("reviewers", pool.reviewers)
    groups = [g.id for g in consultation.groups]
    for index, reviewer in enumerate(pool.reviewers):
        where = f"reviewers[{index}]"
        if reviewer.group not in groups:
            yield (
                f"{where}.group",
                _unknown("stakeholder group", reviewer.group),
                _did_you_mean(reviewer.group, groups, "stakeholder groups"),
            )
        if reviewer.country is not None and reviewer.country not in COUNTRY_CODES:
            yield (
                f"{where}.country",
                deferred.gettext(
                    "%(code)s is not an ISO 3166-1 alpha-2 code", code=repr(reviewer.country)
                ),
                deferred.gettext("write two capital letters, e.g. CH, UY, KE"),
            )
        if reviewer.language is not None and reviewer.language not in consultation.languages:
            yield (
                f"{where}.language",
                f"{reviewer.language!r} is not a language of the consultation",
                f"write one of {', '.join(consultation.languages)}, or leave it out for the first",
            )
        problem = None if reviewer.email is None else email_problem(reviewer.email)
        if problem is not None:
            yield (
                f"{where}.email",
                problem,
                deferred.gettext("write one address, e.g. ana@example.org"),
            )
