"""Errors consultkit raises, all under one root so callers can catch them together.

User mistakes (a bad configuration file, a refused submission) carry *where* and *what to
do*; the command line prints them without a traceback.

Messages may be :class:`~consultkit.i18n.Text` (words not yet in a language): ``str()``
gives the English, for logs and programs; :meth:`ConsultkitError.render` and
:meth:`Problem.render` give the reader's language where the edge knows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from consultkit.i18n import Text, deferred, messages
from consultkit.value_methods import shared_value_methods

if TYPE_CHECKING:
    from collections.abc import Sequence


class ConsultkitError(Exception):
    """Root of every error consultkit raises on purpose.

    Raised with a :class:`~consultkit.i18n.Text`, it keeps the words for :meth:`render`;
    ``str()`` and ``args`` hold the English.
    """

    def __init__(self, *args: object) -> None:
        self.text: Text | None = next((a for a in args if isinstance(a, Text)), None)
        super().__init__(*(str(a) if isinstance(a, Text) else a for a in args))

    def render(self, language: str | None) -> str:
        """The message in ``language`` (English where it was written as a plain string)."""
        return self.text.render(language) if self.text is not None else str(self)


@attrs.frozen(kw_only=True)
@shared_value_methods
class Problem:
    """One thing wrong with an input, located as precisely as the input allows.

    ``path`` is a field path such as ``phases[3].window.end``; ``file`` and ``line`` are
    filled in when the problem comes from a file.
    """

    path: str
    message: str | Text
    hint: str | Text | None = None
    file: str | None = None
    line: int | None = None

    def render(self, language: str | None) -> str:
        """``FILE:LINE: PATH: message (hint)``, the words in ``language``."""
        # A problem with no file (a setting, an option's value) is placed in "the input",
        # a word of the reader's language like the message after it (issue 11).
        where = self.file or messages(language).pgettext(
            "where a problem without a file is", "<input>"
        )
        if self.line is not None:
            where = f"{where}:{self.line}"
        message = _worded(self.message, language)
        text = f"{where}: {self.path}: {message}" if self.path else f"{where}: {message}"
        if self.hint:
            text = f"{text} ({_worded(self.hint, language)})"
        return text

    def __str__(self) -> str:
        return self.render("en")


def _worded(words: str | Text, language: str | None) -> str:
    return words.render(language) if isinstance(words, Text) else words


class ConfigError(ConsultkitError, ValueError):
    """A consultation file (or value) is invalid; ``problems`` lists each thing wrong."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def render(self, language: str | None) -> str:
        return "\n".join(p.render(language) for p in self.problems)


class UnknownItemError(ConsultkitError, LookupError):
    """An id (phase, call, group, submission, …) does not exist."""


class UnknownLanguageError(ConsultkitError, LookupError):
    """A language nobody can render or export: not a tag babel knows, or not one of the
    consultation's languages; the message lists the ones that work."""


class UnknownZoneError(ConsultkitError, ValueError):
    """A time zone name consultkit cannot use: one this machine does not know (the message
    suggests the IANA name), or a legacy name that is not a place."""


class InvalidValueError(ConsultkitError, ValueError):
    """A value a person wrote as text (an instant, a language tag, ``--field KEY=VALUE``, a
    tag) cannot be read; the message says what to write instead."""


class RuleRefusedError(ConsultkitError):
    """A domain rule refused an action (call closed, group not eligible, …).

    ``rule`` names the rule so callers and tests can tell refusals apart; ``field`` names
    the input refused: the key of the call's declared field (rule ``field``), ``email`` or
    ``organisation`` (rule ``quota``), the submission's own field (``name``, ``title``… for
    rule ``one-line``), else None.
    """

    def __init__(self, rule: str, message: str | Text, *, field: str | None = None) -> None:
        self.rule = rule
        self.field = field
        super().__init__(message)


class PluginRefusedError(RuleRefusedError):
    """A plugin's validator refused a submission; ``plugins`` names the plugins that did.

    The rule stays ``plugin``; the message gives each reason with its plugin's name, so an
    organiser knows which plugin to ask about (or configure) without reading logs.
    """

    def __init__(self, message: str | Text, plugins: Sequence[str]) -> None:
        self.plugins: tuple[str, ...] = tuple(dict.fromkeys(plugins))
        super().__init__("plugin", message)


class PermissionDeniedError(RuleRefusedError):
    """The actor may not do this (a submitter reviewing, an organiser withdrawing, …)."""


class TransitionError(RuleRefusedError):
    """The submission lifecycle does not allow this status change."""


class ConfirmationLinkError(RuleRefusedError):
    """An e-mail confirmation link cannot be used: forged or damaged (rule
    ``confirmation-link``) or too old (rule ``confirmation-expired``)."""


class StoreError(ConsultkitError):
    """The store could not be opened or did not accept a change."""


class PluginError(ConsultkitError):
    """A plugin failed; the message names the plugin and the hook."""

    def __init__(self, plugin: str, hook: str, message: str | Text) -> None:
        self.plugin = plugin
        self.hook = hook
        super().__init__(
            deferred.gettext(
                "plugin %(plugin)r failed in %(hook)s: %(reason)s",
                plugin=plugin,
                hook=hook,
                reason=message,
            )
        )
