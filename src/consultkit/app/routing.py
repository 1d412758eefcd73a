"""Who gets what: from an outbox event and the subscriptions to delivery targets.

The event's ``audience`` (written into its payload when it was created) names the kinds of
recipient; this module turns each into ``(channel, recipient, language)`` targets:

``submitter``
    the submitter of the submission the event is about, on the *address channel* (e-mail
    when it is configured), in the submission's language.
``organisers``
    the addresses in the payload's ``organisers`` list (the consultation contact's e-mail),
    on the address channel, in the consultation's first language.
``subscribers``
    every subscription of the consultation on its own channel and language, except those
    scoped to a stakeholder group the event does not concern (an event with no ``groups``
    concerns every group).
``group:ID``
    the subscriptions scoped to stakeholder group ``ID`` only.
``reviewer``
    nobody here: a review round's reminder to one reviewer is routed when it is enqueued
    (``consultkit remind --reviewers FILE``, :func:`reviewer_targets`), because the address
    is only in the organisers' private reviewers file, never in the event.

A recipient reached twice on one channel gets one delivery; the first reason wins (so the
submitter's own language beats a subscription's).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from consultkit.events import event_class
from consultkit.storage.protocols import DeliveryTarget
from consultkit.storage.records import routed_target

if TYPE_CHECKING:
    from consultkit.storage.protocols import OutboxEvent, Subscription


# A tuple of types, built once: ``list | tuple`` in isinstance builds a union at every
# call, and these checks run several times per routed event (issue 14).
_LISTS = (list, tuple)


def audience_of(event: OutboxEvent) -> tuple[str, ...]:
    """The event's audience: its payload's ``audience``, else its kind's default.

    Every event consultkit writes carries its audience; the default (from
    :data:`consultkit.events.EVENTS`) serves events a program wrote by hand.
    """
    audience = event.payload.get("audience")
    if isinstance(audience, _LISTS):
        names = tuple(audience)
        # A loop, not all() over a generator: once per routed event (issue 14).
        for name in names:
            if not isinstance(name, str):
                break
        else:
            return names
    cls = event_class(event.kind)
    return cls.default_audience if cls is not None else ("subscribers", "organisers")


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def submitter_address(event: OutboxEvent) -> str | None:
    """The submitter's e-mail address in the payload, if it carries one (not erased)."""
    return _str(event.payload.get("submitter_email"))


def event_language(event: OutboxEvent) -> str:
    """The language a single-recipient message is written in."""
    return _str(event.payload.get("language")) or consultation_language(event)


def consultation_language(event: OutboxEvent) -> str:
    """The consultation's first language as recorded in the payload, else English."""
    consultation = event.payload.get("consultation")
    if isinstance(consultation, Mapping):
        languages = consultation.get("languages")
        if isinstance(languages, _LISTS) and languages and _str(languages[0]):
            return str(languages[0])
    return "en"


def event_groups(event: OutboxEvent) -> frozenset[str]:
    """The stakeholder groups the event concerns (empty: all of them)."""
    groups = event.payload.get("groups")
    if isinstance(groups, _LISTS):
        return frozenset(g for g in groups if isinstance(g, str))
    return frozenset()


def plugins_off(event: OutboxEvent) -> frozenset[str]:
    """The plugins the event's consultation turned off when the event was written
    (``[plugins.NAME] enabled = false``): their channels must not carry it."""
    consultation = event.payload.get("consultation")
    # Most payloads' consultation is a dict or absent: answered without asking the ABC.
    if consultation is None:
        return frozenset()
    names = consultation.get("plugins_off") if isinstance(consultation, Mapping) else None
    if isinstance(names, _LISTS):
        return frozenset(n for n in names if isinstance(n, str))
    return frozenset()


def route(
    event: OutboxEvent,
    subscriptions: Sequence[Subscription],
    *,
    address_channel: str,
    channel_plugins: Mapping[str, str] | None = None,
) -> list[DeliveryTarget]:
    """The targets of ``event`` (module docstring); ``subscriptions`` are its consultation's.

    ``channel_plugins`` (channel -> the plugin that provides it) leaves out the channels
    of plugins the consultation turned off.
    """
    # Once per routed event (issue 14): the payload's parts are read when an audience
    # needs them, and targets are added inline rather than through a closure made per call.
    targets: dict[tuple[str, str], DeliveryTarget] = {}
    off = plugins_off(event)
    silenced = {c for c, p in (channel_plugins or {}).items() if p in off} if off else ()
    groups: frozenset[str] | None = None
    wanted: list[tuple[str, str, str]] = []
    for audience in audience_of(event):
        if audience == "submitter":
            address = submitter_address(event)
            if address:
                wanted.append((address_channel, address, event_language(event)))
        elif audience == "organisers":
            organisers = event.payload.get("organisers")
            if isinstance(organisers, _LISTS):
                language = consultation_language(event)
                wanted.extend(
                    (address_channel, address, language) for address in organisers if _str(address)
                )
        elif audience == "subscribers":
            if groups is None:
                groups = event_groups(event)
            wanted.extend(
                (sub.channel, sub.address, sub.language)
                for sub in subscriptions
                if sub.group is None or not groups or sub.group in groups
            )
        elif audience.startswith("group:"):
            group = audience.removeprefix("group:")
            wanted.extend(
                (sub.channel, sub.address, sub.language)
                for sub in subscriptions
                if sub.group == group
            )
    for channel, recipient, language in wanted:
        if channel in silenced:
            continue
        address = recipient.strip()
        key = (channel, address.lower())
        if key not in targets:
            # Positionally: three strings checked above (issue 14).
            targets[key] = routed_target(channel, address, language)
    return list(targets.values())


def reviewer_targets(
    event: OutboxEvent,
    address: str,
    *,
    address_channel: str,
    channel_plugins: Mapping[str, str] | None = None,
) -> list[DeliveryTarget]:
    """The target of a reminder addressed to one reviewer: ``address`` (from the private
    reviewers file) on the address channel, in the event's language; none when the
    consultation turned that channel's plugin off."""
    if (channel_plugins or {}).get(address_channel) in plugins_off(event) or not _str(address):
        return []
    return [
        DeliveryTarget(
            channel=address_channel, recipient=address.strip(), language=event_language(event)
        )
    ]
