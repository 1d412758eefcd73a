"""A real SMTP server (aiosmtpd) on loopback that keeps every message it is sent."""

from __future__ import annotations

import contextlib
import email
import socket
from email import policy
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator


def free_port() -> int:
    """A loopback port nobody listens on right now (aiosmtpd needs a fixed one)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps every message, parsed."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list[Any]:
        return [m for m in self.messages if str(m["To"]) == address]


@contextlib.contextmanager
def serving_inbox() -> Iterator[tuple[Inbox, int]]:
    """Run an :class:`Inbox` on a free loopback port; yield it and the port."""
    from aiosmtpd.controller import Controller

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()
