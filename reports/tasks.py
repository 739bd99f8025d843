"""Workers over `reports.dedup` and `reports.notify`: ids in, rows re-fetched, safe to run twice;
the rows (events, deliveries) are the truth and Redis only the transport. `deliver_webhook`
still holds the retry, disable and e-mail rules itself (to move into a service with the
notifications app)."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

from celery import shared_task
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from kombu.exceptions import OperationalError as KombuOperationalError

from hub.models import Event, event_queue
from members.mail import subject_line

from . import dedup, notify, webhooks
from .models import WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

# A delivery being sent is held this long (above deliver_webhook's hard time limit); a worker
# killed mid-send lets it go after that.
CLAIM = timedelta(seconds=45)
SWEEP_GRACE = timedelta(seconds=5)
SWEEP_BATCH = 500
# Endpoints are disabled after this many deliveries in a row failed for good.
MAX_CONSECUTIVE_FAILURES = 5
# Why an endpoint was disabled (kept on it in English, e-mailed in each admin's language).
GONE = gettext_noop("the receiver answered 410 Gone")
FAILED_IN_A_ROW = gettext_noop("%(count)s deliveries in a row failed")


def _queue(urgent: bool) -> str:
    return "urgent" if urgent else "default"


def _send(task, pk: int, *, queue: str, countdown: float | None = None) -> bool:
    """Publishes `task(pk)`; False (logged) when the broker is unavailable. Never raises for
    that: the rows are the truth, and the sweeper re-sends whatever is still due. Fails within
    about a second (CELERY_BROKER_TRANSPORT_OPTIONS), so it never holds a task for long."""
    try:
        if countdown is None:
            task.apply_async(args=[pk], queue=queue, retry=False)
        else:
            task.apply_async(args=[pk], queue=queue, countdown=countdown, retry=False)
    except (KombuOperationalError, OSError) as exc:
        log.warning("%s(%s) left for the sweeper: broker unavailable (%s)", task.name, pk, exc)
        return False
    return True


@shared_task(
    acks_late=True,
    time_limit=240,
    soft_time_limit=200,
    # Transient database trouble (a deadlock victim, a dropped connection): try again soon;
    # if every retry fails, the sweeper still finds the event unprocessed.
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    retry_jitter=True,
    max_retries=5,
)
def process_event(event_id: int) -> None:
    """Deduplicate the event's reports, then fan it out. Claimed with SKIP LOCKED and marked
    processed in the same transaction: a second run finds nothing to do."""
    with transaction.atomic():
        event = (
            Event.objects.select_for_update(skip_locked=True)
            .filter(pk=event_id, processed_at__isnull=True)
            .first()
        )
        if event is None:
            return
        if event.type == Event.Type.REPORT_SHARED:
            dedup.link_reports(event.report_ids)
        deliveries = notify.fan_out(event)
        event.processed_at = timezone.now()
        event.save(update_fields=["processed_at"])
        ids = [d.pk for d in deliveries]
        transaction.on_commit(lambda: _send_all(ids, urgent=event.urgent), robust=True)
    notify.email_immediately(event)


def _send_all(delivery_ids: list[int], *, urgent: bool) -> None:
    for pk in delivery_ids:
        if not _send(deliver_webhook, pk, queue=_queue(urgent)):
            break  # the broker is down: the sweeper finds the rest due


def _claim(delivery_id: int) -> WebhookDelivery | None:
    now = timezone.now()
    claimable = Q(state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now) | Q(
        state=WebhookDelivery.State.SENDING, claimed_until__lt=now
    )
    claimed = WebhookDelivery.objects.filter(claimable, pk=delivery_id).update(
        state=WebhookDelivery.State.SENDING, claimed_until=now + CLAIM
    )
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint__organization", "event").get(
        pk=delivery_id
    )


@shared_task(acks_late=True, time_limit=30, soft_time_limit=25)
def deliver_webhook(delivery_id: int) -> None:
    delivery = _claim(delivery_id)
    if delivery is None:
        return  # delivered, not due yet, or another worker holds it
    endpoint = delivery.endpoint
    payload = notify.payload_for(delivery) if endpoint.active else None
    if payload is None:
        _finish(
            delivery, WebhookDelivery.State.CANCELLED, error="no longer visible or endpoint off"
        )
        return
    body = json.dumps(payload, separators=(",", ":"), default=str).encode()
    try:
        headers = webhooks.build_headers(endpoint.secret, delivery.msg_id, int(time.time()), body)
    except ValueError as e:
        # A secret that cannot sign will not start to: say why in the log rather than retry.
        _finish(delivery, WebhookDelivery.State.FAILED, error=f"cannot sign: {e}")
        return
    # allow_private is left to deliver(): it reads WEBHOOK_ALLOW_PRIVATE_DESTINATIONS and only
    # a real True (never a truthy string from a mis-parsed variable) opens private ranges.
    result = webhooks.deliver(endpoint.url, body, headers)
    delivery.attempts += 1
    delivery.last_status_code = result.status_code
    delivery.last_error = result.error[:500]
    delivery.last_response = result.response_excerpt
    if result.ok:
        _finish(delivery, WebhookDelivery.State.DELIVERED)
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
        return
    if result.gone:
        _finish(delivery, WebhookDelivery.State.FAILED)
        _disable(endpoint, GONE)
        return
    delay = (
        None
        if result.refused  # a destination that is not allowed will not become allowed
        else webhooks.next_attempt_delay(delivery.attempts, retry_after=result.retry_after)
    )
    if delay is None:
        _finish(delivery, WebhookDelivery.State.FAILED)
        failures = endpoint.consecutive_failures + 1
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=failures)
        if failures >= MAX_CONSECUTIVE_FAILURES:
            _disable(endpoint, FAILED_IN_A_ROW, count=failures)
        return
    delivery.state = WebhookDelivery.State.PENDING
    delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    delivery.claimed_until = None
    delivery.save()
    # Short waits go through the broker; long ones are left to the sweeper, so no message
    # waits in Redis longer than its visibility timeout.
    if delay <= 60:
        _send(deliver_webhook, delivery.pk, queue=_queue(delivery.urgent), countdown=delay)


def _finish(delivery: WebhookDelivery, state: str, error: str = "") -> None:
    delivery.state = state
    delivery.claimed_until = None
    if error:
        delivery.last_error = error
    if state == WebhookDelivery.State.DELIVERED:
        delivery.delivered_at = timezone.now()
    delivery.save()


def _disable(endpoint: WebhookEndpoint, reason: str, **params: object) -> None:
    """`reason` is marked with gettext_noop: the endpoint keeps it in English (the API's
    language); each admin reads it in their own in the e-mail."""
    english = reason % params
    updated = WebhookEndpoint.objects.filter(pk=endpoint.pk, active=True).update(
        active=False, disabled_reason=english[:200]
    )
    if updated:
        log.warning("webhook endpoint %s disabled: %s", endpoint.pk, english)

        def compose() -> tuple[str, str]:
            return subject_line(_("A webhook endpoint was disabled")), _(
                "Your endpoint %(url)s was disabled: %(reason)s.\n"
                "Fix the receiver, then re-enable it in the API (PATCH active=true)."
            ) % {"url": endpoint.url, "reason": _(reason) % params}

        notify._mail(endpoint.organization_id, compose)


@shared_task(acks_late=True, time_limit=60)
def sweep() -> dict[str, int]:
    """Beat, every few seconds: re-sends what Redis lost (events not processed, deliveries due
    or held by a dead worker). Safe to overlap with itself: tasks claim their rows."""
    now = timezone.now()
    sent = {"events": 0, "deliveries": 0}
    events = (
        Event.objects.filter(processed_at__isnull=True, created_at__lt=now - SWEEP_GRACE)
        .order_by("-urgent", "pk")
        .values_list("pk", "urgent", "report_ids")[:SWEEP_BATCH]
    )
    for pk, urgent, report_ids in list(events):
        queue = event_queue(urgent=urgent, report_count=len(report_ids))
        # The broker went away mid-sweep: stop rather than wait once per row; the next sweep
        # starts over.
        if not _send(process_event, pk, queue=queue):
            return sent
        sent["events"] += 1
    due = (
        WebhookDelivery.objects.filter(
            Q(state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now - SWEEP_GRACE)
            | Q(state=WebhookDelivery.State.SENDING, claimed_until__lt=now)
        )
        .order_by("-urgent", "next_attempt_at")
        .values_list("pk", "urgent")[:SWEEP_BATCH]
    )
    for pk, urgent in list(due):
        if not _send(deliver_webhook, pk, queue=_queue(urgent)):
            return sent
        sent["deliveries"] += 1
    return sent


@shared_task(time_limit=300)
def email_digest(period: str) -> int:
    return notify.send_digests(period)
