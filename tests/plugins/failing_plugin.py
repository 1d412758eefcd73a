"""A plugin whose every event hook raises, to show failures are contained."""

from __future__ import annotations

from typing import Any

from consultkit import hookimpl


class Boom(RuntimeError):
    pass


@hookimpl
def validate_submission(consultation: Any, submission: Any) -> None:
    raise Boom("validator crashed")


@hookimpl
def submission_received(consultation: Any, submission: Any, receipt: Any) -> None:
    raise Boom("received hook crashed")


@hookimpl
def submission_status_changed(consultation: Any, submission: Any, entry: Any) -> None:
    raise Boom("status hook crashed")


@hookimpl
def schedule_changed(consultation: Any, revision: Any, changes: Any) -> None:
    raise Boom("schedule hook crashed")


@hookimpl
def calendar_item_built(consultation: Any, item: Any, component: Any, language: str) -> None:
    component.add("x-half-done", "yes")
    raise Boom("calendar hook crashed")
