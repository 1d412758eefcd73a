"""A verb does its work once (issue 14: start-up of every verb, the verb's own part).

``tests/test_startup_imports.py`` checks what a verb imports; these check what it repeats:
``publish`` renders one page per language from one compiled template, the timeline table
builds no field schema it would not show, a file that loads without a problem is not
scanned for the lines of its keys, and opening a SQLite store whose schema is current
reads it without taking the write lock.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from consultkit.config.loader import load_consultation, load_located, loads_consultation
from consultkit.domain.schedule import schedule_items
from consultkit.errors import ConfigError
from consultkit.formats import timeline_html
from consultkit.formats.timeline_json import build_timeline
from consultkit.storage.sqlite import SqliteStore

sys.path.insert(0, str(Path(__file__).parent))
from startup_probe import probe_line

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "wsis2020" / "consultation.toml"
NOW = dt.datetime(2019, 12, 1, 10, tzinfo=dt.UTC)


def test_pages_in_every_language_share_one_compiled_template() -> None:
    consultation = load_consultation(EXAMPLE)
    items = schedule_items(consultation)
    timeline_html._page_template.cache_clear()
    pages = {
        language: timeline_html.render_page(consultation, items, language=language, now=NOW)
        for language in consultation.languages
    }
    assert len(pages) == len(consultation.languages) > 1
    assert timeline_html._page_template.cache_info().misses == 1
    assert b'lang="fr"' in pages["fr"]


def test_publish_compiles_no_template_source(monkeypatch: pytest.MonkeyPatch) -> None:
    # jinja2's lexer, parser and code generator took 20 ms of every publish (issue 14): the
    # page is rendered from the module jinja2 compiled it to, shipped beside the template.
    import jinja2

    compiled: list[str | None] = []
    real = jinja2.Environment.compile

    def counting(
        self: jinja2.Environment, source: Any, name: str | None = None, *a: Any, **k: Any
    ) -> Any:
        compiled.append(name)
        return real(self, source, name, *a, **k)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    consultation = load_consultation(EXAMPLE)
    timeline_html._page_template.cache_clear()
    page = timeline_html.render_page(
        consultation, schedule_items(consultation), language="fr", now=NOW
    )
    timeline_html._page_template.cache_clear()
    assert compiled == []
    assert b'lang="fr"' in page


def test_the_shipped_page_module_is_the_templates_compilation() -> None:
    # Regenerate with: python -m consultkit.formats.compiled_templates
    from consultkit.formats.compiled_templates import timeline_page

    expected = timeline_html.compiled_page_module()
    assert Path(timeline_page.__file__).read_text(encoding="utf-8") == expected


def test_an_edited_template_is_compiled_from_its_source() -> None:
    from consultkit.formats.compiled_templates import timeline_page

    consultation = load_consultation(EXAMPLE)
    items = schedule_items(consultation)
    timeline_html._page_template.cache_clear()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(timeline_page, "SOURCE_SHA256", "0" * 64)
            from_source = timeline_html.render_page(consultation, items, language="ar", now=NOW)
            assert timeline_html._page_template().filename.endswith("timeline.html.j2")
        timeline_html._page_template.cache_clear()
        shipped = timeline_html.render_page(consultation, items, language="ar", now=NOW)
        assert timeline_html._page_template().filename == timeline_page.__file__
    finally:
        timeline_html._page_template.cache_clear()
    assert shipped == from_source


def test_feeds_in_every_language_and_format_share_one_schedule(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The items and their published SEQUENCE depend on neither the language nor the format:
    # publish built them 24 times for the example's six languages and four formats.
    from consultkit.app import publishing
    from consultkit.app.application import Consultkit
    from consultkit.domain.clock import FixedClock

    built: list[int] = []
    real = publishing.schedule_items

    def counting(*args: Any, **kwargs: Any) -> Any:
        built.append(1)
        return real(*args, **kwargs)

    consultation = load_consultation(EXAMPLE)
    with Consultkit.open("memory://", clock=FixedClock(NOW), entry_points=False) as app:
        result = app.publish(consultation)
        monkeypatch.setattr(publishing, "schedule_items", counting)
        files = list(app.write_feeds(consultation, tmp_path, revision=result.latest))
        formats = app.export_formats(())
    assert len(files) == len(consultation.languages) * len(formats) > 6
    assert len(built) == 1


def test_the_timeline_leaves_out_field_schemas_only_when_asked() -> None:
    consultation = load_consultation(EXAMPLE)
    with_schemas = build_timeline(consultation, at=NOW)
    without = build_timeline(consultation, at=NOW, field_schemas=False)
    assert any("fields_schema" in call for call in with_schemas["calls"])
    assert not any("fields_schema" in call for call in without["calls"])
    for call in with_schemas["calls"]:
        call.pop("fields_schema", None)
    assert with_schemas == without


def test_a_file_is_scanned_for_lines_only_when_a_problem_needs_one() -> None:
    consultation, locator = load_located(EXAMPLE)
    assert consultation.calls
    assert locator._scanned is None  # issue 14: 6 ms of every verb that reads the example
    assert locator.line_of("calls[1]") == 358  # asked for: scanned then
    broken = EXAMPLE.read_text(encoding="utf-8").replace('id = "civil-society"', "id = 3", 1)
    with pytest.raises(ConfigError, match=r"c\.toml:18[0-9]"):  # a refusal still names its line
        loads_consultation(broken, file="c.toml")


def test_a_current_store_opens_while_another_process_writes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    SqliteStore(url).close()
    writer = sqlite3.connect(tmp_path / "ck.sqlite", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a long import or drain holds the write lock
    try:
        started = time.monotonic()
        store = SqliteStore(url)
        # Before, the open itself waited for the lock (up to the 15 s busy timeout).
        assert time.monotonic() - started < 5
        assert store.schema_version() > 0
        store.close()
    finally:
        writer.execute("ROLLBACK")
        writer.close()


# How many garbage-collection passes ran while the click group ran the verb, counted from
# the moment ``consultkit.cli.main`` hands over to it: the probe's own imports (runpy) run
# before ``main`` sets the threshold, so a pass they trigger is not the verb's.
_BEFORE_GC = """
import gc
import consultkit.cli

before = None
_run_group = consultkit.cli.cli.main


def _counted(*args, **kwargs):
    global before
    before = sum(generation["collections"] for generation in gc.get_stats())
    return _run_group(*args, **kwargs)


consultkit.cli.cli.main = _counted
"""
_AFTER_GC = """
print("COLLECTIONS=%d" % (sum(g["collections"] for g in gc.get_stats()) - before))
"""


@pytest.mark.parametrize(
    "arguments",
    [
        ["validate", str(EXAMPLE)],
        ["timeline", str(EXAMPLE)],
        ["plugins"],
        ["submissions", "list", str(EXAMPLE), "--store", "memory://"],
    ],
    ids=lambda arguments: " ".join(a for a in arguments if not a.endswith(".toml")),
)
def test_a_verb_runs_no_garbage_collection_while_it_starts(arguments: list[str]) -> None:
    # A verb's start-up allocates classes, functions and tables that live until it exits,
    # and the collector walked them again and again for nothing: 60-90 passes, 5-8% of
    # each verb's CPU (issue 14). The command line raises the first generation's threshold.
    assert probe_line(_BEFORE_GC, _AFTER_GC, arguments, "COLLECTIONS=") == "0"
