"""A plugin whose notifier raises on every batch (issue 13: its error must be shown)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from consultkit import hookimpl

if TYPE_CHECKING:
    from collections.abc import Sequence


class Raising:
    channel = "flaky"

    def send(self, deliveries: Sequence[Any]) -> list[Any]:
        raise ConnectionError("flaky.example.org refused the connection")

    def close(self) -> None:
        """Nothing to release."""


@hookimpl
def register_notifiers(register: Any) -> None:
    register("flaky", lambda settings: Raising())


@hookimpl
def validate_submission(consultation: Any, submission: Any) -> Any:
    if "http://" in (submission.body or ""):
        return ["links must use https"]
    return None
