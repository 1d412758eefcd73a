"""A CLI verb imports only the heavy modules it needs (issue 14: start-up of every verb).

Every verb of the click group is discovered, built-in or from a plugin, so a verb added
later is checked too: ``VERB --help`` must import none of :data:`HEAVY`, and the cheap real
invocations that ``benchmarks/bench_startup.py`` times import only what :data:`NEEDS`
allows. A module that imports one of them at the top, for a verb that does not use it,
fails here; the fix is to import it inside the function that needs it, as
``consultkit.app.application`` does for the publishing and dispatch modules.
"""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from startup_probe import RUN_VERB, probe_line

ROOT = Path(__file__).resolve().parent.parent
BENCH = runpy.run_path(str(ROOT / "benchmarks" / "bench_startup.py"))

HEAVY = (
    # consultkit's own modules behind a few verbs
    "consultkit.app.dispatch",
    "consultkit.app.publishing",
    # the application's verbs for reviews, statistics, reports and imports (issue 14: 30 ms
    # of classes and modules that ``submit`` or ``plugins`` never use)
    "consultkit.app.review",
    "consultkit.formats.report",
    "consultkit.formats.stats",
    "consultkit.formats.submission_import",
    # exports and the public view, with the call fields they read (issue 14: the
    # application imported them for every verb, ``plugins`` included, about 15 ms)
    "consultkit.formats.submission_export",
    # what only the verbs that write submissions or events use: the event classes and
    # the outbox (issue 14: the application imported them for every verb, 15-20 ms)
    "consultkit.events",
    "consultkit.app.outbox",
    # the submitting rules (with the tag vocabularies) and the review scores: the SQL store
    # layer imported them at its top, so every verb that opens a store paid for them
    # (issue 14, about 6 ms); only ``submit`` stores a submission
    "consultkit.domain.submission_rules",
    "consultkit.domain.review.scores",
    # third-party and standard-library modules that cost start-up time
    "pycountry",
    # the SQL store layer, for the verbs that open a store (the built-in store plugins
    # register factories that import it)
    "sqlite3",
    # content sniffing of uploads (7 ms), needed only when an attachment is checked
    "filetype",
    # signing confirmation links (10 ms), needed only when one is made or read
    "itsdangerous",
    "email.headerregistry",
    "concurrent.futures",
    # the standard library's logging (7 ms with traceback and string), wanted only when a
    # hook fails after a commit; shutil (8 ms with bz2 and lzma), only when a store's disk
    # may be full; secrets (5 ms with hmac, hashlib and base64), only when a tracking number
    # or a token is drawn (issue 14: every verb of the application imported all three)
    "logging",
    "shutil",
    "secrets",
    # OpenSSL's bindings (2-3 ms), for the hashes of fingerprints, keys and event ids
    "hashlib",
    # the installed plugins' drivers (tests/test_plugin_startup.py)
    "psycopg",
    "icalendar",
    "smtplib",
    "ssl",
    "http.client",
    "litestar",
    "uvicorn",
)
_STORE = {"sqlite3"}  # the verbs given ``--store memory://`` open it
# the verbs that write files (consultkit.files): tempfile imports shutil
_FILES = {"shutil"}
# consultkit.app.publishing keeps a logger at its top, and concurrent.futures (the
# dispatcher's) imports logging
_LOGS = {"logging"}
# the schedule's revision hash (calendar, publish, history) and the events' ids
_HASHES = {"hashlib"}
# What reading a consultation or opening a store costs (the domain with its attrs classes,
# pendulum, cattrs, the store layer, the application: 60-90 ms): ``VERB --help`` prints text
# and needs none of it, a plugin's verb included (issue 14: asking for a plugin's verb loads
# every plugin, and a plugin host that imported the store layer, or a default plugin that
# imported its store, made ``caldav-publish --help`` cost 4.7x ``import click``).
HELP_HEAVY = (
    "consultkit.app.application",
    "consultkit.config.loader",
    "consultkit.domain.model",
    "consultkit.domain.windows",
    "consultkit.storage.protocols",
    "consultkit.storage.sql",
    "cattrs",
    "pendulum",
    "sqlite3",
    # OpenSSL's bindings (5-10 ms): the web plugin imported secrets for the default secret of
    # ``serve``, and the CalDAV plugin hashlib for publishing, at the top of their entry
    # modules, so every plugin's ``--help`` paid for them (issue 14)
    "secrets",
    "hashlib",
)
# click's help formatter asks shutil for the terminal's width.
HELP_NEEDS = {"shutil"}
NEEDS = {
    "calendar": {"consultkit.app.publishing", "icalendar", *_FILES, *_LOGS, *_HASHES},
    "publish": {
        *("consultkit.app.publishing", "icalendar", "pycountry"),
        *(*_STORE, *_FILES, *_LOGS, *_HASHES),
    },
    "history": {"consultkit.app.publishing", *_STORE, *_FILES, *_LOGS, *_HASHES},
    "stats": {"consultkit.formats.stats", *_STORE, *_FILES},
    # the outbox counts live in app.dispatch, whose routing imports the event classes
    "notify status": {
        "consultkit.app.dispatch",
        "concurrent.futures",
        "consultkit.events",
        "consultkit.formats.submission_export",
        *_STORE,
        *_LOGS,
        *_HASHES,
    },
    # the events put a submission's public field values in their payload
    "submit": {
        "consultkit.domain.submission_rules",
        "secrets",
        "consultkit.events",
        "consultkit.app.outbox",
        "consultkit.formats.submission_export",
        *_STORE,
        *_HASHES,
    },
    "remind": {
        "consultkit.events",
        "consultkit.app.outbox",
        "consultkit.formats.submission_export",
        *_STORE,
        *_HASHES,
    },
    "submissions list": _STORE,
    "subscribers list": _STORE,
    # the table shows no field schema, so the country list (pycountry) is not loaded
    "timeline": set(),
}

