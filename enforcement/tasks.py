"""Workers for blocking orders: ids in, rows re-fetched, safe to run twice. The rows
(`announced_at`, `overdue_at`, `end_announced_at`) are the truth; Redis only the transport."""

from __future__ import annotations

from celery import shared_task

from . import services, unblock


@shared_task(acks_late=True, time_limit=60)
def announce_order(order_id: int) -> bool:
    """At the end of an order's grace window: tell its ISPs (unless it was withdrawn)."""
    return services.order_announce(order_id)


@shared_task(acks_late=True, time_limit=60)
def sweep_orders() -> dict[str, int]:
    """Beat, every few seconds: announces orders whose grace window ended (if the countdown
    message was lost), flags overdue ISPs, announces orders that reached their end, routes new
    unblock requests to the issuers of confidential orders (never while the requester waits:
    enforcement.unblock)."""
    return {
        "announced": services.orders_announce_due(),
        "overdue": services.orders_flag_overdue(),
        "ended": services.orders_announce_ended(),
        "unblock_routed": unblock.requests_route_pending(),
    }
