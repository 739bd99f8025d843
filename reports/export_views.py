"""CSV downloads of the reports list and the targets list, as the reader filtered them.

Each reads its rows from `reports.listing` (the list pages read the same), so a download holds
exactly what the list shows across all its pages, in the list's order, through the access
policy: nothing another member may not see, a reporter named only where the list names it.

A report is one line; its indicators are columns, one per kind (`domain`, `url`, `ipv4`, …,
in `reports.indicators.KINDS` order), each holding that kind's values one per line
(`kernel.csv_export.values`). The reader's language does not change the file: column names and
values are the API's. The same list is also a STIX 2.1 bundle (`report_export_stix`,
reports.stix: the reporter's identity only where the list names it)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from kernel.csv_export import Cell, csv_download, values
from kernel.vocabulary import TLP
from members.models import Organization
from members.portal import member_org

from .indicators import KINDS
from .listing import report_filter, target_filter
from .models import Indicator, Report
from .stix.export import MEDIA_TYPE as STIX_MEDIA_TYPE
from .stix.export import stream_bundle

# Rows read from the database per query: memory stays flat, queries grow by one per chunk.
CHUNK = 500

REPORT_COLUMNS = [
    "id",
    "title",
    "category",
    "tlp",
    "status",
    "reported_by",
    "jurisdictions",
    "live_from",
    "live_until",
    "created_at",
    "updated_at",
    "link",
    *KINDS,
]
TARGET_COLUMNS = [
    "id",
    "kind",
    "value",
    "reports",
    "corroborated",
    "warning",
    "first_seen",
    "last_seen",
    "link",
]


def _reported_by(report: Report, org: Organization) -> str:
    # As the list: the owner is named to itself and where an agreement discloses it; otherwise
    # the cell is empty (the list says "a coalition member").
    return report.owner.name if report.owner_id == org.pk or report.identity_disclosed else ""


def _report_rows(request, org: Organization, reports) -> Iterator[list[Cell]]:
    site = request.build_absolute_uri("/").rstrip("/")
    # Only the indicators: the list's other prefetches (recipients, evidence) are not columns.
    reports = reports.prefetch_related(None).prefetch_related(
        Prefetch(
            "indicators",
            queryset=Indicator.objects.order_by("position").only("report_id", "kind", "value"),
        )
    )
    for report in reports.iterator(chunk_size=CHUNK):
        by_kind: dict[str, list[str]] = {kind: [] for kind in KINDS}
        for indicator in report.indicators.all():
            by_kind.setdefault(indicator.kind, []).append(indicator.value)
        yield [
            report.pk,
            report.title,
            report.category,
            TLP(report.tlp).label,
            report.status,
            _reported_by(report, org),
            report.jurisdictions,
            report.live_from,
            report.live_until,
            report.created_at,
            report.updated_at,
            site + reverse("reports:detail", args=[report.pk]),
            *(values(by_kind[kind]) for kind in KINDS),
        ]


@login_required
@require_GET
def report_export(request):
    org = member_org(request)
    reports = report_filter(org, request.GET).qs
    return csv_download("atalaya-reports", REPORT_COLUMNS, _report_rows(request, org, reports))


@login_required
@require_GET
def report_export_stix(request):
    """The filtered list, every page, as one STIX 2.1 bundle, streamed in chunks."""
    org = member_org(request)
    reports = report_filter(org, request.GET).qs
    response = StreamingHttpResponse(
        stream_bundle(reports, org, chunk_size=CHUNK), content_type=STIX_MEDIA_TYPE
    )
    today = timezone.now().astimezone(datetime.UTC).date().isoformat()
    response["Content-Disposition"] = f'attachment; filename="atalaya-reports-{today}.json"'
    # What a member may see: never kept by a shared cache or the browser's (as the CSV).
    patch_cache_control(response, private=True, no_store=True)
    return response


def _target_rows(request, targets) -> Iterator[list[Cell]]:
    site = request.build_absolute_uri("/").rstrip("/")
    for target in targets.iterator(chunk_size=CHUNK):
        yield [
            str(target.uid),
            target.kind,
            target.value,
            target.report_count,
            target.reporter_count > 1,
            target.warning,
            target.first_seen,
            target.last_seen,
            site + reverse("reports:target", args=[target.uid]),
        ]


@login_required
@require_GET
def target_export(request):
    org = member_org(request)
    targets = target_filter(org, request.GET).qs
    return csv_download("atalaya-targets", TARGET_COLUMNS, _target_rows(request, targets))
