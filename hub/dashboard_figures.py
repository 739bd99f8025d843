"""The figures behind the dashboard's charts: reports per week and category, the median time
to action per week, and the largest clusters, each read as the organisation may see them;
re-exported by `hub.dashboard`."""

from __future__ import annotations

import datetime

from django.db.models import (
    Aggregate,
    Count,
    DateField,
    F,
    FloatField,
    Func,
    Subquery,
)
from django.db.models.functions import TruncWeek
from django.utils import timezone

from enforcement.report_orders import used_report
from enforcement.selectors import visible_orders
from kernel.vocabulary import Category
from members.models import Organization
from reports.models import Report
from reports.selectors import reader_clusters

from .dashboard_shapes import ActionWeek, ClusterBar, WeeklyCategories

WEEKS = 12
TOP_CLUSTERS = 5


def week_starts(now: datetime.datetime, weeks: int = WEEKS) -> list[datetime.date]:
    """The Mondays of the last `weeks` weeks (this one included), in the current time zone:
    the buckets of PostgreSQL's `date_trunc('week', ...)`."""
    today = timezone.localtime(now).date()
    monday = today - datetime.timedelta(days=today.weekday())
    return [monday - datetime.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _week(expression) -> TruncWeek:
    return TruncWeek(expression, output_field=DateField())


def weekly_categories(org: Organization, weeks: list[datetime.date]) -> WeeklyCategories:
    rows = (
        Report.objects.visible_to(org)
        .filter(created_at__gte=_start_of(weeks[0]))
        .annotate(week=_week("created_at"))
        .values_list("week", "category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    shown = set(weeks)
    counts = {(week, category): n for week, category, n in rows if week in shown}
    present = {category for _week_, category in counts}
    return WeeklyCategories(
        weeks=weeks,
        categories=[(c.value, c.label) for c in Category if c.value in present],
        counts=counts,
    )


class Median(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class _EpochSeconds(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


def time_to_action(
    org: Organization, weeks: list[datetime.date], now: datetime.datetime
) -> list[ActionWeek]:
    """Per week of action, the median time from a report's creation to the first blocking
    order that used it (cites it or blocks one of its indicators:
    `enforcement.report_orders.used_report`): among reports `org` may see, and orders `org`
    may see — an order's existence and date are the issuer's and its addressees'
    (docs/contract.md, "Blocking orders"), so an order outside `visible_orders` does not
    count, not even in a median."""
    first_order = (
        visible_orders(org, now)
        .filter(used_report(), issued_at__lte=now, withdrawn_at__isnull=True)
        .order_by("issued_at")
        .values("issued_at")[:1]
    )
    rows = (
        Report.objects.visible_to(org)
        .annotate(acted_at=Subquery(first_order))
        .filter(acted_at__gte=_start_of(weeks[0]))
        .annotate(week=_week("acted_at"))
        .values_list("week")
        .annotate(
            n=Count("pk"),
            median=Median(_EpochSeconds(F("acted_at") - F("created_at"))),
        )
        .order_by()
    )
    found = {week: (n, median) for week, n, median in rows}
    return [
        ActionWeek(
            week=w,
            reports=found.get(w, (0, None))[0],
            median_seconds=max(0.0, found[w][1]) if w in found else None,
        )
        for w in weeks
    ]


def top_clusters(org: Organization, limit: int = TOP_CLUSTERS) -> list[ClusterBar]:
    """Clusters with the most targets `org` may see, as `org` sees them (two targets at least,
    linked only through what it may see: `reports.selectors.reader_clusters`), each named by
    its target with the most reports `org` may see."""
    bars = []
    for cluster in reader_clusters(org)[:limit]:
        counts = cluster.report_counts
        label = min(cluster.targets, key=lambda t, counts=counts: (-counts[t.pk], t.value))
        bars.append(
            ClusterBar(key=str(cluster.key.uid), label=label.value, targets=len(cluster.targets))
        )
    return bars
