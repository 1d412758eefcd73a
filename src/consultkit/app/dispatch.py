"""The outbox dispatcher: route new events, claim due deliveries, send them, record the outcome.

Delivery is at least once. A delivery is marked done only after its channel accepted it;
a crash between "accepted" and "marked done" sends it again after the claim's lease expires,
with the same event id, so receivers deduplicate on it. Failures are retried with bounded
exponential back-off and full jitter (:class:`~consultkit.notify.backoff.Backoff`); after
the last attempt, or when the channel says retrying cannot help, the delivery is
dead-lettered for an organiser to inspect and retry (``consultkit notify retry``).

Nothing here can roll back a submission: the events were committed with it, before the
dispatcher ran, and a notifier that raises only makes its deliveries fail and wait.

A delivery whose channel has no notifier here (a receipt while e-mail is not enabled) waits:
it is put back without counting an attempt, so it is sent once the channel is enabled and is
never dead-lettered for want of it (issue 9, item 13). A channel that mirrors (``log``)
is shown what the other channels sent, and what waits (once), without taking any of it.
The channels of one batch are sent side by side, each recorded as soon as it answers, so a
slow webhook receiver does not hold back the e-mail receipts of the same batch (item 11).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TYPE_CHECKING

import attrs

from consultkit.app.routing import plugins_off, route
from consultkit.errors import ConfigError, ConsultkitError, Problem
from consultkit.i18n import Text, deferred
from consultkit.notify.backoff import Backoff
from consultkit.notify.channels import DeliveryResult, Notifier, Reach, reach_of
from consultkit.notify.settings import CHANNELS_ENV
from consultkit.storage.protocols import DeliveryFailure

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Mapping, Sequence

    from consultkit.notify.channels import NotifierFactory
    from consultkit.notify.settings import NotifySettings
    from consultkit.storage.protocols import (
        Delivery,
        DeliveryStatus,
        DeliveryTarget,
        Store,
        Subscription,
    )


def build_notifiers(
    factories: Mapping[str, NotifierFactory], settings: NotifySettings
) -> dict[str, Notifier]:
    """One notifier per enabled channel, from the factories plugins registered.

    ``factories`` are the plugin host's (``host.notifier_factories()``). Raises
    ``ConfigError`` naming the channel when no plugin provides it or its settings are
    refused by the plugin.
    """
    notifiers: dict[str, Notifier] = {}
    for channel in settings.channels:
        factory = factories.get(channel)
        if factory is None:
            known = ", ".join(sorted(factories)) or "-"
            raise ConfigError(
                [
                    Problem(
                        path=channel,
                        message=deferred.gettext(
                            "no plugin provides channel %(channel)r (installed: %(known)s);"
                            " install its plugin (e.g. `consultkit-smtp` for `email`)",
                            channel=channel,
                            known=known,
                        ),
                        file=CHANNELS_ENV,
                    )
                ]
            )
        try:
            notifiers[channel] = factory(settings.settings_for(channel))
        except ValueError as exc:
            # A plugin that raises a ConsultkitError with deferred words is read in the
            # organiser's language (issue 11); a plain ValueError stays as it was written.
            said = exc.text if isinstance(exc, ConsultkitError) else None
            raise ConfigError(
                [
                    Problem(
                        path=channel,
                        message=said or str(exc),
                        file=f"CONSULTKIT_{channel.upper()}_*",
                    )
                ]
            ) from None
    return notifiers


@attrs.frozen(kw_only=True)
class OutboxStatus:
    """How the outbox stands: unrouted events, deliveries per state, and some deliveries."""

    unrouted: int
    counts: Mapping[DeliveryStatus, int]
    deliveries: tuple[Delivery, ...] = ()


def default_worker_name() -> str:
    """A worker name unique to this process: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _system_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@attrs.frozen(kw_only=True)
class DispatchReport:
    """What one dispatcher run did: events routed, deliveries sent, retried, dead-lettered."""

    routed: int = 0
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    lost_claims: int = 0
    """Outcomes not recorded because another worker took the delivery over (lease expired)."""
    errors: tuple[tuple[str, str | Text], ...] = ()
    """Each channel that failed and its first error, in the order they failed: what
    ``notify run`` prints once per run, so a raising notifier is not only a count."""

    def __add__(self, other: DispatchReport) -> DispatchReport:
        counts = {
            field.name: getattr(self, field.name) + getattr(other, field.name)
            for field in attrs.fields(DispatchReport)
            if field.name != "errors"
        }
        seen = {channel for channel, _ in self.errors}
        errors = self.errors + tuple((c, e) for c, e in other.errors if c not in seen)
        return DispatchReport(**counts, errors=errors)


