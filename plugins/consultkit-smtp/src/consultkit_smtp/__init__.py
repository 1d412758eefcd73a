"""consultkit-smtp: send consultkit notifications as e-mail through an SMTP server."""

from __future__ import annotations

from typing import TYPE_CHECKING

from consultkit.lazy import lazy_names

if TYPE_CHECKING:
    from consultkit_smtp.notifier import SettingsError, SmtpNotifier, SmtpSettings, smtp_notifier
    from consultkit_smtp.render import RenderedMessage, render_message

# Start-up (issue 14): consultkit imports this package whenever it loads its plugins, i.e.
# on nearly every CLI run, so the public names load smtplib, email and ssl on first use, not here
# (PEP 562; benchmarks/bench_startup.py).
_LAZY = {
    "SettingsError": "consultkit_smtp.notifier",
    "SmtpNotifier": "consultkit_smtp.notifier",
    "SmtpSettings": "consultkit_smtp.notifier",
    "smtp_notifier": "consultkit_smtp.notifier",
    "RenderedMessage": "consultkit_smtp.render",
    "render_message": "consultkit_smtp.render",
}


__getattr__ = lazy_names(__name__, _LAZY)


__all__ = [
    "RenderedMessage",
    "SettingsError",
    "SmtpNotifier",
    "SmtpSettings",
    "render_message",
    "smtp_notifier",
]
