"""Publishing an event: the row in the caller's transaction, the message to a worker after it
commits. The row is the truth; Redis is only the transport (the sweeper re-sends what it lost)."""

from __future__ import annotations

import logging

from django.db import transaction

from .models import Event

log = logging.getLogger(__name__)


def publish(
    *,
    type: str,
    subject_ids: list[int] | None = None,
    actor_org=None,
    data: dict | None = None,
    urgent: bool = False,
) -> Event:
    """Writes the event row in the caller's transaction and asks a worker to process it once
    the transaction commits (robust: a broker error never undoes the committed change)."""
    event = Event.objects.create(
        type=type,
        actor_org=actor_org,
        subject_ids=list(subject_ids or []),
        data=data or {},
        urgent=urgent,
    )
    queue = event_queue(urgent=urgent, subject_count=len(event.subject_ids))
    transaction.on_commit(lambda: _enqueue(event.pk, queue), robust=True)
    return event


def event_queue(*, urgent: bool, subject_count: int) -> str:
    """`urgent` for live events; `bulk` for a submission of several reports, so that one
    analyst's report does not wait behind a member's batches (a worker takes its queues in
    turn; BENCHMARKS.md, "Dedup to notify", under bulk ingest); `default` otherwise."""
    if urgent:
        return "urgent"
    return "bulk" if subject_count > 1 else "default"


def _enqueue(event_id: int, queue: str) -> None:
    """Runs on commit, in the request: never waits for Redis. `retry=False` alone does not
    bound it (kombu still retries the connection for ~6 s); the broker transport options in
    settings (max_retries 0, short socket timeouts) make a down or hung Redis fail within about
    a second. The row is committed, so a failed send only delays it: the sweeper sends it."""
    from kombu.exceptions import OperationalError

    from .tasks import process_event

    try:
        process_event.apply_async(args=[event_id], queue=queue, retry=False)
    except (OperationalError, OSError) as exc:
        log.warning("event %s left for the outbox sweeper: broker unavailable (%s)", event_id, exc)
