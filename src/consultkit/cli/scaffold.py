"""Render a new plugin package from the templates shipped in ``cli/templates/new_plugin``.

``consultkit new-plugin`` calls :func:`render_plugin`. The templates are Jinja2 files; a
path part ``__module__`` becomes the package's module name and ``_github`` becomes
``.github`` (hidden directories are easy to lose when a package is built). Which hooks the
plugin implements decides which blocks of ``plugin.py`` and its tests are rendered and
which names each imports, so the result passes ruff and mypy --strict as written.
"""

from __future__ import annotations

import importlib.resources
import re
from typing import TYPE_CHECKING

import jinja2

from consultkit._version import __version__
from consultkit.errors import ConsultkitError
from consultkit.i18n import deferred

if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.resources.abc import Traversable
    from pathlib import Path

__all__ = ["DEFAULT_HOOKS", "HOOKS", "ScaffoldError", "plugin_names", "render_plugin"]

#: Hooks the scaffold can implement, in hookspecs order (register_stores needs a whole
#: backend: subclass consultkit.storage.sql.SqlStore instead, see docs/storage.md).
HOOKS = (
    "register_notifiers",
    "register_exporters",
    "register_commands",
    "validate_submission",
    "submission_received",
    "submission_status_changed",
    "schedule_changed",
    "calendar_item_built",
)
DEFAULT_HOOKS = ("validate_submission",)

_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


class ScaffoldError(ConsultkitError, ValueError):
    """The plugin cannot be created as asked (a bad name, a directory in the way)."""


def plugin_names(name: str) -> dict[str, str]:
    """The names derived from ``name``: entry point, distribution, module, class prefix."""
    short = name.removeprefix("consultkit-")
    if not _NAME.match(short):
        raise ScaffoldError(
            deferred.gettext(
                "plugin name %(name)s must be lower case letters and digits, words joined by"
                " '-' (e.g. matrix or no-http)",
                name=repr(name),
            )
        )
    words = short.split("-")
    return {
        "name": short,
        "dist": f"consultkit-{short}",
        "module": f"consultkit_{'_'.join(words)}",
        "class_prefix": "".join(w.capitalize() for w in words),
        "env_name": "_".join(words).upper(),
    }


def _pick(**wanted: bool) -> list[str]:
    """The names whose flag is true, sorted (an import list)."""
    return sorted(name for name, flag in wanted.items() if flag)


def _imports(hooks: Sequence[str]) -> dict[str, list[str]]:
    has = set(hooks).__contains__
    runtime = []
    if has("register_commands"):
        runtime.append("import click")
    runtime.append("from consultkit import hookimpl")
    if has("register_notifiers"):
        runtime.append("from consultkit.notify import DeliveryResult")
    typed: list[str] = []
    abc = _pick(
        Sequence=has("register_notifiers") or has("register_exporters") or has("schedule_changed"),
        Mapping=has("register_notifiers") or has("validate_submission"),
    )
    if abc:
        typed.append(f"from collections.abc import {', '.join(abc)}")
    if has("calendar_item_built"):
        typed.append("import icalendar")
    model = _pick(
        Consultation=bool(set(hooks) - {"register_notifiers", "register_commands"}),
        SettingValue=has("validate_submission"),
    )
    if model:
        typed.append(f"from consultkit.domain.model import {', '.join(model)}")
    schedule = _pick(
        ItemChange=has("schedule_changed"),
        ScheduleItem=has("calendar_item_built") or has("register_exporters"),
    )
    if schedule:
        typed.append(f"from consultkit.domain.schedule import {', '.join(schedule)}")
    submissions = _pick(
        Submission=has("validate_submission")
        or has("submission_received")
        or has("submission_status_changed"),
        Receipt=has("submission_received"),
        HistoryEntry=has("submission_status_changed"),
    )
    if submissions:
        typed.append(f"from consultkit.domain.submissions import {', '.join(submissions)}")
    if has("register_exporters"):
        typed.append("from consultkit.formats.exporter import ExportOptions")
    registers = _pick(
        RegisterNotifier=has("register_notifiers"),
        RegisterExporter=has("register_exporters"),
        RegisterCommand=has("register_commands"),
    )
    if registers:
        typed.append(f"from consultkit.hookspecs import {', '.join(registers)}")
    records = _pick(Delivery=has("register_notifiers"), ScheduleRevision=has("schedule_changed"))
    if records:
        typed.append(f"from consultkit.storage.protocols import {', '.join(records)}")
    return {"runtime_imports": runtime, "type_imports": _grouped(typed)}


