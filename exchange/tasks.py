"""Workers of the exchange app: ids in, rows re-fetched, safe to run twice. An import job is a
row first (`exchange.imports.import_submit`); Redis only carries the news, and the sweep finds
again what it lost."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from . import imports
from .models import ImportJob

log = logging.getLogger(__name__)

SWEEP_AFTER = timedelta(minutes=1)
SWEEP_BATCH = 500
# A few objects (a client's single POST) go before a member's thousand-object backlog: the
# worker takes its queues in turn (ARCHITECTURE.md, "Tasks and the outbox").
SMALL_JOB = 10


def enqueue_import(job_id, *, size: int) -> bool:
    """Asks a worker to run the job; False (logged) when the broker is unavailable, never an
    error: the job is a row, and the sweep sends it again."""
    queue = "default" if size <= SMALL_JOB else "bulk"
    try:
        run_import.apply_async(args=[str(job_id)], queue=queue, retry=False)
    except (KombuOperationalError, OSError) as exc:
        log.warning("run_import(%s) left for the sweep: broker unavailable (%s)", job_id, exc)
        return False
    return True


@shared_task(
    acks_late=True,
    time_limit=300,
    soft_time_limit=270,
    # A deadlock victim or a dropped connection: the job's transaction rolled back whole and
    # the job is still pending, so trying again is safe.
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    retry_jitter=True,
    max_retries=5,
)
def run_import(job_id: str) -> None:
    imports.import_run(job_id)


@shared_task(acks_late=True, time_limit=60)
def sweep_imports() -> int:
    """Beat, every minute: sends again the jobs still pending a minute after they were posted
    (the message was lost, or the worker died). A job being run is locked, so a second worker
    given it returns at once."""
    due = (
        ImportJob.objects.filter(
            status=ImportJob.Status.PENDING, created_at__lt=timezone.now() - SWEEP_AFTER
        )
        .order_by("created_at")
        .values_list("pk", "total_count")[:SWEEP_BATCH]
    )
    sent = 0
    for pk, size in list(due):
        if not enqueue_import(pk, size=size):
            break  # the broker is down: the next sweep starts over
        sent += 1
    return sent
