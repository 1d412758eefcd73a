"""Check pages in a real browser with axe-core's WCAG 2.2 AA rules, and keep screenshots.

Playwright drives the machine's Chromium (Debian's ``chromium`` at /usr/bin/chromium,
through ``executable_path``: no browser is downloaded); axe-core comes from the npm
registry (``npm pack axe-core@4``). Without Chromium, Playwright or npm a check is skipped,
except under ``CI=true``, where it fails: CI must run it.

Shared by consultkit's own tests (the HTML page and SVG picture in six languages) and the
web plugin's browser journey. In a test module, import the fixtures to use them::

    from consultkit.testing.accessibility import axe_source, browser, check_page

    def test_page(browser, axe_source, tmp_path):
        page = browser.new_page()
        page.goto(url)
        check_page(page, axe_source, tmp_path, "home")

or, outside pytest, ``with chromium() as browser: …`` and :func:`axe_violations`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, Page

CHROMIUM: Final = Path("/usr/bin/chromium")
CHROMIUM_ARGS: Final = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps calling home, and a closed network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
WCAG_22_AA: Final = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
"""The axe-core tags of WCAG 2.0, 2.1 and 2.2 at levels A and AA."""
WIDTHS: Final = (1280, 390)
"""A desktop and a phone width, in CSS pixels."""


def unavailable(reason: str) -> NoReturn:
    """Skip the calling test, or fail it under ``CI=true`` (where the browser must run)."""
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"browser test cannot run under CI: {reason}")
    pytest.skip(reason)


def fetch_axe(folder: Path) -> str:
    """``axe.min.js`` of the npm package axe-core@4, packed into ``folder``."""
    npm = shutil.which("npm")
    if npm is None:
        unavailable("npm is not installed (axe-core comes from the npm registry)")
    packed = subprocess.run(
        [npm, "pack", "axe-core@4", "--pack-destination", str(folder), "--silent"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    tarballs = sorted(folder.glob("axe-core-*.tgz"))
    if packed.returncode != 0 or not tarballs:
        unavailable(f"npm pack axe-core failed: {packed.stderr.strip()[-300:]}")
    with tarfile.open(tarballs[-1]) as archive:
        member = archive.extractfile("package/axe.min.js")
        if member is None:
            unavailable("the axe-core package has no axe.min.js")
        return member.read().decode()


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """The machine's Chromium, headless, through Playwright."""
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed: pip install playwright")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def axe_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    """axe.min.js from the npm package axe-core, fetched once per test session."""
    return fetch_axe(tmp_path_factory.mktemp("axe-core"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """The machine's Chromium for the tests of one module (:func:`chromium`)."""
    with chromium() as launched:
        yield launched


def axe_violations(page: Page, axe_source: str) -> list[str]:
    """axe-core's WCAG 2.2 AA violations on ``page`` as it is now, one line each."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)  # through DevTools, so the page's CSP is left as it is
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", list(WCAG_22_AA)
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
    ]


def check_page(page: Page, axe_source: str, shots: Path, name: str) -> None:
    """At each of :data:`WIDTHS`: a full-page screenshot ``shots/NAME-WIDTH.png``, then
    axe-core's WCAG 2.2 AA rules, which must find nothing."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        violations = axe_violations(page, axe_source)
        assert violations == [], f"{name} at {width} px: {violations}"
