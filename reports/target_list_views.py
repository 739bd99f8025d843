"""The portal's targets list: every target the reader may see, with what the reports it may
see say of it (docs/contract.md, derived data), filtered as the API's `/api/v1/targets/`;
each row opens the target's page, and the list downloads as CSV (`export_views`)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator

from kernel.fragments import render_page_or_part
from members.portal import member_org

from .forms import KIND_LABELS
from .listing import target_filter

PAGE_SIZE = 50


@login_required
def target_list(request):
    org = member_org(request)
    filters = target_filter(org, request.GET)
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for target in page:
        target.kind_label = KIND_LABELS.get(target.kind, target.kind)
    query = request.GET.copy()
    query.pop("page", None)
    # A filter or the pager asks (with htmx) for the results only: nothing else changes.
    return render_page_or_part(
        request,
        "reports/targets.html",
        "reports/_target_results.html",
        {"org": org, "filters": filters, "page": page, "query": query.urlencode()},
        target="target-results",
    )
