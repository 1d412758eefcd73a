"""The consultation model: frozen values describing a process, its phases and its calls.

Nothing here does I/O. Load a model with :func:`consultkit.load_consultation`, change it
with :func:`attrs.evolve`, query it with :mod:`consultkit.domain.queries`.
"""

from __future__ import annotations

# The annotations below are resolved at run time by cattrs (config.py), so the names they
# use must be importable here, not only under TYPE_CHECKING.
import datetime as dt  # noqa: TC003
import enum
from collections.abc import Mapping  # noqa: TC003
from typing import TYPE_CHECKING, Literal, TypeVar

import attrs

from consultkit.domain.attachments import Attachments  # noqa: TC001
from consultkit.domain.fields import AnyField  # noqa: TC001
from consultkit.domain.quotas import Quota  # noqa: TC001
from consultkit.domain.rendering import listed
from consultkit.domain.review.rounds import CallReview
from consultkit.domain.text import Text
from consultkit.domain.vocabularies import Vocabulary
from consultkit.domain.windows import AnyWindow, Deadline  # noqa: TC001
from consultkit.errors import UnknownItemError
from consultkit.i18n import Text as Words
from consultkit.i18n import deferred
from consultkit.value_methods import shared_value_methods

if TYPE_CHECKING:
    from collections.abc import Callable

_EMPTY = Text({})


class ItemStatus(enum.StrEnum):
    """Whether a scheduled item is firm. Spelled as RFC 5545 spells it (two Ls)."""

    CONFIRMED = "confirmed"
    TENTATIVE = "tentative"
    CANCELLED = "cancelled"


class OrganisationRole(enum.StrEnum):
    ORGANISER = "organiser"
    COLLABORATOR = "collaborator"


@attrs.frozen(kw_only=True)
@shared_value_methods
class Organisation:
    """An organisation named by the consultation (an organiser or a collaborator)."""

    id: str
    name: Text
    role: OrganisationRole = OrganisationRole.ORGANISER
    url: str | None = None


@attrs.frozen(kw_only=True)
@shared_value_methods
class Contact:
    """Who to ask; every field is optional because letters vary."""

    name: str | None = None
    phone: str | None = None
    fax: str | None = None
    email: str | None = None


@attrs.frozen(kw_only=True)
@shared_value_methods
class StakeholderGroup:
    """A stakeholder group, as data; ``mappings`` relate it to other taxonomies.

    ``mappings`` maps a taxonomy name (``eu-have-your-say``, ``regulations-gov``) to the
    code of the matching category there, so statistics compare across processes.
    """

    id: str
    name: Text
    mappings: Mapping[str, str] = attrs.field(factory=dict, converter=dict)


@attrs.frozen(kw_only=True)
@shared_value_methods
class Place:
    """Where something happens: a venue and room, an online link, or both (hybrid).

    ``inferred`` lists the names of fields here that the source implies but does not state.
    """

    venue: Text = _EMPTY
    room: Text = _EMPTY
    address: str | None = None
    online_url: str | None = None
    remote_participation: bool = False
    inferred: tuple[str, ...] = ()

    @property
    def is_virtual(self) -> bool:
        return self.online_url is not None and not (self.venue or self.room)


@attrs.frozen(kw_only=True)
@shared_value_methods
class Activity:
    """Something that happens within a phase; ``call`` names a call it concerns."""

    id: str
    title: Text
    call: str | None = None


@attrs.frozen(kw_only=True)
@shared_value_methods
class Phase:
    """One step of the process, with an honest window and a status."""

    id: str
    ordinal: int
    title: Text
    window: AnyWindow
    description: Text = _EMPTY
    status: ItemStatus = ItemStatus.CONFIRMED
    place: Place | None = None
    activities: tuple[Activity, ...] = ()
    groups: tuple[str, ...] = ()
    """Stakeholder groups the phase is for; empty means all of them."""
    inferred: tuple[str, ...] = ()
    """Field paths below this phase that the source implies but does not state."""
    note: Text = _EMPTY


@attrs.frozen(kw_only=True)
@shared_value_methods
class RelatedEvent:
    """An event the process relates to (the Forum it prepares)."""

    id: str
    title: Text
    window: AnyWindow
    description: Text = _EMPTY
    status: ItemStatus = ItemStatus.CONFIRMED
    place: Place | None = None
    url: str | None = None
    inferred: tuple[str, ...] = ()
    note: Text = _EMPTY


