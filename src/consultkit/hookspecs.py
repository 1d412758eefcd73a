"""Every hook a consultkit plugin may implement, and the markers to implement them.

Two kinds of hook exist:

* **contribution hooks** (``register_*``) are called once when a
  :class:`~consultkit.pluginhost.host.PluginHost` starts. Each receives a ``register`` callback;
  the host validates what is registered, refuses duplicate names (naming both plugins) and
  remembers which plugin registered what.
* **event hooks** are called by the application at a named moment. They run after the
  store transaction has committed, so a failing implementation is reported (as a
  :class:`~consultkit.errors.PluginError` naming the plugin and the hook) and never rolls
  back stored data. ``validate_submission`` is the exception: it runs *before* anything is
  stored, and an implementation that raises refuses the submission with a reason naming
  the plugin (fail closed: a validator that cannot decide must not let data through).

Only :class:`~consultkit.pluginhost.host.PluginHost` calls ``pm.hook``; everything else goes
through its typed methods, so mypy checks every call site.

**Per-consultation settings.** Every event hook may also take ``settings``: the plugin's
own ``[plugins.NAME]`` table of the consultation file (NAME as ``consultkit plugins``
shows it; the entry point's name for an installed plugin), without ``enabled``, as a
read-only mapping (empty when the file has none). Leave the argument out if the plugin
needs none: pluggy passes an implementation only the arguments it names. A table with
``enabled = false`` turns the plugin off for that consultation: its event hooks are not
called and its exporters and notifier channels are not offered for it. The file is
public, so secrets stay in the environment or the settings file; the loader refuses keys
that look like one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click
    import icalendar

    from consultkit.domain.model import Consultation, SettingValue
    from consultkit.domain.review.assignment import Assignment, AssignmentProblem
    from consultkit.domain.review.ranking import RankedSubmission
    from consultkit.domain.review.rounds import ReviewRound
    from consultkit.domain.review.scores import Review
    from consultkit.domain.schedule import ItemChange, ScheduleItem
    from consultkit.domain.submissions import HistoryEntry, Receipt, Submission
    from consultkit.formats.exporter import Exporter
    from consultkit.notify import Notifier
    from consultkit.storage.protocols import ScheduleRevision, Store

PROJECT_NAME = "consultkit"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

#: ``register(scheme, factory)``: the factory receives the whole store URL.
RegisterStore = Callable[[str, Callable[[str], "Store"]], None]
#: ``register(channel, factory)``: the factory receives the channel's settings.
RegisterNotifier = Callable[[str, Callable[[Mapping[str, str]], "Notifier"]], None]
#: ``register(name, exporter)``.
RegisterExporter = Callable[[str, "Exporter"], None]
#: ``register(command)``.
RegisterCommand = Callable[["click.Command"], None]


# -- contribution hooks -------------------------------------------------------------------


@hookspec
def register_stores(register: RegisterStore) -> None:
    """Called once when a plugin host starts, to contribute store backends by URL scheme.

    Call ``register(scheme, factory)`` for each backend. ``scheme`` is the part of the URL
    before ``://`` (lower case letters, digits, ``+``, ``-`` or ``.``, starting with a
    letter); ``factory(url)`` receives the whole URL and returns an open
    :class:`~consultkit.storage.Store`, raising :class:`~consultkit.errors.StoreError` with
    what to do when it cannot. Return nothing. Every plugin's registrations are collected;
    a scheme registered twice is refused with a :class:`~consultkit.errors.PluginError`
    naming both plugins.
    """


@hookspec
def register_notifiers(register: RegisterNotifier) -> None:
    """Called once when a plugin host starts, to contribute notifiers by channel name.

    Call ``register(channel, factory)`` for each channel (``email``, ``webhook``, ``log``…).
    ``factory(settings)`` receives the channel's settings (the ``[NAME]`` table of the
    notification settings file, with ``CONSULTKIT_<CHANNEL>_*`` variables winning; never
    the consultation file, which is public) and returns a
    :class:`~consultkit.notify.Notifier`. Return nothing. Registrations from all
    plugins are collected; a channel registered twice is refused naming both plugins.
    """


@hookspec
def register_exporters(register: RegisterExporter) -> None:
    """Called once when a plugin host starts, to contribute export formats by name.

    Call ``register(name, exporter)`` with an :class:`~consultkit.formats.exporter.Exporter`
    (``ics``, ``json``, ``html``…). Return nothing. Registrations from all plugins are
    collected; a format name registered twice is refused naming both plugins.
    """


@hookspec
def register_commands(register: RegisterCommand) -> None:
    """Called once when a plugin host starts, to contribute ``consultkit`` CLI commands.

    Call ``register(command)`` with a :class:`click.Command` (or group); its ``name`` is
    the sub-command name. Return nothing. A name that clashes with a built-in command or
    another plugin's command is refused naming both. Keep heavy imports inside the
    command function: plugin commands are collected whenever the CLI lists its commands.
    """


# -- event hooks ---------------------------------------------------------------------------


@hookspec
def validate_submission(
    consultation: Consultation, submission: Submission, settings: Mapping[str, SettingValue]
) -> Sequence[str] | None:
    """Called before a submission is stored, after the built-in domain rules accepted it.

    ``consultation`` is the consultation it is for; ``submission`` is the complete value
    that would be stored; ``settings`` is the plugin's ``[plugins.NAME]`` table of the
    consultation file (``min_characters = 200``; may be omitted). Return reasons to
    refuse (human-readable sentences), or ``None`` / an empty sequence to accept. Reasons
    from every plugin are collected; any reason refuses the submission. An implementation
    that raises refuses too, with a reason naming the plugin: a validator that cannot
    decide must not let data through.
    """


@hookspec
def submission_received(
    consultation: Consultation,
    submission: Submission,
    receipt: Receipt,
    settings: Mapping[str, SettingValue],
) -> None:
    """Called after a new submission has been committed to the store.

    ``receipt`` is what the submitter was given. It is not called when an idempotent
    retry returned an existing receipt. Return nothing. Every plugin is called; one that
    raises is reported as a :class:`~consultkit.errors.PluginError` and the others still
    run. The submission stays stored whatever a plugin does.
    """


@hookspec
def submission_status_changed(
    consultation: Consultation,
    submission: Submission,
    entry: HistoryEntry,
    settings: Mapping[str, SettingValue],
) -> None:
    """Called after a submission's status change has been committed to the store.

    ``submission`` is the value after the change; ``entry`` is the history entry recorded
    (who, when, from which status to which, why). Return nothing. Every plugin is called;
    failures are reported and never undo the change.
    """


@hookspec
def schedule_changed(
    consultation: Consultation,
    revision: ScheduleRevision,
    changes: Sequence[ItemChange],
    settings: Mapping[str, SettingValue],
) -> None:
    """Called after a new schedule revision has been published and committed.

    ``revision`` is the stored revision (number, time, snapshot); ``changes`` lists the
    schedule items added, changed or removed since the previous revision. Return
    nothing. Every plugin is called; failures are reported and never undo the revision.
    """


@hookspec
def calendar_item_built(
    consultation: Consultation,
    item: ScheduleItem,
    component: icalendar.Event,
    language: str,
    settings: Mapping[str, SettingValue],
) -> None:
    """Called each time the calendar exporter has built one VEVENT for a schedule item.

    ``component`` is the :class:`icalendar.Event` about to be added to the feed; plugins
    may add or adjust properties in place (use ``X-`` names for private ones).
    ``language`` is the feed's language. Return nothing. Every plugin is called in turn;
    one that raises is reported and the event is kept as the others left it.
    """


# -- review: one plugin picks the method ----------------------------------------------------


@hookspec(firstresult=True)
def assign_reviewers(
    consultation: Consultation,
    problem: AssignmentProblem,
    settings: Mapping[str, SettingValue],
) -> Assignment | None:
    """Called when an organiser assigns reviewers to a review round (``review assign``).

    ``problem`` holds the submission ids, the round's reviewers with their stakeholder
    groups, reviewers per submission, the diversity rule (``min_groups``), the conflicted
    pairs with their reasons, and the seed: the same problem and seed must give the same
    assignment. Return an :class:`~consultkit.domain.review.assignment.Assignment`, or
    ``None`` to leave it to the next plugin; raise
    :class:`~consultkit.domain.review.assignment.AssignmentRefusedError` to refuse, saying
    which submission and which rule. The first result wins (the built-in solver,
    ``review_defaults``, answers last). Whoever answers, the assignment is checked against
    every rule before anything is stored; one that breaks a rule is refused naming the
    plugin.
    """


@hookspec(firstresult=True)
def rank_submissions(
    consultation: Consultation,
    round: ReviewRound,
    reviews: Sequence[Review],
    references: Mapping[str, str],
    settings: Mapping[str, SettingValue],
) -> Sequence[RankedSubmission] | None:
    """Called when an organiser ranks a scoring round (``review rank``, ``review decide``).

    ``round`` is the round with its rubric; ``reviews`` every review given in it
    (abstentions included); ``references`` maps each submission id to rank to its tracking
    number. Return one :class:`~consultkit.domain.review.ranking.RankedSubmission` per
    submission, best first, each with its explanation, or ``None`` to leave it to the next
    plugin. The first result wins; the built-in method (z-scores per reviewer, see
    :mod:`consultkit.domain.review.ranking`) answers last. A result that leaves out or
    repeats a submission is refused naming the plugin.
    """
