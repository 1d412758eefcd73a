"""The test suite every notifier must pass: subclass :class:`NotifierContract`.

A notifier's failures come from its channel (an SMTP server answering 451, a receiver
answering 503), so the subclass provides the channel in each state as a fixture::

    from consultkit.testing import NotifierContract

    class TestMatrix(NotifierContract):
        retry_after = dt.timedelta(seconds=30)   # None if the channel has no such hint

        @pytest.fixture
        def notifier(self, server):            # a channel that accepts everything
            return matrix_notifier({"homeserver": server.url})

        @pytest.fixture
        def recipient(self, server):
            return "@someone:example.org"

        def make_channel_fail(self, request, how):   # how: "retry", "permanent", "throttle"
            server = request.getfixturevalue("server")
            server.answer = {"retry": 503, "permanent": 400, "throttle": 429}[how]

The contract checks that the notifier accepts a delivery of every event kind (one result
per delivery, in order), fails retryably and permanently as the channel says, honours a
``Retry-After`` hint, never raises on bad input, and closes cleanly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import attrs
import pytest

from consultkit.notify import DeliveryResult
from consultkit.storage.protocols import OutboxEvent
from consultkit.testing import factories

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from consultkit.domain.model import Consultation
    from consultkit.notify import Notifier
    from consultkit.storage.protocols import Delivery

Failure = Literal["retry", "permanent", "throttle"]

__all__ = ["Failure", "NotifierContract"]


class NotifierContract:
    """Subclass it; provide ``notifier`` and ``recipient`` and :meth:`make_channel_fail`."""

    #: The delay a throttled channel asks for (``retry_after`` of the result), or None when
    #: the channel has no such hint (SMTP): the Retry-After test is then skipped.
    retry_after: ClassVar[dt.timedelta | None] = None

    # -- what a subclass provides ------------------------------------------------------

    @pytest.fixture
    def notifier(self) -> Notifier:
        """The notifier under test, talking to a channel that accepts everything."""
        raise NotImplementedError("provide a `notifier` fixture")

    @pytest.fixture
    def recipient(self) -> str:
        """An address the channel accepts (an e-mail address, a URL…)."""
        raise NotImplementedError("provide a `recipient` fixture")

    def make_channel_fail(self, request: pytest.FixtureRequest, how: Failure) -> None:
        """Make the channel behind ``notifier`` fail: ``retry`` (try later), ``permanent``
        (retrying cannot help) or ``throttle`` (try after :attr:`retry_after`)."""
        raise NotImplementedError("implement make_channel_fail(request, how)")

    # -- what the contract uses --------------------------------------------------------

    @pytest.fixture
    def contract_consultation(self) -> Consultation:
        """The consultation the deliveries are about (default: the WSIS example)."""
        return factories.wsis_consultation()

    @pytest.fixture
    def contract_deliveries(
        self, notifier: Notifier, recipient: str, contract_consultation: Consultation
    ) -> list[Delivery]:
        """One delivery of every event kind for the notifier's channel and ``recipient``."""
        return factories.deliveries_of_every_kind(
            contract_consultation, channel=notifier.channel, recipient=recipient
        )

    def _send(self, notifier: Notifier, deliveries: Sequence[Delivery]) -> list[DeliveryResult]:
        results = list(notifier.send(deliveries))
        assert len(results) == len(deliveries), "one result per delivery"
        assert [r.delivery_id for r in results] == [d.id for d in deliveries], "in order"
        assert all(isinstance(r, DeliveryResult) for r in results)
        return results

    # -- the contract -------------------------------------------------------------------

    def test_channel_is_a_name(self, notifier: Notifier) -> None:
        assert isinstance(notifier.channel, str) and notifier.channel

    def test_accepts_a_delivery_of_every_event_kind(
        self, notifier: Notifier, contract_deliveries: list[Delivery]
    ) -> None:
        results = self._send(notifier, contract_deliveries)
        refused = {
            d.event.kind: r.error
            for d, r in zip(contract_deliveries, results, strict=True)
            if not r.ok
        }
        assert not refused, f"refused: {refused}"

    def test_an_empty_batch_sends_nothing(self, notifier: Notifier) -> None:
        assert list(notifier.send([])) == []

    def test_fails_retryably_when_the_channel_says_later(
        self,
        request: pytest.FixtureRequest,
        notifier: Notifier,
        contract_deliveries: list[Delivery],
    ) -> None:
        self.make_channel_fail(request, "retry")
        for result in self._send(notifier, contract_deliveries[:2]):
            assert not result.ok and result.retry, result
            assert result.error, "a failure says what went wrong"

    def test_fails_permanently_when_retrying_cannot_help(
        self,
        request: pytest.FixtureRequest,
        notifier: Notifier,
        contract_deliveries: list[Delivery],
    ) -> None:
        self.make_channel_fail(request, "permanent")
        for result in self._send(notifier, contract_deliveries[:2]):
            assert not result.ok and result.retry is False, result
            assert result.error

    def test_honours_retry_after(
        self,
        request: pytest.FixtureRequest,
        notifier: Notifier,
        contract_deliveries: list[Delivery],
    ) -> None:
        if self.retry_after is None:
            pytest.skip("the channel gives no Retry-After hint")
        self.make_channel_fail(request, "throttle")
        for result in self._send(notifier, contract_deliveries[:1]):
            assert not result.ok and result.retry, result
            assert result.retry_after == self.retry_after

    def test_never_raises_on_bad_input(
        self, notifier: Notifier, recipient: str, contract_deliveries: list[Delivery]
    ) -> None:
        template = contract_deliveries[0]
        odd_events = [
            OutboxEvent(
                id="odd-1",
                kind="no.such-kind",
                consultation_id="c",
                occurred_at=factories.T0,
                payload={},
            ),
            attrs.evolve(template.event, id="odd-2", payload={}),
            attrs.evolve(
                template.event,
                id="odd-3",
                payload={k: None for k in template.event.payload},
            ),
            attrs.evolve(
                template.event,
                id="odd-4",
                payload={**template.event.payload, "title": "\u202e\x00 ünïcødé 中文 " * 50},
            ),
        ]
        odd = [
            *(attrs.evolve(template, id=f"odd-{n}", event=e) for n, e in enumerate(odd_events)),
            attrs.evolve(template, id="odd-recipient", recipient="not an address \r\n"),
            attrs.evolve(template, id="odd-language", language="xx"),
        ]
        # Whatever a delivery holds, the notifier answers for each one instead of raising:
        # a raise would fail (and later resend) the whole batch.
        self._send(notifier, odd)

    def test_close_can_be_called_after_sending(
        self, notifier: Notifier, contract_deliveries: list[Delivery]
    ) -> None:
        self._send(notifier, contract_deliveries[:1])
        notifier.close()
