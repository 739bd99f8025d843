import time

from celery import shared_task

from .health import HEARTBEAT_KEY, redis_client


@shared_task(ignore_result=True, time_limit=10)
def heartbeat() -> None:
    """Sent by beat and run by a worker: its age in /healthz shows both are alive."""
    redis_client().set(HEARTBEAT_KEY, time.time(), ex=3600)