@attrs.frozen(kw_only=True)
@shared_value_methods
class Requirement:
    """One thing a submission to a call must contain."""

    id: str
    description: Text
    field: str | None = None
    """A submission field this requirement checks (``title``, ``body``, ``tags``), if any."""


@attrs.frozen(kw_only=True)
@shared_value_methods
class Call:
    """A call for submissions: when it opens, its deadline, who may answer and what to send.

    The opening is either an instant (``opens_at``) or the start of a phase
    (``opens_with``); the deadline is a :class:`Deadline` or the deadline of a phase whose
    window is one (``closes_with``). Either may be unknown, and the model says so.
    """

    id: str
    kind: str
    title: Text
    description: Text = _EMPTY
    opens_at: dt.datetime | None = None
    opens_with: str | None = None
    deadline: Deadline | None = None
    closes_with: str | None = None
    groups: tuple[str, ...] = ()
    """Eligible stakeholder groups; empty means every group of the consultation."""
    binding: bool = False
    requirements: tuple[Requirement, ...] = ()
    url: str | None = None
    inferred: tuple[str, ...] = ()
    note: Text = _EMPTY
    fields: tuple[AnyField, ...] = ()
    """The call's own fields (``[[calls.fields]]``), checked at submit; see
    :mod:`consultkit.domain.fields`. None: the call takes only the fixed fields."""
    review: CallReview = attrs.field(factory=CallReview)
    """How submissions to the call are reviewed (``[[calls.review.rounds]]``); see
    :mod:`consultkit.domain.review`. No rounds: decisions are taken one at a time."""
    tag_vocabularies: tuple[str, ...] = ()
    """The vocabularies whose terms tag this call's submissions; empty means all of the
    consultation's vocabularies."""
    editable: bool = False
    """Whether a submitter may edit a submission until the call's deadline (each edit is a
    new version; the earlier ones are kept)."""
    confirm_email: bool = False
    """Ask each submitter to confirm their address by following a signed link; until
    they do, the submission is kept and counted as ``email-unconfirmed``."""
    quota: Quota | None = None
    """At most so many submissions per e-mail address and/or organisation (rule ``quota``;
    :mod:`consultkit.domain.quotas`)."""
    attachments: Attachments | None = None
    """The files a submission may carry (rule ``attachment``; their type is read from
    their bytes: :mod:`consultkit.domain.attachments`). None: the call takes no files."""

    def field(self, key: str) -> AnyField:
        for declared in self.fields:
            if declared.key == key:
                return declared
        raise UnknownItemError(
            deferred.gettext(
                "call %(call)r has no field %(key)r (fields: %(known)s)",
                call=self.id,
                key=key,
                known=_known([f.key for f in self.fields]),
            )
        )


class ReminderEdge(enum.StrEnum):
    START = "start"
    END = "end"
    DEADLINE = "deadline"


REVIEWERS_AUDIENCE = "reviewers"
"""The audience of a reminder anchored to ``review:CALL/ROUND`` that reaches each reviewer
of that round who still has reviews to give, from the private reviewers file."""


@attrs.frozen(kw_only=True)
@shared_value_methods
class Reminder:
    """Remind people ``before`` an edge of a schedule item; recomputed when the item moves.

    ``anchor`` is an item reference: ``phase:ID``, ``event:ID``, ``call:ID`` or
    ``review:CALL/ROUND``.
    """

    id: str
    anchor: str
    edge: ReminderEdge = ReminderEdge.START
    before: tuple[dt.timedelta, ...] = ()
    audience: tuple[str, ...] = ("subscribers",)
    """Who is reminded: ``subscribers``, ``organisers``, ``group:ID``, or (for a review
    round) :data:`REVIEWERS_AUDIENCE`."""


#: A plugin setting as the consultation file gives it: text, a number, a flag or a list.
SettingValue = str | int | float | bool | tuple[str | int | float | bool, ...]


@attrs.frozen(kw_only=True)
@shared_value_methods
class PluginSettings:
    """One plugin's settings for this consultation: the file's ``[plugins.NAME]`` table.

    ``enabled = false`` turns the plugin off for this consultation (see
    :attr:`Consultation.plugins_off`); the other
    keys (``values``) are handed to its hooks as ``settings``. Only what may be public
    belongs here: the consultation file is published, so secrets stay in the environment
    or the notification settings file.
    """

    enabled: bool = True
    values: Mapping[str, SettingValue] = attrs.field(factory=dict, converter=dict)


