"""The library as a program sees it: results, errors, defaults and types (issue 13)."""

from __future__ import annotations

import datetime as dt
import re
import typing
from pathlib import Path

import pytest

from consultkit.app.application import Consultkit
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock
from consultkit.domain.queries import UpcomingDeadline, next_deadline
from consultkit.domain.submissions import Provenance, Submitter
from consultkit.errors import ConsultkitError, UnknownLanguageError, UnknownZoneError
from consultkit.formats import timeline_json
from consultkit.notify import DeliveryResult

if typing.TYPE_CHECKING:
    from consultkit.domain.model import Consultation

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "wsis2020" / "consultation.toml"
DURING = dt.datetime(2019, 12, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def wsis() -> Consultation:
    return load_consultation(EXAMPLE)


def test_delivery_result_ok_is_a_boolean_not_a_constructor() -> None:
    accepted = DeliveryResult.success("d1")
    failed = DeliveryResult.failure("d2", "421 try later")
    assert accepted.ok is True and accepted.accepted is True
    assert failed.ok is False and failed.accepted is False
    assert failed.retry and failed.error == "421 try later"
    # The old names read like states on an instance (``result.failed`` was a bound method,
    # always truthy); they are gone rather than ambiguous.
    assert not hasattr(DeliveryResult, "failed")
    assert not callable(accepted.ok)


def test_render_in_an_unknown_zone_suggests_the_iana_name(wsis: Consultation) -> None:
    window = wsis.phase("phase-3").window
    with pytest.raises(UnknownZoneError, match=r"Asia/Tokyo") as caught:
        window.render("Tokyo", "es")
    assert isinstance(caught.value, ConsultkitError)
    assert isinstance(caught.value, ValueError)  # callers catching ValueError keep working


@pytest.mark.parametrize("phase", ["phase-1", "phase-3"])
def test_render_in_an_unknown_language_raises(wsis: Consultation, phase: str) -> None:
    window = wsis.phase(phase).window
    with pytest.raises(UnknownLanguageError, match=r"'xx'.*\ben\b.*\bfr\b"):
        window.render("Europe/Zurich", "xx")
    # A language babel knows but consultkit has no phrases for still renders.
    assert window.render("Europe/Zurich", "de")


def test_unknown_language_error_is_one_class_for_exports_and_rendering() -> None:
    from consultkit.formats.exporter import UnknownLanguageError as FromFormats

    assert FromFormats is UnknownLanguageError


def test_next_deadline_cutoff_is_a_standard_utc_datetime(wsis: Consultation) -> None:
    due = next_deadline(wsis, DURING)
    assert due is not None
    assert type(due.cutoff) is dt.datetime
    assert due.cutoff.tzinfo is dt.UTC
    hints = typing.get_type_hints(UpcomingDeadline)
    assert hints["cutoff"] is dt.datetime


def test_build_timeline_returns_a_typed_document(wsis: Consultation) -> None:
    # Annotations are strings (``from __future__ import annotations``); the name is enough.
    assert timeline_json.build_timeline.__annotations__["return"] == "TimelineDocument"
    document_type = timeline_json.TimelineDocument
    assert typing.is_typeddict(document_type)
    document = timeline_json.build_timeline(wsis, at=DURING)
    assert list(document) == list(typing.get_type_hints(document_type))
    assert document["next_deadline"] is not None
    assert document["next_deadline"]["last_moment_utc"].endswith("Z")


def test_library_defaults_match_the_cli(wsis: Consultation) -> None:
    with Consultkit.open("memory://", clock=FixedClock(DURING), entry_points=False) as app:
        receipt = app.submit(
            wsis,
            call_id="official-submissions",
            submitter=Submitter(name="Ana", email="ana@example.org", group="civil-society"),
            title="Rural schools",
            body="Connect rural schools first.",
        )
        stored = app.show(wsis, receipt.tracking_number).submission
    # `consultkit submit` defaults to the consultation's first language and 'api'.
    assert stored.language == wsis.default_language == "es"
    assert stored.provenance is Provenance.API


@pytest.mark.parametrize(
    "path",
    [
        "docs/plugins.md",
        "docs/architecture.md",
        "docs/notifications.md",
        "plugins/consultkit-smtp/README.md",
        "plugins/consultkit-webhook/README.md",
        "src/consultkit/default_plugins/log_notifier.py",
    ],
)
def test_docs_put_notifier_settings_where_the_loader_reads_them(path: str) -> None:
    text = (ROOT / path).read_text(encoding="utf-8")
    # The consultation file refuses a notifications table, and the settings file keeps a
    # channel's keys in a top-level [NAME] table (`channels` is the list of enabled ones).
    assert "[notifications.channels" not in text
    assert "[channels." not in text


def test_hookspec_does_not_send_notifier_settings_to_the_consultation_file() -> None:
    from consultkit import hookspecs

    doc = hookspecs.register_notifiers.__doc__ or ""
    assert "notifications.channels" not in doc
    assert "CONSULTKIT_<CHANNEL>_" in doc and "settings file" in doc


def test_readme_library_section_shows_the_application() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    library = "\n".join(blocks)
    for needle in ("Consultkit.open", "export_calendar", ".submit("):
        assert needle in library, needle


def test_readme_python_blocks_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for block in re.findall(r"```python\n(.*?)```", readme, re.DOTALL):
        exec(compile(block, "README.md", "exec"), {})  # noqa: S102 - our own README
