"""The orders list as CSV, as the reader filtered it: the rows of `listing.order_filter` (the
list page reads the same), every page, streamed.

An order is one line. Its targets in force are columns, one per kind (`domain`, `url`, `ipv4`,
`ipv6`, `cidr`), each holding that kind's values one per line (`kernel.csv_export.values`).
What the list shows of the ISPs' answers is there too, and no more: an ISP sees only its own
answer, the issuer every ISP's (`visible_orders`). Column names and values are the API's, in
any language. STIX 2.1 bundles come with the interoperability issue, not here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from kernel.csv_export import Cell, csv_download, values
from members.models import Organization

from ..listing import order_filter
from ..models import OrderTarget, TargetKind
from .common import _member_org
from .rows import _order_view

# Orders read per query. Small: an order may hold 100,000 targets, all read for its line.
CHUNK = 100
KINDS = tuple(TargetKind.values)

ORDER_COLUMNS = [
    "reference",
    "issuer",
    "role",
    "status",
    "confidential",
    "country",
    "legal_basis",
    "issued_at",
    "deadline",
    "ends_at",
    "isps",
    "implemented",
    "rejected",
    "overdue",
    "answers",
    "your_answer",
    "reports",
    "targets_in_force",
    "link",
    *KINDS,
]


def _chunks(orders) -> Iterator[list]:
    chunk: list = []
    for order in orders.iterator(chunk_size=CHUNK):
        chunk.append(order)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _targets_in_force(orders: list) -> dict[int, dict[str, list[str]]]:
    """Each order's targets in force, by kind, in one query for the chunk."""
    found: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    rows = (
        OrderTarget.objects.filter(order__in=[o.pk for o in orders], lifted_at__isnull=True)
        .order_by("order_id", "kind", "value")
        .values_list("order_id", "kind", "value")
    )
    for order_id, kind, value in rows.iterator(chunk_size=5000):
        found[order_id][kind].append(value)
    return found


def _order_rows(request, org: Organization, orders, now) -> Iterator[list[Cell]]:
    site = request.build_absolute_uri("/").rstrip("/")
    for chunk in _chunks(orders):
        targets = _targets_in_force(chunk)
        for order in chunk:
            # What the list's row shows, computed by the same function.
            view = _order_view(order, org, now)
            by_kind = targets.get(order.pk, {})
            yield [
                order.reference,
                order.issuer.name,
                "issued" if view.issued_by_us else "addressed",
                view.status,
                order.confidential,
                str(order.country),
                order.legal_basis,
                order.issued_at,
                order.deadline,
                order.ends_at,
                len(view.answers),
                view.implemented,
                view.rejected,
                view.overdue,
                [f"{a.row.isp.slug}:{a.row.state}" for a in view.answers],
                view.mine.row.state if view.mine else "",
                [str(r.pk) for r in order.visible_reports],
                order.targets_in_force,
                site + reverse("enforcement:detail", args=[order.pk]),
                *(values(by_kind.get(kind, [])) for kind in KINDS),
            ]


@login_required
@require_GET
def order_export(request):
    org = _member_org(request)
    now = timezone.now()
    orders = order_filter(request, org, now).qs
    return csv_download("atalaya-orders", ORDER_COLUMNS, _order_rows(request, org, orders, now))
