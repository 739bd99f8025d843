"""The portal's list of blocking orders, written once: the page (views.order_list) and its CSV
download (views.exports) take their rows from `order_filter`, so a download holds exactly the
rows of the filtered list, every page of it, in the list's order."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q

from members.models import Organization

from .forms import PortalOrderFilter
from .selectors import by_deadline, visible_orders


def order_filter(request, org: Organization, now: datetime) -> PortalOrderFilter:
    """The orders `org` may see (its own and those addressed to it), filtered as the API's;
    `.qs` is the list. `?page=` is the pager's, not a filter: it is ignored here."""
    # Deadlines first (issue 14): what waits on the organisation, soonest due first. The order
    # is explicit anyway: Meta.ordering does not apply to a GROUP BY query (the count).
    orders = by_deadline(
        visible_orders(org, now).annotate(
            targets_in_force=Count("targets", filter=Q(targets__lifted_at__isnull=True))
        ),
        org,
        now,
    )
    return PortalOrderFilter(request.GET or None, queryset=orders, request=request)
