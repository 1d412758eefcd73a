"""The web pages' words that depend on a value: a call's state, a status, a refused rule.

The words themselves are in consultkit's catalogue (:mod:`consultkit.i18n`), as every
fixed word of the pages is; templates say the others with ``_("…")``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from consultkit.i18n import Messages


def call_state(state: str, words: Messages) -> str:
    """Why a call takes no submissions now (``not-yet-open``, ``closed``)."""
    states = {
        "not-yet-open": words.gettext("Not open yet."),
        "closed": words.gettext("Closed: the deadline has passed."),
    }
    return states.get(state, state)


def item_status(status: str, words: Messages) -> str:
    """A schedule item's status beside its dates (``tentative``, ``cancelled``)."""
    statuses = {
        "tentative": words.pgettext("schedule item", "to be confirmed"),
        "cancelled": words.pgettext("schedule item", "cancelled"),
    }
    return statuses.get(status, status)


def rule_text(rule: str, words: Messages) -> str:
    """A refused rule (``consultkit.domain.submission_rules``) in plain words for the form."""
    texts = {
        "call-not-open": words.gettext("This call does not accept submissions yet."),
        "call-closed": words.gettext("This call is closed: its deadline has passed."),
        "unknown-group": words.gettext("Choose one of the stakeholder groups listed."),
        "group-not-eligible": words.gettext("This call is not open to that stakeholder group."),
        "submitter": words.gettext("Give your name and a working e-mail address."),
        "name": words.gettext("Give your name."),
        "email": words.gettext("Give a working e-mail address: your receipt is sent there."),
        "language": words.gettext("Choose the language your text is written in."),
        "missing-content": words.gettext("This call needs this field."),
        "too-long": words.gettext("This text is too long."),
        "one-line": words.gettext("Write this on one line."),
        "tag": words.gettext("Use the terms listed under the keywords."),
        "field": words.gettext("This answer is not accepted."),
        "attachment": words.gettext("This file cannot be taken: check its type and size."),
        "quota.email": words.gettext(
            "This e-mail address has sent as many submissions as this call takes."
        ),
        "quota.organisation": words.gettext(
            "Your organisation has sent as many submissions as this call takes."
        ),
        "consent": words.gettext("You agreed to publish your organisation, but gave none."),
        "idempotency-key-reused": words.gettext(
            "This form was already used for another submission: open the form again."
        ),
        "plugin": words.gettext("A check of the organisers refused the submission."),
        "honeypot": words.gettext("The form was filled in automatically and was not accepted."),
    }
    return texts.get(rule, texts["plugin"])


def error_title(status: int, words: Messages) -> str:
    """The title of an error page (and of the API's problem) for an HTTP ``status``."""
    titles = {
        400: words.gettext("Bad request"),
        401: words.gettext("Unauthorized"),
        403: words.gettext("Forbidden"),
        404: words.gettext("Not found"),
        405: words.gettext("Method not allowed"),
        409: words.gettext("Conflict"),
        410: words.gettext("Gone"),
        413: words.gettext("Request body too large"),
        415: words.gettext("Unsupported media type"),
        422: words.gettext("Refused by a rule"),
        429: words.gettext("Too many requests"),
        500: words.gettext("Internal error"),
    }
    return titles.get(status, words.gettext("Error"))
