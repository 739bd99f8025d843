"""The hub's periodic sweeps over orders: announce those whose grace window is over, flag
the ISPs overdue, announce the orders that reached their end."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from notifications.outbox import publish

from ..events import OrderEvent
from ..models import (
    BlockingOrder,
    Compliance,
)
from .issuing import is_urgent, order_announce

# ---------------------------------------------------------------------------- the hub's sweeps


def orders_announce_due(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    due = BlockingOrder.objects.filter(
        announced_at__isnull=True, withdrawn_at__isnull=True, issued_at__lte=now
    ).values_list("pk", flat=True)[:500]
    return sum(order_announce(pk, now=now) for pk in due)


def orders_flag_overdue(*, now: datetime | None = None) -> int:
    """Publishes one `blocking_order.overdue` per ISP that has not implemented (or rejected)
    an order in force by its deadline; once per round (an amendment starts a new round)."""
    now = now or timezone.now()
    flagged = 0
    with transaction.atomic():
        rows = list(
            Compliance.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("order", "isp")
            .filter(
                state__in=[Compliance.State.NOTIFIED, Compliance.State.ACKNOWLEDGED],
                overdue_at__isnull=True,
                order__deadline__lt=now,
                order__announced_at__isnull=False,
            )
            .filter(order__in=BlockingOrder.objects.in_force(now))[:500]
        )
        for row in rows:
            row.overdue_at = now
            row.save(update_fields=["overdue_at"])
            publish(
                type=OrderEvent.OVERDUE,
                subject_ids=[row.order.pk],
                data={"isp_id": row.isp_id, "isp": row.isp.slug},
                urgent=is_urgent(row.order),
            )
            flagged += 1
    return flagged


def orders_announce_ended(*, now: datetime | None = None) -> int:
    """Orders that reached their end (valid_until, or the lapse period) are announced as
    lifted, to ISPs and issuer alike. (The blocklists drop them at that moment anyway: they
    are computed from the timestamps, not from this.)"""
    now = now or timezone.now()
    count = 0
    with transaction.atomic():
        orders = list(
            BlockingOrder.objects.select_for_update(skip_locked=True).filter(
                end_announced_at__isnull=True,
                withdrawn_at__isnull=True,
                announced_at__isnull=False,
                ends_at__lte=now,
            )[:500]
        )
        for order in orders:
            order.end_announced_at = now
            order.save(update_fields=["end_announced_at"])
            publish(
                type=OrderEvent.LIFTED,
                subject_ids=[order.pk],
                data={"whole": True, "expired": True},
            )
            count += 1
    return count