def _test_imports(hooks: Sequence[str]) -> list[str]:
    has = set(hooks).__contains__
    third = ["import pytest"] if has("register_exporters") else []
    if has("register_commands"):
        third.append("from click.testing import CliRunner")
    first: list[str] = []
    if has("submission_received") and has("validate_submission"):
        first.append("from consultkit import Submitter, loads_consultation")
    elif has("submission_received"):
        first.append("from consultkit import Submitter")
    if has("register_exporters"):
        first.append("from consultkit.testing import ExporterContract")
    if has("validate_submission") and not has("submission_received"):
        first.append("from consultkit import loads_consultation")
    factories = _pick(
        MINIMAL_CONSULTATION=has("validate_submission"),
        make_submission=has("validate_submission") or has("submission_status_changed"),
        status_entry=has("submission_status_changed"),
    )
    if factories:
        first.append(f"from consultkit.testing.factories import {', '.join(factories)}")
    typed = ["from consultkit.pluginhost.host import PluginHost"]
    if has("submission_received") and not has("register_exporters"):
        typed.append("import pytest")
    if set(hooks) - {"register_notifiers", "register_exporters", "register_commands"}:
        typed.append("from consultkit.domain.model import Consultation")
    if has("submission_received") or has("schedule_changed") or has("calendar_item_built"):
        typed.append("from consultkit.app.application import Consultkit")
    if has("register_exporters"):
        typed.append("from consultkit.formats.exporter import Exporter")
    if has("register_notifiers"):
        typed.append("from consultkit.storage.protocols import Delivery")
    lines = ["from typing import TYPE_CHECKING"]
    if third or first:
        lines += ["", *third, *sorted(first)]
    lines += ["", "if TYPE_CHECKING:", *(f"    {line}" for line in _grouped(typed))]
    return lines


def _grouped(lines: list[str]) -> list[str]:
    # isort's sections inside the TYPE_CHECKING block: the standard library, then the
    # third-party packages (consultkit is one, for the plugin), `import x` before `from`.
    std = sorted(line for line in lines if line.startswith("from collections"))
    third = sorted(line for line in lines if line.startswith("import ")) + sorted(
        line for line in lines if line.startswith("from consultkit")
    )
    return [*std, *([""] if std and third else []), *third]


def _files(
    root: Traversable, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Traversable]]:
    found = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            found.extend(_files(entry, (*prefix, entry.name)))
        elif not entry.name.endswith((".pyc", ".pyo")):
            found.append(((*prefix, entry.name), entry))
    return found


def render_plugin(
    name: str,
    directory: Path,
    *,
    hooks: Sequence[str] = DEFAULT_HOOKS,
    description: str | None = None,
) -> list[Path]:
    """Write a complete plugin package for ``hooks`` into ``directory``; returns the files.

    Raises :class:`ScaffoldError` for a bad name, an unknown hook, or a ``directory`` that
    exists and is not empty (nothing is overwritten).
    """
    names = plugin_names(name)
    unknown = [hook for hook in hooks if hook not in HOOKS]
    if unknown:
        raise ScaffoldError(
            deferred.gettext(
                "unknown hook %(hook)s: choose from %(hooks)s",
                hook=repr(unknown[0]),
                hooks=", ".join(HOOKS),
            )
        )
    chosen = [hook for hook in HOOKS if hook in hooks] or list(DEFAULT_HOOKS)
    if directory.exists() and any(directory.iterdir()):
        raise ScaffoldError(
            deferred.gettext(
                "%(directory)s exists and is not empty; choose another --directory or remove it",
                directory=directory,
            )
        )
    context = {
        **names,
        "hooks": chosen,
        "description": description or f"A consultkit plugin: {names['name']}.",
        "consultkit_version": __version__.split("+")[0].split(".dev")[0],
        **_imports(chosen),
        "test_imports": _test_imports(chosen),
    }
    # Python and TOML, not HTML: escaping would corrupt them; the values are the names
    # checked by plugin_names and the hook names above.
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701
    )
    template_root = importlib.resources.files("consultkit.cli").joinpath("templates", "new_plugin")
    written = []
    for parts, source in _files(template_root):
        target_parts = [
            names["module"] if p == "__module__" else ".github" if p == "_github" else p
            for p in parts
        ]
        target = directory.joinpath(*target_parts)
        text = source.read_text(encoding="utf-8")
        if target.suffix == ".j2":
            target = target.with_suffix("")
            text = environment.from_string(text).render(context)
            text = (
                re.sub(r"\n{3,}(?=\S)", "\n\n\n", text).rstrip("\n") + "\n" if text.strip() else ""
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
