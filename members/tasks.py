from celery import shared_task

from . import services


@shared_task(ignore_result=True, time_limit=120)
def expire_agreements() -> int:
    """Hourly (beat): mark agreements past their last day as expired (idempotent)."""
    return services.agreements_expire_due()


@shared_task(ignore_result=True, time_limit=120)
def announce_expiring_agreements() -> int:
    """Hourly (beat): tell parties of agreements that end within 14 days (once per agreement)."""
    return services.agreements_announce_expiry()
