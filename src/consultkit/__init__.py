"""consultkit: run multistakeholder consultation processes.

Public names are re-exported here and listed in ``__all__``. They are imported lazily
(PEP 562) so that the command line starts fast; type checkers see ordinary imports.
Each module that contributes public names has one entry in ``_PUBLIC``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from consultkit._version import __version__

_PUBLIC: dict[str, tuple[str, ...]] = {
    "consultkit.app": ("Consultkit", "ImportProblem", "ImportReport", "SubmissionRecord"),
    "consultkit.calendar_ics": ("build_calendar", "calendar_bytes"),
    "consultkit.checks": ("CheckWarning", "check_consultation"),
    "consultkit.clock": ("Clock", "FixedClock", "SystemClock", "parse_instant"),
    "consultkit.config": (
        "dump_consultation",
        "load_consultation",
        "loads_consultation",
        "make_converter",
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
    "consultkit.export": (
        "ExportOptions",
        "Exporter",
        "PublishResult",
        "UnknownFormatError",
        "export_calendar",
        "publish_schedule",
    ),
    "consultkit.exports": ("export_submissions", "neutralise"),
    "consultkit.hookspecs": ("hookimpl",),
    "consultkit.imports": ("ImportFileError", "ImportRow", "read_chunks"),
    "consultkit.model": (
        "Activity",
        "Call",
        "Consultation",
        "Contact",
        "ItemStatus",
        "Organisation",
        "OrganisationRole",
        "Phase",
        "Place",
        "RelatedEvent",
        "Reminder",
        "ReminderEdge",
        "Requirement",
        "StakeholderGroup",
    ),
    "consultkit.notify.channels": ("DeliveryResult", "Notifier", "NotifierFactory"),
    "consultkit.plugins": ("PluginHost", "PluginInfo"),
    "consultkit.store": (
        "Delivery",
        "DeliveryFailure",
        "DeliveryStatus",
        "DeliveryTarget",
        "OutboxEvent",
        "ScheduleRevision",
        "Store",
        "StoreConflictError",
        "Subscription",
        "Tombstone",
        "default_store_url",
        "open_store",
    ),
    "consultkit.queries": (
        "CallState",
        "UpcomingDeadline",
        "call_deadline",
        "call_opens",
        "call_state",
        "current_phase",
        "next_deadline",
        "next_phase",
        "open_calls",
        "phases_at",
        "phases_in_order",
    ),
    "consultkit.schedule": (
        "ChangeKind",
        "ItemChange",
        "ScheduleItem",
        "apply_snapshot",
        "diff",
        "item_uid",
        "schedule_items",
        "snapshot",
    ),
    "consultkit.stats": ("Stats", "compute_stats"),
    "consultkit.submissions": (
        "Actor",
        "ActorRole",
        "Consent",
        "Draft",
        "DuplicateGroup",
        "HistoryEntry",
        "Provenance",
        "Receipt",
        "Submission",
        "SubmissionRules",
        "SubmissionStatus",
        "Submitter",
        "check_submission",
        "duplicate_groups",
        "fingerprint",
        "normalize_tag",
        "normalize_tracking_number",
        "plan_transition",
        "public_status",
    ),
    "consultkit.text": ("UN_LANGUAGES", "Localized", "Text"),
    "consultkit.timeline": ("build_timeline",),
    "consultkit.windows": (
        "AnyWindow",
        "CutoffRule",
        "DayWindow",
        "Deadline",
        "ExactWindow",
        "LocalTimeError",
        "Month",
        "MonthWindow",
        "Precision",
        "Relation",
        "Unscheduled",
        "Window",
    ),
}

_WHERE = {name: module for module, names in _PUBLIC.items() for name in names}

__all__ = sorted([*_WHERE, "__version__"])  # noqa: PLE0605 (built from _PUBLIC on purpose)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'consultkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from consultkit.app import Consultkit, ImportProblem, ImportReport, SubmissionRecord
    from consultkit.calendar_ics import build_calendar, calendar_bytes
    from consultkit.checks import CheckWarning, check_consultation
    from consultkit.clock import Clock, FixedClock, SystemClock, parse_instant
    from consultkit.config import (
        dump_consultation,
        load_consultation,
        loads_consultation,
        make_converter,
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
    from consultkit.export import (
        Exporter,
        ExportOptions,
        PublishResult,
        UnknownFormatError,
        export_calendar,
        publish_schedule,
    )
    from consultkit.exports import export_submissions, neutralise
    from consultkit.hookspecs import hookimpl
    from consultkit.imports import ImportFileError, ImportRow, read_chunks
    from consultkit.model import (
        Activity,
        Call,
        Consultation,
        Contact,
        ItemStatus,
        Organisation,
        OrganisationRole,
        Phase,
        Place,
        RelatedEvent,
        Reminder,
        ReminderEdge,
        Requirement,
        StakeholderGroup,
    )
    from consultkit.notify.channels import DeliveryResult, Notifier, NotifierFactory
    from consultkit.plugins import PluginHost, PluginInfo
    from consultkit.schedule import (
        ChangeKind,
        ItemChange,
        ScheduleItem,
        apply_snapshot,
        diff,
        item_uid,
        schedule_items,
        snapshot,
    )
    from consultkit.stats import Stats, compute_stats
    from consultkit.store import (
        Delivery,
        DeliveryFailure,
        DeliveryStatus,
        DeliveryTarget,
        OutboxEvent,
        ScheduleRevision,
        Store,
        StoreConflictError,
        Subscription,
        Tombstone,
        default_store_url,
        open_store,
    )
    from consultkit.queries import (
        CallState,
        UpcomingDeadline,
        call_deadline,
        call_opens,
        call_state,
        current_phase,
        next_deadline,
        next_phase,
        open_calls,
        phases_at,
        phases_in_order,
    )
    from consultkit.submissions import (
        Actor,
        ActorRole,
        Consent,
        Draft,
        DuplicateGroup,
        HistoryEntry,
        Provenance,
        Receipt,
        Submission,
        SubmissionRules,
        SubmissionStatus,
        Submitter,
        check_submission,
        duplicate_groups,
        fingerprint,
        normalize_tag,
        normalize_tracking_number,
        plan_transition,
        public_status,
    )
    from consultkit.text import UN_LANGUAGES, Localized, Text
    from consultkit.timeline import build_timeline
    from consultkit.windows import (
        AnyWindow,
        CutoffRule,
        DayWindow,
        Deadline,
        ExactWindow,
        LocalTimeError,
        Month,
        MonthWindow,
        Precision,
        Relation,
        Unscheduled,
        Window,
    )
