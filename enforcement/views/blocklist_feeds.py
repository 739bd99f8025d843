"""The ISP's blocklist feeds page: the feed URLs, what is in force now, and configuration
to copy."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from members.models import Organization

from ..feeds import DNS_KINDS
from ..forms import (
    KIND_LABELS,
)
from ..models import OrderTarget
from ..selectors import EPOCH, blocklist_version, zone_origin
from .common import _member_org

# ---------------------------------------------------------------------------- feeds


@login_required
def feeds(request):
    """How an ISP loads its blocklist: the feed URLs, what is in it now, and configuration to
    copy for a fetch script, BIND and Unbound."""
    org = _member_org(request)
    if org.kind != Organization.Kind.TELCO:
        raise Http404
    now = timezone.now()
    by_kind = dict(
        OrderTarget.objects.in_force(now)
        .for_isp(org)
        .order_by("kind")
        .values("kind")
        .annotate(n=Count("value", distinct=True))
        .values_list("kind", "n")
    )
    counts = [(KIND_LABELS[k], by_kind.get(k, 0)) for k in KIND_LABELS]
    urls = {
        fmt: request.build_absolute_uri(reverse("blocklist", kwargs={"fmt": fmt}))
        for fmt in ("txt", "rpz", "csv", "json")
    }
    zone = zone_origin(org)  # the $ORIGIN the feed is served with
    version = blocklist_version(org, now=now)
    return render(
        request,
        "enforcement/orders/feeds.html",
        {
            "org": org,
            "urls": urls,
            "zone": zone,
            "zone_file": f"/var/lib/atalaya/{zone}.rpz",
            "counts": counts,
            "total": sum(by_kind.values()),
            "dns_total": sum(n for k, n in by_kind.items() if k in DNS_KINDS),
            "url_total": by_kind.get("url", 0),
            "version": version if version > EPOCH else None,
        },
    )