@attrs.define
class Dispatcher:
    """Drains a store's outbox through notifiers, one channel batch at a time.

    ``notifiers`` maps a channel name to its notifier; a delivery for a channel without one
    fails (and is retried) so it is not lost while the channel is being configured.
    ``address_channel`` is the channel used for people known by e-mail address (submitters,
    organisers).
    """

    store: Store
    notifiers: Mapping[str, Notifier]
    address_channel: str = "email"
    backoff: Backoff = attrs.field(factory=Backoff)
    batch_size: int = 100
    lease: dt.timedelta = dt.timedelta(minutes=5)
    worker: str = attrs.field(factory=default_worker_name)
    now: Callable[[], dt.datetime] = _system_now
    on_batch: Callable[[DispatchReport], None] | None = None
    #: Which plugin provides each channel, so an event of a consultation that turns a plugin
    #: off (``[plugins.NAME] enabled = false``) is neither routed to nor mirrored on it.
    channel_plugins: Mapping[str, str] = attrs.field(factory=dict)

    def route_new(self) -> int:
        """Route every unrouted event to its recipients; returns how many events were routed.

        Each batch of up to ``batch_size`` events is routed in one store transaction.
        """
        routed = 0
        subscriptions: dict[str, list[Subscription]] = {}  # per consultation, for this run
        while events := self._route_batch(subscriptions)[0]:
            routed += events
        return routed

    def _route_batch(self, subscriptions: dict[str, list[Subscription]]) -> tuple[int, int]:
        """Route one batch of unrouted events in one transaction: (events, deliveries made).

        ``subscriptions`` caches each consultation's subscriptions for the caller's run.
        """
        batch = self.store.unrouted_events(self.batch_size)
        if not batch:
            return 0, 0
        routes: list[tuple[str, Sequence[DeliveryTarget]]] = []
        for event in batch:
            subs = subscriptions.get(event.consultation_id)
            if subs is None:
                subs = list(self.store.list_subscriptions(event.consultation_id))
                subscriptions[event.consultation_id] = subs
            targets = route(
                event,
                subs,
                address_channel=self.address_channel,
                channel_plugins=self.channel_plugins,
            )
            routes.append((event.id, targets))
        return len(batch), self.store.route_events(routes, self.now())

    def dispatch_batch(self) -> DispatchReport:
        """Claim one batch of due deliveries and send it; an empty report when none is due."""
        claimed = self.store.claim_deliveries(self.worker, self.batch_size, self.now(), self.lease)
        if not claimed:
            return DispatchReport()
        by_channel: dict[str, list[Delivery]] = defaultdict(list)
        for delivery in claimed:
            by_channel[delivery.channel].append(delivery)
        report = DispatchReport(claimed=len(claimed))
        waiting = {c: ds for c, ds in by_channel.items() if c not in self.notifiers}
        sending = {c: ds for c, ds in by_channel.items() if c in self.notifiers}
        for channel, deliveries in waiting.items():
            report += self._wait_for_channel(channel, deliveries)
            # Shown to the mirrors the first time it waits, not at every look after that.
            self._mirror(channel, [d for d in deliveries if d.last_error is None])
        done: list[tuple[str, Sequence[Delivery], Sequence[DeliveryResult]]] = []
        if len(sending) == 1:
            ((channel, deliveries),) = sending.items()
            results = self._results(channel, deliveries)
            report += self._record(channel, deliveries, results)
            done.append((channel, deliveries, results))
        elif sending:
            # Store writes stay on this thread; only the channels' network work runs beside it.
            with ThreadPoolExecutor(max_workers=len(sending)) as pool:
                futures = {
                    pool.submit(self._results, channel, deliveries): channel
                    for channel, deliveries in sending.items()
                }
                for future in as_completed(futures):
                    channel = futures[future]
                    report += self._record(channel, sending[channel], future.result())
                    done.append((channel, sending[channel], future.result()))
        for channel, sent, answers in done:
            if not self._mirrors(channel):
                continue  # the usual case: no set and list per delivery for nobody (issue 14)
            accepted = {r.delivery_id for r in answers if r.accepted}
            self._mirror(channel, [d for d in sent if d.id in accepted])
        if self.on_batch is not None:
            self.on_batch(report)
        return report

    def _mirror(self, channel: str, deliveries: Sequence[Delivery]) -> None:
        """Show ``deliveries`` of ``channel`` to every mirroring notifier of another channel.

        A mirror records; what it answers changes nothing, and its failures are ignored:
        the deliveries belong to ``channel``.
        """
        if not deliveries:
            return
        for name, notifier in self._mirrors(channel):
            plugin = self.channel_plugins.get(name)
            shown = [d for d in deliveries if plugin not in plugins_off(d.event)]
            if not shown:
                continue
            try:
                notifier.send(shown)
            except Exception:  # noqa: S112 -- a mirror never affects a delivery
                continue

    def _mirrors(self, channel: str) -> list[tuple[str, Notifier]]:
        """The mirroring notifiers of channels other than ``channel``, by channel name."""
        return [
            (name, notifier)
            for name, notifier in self.notifiers.items()
            if name != channel and reach_of(notifier) is Reach.MIRROR
        ]

    def _wait_for_channel(self, channel: str, deliveries: Sequence[Delivery]) -> DispatchReport:
        """Put back deliveries no notifier here can send, without counting an attempt."""
        now = self.now()
        error = deferred.gettext(
            "no notifier is configured for channel %(channel)r: the delivery waits until"
            " the channel is enabled (%(variable)s)",
            channel=channel,
            variable=CHANNELS_ENV,
        )
        waits = [
            DeliveryFailure(
                delivery_id=d.id, error=error, retry_at=now + self.backoff.base, attempted=False
            )
            for d in deliveries
        ]
        recorded = self.store.fail_deliveries(waits, self.worker, now)
        return DispatchReport(retried=len(recorded), lost_claims=len(waits) - len(recorded))

    def _results(self, channel: str, deliveries: Sequence[Delivery]) -> Sequence[DeliveryResult]:
        """What the channel's notifier did with ``deliveries``; a raising notifier fails all."""
        notifier = self.notifiers[channel]
        try:
            return notifier.send(deliveries)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            return [DeliveryResult.failure(d.id, error) for d in deliveries]

    def _record(
        self, channel: str, deliveries: Sequence[Delivery], results: Sequence[DeliveryResult]
    ) -> DispatchReport:
        now = self.now()
        ids = [d.id for d in deliveries]
        accepted: list[str] = []
        failures: list[DeliveryFailure] = []
        first_error: str | Text | None = None
        # The usual answer, one acceptance per delivery in order, is taken as it is without
        # a lookup per delivery (issue 14); anything else is matched by id below.
        if len(results) == len(ids) and all(
            r.accepted and r.delivery_id == i for r, i in zip(results, ids, strict=True)
        ):
            accepted = ids
        else:
            by_id = {r.delivery_id: r for r in results}
            for delivery in deliveries:
                result = by_id.get(delivery.id) or DeliveryResult.failure(
                    delivery.id,
                    deferred.gettext(
                        "notifier for %(channel)r returned no result for this delivery",
                        channel=channel,
                    ),
                )
                if result.accepted:
                    accepted.append(delivery.id)
                    continue
                retry_at = (
                    self.backoff.next_attempt(
                        delivery.attempts, now, retry_after=result.retry_after
                    )
                    if result.retry
                    else None
                )
                # The outbox keeps the words with their English, so `notify status` tells them
                # in its reader's language; the report keeps them for the organiser.
                error: str | Text = result.error or deferred.gettext("failed")
                if first_error is None:
                    first_error = error
                failures.append(
                    DeliveryFailure(delivery_id=delivery.id, error=error, retry_at=retry_at)
                )
        # The channel has answered for the whole batch: record what it accepted in one
        # transaction and what failed in another. A crash before this line only means the
        # batch is sent again once the lease expires (at least once).
        delivered = self.store.complete_deliveries(accepted, self.worker, now) if accepted else 0
        recorded = (
            self.store.fail_deliveries(failures, self.worker, now) if failures else frozenset()
        )
        dead = sum(1 for f in failures if f.retry_at is None and f.delivery_id in recorded)
        retried = len(recorded) - dead
        lost = len(accepted) - delivered + len(failures) - len(recorded)
        errors = ((channel, first_error),) if first_error is not None else ()
        return DispatchReport(
            delivered=delivered, retried=retried, dead=dead, lost_claims=lost, errors=errors
        )

    def drain(self, *, max_batches: int | None = None) -> DispatchReport:
        """Route new events and send batches until nothing is due (``notify run``).

        Each batch of events routed is followed by the claims its deliveries need, while
        the store still holds those events: it hands them to the claim instead of building
        them again (issue 14), and memory stays one batch whatever the backlog. Claims
        still take due deliveries oldest first, so older retries go before new events. Once
        every event is routed, batches are sent until none is due. ``max_batches`` bounds
        the claims, never the routing.
        """
        report = DispatchReport()
        subscriptions: dict[str, list[Subscription]] = {}
        batches = 0
        while True:
            routed, created = self._route_batch(subscriptions)
            report += DispatchReport(routed=routed)
            # Enough claims for what was just routed (ceiling division); with none routed
            # (the backlog is routed), claim until nothing is due.
            claims = -(-created // self.batch_size) if routed else None
            while max_batches is None or batches < max_batches:
                if claims is not None and claims <= 0:
                    break
                batch = self.dispatch_batch()
                batches += 1
                if batch.claimed == 0:
                    break
                report += batch
                if claims is not None:
                    claims -= 1
            if not routed:
                return report

    def watch(
        self,
        stop: threading.Event,
        *,
        interval: float = 2.0,
        on_drain: Callable[[DispatchReport], None] | None = None,
    ) -> DispatchReport:
        """Drain, then sleep ``interval`` seconds, until ``stop`` is set (``notify run --watch``).

        The stop flag is checked between batches, never in the middle of one, so an
        interrupted watcher has recorded every outcome it learned.
        """
        total = DispatchReport()
        while not stop.is_set():
            report = self.drain()
            total += report
            if on_drain is not None and (report.routed or report.claimed):
                on_drain(report)
            stop.wait(interval)
        return total

    def close(self) -> None:
        """Close every notifier (each exactly once); errors are ignored to close the rest."""
        for notifier in {id(n): n for n in self.notifiers.values()}.values():
            try:
                notifier.close()
            except Exception:  # noqa: S112 -- closing must reach every notifier
                continue
