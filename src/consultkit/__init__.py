"""consultkit: run multistakeholder consultation processes.

The top-level namespace is small on purpose: the application object, loading a
consultation, the model's main values, the errors and ``hookimpl``. Everything else lives
in documented submodules whose names are the architecture (see docs/architecture.md):
``consultkit.domain``, ``consultkit.events``, ``consultkit.config``, ``consultkit.storage``,
``consultkit.formats``, ``consultkit.notify``, ``consultkit.pluginhost``,
``consultkit.hookspecs``, ``consultkit.app``, ``consultkit.testing``.

Public names are imported lazily (PEP 562) so that the command line starts fast; type
checkers see ordinary imports. ``_PUBLIC`` maps each module to the names it contributes;
``__all__`` and the ``TYPE_CHECKING`` imports repeat them literally because mypy and ruff
only read literals, and ``tests/test_public_api.py`` checks that the three agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from consultkit._version import __version__
from consultkit.lazy import lazy_names

_PUBLIC: dict[str, tuple[str, ...]] = {
    "consultkit.app.application": ("Consultkit",),
    "consultkit.config.loader": ("dump_consultation", "load_consultation", "loads_consultation"),
    "consultkit.domain.clock": ("FixedClock", "SystemClock"),
    "consultkit.domain.model": (
        "Call",
        "Consultation",
        "Contact",
        "Organisation",
        "Phase",
        "Place",
        "RelatedEvent",
        "StakeholderGroup",
    ),
    "consultkit.domain.submissions": (
        "Consent",
        "Draft",
        "Receipt",
        "Submission",
        "SubmissionStatus",
        "Submitter",
    ),
    "consultkit.domain.text": ("Text",),
    "consultkit.domain.windows": (
        "CutoffRule",
        "DayWindow",
        "Deadline",
        "ExactWindow",
        "MonthWindow",
        "Unscheduled",
    ),
    "consultkit.errors": (
        "ConfigError",
        "ConsultkitError",
        "PermissionDeniedError",
        "PluginError",
        "Problem",
        "RuleRefusedError",
        "StoreError",
        "TransitionError",
        "UnknownItemError",
    ),
    "consultkit.hookspecs": ("hookimpl",),
}

_WHERE: dict[str, str] = {name: module for module, names in _PUBLIC.items() for name in names}

__all__ = [
    "Call",
    "ConfigError",
    "Consent",
    "Consultation",
    "Consultkit",
    "ConsultkitError",
    "Contact",
    "CutoffRule",
    "DayWindow",
    "Deadline",
    "Draft",
    "ExactWindow",
    "FixedClock",
    "MonthWindow",
    "Organisation",
    "PermissionDeniedError",
    "Phase",
    "Place",
    "PluginError",
    "Problem",
    "Receipt",
    "RelatedEvent",
    "RuleRefusedError",
    "StakeholderGroup",
    "StoreError",
    "Submission",
    "SubmissionStatus",
    "Submitter",
    "SystemClock",
    "Text",
    "TransitionError",
    "UnknownItemError",
    "Unscheduled",
    "__version__",
    "dump_consultation",
    "hookimpl",
    "load_consultation",
    "loads_consultation",
]


__getattr__ = lazy_names(__name__, _WHERE)


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from consultkit.app.application import Consultkit
    from consultkit.config.loader import dump_consultation, load_consultation, loads_consultation
    from consultkit.domain.clock import FixedClock, SystemClock
    from consultkit.domain.model import (
        Call,
        Consultation,
        Contact,
        Organisation,
        Phase,
        Place,
        RelatedEvent,
        StakeholderGroup,
    )
    from consultkit.domain.submissions import (
        Consent,
        Draft,
        Receipt,
        Submission,
        SubmissionStatus,
        Submitter,
    )
    from consultkit.domain.text import Text
    from consultkit.domain.windows import (
        CutoffRule,
        DayWindow,
        Deadline,
        ExactWindow,
        MonthWindow,
        Unscheduled,
    )
    from consultkit.errors import (
        ConfigError,
        ConsultkitError,
        PermissionDeniedError,
        PluginError,
        Problem,
        RuleRefusedError,
        StoreError,
        TransitionError,
        UnknownItemError,
    )
    from consultkit.hookspecs import hookimpl
