"""Installed plugins register cheaply: loading them imports none of their heavy modules.

Issue 14: with the five plugins under ``plugins/`` installed, every CLI verb paid 7-18x
``import click`` at start-up, because each entry point imported its driver (psycopg,
icalendar, smtplib/ssl, http.client, litestar/uvicorn) when the plugin host loaded it.
They now import them when first used (``benchmarks/bench_startup.py`` measures it).
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys

import pytest

HEAVY = ("psycopg", "icalendar", "smtplib", "ssl", "http.client", "litestar", "uvicorn")
# The consultation model (attrs classes, pendulum windows: about 100 ms): a plugin imports
# it when one of its hooks is given a consultation, not when the host loads it, so verbs
# that read none (``plugins``, ``notify status``, a plugin command's ``--help``) skip it.
MODEL = ("consultkit.domain.schedule", "consultkit.domain.model")
PLUGINS = {"postgres", "caldav", "smtp", "webhook", "web"}

_PROBE = f"""
import sys
from consultkit.pluginhost.host import PluginHost
host = PluginHost.load()
print(",".join(m for m in {HEAVY!r} if m in sys.modules))
"""


def _installed() -> set[str]:
    return {ep.name for ep in importlib.metadata.entry_points(group="consultkit")} & PLUGINS


def test_loading_the_installed_plugins_imports_no_heavy_module() -> None:
    installed = _installed()
    if not installed:
        pytest.skip("none of the plugins under plugins/ is installed")
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "CONSULTKIT_DISABLE_PLUGINS"},
    )
    assert done.stdout.strip() == "", f"plugins {sorted(installed)} imported {done.stdout}"


def test_loading_the_installed_plugins_imports_no_consultation_model() -> None:
    if not _installed():
        pytest.skip("none of the plugins under plugins/ is installed")
    probe = _PROBE.replace(repr(HEAVY), repr(MODEL))
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "CONSULTKIT_DISABLE_PLUGINS"},
    )
    assert done.stdout.strip() == "", f"loading the plugins imported {done.stdout}"


def test_listing_commands_imports_no_heavy_module() -> None:
    """``consultkit --help`` collects every plugin's commands: still no driver imported."""
    if not _installed():
        pytest.skip("none of the plugins under plugins/ is installed")
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from consultkit.cli import cli\n"
        "result = CliRunner().invoke(cli, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "", f"listing commands imported {done.stdout}"


def _after_loading(expression: str) -> str:
    """What ``print(expression)`` shows once the plugin host has loaded every plugin."""
    probe = (
        "import linecache, sys\n"
        "from consultkit.pluginhost.host import PluginHost\n"
        "host = PluginHost.load()\n"
        f"print({expression})\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "CONSULTKIT_DISABLE_PLUGINS"}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env
    )
    return done.stdout.strip()


def test_loading_the_installed_plugins_creates_none_of_their_classes() -> None:
    # attrs writes and compiles each class's methods (0.5 ms a class): a plugin's values
    # and clients belong in the modules its hooks import when used, not in its entry
    # module, which every verb loads (issue 14: the CalDAV plugin's four classes).
    if not _installed():
        pytest.skip("none of the plugins under plugins/ is installed")
    created = _after_loading(
        "','.join(sorted(n for n in linecache.cache"
        " if n.startswith('<attrs generated') and ' consultkit_' in n))"
    )
    assert created == "", f"loading the plugins created {created}"
