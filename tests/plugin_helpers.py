"""Helpers for the plugin tests: load sample plugins, fake an installed distribution."""

from __future__ import annotations

import importlib.util
import shutil
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import ModuleType

    import pytest

SAMPLES = Path(__file__).parent / "plugins"


def load_sample(name: str) -> ModuleType:
    """Import ``tests/plugins/<name>.py`` under a fresh module name."""
    spec = importlib.util.spec_from_file_location(
        f"ck_sample_{name}_{uuid.uuid4().hex[:8]}", SAMPLES / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def install_fake_distribution(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    entry_points: dict[str, str],
    *,
    dist: str = "consultkit-sample",
    version: str = "1.2.3",
    modules: dict[str, str] | None = None,
) -> dict[str, str]:
    """Put a real ``*.dist-info`` with ``consultkit`` entry points on ``sys.path``.

    ``entry_points`` maps entry-point names to a sample module name (``sample_plugin``)
    plus an optional ``:attribute``; each sample is copied in under a unique module name,
    so importlib.metadata discovers and loads it exactly as an installed plugin.
    Returns the entry-point name -> module name used.
    """
    site = tmp_path / f"site-{uuid.uuid4().hex[:6]}"
    site.mkdir()
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8"
    )
    lines = ["[consultkit]"]
    used: dict[str, str] = {}
    for ep_name, target in entry_points.items():
        sample, _, attribute = target.partition(":")
        module = f"ck_ep_{sample}_{uuid.uuid4().hex[:8]}"
        shutil.copy(SAMPLES / f"{sample}.py", site / f"{module}.py")
        used[ep_name] = module
        lines.append(f"{ep_name} = {module}{':' + attribute if attribute else ''}")
    for module, source in (modules or {}).items():
        (site / f"{module}.py").write_text(source, encoding="utf-8")
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    for module in used.values():
        monkeypatch.delitem(sys.modules, module, raising=False)
    return used