@attrs.frozen(kw_only=True)
@shared_value_methods
class Consultation:
    """A whole consultation process."""

    id: str
    title: Text
    zone: str
    languages: tuple[str, ...]
    description: Text = _EMPTY
    reference: str | None = None
    issued: dt.date | None = None
    website: str | None = None
    organisers: tuple[Organisation, ...] = ()
    collaborators: tuple[Organisation, ...] = ()
    contact: Contact = Contact()
    groups: tuple[StakeholderGroup, ...] = ()
    phases: tuple[Phase, ...] = ()
    calls: tuple[Call, ...] = ()
    events: tuple[RelatedEvent, ...] = ()
    reminders: tuple[Reminder, ...] = ()
    context: Text = _EMPTY
    source: Text = _EMPTY
    """Where the facts come from (a letter, a web page)."""
    plugins: Mapping[str, PluginSettings] = attrs.field(factory=dict, converter=dict)
    """Per-plugin settings by plugin name (``[plugins.NAME]``); see :class:`PluginSettings`."""
    vocabularies: tuple[Vocabulary, ...] = ()
    """The consultation's own themes (``[[vocabularies]]``): tags and choice options."""
    licence: str | None = None
    """The licence of the published submissions (an SPDX id such as ``CC-BY-4.0`` or a
    URL), for the data package; None when the consultation does not state one."""

    @property
    def default_language(self) -> str:
        return self.languages[0] if self.languages else "en"

    def phase(self, phase_id: str) -> Phase:
        return _by_id(self.phases, phase_id, "phase")

    def call(self, call_id: str) -> Call:
        return _by_id(self.calls, call_id, "call")

    def event(self, event_id: str) -> RelatedEvent:
        return _by_id(self.events, event_id, "event")

    def group(self, group_id: str) -> StakeholderGroup:
        return _by_id(self.groups, group_id, "stakeholder group")

    @property
    def plugins_off(self) -> tuple[str, ...]:
        """The plugins this consultation turns off (``[plugins.NAME] enabled = false``), sorted.

        Such a plugin does nothing for this consultation: its event hooks and validators
        are not called, and its exporters and notifier channels are not offered. Stores
        and commands serve the whole environment; block those with
        ``CONSULTKIT_DISABLE_PLUGINS``.
        """
        return tuple(sorted(name for name, chosen in self.plugins.items() if not chosen.enabled))

    def vocabulary(self, vocabulary_id: str) -> Vocabulary:
        return _by_id(self.vocabularies, vocabulary_id, "vocabulary")

    def tag_vocabularies(self, call: Call) -> tuple[Vocabulary, ...]:
        """The vocabularies whose terms tag submissions to ``call``."""
        if not call.tag_vocabularies:
            return self.vocabularies
        return tuple(self.vocabulary(v) for v in call.tag_vocabularies)

    def plugin_settings(self, plugin: str) -> PluginSettings:
        """The settings of ``plugin`` for this consultation (enabled, no values, if none)."""
        return self.plugins.get(plugin) or _NO_SETTINGS


_NO_SETTINGS = PluginSettings()

_Item = TypeVar("_Item", Phase, Call, RelatedEvent, StakeholderGroup, Vocabulary)


def _known(ids: list[str]) -> Words | Callable[[str], str]:
    return listed(ids) if ids else deferred.pgettext("no ids", "none")


_What = Literal["phase", "call", "event", "stakeholder group", "vocabulary"]


def _missing(what: _What, item_id: str, known: Words | Callable[[str], str]) -> Words:
    # One whole message per kind of item: the word for "no" agrees with it in many languages.
    if what == "phase":
        return deferred.gettext("no phase %(id)r (known: %(known)s)", id=item_id, known=known)
    if what == "call":
        return deferred.gettext("no call %(id)r (known: %(known)s)", id=item_id, known=known)
    if what == "event":
        return deferred.gettext("no event %(id)r (known: %(known)s)", id=item_id, known=known)
    if what == "stakeholder group":
        return deferred.gettext(
            "no stakeholder group %(id)r (known: %(known)s)", id=item_id, known=known
        )
    return deferred.gettext("no vocabulary %(id)r (known: %(known)s)", id=item_id, known=known)


def _by_id(items: tuple[_Item, ...], item_id: str, what: _What) -> _Item:
    for item in items:
        if item.id == item_id:
            return item
    raise UnknownItemError(_missing(what, item_id, _known([i.id for i in items])))