# Verbs given no consultation file build no consultation model (its attrs classes, the
# call fields and their validators: about 20 ms; issue 14: the application imported it
# for every verb). ``notify status`` is not one: the dispatcher's routing reads events.
NO_MODEL = ("plugins",)
MODEL = ("consultkit.domain.model", "consultkit.domain.fields")

# Printed after the verb: which of the watched modules it loaded.
_LOADED = 'print("LOADED=" + ",".join(m for m in {modules!r} if m in sys.modules))\n'


def _loaded(arguments: list[str], watched: tuple[str, ...] = HEAVY) -> set[str]:
    line = probe_line("", _LOADED.format(modules=watched), arguments, "LOADED=")
    return {m for m in line.split(",") if m in watched}


def _invocations() -> dict[str, list[str]]:
    commands: dict[str, list[str]] = BENCH["commands"](str(ROOT / "site-startup-probe"))
    del commands["import click"], commands["floor"]
    return {name: argv[3:] for name, argv in commands.items()}  # after "python -m consultkit"


INVOCATIONS = _invocations()


@pytest.mark.parametrize("verb", BENCH["verbs"]())
def test_help_of_every_verb_imports_no_heavy_module(verb: str) -> None:
    assert _loaded([verb, "--help"], HEAVY + HELP_HEAVY) - HELP_NEEDS == set()


@pytest.mark.parametrize("name", sorted(INVOCATIONS))
def test_each_verb_imports_only_what_it_needs(name: str, tmp_path: Path) -> None:
    arguments = [
        str(tmp_path) if a.endswith("site-startup-probe") else a for a in INVOCATIONS[name]
    ]
    needs = HELP_NEEDS if name.endswith("--help") else NEEDS.get(name, set())
    extra = _loaded(arguments) - needs
    assert extra == set(), f"`consultkit {' '.join(arguments)}` imported {sorted(extra)}"


@pytest.mark.parametrize("name", NO_MODEL)
def test_verbs_given_no_consultation_build_no_model(name: str) -> None:
    assert _loaded(INVOCATIONS[name], watched=MODEL) == set()


# A plain export needs the plugins (exporters, hooks) and the clock, not the application
# with its submissions, store protocols and records (issue 14: about 16 ms of ``calendar``).
NO_APPLICATION = ("calendar",)
APPLICATION = (
    "consultkit.app.application",
    "consultkit.domain.submissions",
    "consultkit.storage.protocols",
    "consultkit.storage.records",
)


@pytest.mark.parametrize("name", NO_APPLICATION)
def test_verbs_without_a_store_build_no_application(name: str) -> None:
    assert _loaded(INVOCATIONS[name], watched=APPLICATION) == set()


_HINTS_PROBE = """
import typing
resolved = []
real = typing.get_type_hints
def spy(obj, *args, **kwargs):
    resolved.append(f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', obj)}")
    return real(obj, *args, **kwargs)
typing.get_type_hints = spy
import consultkit.domain.fields, consultkit.domain.rendering, consultkit.formats.ics
print("RESOLVED=" + ",".join(r for r in resolved if r.startswith("consultkit")))
"""


def test_dispatch_handlers_register_without_resolving_their_annotations() -> None:
    # ``@f.register`` with postponed annotations resolves each handler's hints
    # (typing.get_type_hints, a ForwardRef compiled per name) when its module is imported:
    # 31 handlers, about 5 ms of every verb (issue 14). ``@f.register(Kind)`` does not.
    done = subprocess.run(
        [sys.executable, "-c", _HINTS_PROBE], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "RESOLVED="


_PATTERNS_PROBE = """
import re, sys
compiled = []
real = re._compile
def spy(pattern, flags):
    frame = sys._getframe(1)
    while frame.f_code.co_filename.endswith(("re/__init__.py", "enum.py")):
        frame = frame.f_back
    if frame.f_code.co_name == "<module>" and "consultkit" in frame.f_code.co_filename:
        compiled.append(f"{frame.f_code.co_filename}:{frame.f_lineno}")
    return real(pattern, flags)
re._compile = spy
"""
_PATTERNS_PROBE += (
    RUN_VERB
    + """
print("COMPILED=" + ",".join(compiled))
"""
)


@pytest.mark.parametrize("name", ["validate", "plugins", "timeline"])
def test_modules_compile_no_pattern_when_they_load(name: str) -> None:
    # A pattern compiled at the top of a module is paid by every verb that imports it,
    # used or not (issue 14: 0.2-1 ms each, a dozen on every verb's path). Patterns are
    # kept as strings and compiled by ``re`` (and kept in its cache) on first use.
    done = subprocess.run(
        [sys.executable, "-c", _PATTERNS_PROBE, *INVOCATIONS[name]],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    line = done.stdout.strip().splitlines()[-1]
    assert line.startswith("COMPILED="), done.stdout
    assert line.removeprefix("COMPILED=").split(",") == [""]
