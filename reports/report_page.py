"""What a report's page shows beside the report: who else reported each indicator (as the reader
may see them), who may see the report and why (its owner only), and the panels of the apps
above reports (`reports.panels`)."""

from __future__ import annotations

from members.models import Organization

from .audience import report_audience
from .forms import KIND_LABELS
from .models import Report
from .panels import panels_for
from .selectors import also_reported_by


def report_page_context(org: Organization, report: Report, *, is_owner: bool) -> dict:
    """`indicators`: (kind label, indicator) pairs, each indicator carrying `also_reported`,
    the other reports on its target that `org` may see; `audience` for the owner; `panels`."""
    also = also_reported_by(org, report)
    indicators = []
    for indicator in report.indicators.all():
        indicator.also_reported = also.get(indicator.target_id, [])
        indicators.append((KIND_LABELS.get(indicator.kind, indicator.kind), indicator))
    return {
        "indicators": indicators,
        "audience": report_audience(report) if is_owner else None,
        "panels": panels_for(org, report),
    }
