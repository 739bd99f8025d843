"""Workers: ids in, rows re-fetched, safe to run twice; the rows (events, deliveries) are the
truth and Redis only the transport. The work itself is in `fanout` and `delivery`."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from . import delivery, fanout
from .models import Event, WebhookDelivery
from .outbox import event_queue

log = logging.getLogger(__name__)

SWEEP_GRACE = timedelta(seconds=5)
SWEEP_BATCH = 500


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
    """The type's own work (deduplication), then the fan-out. Claimed with SKIP LOCKED and
    marked processed in the same transaction: a second run finds nothing to do."""
    with transaction.atomic():
        event = (
            Event.objects.select_for_update(skip_locked=True)
            .filter(pk=event_id, processed_at__isnull=True)
            .first()
        )
        if event is None:
            return
        deliveries = fanout.process(event)
        event.processed_at = timezone.now()
        event.save(update_fields=["processed_at"])
        ids = [d.pk for d in deliveries]
        transaction.on_commit(lambda: _send_all(ids, urgent=event.urgent), robust=True)
    fanout.email_immediately(event)


def queue_delivery(delivery_id: int, *, urgent: bool) -> None:
    """Asks a worker to attempt a delivery now (a test, a retry); the sweeper does it if the
    broker is down."""
    _send(deliver_webhook, delivery_id, queue=_queue(urgent))


def _send_all(delivery_ids: list[int], *, urgent: bool) -> None:
    for pk in delivery_ids:
        if not _send(deliver_webhook, pk, queue=_queue(urgent)):
            break  # the broker is down: the sweeper finds the rest due


@shared_task(acks_late=True, time_limit=30, soft_time_limit=25)
def deliver_webhook(delivery_id: int) -> None:
    delay = delivery.attempt(delivery_id)
    # Short waits go through the broker; long ones are left to the sweeper, so no message
    # waits in Redis longer than its visibility timeout.
    if delay is not None and delay <= 60:
        urgent = WebhookDelivery.objects.filter(pk=delivery_id).values_list("urgent", flat=True)
        _send(deliver_webhook, delivery_id, queue=_queue(any(urgent)), countdown=delay)


@shared_task(acks_late=True, time_limit=60)
def sweep() -> dict[str, int]:
    """Beat, every few seconds: re-sends what Redis lost (events not processed, deliveries due
    or held by a dead worker). Safe to overlap with itself: tasks claim their rows."""
    now = timezone.now()
    sent = {"events": 0, "deliveries": 0}
    events = (
        Event.objects.filter(processed_at__isnull=True, created_at__lt=now - SWEEP_GRACE)
        .order_by("-urgent", "pk")
        .values_list("pk", "urgent", "subject_ids")[:SWEEP_BATCH]
    )
    for pk, urgent, subject_ids in list(events):
        queue = event_queue(urgent=urgent, subject_count=len(subject_ids))
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
    return fanout.send_digests(period)
