"""What a report's page shows of the blocking orders that used the report: "used in order X
(in force; 2 of 3 ISPs applied)". Registered as a panel of the report's page
(`reports.panels`, from `EnforcementConfig.ready()`): reports never import enforcement.

An order used a report when it cites it (`BlockingOrder.reports`) or when one of its targets is
one of the report's indicators (the same kind and canonical value). Only orders the reader may
see (`visible_orders`: the issuer; an addressed ISP once the order is issued) are shown, and
only the answers it may see: the issuer counts every ISP's, an ISP reads its own. Anyone else
(the rightsholder that reported) learns what the public register says of the report's values:
that a non-confidential order in force blocks them, with its reference and authority.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from members.models import Organization
from reports.models import Indicator, Report
from reports.panels import ReportPanel

from .models import BlockingOrder, Compliance, OrderTarget
from .selectors import visible_orders
from .transparency import register_entries


@dataclass(frozen=True)
class OrderUse:
    order: BlockingOrder
    status: str  # the order's status now, in words
    cites: bool  # the order cites the report (else it blocks one of its indicators)
    as_issuer: bool
    applied: int  # ISPs that confirmed implementing it, among the answers the reader may see
    addressed: int  # answers the reader may see: every ISP's for the issuer, its own for an ISP
    own_answer: str  # an addressed ISP's own answer, in words ("" for the issuer)


def _report_ref(report_id: int | None, depth: int):
    """The report, from `depth` sub-queries below the orders' query: its id, or (None) the row
    of the query that the orders' query sits in."""
    if report_id is not None:
        return report_id
    ref = OuterRef("pk")
    for _level in range(depth):
        ref = OuterRef(ref)
    return ref


def cites_report(report_id: int | None = None) -> Exists:
    """The order cites the report (`report_id`; None: the enclosing query's report)."""
    return Exists(
        BlockingOrder.reports.through.objects.filter(
            blockingorder_id=OuterRef("pk"), report_id=_report_ref(report_id, 1)
        )
    )


def used_report(report_id: int | None = None) -> Q:
    """The order used the report (`report_id`; None: the enclosing query's report): it cites
    it, or one of its targets is one of the report's indicators (kind and canonical value). The
    one definition, for the report's page and the dashboard's time to action."""
    blocks_indicator = OrderTarget.objects.filter(order=OuterRef("pk")).filter(
        Exists(
            Indicator.objects.filter(
                report_id=_report_ref(report_id, 2), kind=OuterRef("kind"), value=OuterRef("value")
            )
        )
    )
    return Q(cites_report(report_id)) | Q(Exists(blocks_indicator))


def orders_using_report(
    org: Organization, report: Report, *, now: datetime | None = None
) -> list[OrderUse]:
    """The orders `org` may see that used `report`, the latest issued first, in a constant
    number of queries (the orders, then what `visible_orders` prefetches)."""
    now = now or timezone.now()
    orders = (
        visible_orders(org, now)
        .filter(used_report(report.pk))
        .annotate(cites=cites_report(report.pk))
        .order_by("-issued_at", "-pk")
    )
    uses = []
    for order in orders:
        answers = list(order.compliance.all())  # only those `org` may see (visible_orders)
        as_issuer = order.issuer_id == org.pk
        own = next((c for c in answers if c.isp_id == org.pk), None)
        uses.append(
            OrderUse(
                order=order,
                status=BlockingOrder.Status(order.status_at(now)).label,
                cites=order.cites,
                as_issuer=as_issuer,
                applied=sum(c.state == Compliance.State.IMPLEMENTED for c in answers),
                addressed=len(answers),
                own_answer="" if as_issuer or own is None else own.get_state_display(),
            )
        )
    return uses


@dataclass(frozen=True)
class RegisterUse:
    """An order the reader may not see as such, whose entries in the public register block
    some of the report's indicators: what anyone may read there, nothing more."""

    reference: str
    authority: str
    values: list[str]


def register_uses(report: Report, *, besides: set[int], now: datetime | None = None):
    """Non-confidential orders in force whose register entries are indicators of `report`,
    other than the orders `besides` (those the reader sees as such). The register is public
    (`transparency.register_entries`): this tells the reader only what anyone can read there
    about the values it already sees, never that an order cites the report nor how ISPs
    answered it."""
    entries = (
        register_entries(at=now or timezone.now())
        .filter(
            Exists(
                Indicator.objects.filter(
                    report_id=report.pk, kind=OuterRef("kind"), value=OuterRef("value")
                )
            )
        )
        .exclude(order_id__in=besides)
    )
    found: dict[int, RegisterUse] = {}
    for entry in entries:
        order = entry.order
        use = found.setdefault(order.pk, RegisterUse(order.reference, order.issuer.name, []))
        use.values.append(entry.value)
    return sorted(found.values(), key=lambda u: (u.authority, u.reference))


def _panel_context(org: Organization, report: Report) -> dict | None:
    now = timezone.now()
    uses = orders_using_report(org, report, now=now)
    public = register_uses(report, besides={u.order.pk for u in uses}, now=now)
    return {"uses": uses, "public": public} if uses or public else None


PANEL = ReportPanel(
    name="enforcement.orders",
    template="enforcement/report_orders.html",
    context=_panel_context,
)
