"""Writes: marking inbox items read, and an organisation's webhook endpoints. Changes made by a
person or key are written to the audit log (through `registry.record`, which members installs)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from . import registry, webhooks
from .models import Notification, NotificationSettings, WebhookEndpoint
from .selectors import inbox


def notifications_mark_read(*, org, pk: int | None = None) -> int:
    """Marks the organisation's unread inbox items read: one (`pk`) or all. Only items it may
    still see count (`selectors.inbox`): an item about a report it can no longer see is neither
    marked nor counted. Returns how many were marked."""
    items = inbox(org).filter(read_at__isnull=True)
    if pk is not None:
        items = items.filter(pk=pk)
    return Notification.objects.filter(pk__in=items.values("pk")).update(read_at=timezone.now())


@transaction.atomic
def webhook_endpoint_create(*, user, organization, **fields) -> WebhookEndpoint:
    """A new endpoint with a fresh signing secret (shown to the caller once)."""
    endpoint = WebhookEndpoint.objects.create(
        organization=organization, secret=webhooks.generate_secret(), **fields
    )
    registry.record(user=user, action="webhook.created", obj=endpoint)
    return endpoint


@transaction.atomic
def webhook_endpoint_update(*, user, endpoint: WebhookEndpoint, **fields) -> WebhookEndpoint:
    """Changes an endpoint; re-enabling one the hub disabled starts its failure count afresh."""
    for name, value in fields.items():
        setattr(endpoint, name, value)
    if endpoint.active and endpoint.disabled_reason:
        endpoint.disabled_reason = ""
        endpoint.consecutive_failures = 0
    endpoint.save()
    registry.record(user=user, action="webhook.updated", obj=endpoint)
    return endpoint


@transaction.atomic
def notification_settings_save(*, user, organization, **fields) -> NotificationSettings:
    """Saves what the organisation wants to hear of, and how (its first save creates them)."""
    prefs, _created = NotificationSettings.objects.get_or_create(organization=organization)
    for name, value in fields.items():
        setattr(prefs, name, value)
    prefs.save()
    registry.record(user=user, action="notifications.settings_changed", obj=prefs)
    return prefs
