from celery import shared_task

from . import services


@shared_task(ignore_result=True, time_limit=120)
def expire_agreements() -> int:
    """Daily: mark agreements past their last day as expired (idempotent)."""
    return services.agreements_expire_due()
