"""The notifier contract: how a channel (e-mail, webhook, log, …) accepts deliveries.

A notifier is built by the factory a plugin registers through ``register_notifiers``; the
dispatcher hands it a batch of claimed deliveries for its channel and marks each one done
only when the notifier says the channel *accepted* it. Anything else leaves the delivery in
the outbox, to be retried with back-off or, when retrying cannot help, dead-lettered.

Each notifier declares what its channel reaches (:class:`Reach`): a person's address (a
submitter's, an organiser's) goes only to a channel that reaches people, never to one
that POSTs to endpoints (issue 9, item 7) nor to one that only records (item 13).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, TypeAlias, runtime_checkable

import attrs

from consultkit.trusted_values import trusted_builder
from consultkit.value_methods import shared_value_methods

if TYPE_CHECKING:
    import datetime as dt

    from consultkit.i18n import Text
    from consultkit.storage.protocols import Delivery


class Reach(enum.StrEnum):
    """What a channel's recipients are; a notifier states it as its ``reaches`` attribute."""

    PEOPLE = "people"
    """People, by e-mail address (``email``): submitters and organisers are reached here."""
    ENDPOINTS = "endpoints"
    """Systems at addresses an organiser subscribed (``webhook``): never a person's address."""
    MIRROR = "mirror"
    """A record of what is sent (``log``): it takes only deliveries routed to it by name."""


def reach_of(notifier: object) -> Reach:
    """What ``notifier`` reaches: its ``reaches`` attribute, else :attr:`Reach.ENDPOINTS`.

    A notifier that does not say is never handed a person's address: the safe default.
    """
    value = getattr(notifier, "reaches", Reach.ENDPOINTS)
    try:
        return Reach(value)
    except ValueError:
        return Reach.ENDPOINTS


def people_channel(notifiers: Mapping[str, object]) -> str:
    """The channel for people known by address: ``email`` if configured, else the first
    configured channel that reaches people, else ``email`` (its deliveries then wait for it).
    """
    if "email" in notifiers and reach_of(notifiers["email"]) is Reach.PEOPLE:
        return "email"
    for name, notifier in notifiers.items():
        if reach_of(notifier) is Reach.PEOPLE:
            return name
    return "email"


@attrs.frozen(kw_only=True)
@shared_value_methods
class DeliveryResult:
    """What a channel did with one delivery: accepted it, or failed and whether to retry.

    Build one with :meth:`success` or :meth:`failure`; read ``ok`` (or ``accepted``).

    ``retry=False`` means retrying cannot help (a malformed address, a receiver answering
    400): the dispatcher dead-letters the delivery at once. ``retry_after`` is a hint from the
    channel (an HTTP ``Retry-After``); the dispatcher waits at least that long.

    ``error`` may be deferred words (a :class:`~consultkit.i18n.Text`): the outbox keeps
    their English, and ``notify run`` tells the organiser in their language (issue 11).
    """

    delivery_id: str
    accepted: bool
    error: str | Text | None = None
    retry: bool = True
    retry_after: dt.timedelta | None = None

    @property
    def ok(self) -> bool:
        """Whether the channel accepted the delivery (the same as :attr:`accepted`)."""
        return self.accepted

    # The constructors are nouns so that no instance attribute reads like a state and is
    # really a method: ``result.ok`` used to be the constructor, a bound method, always
    # truthy (issue 13).
    @classmethod
    def success(cls, delivery_id: str) -> DeliveryResult:
        """The channel accepted the delivery; it will not be sent again."""
        if cls is DeliveryResult:
            # Positionally: every notifier answers once per delivery (issue 14).
            return _accepted(delivery_id, True, None, True, None)
        return cls(delivery_id=delivery_id, accepted=True)

    @classmethod
    def failure(
        cls,
        delivery_id: str,
        error: str | Text,
        *,
        retry: bool = True,
        retry_after: dt.timedelta | None = None,
    ) -> DeliveryResult:
        """The channel did not accept the delivery; ``retry`` says whether trying again may help."""
        return cls(
            delivery_id=delivery_id,
            accepted=False,
            error=error,
            retry=retry,
            retry_after=retry_after,
        )


_accepted: Callable[[str, bool, str | Text | None, bool, dt.timedelta | None], DeliveryResult] = (
    trusted_builder(DeliveryResult)
)


@runtime_checkable
class Notifier(Protocol):
    """Sends deliveries through one channel, reusing one connection across a batch.

    ``send`` returns one :class:`DeliveryResult` per delivery, in the same order. It should
    not raise for a single bad delivery; if it raises anyway, the dispatcher treats every
    delivery of the batch as failed and retryable, so nothing is lost. ``close`` releases
    the connection; the dispatcher calls it once when it is done with the notifier.

    A notifier may also have a ``reaches`` attribute (:class:`Reach`, read with
    :func:`reach_of`); without one it is treated as reaching endpoints.
    """

    @property
    def channel(self) -> str: ...

    def send(self, deliveries: Sequence[Delivery]) -> Sequence[DeliveryResult]: ...

    def close(self) -> None: ...


NotifierFactory: TypeAlias = Callable[[Mapping[str, str]], Notifier]
"""Builds a notifier from its channel's settings (``CONSULTKIT_<CHANNEL>_*``, settings file)."""
