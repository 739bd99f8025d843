import time

from celery import shared_task

from .health import HEARTBEAT_KEY, redis_client


@shared_task(ignore_result=True, time_limit=10)
def heartbeat() -> None:
    """Sent by beat and run by a worker: its age in /healthz shows both are alive."""
    redis_client().set(HEARTBEAT_KEY, time.time(), ex=3600)


@shared_task(ignore_result=True, time_limit=300)
def purge_idempotency_records() -> int:
    """Beat, hourly: expired Idempotency-Key records go (kernel.api.idempotency.purge_expired)."""
    from kernel.api.idempotency import purge_expired

    return purge_expired()
