"""Reads of reports beyond one queryset. Every read path — API, portal, exports, counts —
starts from `visible_reports(org)` (or `Report.objects.visible_to(org)` for counts)."""

from __future__ import annotations

from django.db.models import Prefetch

from members.models import Organization

from .models import Indicator, Report


def visible_reports(org: Organization):
    """The access policy, then what displaying a report needs (no N+1)."""
    return (
        Report.objects.visible_to(org)
        .with_disclosure(org)
        .select_related("owner")
        .prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.order_by("position")),
            "recipients",
            "restricted_to",
            "evidence",
        )
    )
