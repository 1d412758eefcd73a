"""consultkit-webhook: POST each consultkit event as signed JSON to subscribers' URLs."""

from __future__ import annotations

from consultkit_webhook.notifier import WebhookNotifier, WebhookSettings, webhook_notifier
from consultkit_webhook.signing import SignatureError, sign, subscription_secret, verify

__all__ = [
    "SignatureError",
    "WebhookNotifier",
    "WebhookSettings",
    "sign",
    "subscription_secret",
    "verify",
    "webhook_notifier",
]
