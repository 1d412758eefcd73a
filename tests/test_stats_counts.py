"""Submission statistics: counts with the model's names, campaigns, charts, the command."""

from __future__ import annotations

import datetime as dt
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from consultkit.app.application import Consultkit
from consultkit.cli import cli
from consultkit.config.loader import load_consultation
from consultkit.domain.campaigns import fingerprint
from consultkit.domain.clock import FixedClock
from consultkit.domain.submissions import Provenance, Submission, SubmissionStatus, Submitter
from consultkit.formats.stats import (
    ERASED_GROUP,
    ChartError,
    Stats,
    chart_png,
    chart_svg,
    compute_stats,
    write_chart,
)
from consultkit.storage.memory import MemoryStore

if TYPE_CHECKING:
    from consultkit.domain.model import Consultation

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"
T0 = dt.datetime(2019, 7, 1, 10, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def wsis() -> Consultation:
    return load_consultation(EXAMPLE)


def sub(
    n: int,
    *,
    call: str = "official-submissions",
    group: str | None = "civil-society",
    language: str = "en",
    status: SubmissionStatus = SubmissionStatus.SUBMITTED,
    body: str = "",
    title: str = "",
) -> Submission:
    text = body or f"unique text {n}"
    return Submission(
        id=f"id-{n}",
        tracking_number=f"CK-{n}",
        consultation_id="wsis-forum-2020-ocp",
        call_id=call,
        submitter=None
        if group is None
        else Submitter(name="P", email=f"p{n}@example.org", group=group),
        title=title or f"Title {n}",
        body=text,
        language=language,
        provenance=Provenance.WEB,
        status=status,
        received_at=T0,
        updated_at=T0,
        fingerprint=fingerprint(text),
        erased_at=T0 if group is None else None,
    )


def sample() -> list[Submission]:
    campaign = "Keep the Forum in Geneva!"
    return [
        sub(1, language="es", title="Primera", body=campaign),
        sub(2, group="governments", body=campaign),
        sub(3, group="governments", status=SubmissionStatus.ACCEPTED, body=campaign),
        sub(4, call="workshop-requests", group="private-sector", language="fr"),
        sub(5, call="retired-call", group=None),
        sub(6, status=SubmissionStatus.WITHDRAWN, body="Other words"),
        sub(7, group="private-sector", body="other   WORDS"),
    ]


def stats_of(consultation: Consultation, subs: list[Submission]) -> Stats:
    with MemoryStore() as store:
        store.add_submissions(subs)
        return compute_stats(
            consultation,
            store.count_submissions(consultation.id),
            store.campaign_counts(consultation.id),
            language="en",
        )


def test_counts_by_call_list_the_model_first_with_zeros(wsis: Consultation) -> None:
    stats = stats_of(wsis, sample())
    assert stats.total == 7
    assert [(c.key, c.count) for c in stats.by_call] == [
        ("official-submissions", 5),
        ("workshop-requests", 1),
        ("hlt-facilitator-nominations", 0),
        ("photo-contest", 0),
        ("retired-call", 1),
    ]
    assert stats.by_call[1].label == "Binding requests for workshops"
    assert stats.by_call[-1].label == "retired-call"


def test_counts_by_group_use_the_model_names_and_erased(wsis: Consultation) -> None:
    stats = stats_of(wsis, sample())
    by_group = {c.key: (c.label, c.count) for c in stats.by_group}
    assert by_group["governments"] == ("Governments", 2)
    assert by_group["civil-society"][1] == 2
    assert by_group["private-sector"][1] == 2
    assert by_group["international-organisations"][1] == 0
    assert by_group[ERASED_GROUP] == (ERASED_GROUP, 1)
    assert sum(c.count for c in stats.by_group) == stats.total
    # No erased row when nothing was erased.
    clean = stats_of(wsis, [s for s in sample() if s.submitter is not None])
    assert ERASED_GROUP not in {c.key for c in clean.by_group}


def test_counts_by_language_and_status(wsis: Consultation) -> None:
    stats = stats_of(wsis, sample())
    assert [(c.key, c.count) for c in stats.by_language] == [("en", 5), ("es", 1), ("fr", 1)]
    assert [c.label for c in stats.by_language] == ["English", "Spanish", "French"]
    assert [(c.key, c.count) for c in stats.by_status] == [
        ("submitted", 5),
        ("accepted", 1),
        ("withdrawn", 1),
    ]


def test_campaigns_are_fingerprint_groups_above_one(wsis: Consultation) -> None:
    stats = stats_of(wsis, sample())
    assert [(c.count, c.title) for c in stats.campaigns] == [(3, "Primera"), (2, "Title 6")]
    document = stats.as_dict()
    assert document["campaigns"][0]["count"] == 3
    assert json.loads(json.dumps(document)) == document
    assert {"group": "governments", "call": "official-submissions", "count": 2} in document[
        "by_group_and_call"
    ]


def test_empty_consultation(wsis: Consultation) -> None:
    stats = compute_stats(wsis, [], [])
    assert stats.total == 0 and stats.campaigns == () and stats.by_status == ()
    assert all(c.count == 0 for c in stats.by_call)


def test_svg_chart_is_valid_offline_and_reproducible(wsis: Consultation) -> None:
    stats = stats_of(wsis, sample())
    data = chart_svg(stats, title="WSIS <2020> & co")
    root = ET.fromstring(data)  # noqa: S314 (our own output, not untrusted input)
    assert root.tag.endswith("svg")
    assert b"<script" not in data
    assert b"WSIS &lt;2020&gt; &amp; co" in data
    assert b"Governments" in data and b"Binding requests for workshops" in data
    assert chart_svg(stats, title="t") == chart_svg(stats, title="t")


def test_png_chart(wsis: Consultation) -> None:
    # cairosvg is in the test extras (consultkit[charts]): this must run, not skip.
    data = chart_png(stats_of(wsis, sample()), title="t")
    assert data.startswith(b"\x89PNG\r\n\x1a\n")


def test_png_without_cairosvg_says_how_to_install(
    wsis: Consultation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "cairosvg", None)
    with pytest.raises(ChartError, match=r"consultkit\[charts\]"):
        chart_png(stats_of(wsis, sample()), title="t")


def test_chart_file_type_comes_from_its_suffix(wsis: Consultation, tmp_path: Path) -> None:
    stats = stats_of(wsis, sample())
    write_chart(stats, str(tmp_path / "c.SVG"), title="t")
    assert (tmp_path / "c.SVG").read_bytes().startswith(b"<?xml")
    with pytest.raises(ChartError, match=r"\.svg or \.png"):
        write_chart(stats, str(tmp_path / "c.pdf"), title="t")


@pytest.fixture
def store(tmp_path: Path, wsis: Consultation) -> str:
    url = f"sqlite:///{tmp_path / 'stats.sqlite'}"
    with Consultkit.open(url, clock=FixedClock(T0), entry_points=False) as app:
        for n, group in enumerate(["civil-society", "governments", "governments"]):
            app.submit(
                wsis,
                call_id="official-submissions",
                submitter=Submitter(name=f"P{n}", email=f"p{n}@example.org", group=group),
                title=f"T{n}",
                body="Same text" if n else "Other text",
            )
    return url


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["stats", str(EXAMPLE), *args], catch_exceptions=False)


