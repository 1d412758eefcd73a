"""The screen_submission hook: a plugin may hold a submission for review, never drop it."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import TYPE_CHECKING, Any

import pytest

from consultkit import hookimpl
from consultkit.app.application import Consultkit
from consultkit.domain.clock import FixedClock
from consultkit.domain.submissions import SubmissionStatus, Submitter
from consultkit.formats.submission_export import export_submissions
from consultkit.pluginhost.host import PluginHost
from consultkit.testing.factories import wsis_consultation

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from consultkit.domain.model import Consultation
    from consultkit.domain.submissions import Submission

NOW = dt.datetime(2020, 1, 15, 10, 0, tzinfo=dt.UTC)
ANA = Submitter(name="Ana", email="ana@example.org", group="civil-society")


class SpamFilter:
    """Holds texts that mention casinos; records what it was shown."""

    def __init__(self) -> None:
        self.seen: list[Mapping[str, str]] = []

    @hookimpl
    def screen_submission(
        self, consultation: Consultation, submission: Submission, screening: Mapping[str, str]
    ) -> str | None:
        self.seen.append(dict(screening))
        if "casino" in (submission.body or ""):
            return "looks like spam"
        return None


class Captcha:
    @hookimpl
    def screen_submission(self, screening: Mapping[str, str]) -> str | None:
        return None if screening.get("captcha") == "solved" else "no CAPTCHA answer"


class Broken:
    @hookimpl
    def screen_submission(self, submission: Submission) -> str | None:
        raise RuntimeError("the classifier's model file is missing")


@pytest.fixture
def consultation() -> Consultation:
    return wsis_consultation()


def _app(**plugins: object) -> Consultkit:
    host = PluginHost.load(plugins=plugins, entry_points=False)
    return Consultkit(host=host, store_url="memory://", clock=FixedClock(NOW))


@pytest.fixture
def spam() -> SpamFilter:
    return SpamFilter()


@pytest.fixture
def app(spam: SpamFilter) -> Iterator[Consultkit]:
    application = _app(**{"spam-filter": spam})
    yield application
    application.close()


def send(app: Consultkit, consultation: Consultation, body: str, **kw: Any) -> Submission:
    receipt = app.submit(
        consultation, call_id="official-submissions", submitter=ANA, title="T", body=body, **kw
    )
    return app.find(consultation, receipt.tracking_number)


def test_screen_submission_holds_for_review_and_stores(
    app: Consultkit, consultation: Consultation, spam: SpamFilter
) -> None:
    clean = send(app, consultation, "A text about libraries.", screening={"captcha": "x"})
    held = send(app, consultation, "Best casino bonus!")
    assert clean.held is None
    assert held.held == "spam-filter: looks like spam"
    assert held.status is SubmissionStatus.SUBMITTED
    assert spam.seen[0] == {"captcha": "x"}
    assert [s.id for s in app.list_submissions(consultation, held=True)] == [held.id]
    assert [s.id for s in app.list_submissions(consultation, held=False)] == [clean.id]
    assert app.statistics(consultation).held == 1
    assert app.statistics(consultation).as_dict()["held"] == 1
    out = io.StringIO()
    export_submissions(out, app.list_submissions(consultation), format="jsonl")
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert {r["id"]: r["held"] for r in records} == {
        clean.id: None,
        held.id: "spam-filter: looks like spam",
    }


def test_screen_submission_hold_is_released_by_a_review_decision(
    app: Consultkit, consultation: Consultation
) -> None:
    held = send(app, consultation, "Best casino bonus!")
    decided = app.review(
        consultation, held.id, decision=SubmissionStatus.UNDER_REVIEW, organiser="secretariat"
    )
    assert decided.held is None
    assert app.statistics(consultation).held == 0


def test_screen_submission_that_raises_holds_naming_the_plugin(
    consultation: Consultation,
) -> None:
    with _app(broken=Broken(), captcha=Captcha()) as app:
        held = send(app, consultation, "Fine text.", screening={"captcha": "solved"})
        assert held.held == "broken: the screening failed (RuntimeError)"
        assert [e.plugin for e in app.host.event_failures] == ["broken"]
        both = send(app, consultation, "Other text.")
        assert both.held is not None
        assert "captcha: no CAPTCHA answer" in both.held
        assert "broken: the screening failed" in both.held
        assert len(list(app.list_submissions(consultation))) == 2


def test_screen_submission_is_not_asked_for_a_replay(
    app: Consultkit, consultation: Consultation, spam: SpamFilter
) -> None:
    send(app, consultation, "Best casino bonus!", idempotency_key="k")
    again = app.submit(
        consultation,
        call_id="official-submissions",
        submitter=ANA,
        title="T",
        body="Best casino bonus!",
        idempotency_key="k",
    )
    assert again.replayed
    assert len(spam.seen) == 1
