"""What waits on the reader, for the top of the dashboard (issue 14): an ISP's orders due within
two hours and not implemented yet (the banner), an issuer's unblock requests with their answer
clock, and the agreements proposed to the organisation that it has not signed.

Every read is the organisation's own through the same scoped reads as the rest of the dashboard
(`visible_orders` behind `orders_waiting`, `unblock.reviews_for`, the organisation's own party
links), and each section costs at most one query: the banner none (it is read from the waiting
orders), the unblock queue one (its counts come with the rows and serve the menu too), the
signatures one.
"""

from __future__ import annotations

import datetime

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, Q, Window

from enforcement import unblock
from enforcement.models import UnblockRequest
from enforcement.views import countdown
from members.models import Agreement, AgreementParty, Organization

from .dashboard_shapes import DueSoon, OrderRow, SignatureRow, UnblockRow

# An order due within this long (or overdue) and not implemented is the ISP's first concern.
DUE_SOON = datetime.timedelta(hours=2)
QUEUE_SIZE = 8


def due_soon(rows: list[OrderRow], now: datetime.datetime) -> list[DueSoon]:
    """The ISP's own waiting orders (`orders_waiting`: in force, its answer still open, the
    soonest due first) whose deadline is within `DUE_SOON`, overdue ones included."""
    return [
        DueSoon(
            pk=row.pk,
            reference=row.reference,
            title=row.title,
            issuer=row.issuer,
            deadline=row.deadline,
            clock=countdown(row.deadline, now),
        )
        for row in rows
        if not row.issued_by_us and row.deadline <= now + DUE_SOON
    ]


def unblock_queue(org: Organization, now: datetime.datetime) -> tuple[list[UnblockRow], int, int]:
    """The unblock requests `org` has to answer (about the orders it issued), the soonest due
    first, how many are open and how many it ever had (the menu's link): one query, the counts
    windows over the same rows, which `reviews_for` orders open ones first."""
    open_ = Q(status=UnblockRequest.Status.OPEN)
    reviews = list(
        unblock.reviews_for(org).annotate(
            open_count=Window(Count("pk", filter=open_)), total=Window(Count("pk"))
        )[:QUEUE_SIZE]
    )
    rows = [
        UnblockRow(
            pk=r.pk,
            value=r.request.value,
            order_reference=r.order.reference,
            confidential=r.order.confidential,
            received_at=r.request.created_at,
            answer_due=r.answer_due,
            clock=countdown(r.answer_due, now),
        )
        for r in reviews
        if r.status == UnblockRequest.Status.OPEN
    ]
    if not reviews:
        return [], 0, 0
    return rows, reviews[0].open_count, reviews[0].total


def awaiting_signature(org: Organization) -> list[SignatureRow]:
    """Agreements proposed to `org` (it is a party) that it has not signed, oldest first: they
    share nothing until every party has. One query, the other parties' names aggregated."""
    unsigned = AgreementParty.objects.filter(organization=org, signed_at__isnull=True)
    agreements = (
        Agreement.objects.filter(
            status=Agreement.Status.PROPOSED, pk__in=unsigned.values("agreement")
        )
        .select_related("proposed_by")
        .annotate(
            others=ArrayAgg(
                "parties__name",
                filter=~Q(parties__pk=org.pk),
                order_by="parties__name",
                default=[],
            )
        )
        .order_by("created_at", "pk")[:QUEUE_SIZE]
    )
    return [
        SignatureRow(
            pk=a.pk,
            title=a.title,
            proposed_by=a.proposed_by.name if a.proposed_by else None,
            created_at=a.created_at,
            other_parties=list(a.others),
        )
        for a in agreements
    ]
