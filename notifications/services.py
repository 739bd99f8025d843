"""Writes: marking inbox items read, an organisation's webhook endpoints (create, change, rotate
the secret, send a test, retry a delivery, delete) and what it wants to hear of. Changes made by a
person or key are written to the audit log (through `registry.record`, which members installs).
The notification e-mail addresses are in `address_services`."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import registry, tasks, webhooks
from .models import (
    TEST_EVENT,
    Event,
    Notification,
    NotificationSettings,
    WebhookDelivery,
    WebhookEndpoint,
)
from .selectors import inbox

# How long the previous secret keeps signing after a rotation, unless the caller says otherwise:
# a day lets a receiver's team deploy the new secret in working hours.
ROTATION_OVERLAP = timedelta(hours=24)
ROTATION_OVERLAP_MAX = timedelta(days=7)


def notifications_mark_read(*, org, pk: int | None = None) -> int:
    """Marks the organisation's unread inbox items read: one (`pk`) or all. Only items it may
    still see count (`selectors.inbox`): an item about a report it can no longer see is neither
    marked nor counted. Returns how many were marked."""
    items = inbox(org).filter(read_at__isnull=True)
    if pk is not None:
        items = items.filter(pk=pk)
    return Notification.objects.filter(pk__in=items.values("pk")).update(read_at=timezone.now())


def webhook_url_refusal(url: str) -> str | None:
    """Why the hub would not deliver to `url` (in English, as the destination check says it),
    or None. A name that does not resolve yet is accepted: every delivery checks again."""
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS
    if urlsplit(url).scheme == "http" and not allow_private:
        return "only https addresses are accepted"
    try:
        webhooks.check_destination(url, allow_private=allow_private)
    except webhooks.DestinationRefused as e:
        if not e.transient:
            return e.reason
    return None


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
def webhook_endpoint_delete(*, user, endpoint: WebhookEndpoint) -> None:
    """Deletes an endpoint and its delivery log; what is queued for it is never sent."""
    registry.record(user=user, action="webhook.deleted", obj=endpoint)
    endpoint.delete()


def webhook_endpoint_rotate_secret(
    *, user, endpoint: WebhookEndpoint, overlap: timedelta = ROTATION_OVERLAP
) -> WebhookEndpoint:
    """A new secret signs from now on; the one it replaces signs too for `overlap` (none when
    zero), so a receiver that still holds it accepts every message until it switches. Only the
    latest previous secret is kept: a second rotation inside the window ends the first one's.
    The new secret is on the returned endpoint, to be shown once."""
    if not timedelta(0) <= overlap <= ROTATION_OVERLAP_MAX:
        raise ValueError(f"the overlap must be between 0 and {ROTATION_OVERLAP_MAX}")
    with transaction.atomic():
        # Locked: two rotations at once would both keep the same previous secret, and the
        # secret one of them was shown would never sign anything.
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        now = timezone.now()
        if overlap:
            locked.previous_secret = locked.secret
            locked.previous_secret_expires_at = now + overlap
        else:
            locked.previous_secret, locked.previous_secret_expires_at = "", None
        locked.secret = webhooks.generate_secret()
        locked.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
        registry.record(user=user, action="webhook.secret_rotated", obj=locked)
    return locked


def webhook_endpoint_test(*, user, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A test message to this endpoint only, through the same signing and guarded delivery as
    any other, kept in its delivery log. Its event is written processed, so no fan-out ever
    gives it to another endpoint or organisation. Sent once, even to a disabled endpoint."""
    with transaction.atomic():
        event = Event.objects.create(
            type=TEST_EVENT,
            actor_org_id=endpoint.organization_id,
            data={"endpoint": endpoint.pk},
            urgent=True,
            processed_at=timezone.now(),
        )
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event=event,
            msg_id=f"msg_{event.pk}_{endpoint.pk}",
            event_type=TEST_EVENT,
            urgent=True,
        )
        registry.record(user=user, action="webhook.test_sent", obj=endpoint)
        transaction.on_commit(lambda: tasks.queue_delivery(delivery.pk, urgent=True), robust=True)
    return delivery


def webhook_delivery_retry(*, user, delivery: WebhookDelivery) -> bool:
    """Puts a failed or pending delivery of an enabled endpoint back in line for an attempt now.
    False, and nothing changes, for one that is delivered, cancelled, being sent or whose
    endpoint is off. Safe to repeat: an attempt claims the delivery, so a second press sends it
    once, not twice."""
    with transaction.atomic():
        retried = WebhookDelivery.objects.filter(
            pk=delivery.pk,
            state__in=[WebhookDelivery.State.FAILED, WebhookDelivery.State.PENDING],
            endpoint__active=True,
        ).update(
            state=WebhookDelivery.State.PENDING, next_attempt_at=timezone.now(), claimed_until=None
        )
        if retried:
            registry.record(user=user, action="webhook.delivery_retried", obj=delivery)
            urgent = delivery.urgent
            transaction.on_commit(
                lambda: tasks.queue_delivery(delivery.pk, urgent=urgent), robust=True
            )
    delivery.refresh_from_db()
    return bool(retried)


@transaction.atomic
def notification_settings_save(*, user, organization, **fields) -> NotificationSettings:
    """Saves what the organisation wants to hear of, and how (its first save creates them)."""
    prefs, _created = NotificationSettings.objects.get_or_create(organization=organization)
    for name, value in fields.items():
        setattr(prefs, name, value)
    prefs.save()
    registry.record(user=user, action="notifications.settings_changed", obj=prefs)
    return prefs
