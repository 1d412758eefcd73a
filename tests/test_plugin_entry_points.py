"""The host reads plugin entry points as importlib.metadata would, without importing it.

Issue 14: importing importlib.metadata (and with it the email package) and its scan of
every distribution cost about 60 ms of CPU on each verb that loads plugins;
:mod:`consultkit.pluginhost.entry_points` reads ``entry_points.txt`` files directly.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from typing import TYPE_CHECKING

from consultkit.pluginhost.entry_points import entry_points

if TYPE_CHECKING:
    from pathlib import Path


def _dist(site: Path, dirname: str, text: str, *, version: str | None = "1.0") -> None:
    info = site / dirname
    info.mkdir(parents=True)
    if version is not None:
        meta = "PKG-INFO" if dirname.endswith(".egg-info") else "METADATA"
        (info / meta).write_text(
            f"Metadata-Version: 2.1\nName: x\nVersion: {version}\n\nbody\n", encoding="utf-8"
        )
    (info / "entry_points.txt").write_text(text, encoding="utf-8")


def _expected(group: str, path: list[str]) -> list[tuple[str, str, str | None]]:
    found = importlib.metadata.distributions(path=path)
    seen: set[str] = set()
    result = []
    for dist in found:
        key = dist._normalized_name  # type: ignore[attr-defined]  # importlib's own dedupe key
        if key in seen:
            continue
        seen.add(key)
        result.extend(
            (ep.name, ep.value, _version(dist)) for ep in dist.entry_points.select(group=group)
        )
    return result


def _version(dist: importlib.metadata.Distribution) -> str | None:
    # Once some dependency imports the importlib_metadata backport, its finder joins
    # sys.meta_path and its distributions raise for a missing version instead of None.
    try:
        return dist.version
    except FileNotFoundError:  # the backport's MetadataNotFound
        return None


def test_the_installed_plugins_are_found_as_importlib_metadata_finds_them() -> None:
    ours = [(ep.name, ep.value) for ep in entry_points("consultkit")]
    theirs = [(ep.name, ep.value) for ep in importlib.metadata.entry_points(group="consultkit")]
    assert ours == theirs


def test_versions_order_duplicates_comments_and_egg_info_as_importlib_metadata(
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    _dist(
        first,
        "Alpha.Plugin-2.0.dist-info",
        "# a comment\n[consultkit]\n alpha = alpha_mod:plugin.inner \n\n[other]\nx = y\n",
        version="2.0",
    )
    _dist(first, "beta-1.0.egg-info", "[consultkit]\nbeta=beta_mod\n", version="1.0rc1")
    _dist(first, "gamma-3.dist-info", "[consultkit]\ngamma = gamma_mod [extra]\n", version=None)
    _dist(first, "delta-1.dist-info", "[other]\nd = d\n")
    # the same distribution later on the path is shadowed, whatever its spelling
    _dist(second, "alpha_plugin-9.9.dist-info", "[consultkit]\nshadowed = nope\n", version="9.9")
    _dist(second, "epsilon-0.1.dist-info", "[consultkit]\nepsilon = e:p\n", version="0.1")
    path = [str(first), str(tmp_path / "missing"), str(second)]

    ours = [(ep.name, ep.value, ep.version) for ep in entry_points("consultkit", path)]

    expected = _expected("consultkit", path)
    assert ours == [(n, v, "unknown" if ver is None else ver) for n, v, ver in expected]
    # in directory-listing order within a path entry, as importlib.metadata
    assert sorted(name for name, _, _ in ours) == ["alpha", "beta", "epsilon", "gamma"]


def test_loading_resolves_the_attribute_path(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "ck_ep_loadme.py").write_text(
        "class plugin:\n    class inner:\n        pass\n", encoding="utf-8"
    )
    _dist(site, "loadme-1.dist-info", "[consultkit]\nx = ck_ep_loadme:plugin.inner\n")
    sys.path.insert(0, str(site))
    try:
        (found,) = entry_points("consultkit", [str(site)])
        assert found.load().__qualname__ == "plugin.inner"
    finally:
        sys.path.remove(str(site))
        sys.modules.pop("ck_ep_loadme", None)


def test_building_a_host_does_not_import_importlib_metadata() -> None:
    probe = (
        "import sys\n"
        "from consultkit.pluginhost.host import PluginHost\n"
        "PluginHost.load()\n"
        "print('importlib.metadata' in sys.modules, 'email.message' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
