"""Notifications that are never lost: outbox events, routing, reminders and the dispatcher.

Events are written to the store's outbox in the same transaction as the change that caused
them; :mod:`consultkit.app.dispatch` routes them to recipients and hands the
deliveries to notifier plugins (:class:`Notifier`), marking each one done only after the
channel accepted it.
"""

from __future__ import annotations

from consultkit.notify.channels import (
    DeliveryResult,
    Notifier,
    NotifierFactory,
    Reach,
    people_channel,
    reach_of,
)

__all__ = ["DeliveryResult", "Notifier", "NotifierFactory", "Reach", "people_channel", "reach_of"]