def test_stats_command_json_and_chart(store: str, tmp_path: Path) -> None:
    chart = tmp_path / "chart.svg"
    result = run("--store", store, "--format", "json", "--chart", str(chart), "--lang", "en")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["total"] == 3
    assert [c["count"] for c in document["campaigns"]] == [2]
    assert chart.read_bytes().startswith(b"<?xml")
    assert "chart written" in result.stderr


def test_stats_command_tables(store: str) -> None:
    result = run("--store", store, "--lang", "en")
    assert result.exit_code == 0
    assert "3 submissions" in result.stdout
    assert "By stakeholder group" in result.stdout and "Governments" in result.stdout
    assert "Campaigns" in result.stdout


def test_stats_command_bad_chart_name_exits_2(store: str, tmp_path: Path) -> None:
    result = run("--store", store, "--chart", str(tmp_path / "chart.gif"))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and ".svg or .png" in result.stderr


def test_drawing_a_chart_leaves_no_legacy_import_hook(wsis: Consultation) -> None:
    # pygal installs a find_module-only finder; left in place, every later import in the
    # process would warn (and fail under filterwarnings=error).
    chart_svg(stats_of(wsis, sample()), title="t")
    assert not [f for f in sys.meta_path if type(f).__name__ == "PluginImportFixer"]


def test_chart_axis_counts_in_whole_numbers_and_says_what_it_shows(wsis: Consultation) -> None:
    # Issue 11: pygal's default value axis read 0, 0.2, 0.4 … for two submissions (no
    # one sends 0.2 of a submission), and the picture had no text equivalent.
    stats = stats_of(wsis, sample())
    root = ET.fromstring(chart_svg(stats, title="WSIS", language="en"))  # noqa: S314
    ns = "{http://www.w3.org/2000/svg}"
    values = [
        text.text or ""
        for axis in root.iter(f"{ns}g")
        if axis.get("class", "").startswith("axis x")
        for text in axis.iter(f"{ns}text")
    ]
    assert values and all(v.isdigit() for v in values), values
    most = max(
        sum(n for g, _, n in stats.by_group_and_call if g == group.key) for group in stats.by_group
    )
    assert int(values[-1]) >= most and "0" in values
    # A name and a description for screen readers: the counts in words.
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-title chart-desc"
    title = root.find(f"{ns}title")
    desc = root.find(f"{ns}desc")
    assert title is not None and title.get("id") == "chart-title" and title.text == "WSIS"
    assert desc is not None and desc.get("id") == "chart-desc"
    summary = desc.text or ""
    assert summary.startswith(f"{stats.total} submissions")
    for group in stats.by_group:
        if group.count:
            assert f"{group.label}: {group.count}" in summary
    spanish = ET.fromstring(chart_svg(stats, title="WSIS", language="es"))  # noqa: S314
    spanish_desc = spanish.find(f"{ns}desc")
    assert spanish_desc is not None and "contribuciones" in (spanish_desc.text or "")
