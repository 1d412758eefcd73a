"""consultkit-webhook: POST each consultkit event as signed JSON to subscribers' URLs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from consultkit.lazy import lazy_names

if TYPE_CHECKING:
    from consultkit_webhook.notifier import (
        SettingsError,
        WebhookNotifier,
        WebhookSettings,
        webhook_notifier,
    )
    from consultkit_webhook.signing import SignatureError, sign, subscription_secret, verify

# Start-up (issue 14): consultkit imports this package whenever it loads its plugins, i.e.
# on nearly every CLI run, so the public names load http.client on first use, not here
# (PEP 562; benchmarks/bench_startup.py).
_LAZY = {
    "SettingsError": "consultkit_webhook.notifier",
    "WebhookNotifier": "consultkit_webhook.notifier",
    "WebhookSettings": "consultkit_webhook.notifier",
    "webhook_notifier": "consultkit_webhook.notifier",
    "SignatureError": "consultkit_webhook.signing",
    "sign": "consultkit_webhook.signing",
    "subscription_secret": "consultkit_webhook.signing",
    "verify": "consultkit_webhook.signing",
}


__getattr__ = lazy_names(__name__, _LAZY)


__all__ = [
    "SettingsError",
    "SignatureError",
    "WebhookNotifier",
    "WebhookSettings",
    "sign",
    "subscription_secret",
    "verify",
    "webhook_notifier",
]
