"""A plugin implementing every consultkit hook, recording each call it receives."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from consultkit import hookimpl
from consultkit.storage.memory import MemoryStore
from consultkit.testing.fixtures import RecordingNotifier

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


class SampleExporter:
    """Writes the titles of the items it gets, one a line."""

    name = "sample"
    media_type = "text/plain"
    suffix = ".txt"

    def export(self, consultation: Any, items: Sequence[Any], options: Any) -> bytes:
        return "\n".join(str(item) for item in items).encode()


@click.command("sample-hello")
@click.option("--who", default="world")
def hello(who: str) -> None:
    """Say hello (a command contributed by a plugin)."""
    click.echo(f"hello {who} from a plugin")


class SamplePlugin:
    """Every hook; ``calls`` lists (hook, arguments) in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    @hookimpl
    def register_stores(self, register: Any) -> None:
        register("sample", lambda url: MemoryStore("memory://"))

    @hookimpl
    def register_notifiers(self, register: Any) -> None:
        def factory(settings: Mapping[str, str]) -> RecordingNotifier:
            return RecordingNotifier(channel="sample")

        register("sample", factory)

    @hookimpl
    def register_exporters(self, register: Any) -> None:
        register("sample", SampleExporter())

    @hookimpl
    def register_commands(self, register: Any) -> None:
        register(hello)

    @hookimpl
    def validate_submission(self, consultation: Any, submission: Any) -> list[str] | None:
        self.calls.append(("validate_submission", {"submission": submission}))
        if "spam" in submission.title.lower():
            return ["the title looks like spam"]
        return None

    @hookimpl
    def submission_received(self, consultation: Any, submission: Any, receipt: Any) -> None:
        self.calls.append(("submission_received", {"submission": submission, "receipt": receipt}))

    @hookimpl
    def submission_status_changed(self, consultation: Any, submission: Any, entry: Any) -> None:
        self.calls.append(("submission_status_changed", {"entry": entry}))

    @hookimpl
    def schedule_changed(self, consultation: Any, revision: Any, changes: Any) -> None:
        self.calls.append(("schedule_changed", {"revision": revision, "changes": changes}))

    @hookimpl
    def calendar_item_built(
        self, consultation: Any, item: Any, component: Any, language: str
    ) -> None:
        self.calls.append(("calendar_item_built", {"language": language}))
        component.add("x-sample-language", language)


# The entry point in the tests' fake distribution points here.
plugin = SamplePlugin()
