"""consultkit-smtp: send consultkit notifications as e-mail through an SMTP server."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from consultkit_smtp.notifier import SmtpNotifier, SmtpSettings, smtp_notifier
    from consultkit_smtp.render import RenderedMessage, render_message

# Start-up (issue 14): consultkit imports this package whenever it loads its plugins, i.e.
# on nearly every CLI run, so the public names load smtplib, email and ssl on first use, not here
# (PEP 562; benchmarks/bench_startup.py).
_LAZY = {
    "SmtpNotifier": "consultkit_smtp.notifier",
    "SmtpSettings": "consultkit_smtp.notifier",
    "smtp_notifier": "consultkit_smtp.notifier",
    "RenderedMessage": "consultkit_smtp.render",
    "render_message": "consultkit_smtp.render",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "RenderedMessage",
    "SmtpNotifier",
    "SmtpSettings",
    "render_message",
    "smtp_notifier",
]
