"""Every hook is documented in docs/plugins.md and exercised by at least one test."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from consultkit import hookspecs

ROOT = Path(__file__).resolve().parent.parent
HOOKS = sorted(
    name
    for name, value in vars(hookspecs).items()
    if callable(value) and hasattr(value, f"{hookspecs.PROJECT_NAME}_spec")
)


def test_hooks_were_found() -> None:
    assert "register_stores" in HOOKS
    assert "calendar_item_built" in HOOKS
    assert len(HOOKS) == 11


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_section_in_the_plugin_guide(hook: str) -> None:
    guide = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    assert re.search(rf"^#+ {hook}$", guide, re.MULTILINE), f"no section for {hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_exercised_by_a_test(hook: str) -> None:
    here = Path(__file__).name
    sources = [
        p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py") if p.name != here
    ]
    assert any(f"def test_{hook}" in source for source in sources), f"no test_{hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_docstring_says_when_it_is_called(hook: str) -> None:
    doc = getattr(hookspecs, hook).__doc__ or ""
    assert doc.strip().startswith("Called "), hook


@pytest.mark.parametrize("hook", HOOKS)
def test_documented_signature_matches_the_hookspec(hook: str) -> None:
    guide = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    spec = inspect.signature(getattr(hookspecs, hook))
    if hook.startswith("register_"):
        documented = re.search(rf"^def {hook}\((.*?)\):", guide, re.MULTILINE)
    else:
        documented = re.search(rf"^`{hook}\((.*?)\)", guide, re.MULTILINE)
    assert documented, f"no signature for {hook} in docs/plugins.md"
    names = [part.strip() for part in documented.group(1).split(",") if part.strip()]
    assert names == list(spec.parameters), f"{hook}: docs say {names}"
