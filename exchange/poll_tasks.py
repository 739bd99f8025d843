"""Workers that poll members' TAXII servers: ids in, rows re-fetched, safe to run twice (a lock
per source, `exchange.sources.source_poll`). Imported by `ExchangeConfig.ready()`, since Celery
discovers only `tasks` modules."""

from __future__ import annotations

import logging

from celery import shared_task
from kombu.exceptions import OperationalError as KombuOperationalError

from . import sources

log = logging.getLogger(__name__)


def enqueue_poll(source_id: int) -> bool:
    """Publishes `poll_source(source_id)`; False (logged) when the broker is unavailable: the
    source stays due, and the next beat claims it again once its interval has passed."""
    try:
        poll_source.apply_async(args=[source_id], retry=False)
    except (KombuOperationalError, OSError) as exc:
        log.warning("poll of TAXII source %s not enqueued: %s", source_id, exc)
        return False
    return True


@shared_task(name="exchange.poll_tasks.poll_due_sources", time_limit=60, soft_time_limit=50)
def poll_due_sources() -> int:
    """Every minute (beat): one `poll_source` per enabled source whose time has come."""
    ids = sources.claim_due_sources()
    for source_id in ids:
        enqueue_poll(source_id)
    return len(ids)


# The poll stops fetching after sources.POLL_BUDGET_SECONDS and each request times out, so the
# limits below are only reached by a server that trickles its answer.
@shared_task(
    name="exchange.poll_tasks.poll_source", acks_late=True, time_limit=290, soft_time_limit=270
)
def poll_source(source_id: int) -> None:
    sources.source_poll(source_id)
