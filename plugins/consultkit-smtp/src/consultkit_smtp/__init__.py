"""consultkit-smtp: send consultkit notifications as e-mail through an SMTP server."""

from __future__ import annotations

from consultkit_smtp.notifier import SmtpNotifier, SmtpSettings, smtp_notifier
from consultkit_smtp.render import RenderedMessage, render_message

__all__ = ["RenderedMessage", "SmtpNotifier", "SmtpSettings", "render_message", "smtp_notifier"]
