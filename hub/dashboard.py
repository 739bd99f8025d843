"""The per-organisation dashboard (issue 6): what is new since my last visit, urgent live-event
reports, my reports, corroborated targets, agreements expiring soon, orders waiting for action,
and the figures behind the charts.

Every read starts from the portal's scoped reads — reports from `Report.objects.visible_to(org)`,
targets from `visible_targets(org)`, agreements from `Agreement.objects.of_party(org)`, orders
from `visible_orders(org)` — and only narrows them, so a figure never counts what the
organisation may not see (docs/contract.md, "The access policy": not its existence, not a
count).

Each section is one query (or two: a list and its count), aggregated by PostgreSQL: the page
costs the same number of queries whatever the size of the coalition. Results are plain
dataclasses; the charts (`hub.charts`) and the template only read them.

The dataclasses and countdown words are in `hub.dashboard_shapes`, the chart figures in
`hub.dashboard_figures`; both are re-exported from here.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q
from django.utils import timezone

from enforcement.models import Compliance
from enforcement.selectors import by_deadline, order_title, visible_orders, waiting_on
from enforcement.services import may_issue
from kernel.zones import hub_today
from members.models import Agreement, Organization, User
from notifications.selectors import inbox
from reports.models import Indicator, Report
from reports.selectors import visible_targets

from .dashboard_actions import awaiting_signature, due_soon, unblock_queue
from .dashboard_figures import (
    TOP_CLUSTERS,
    WEEKS,
    Median,
    time_to_action,
    top_clusters,
    week_starts,
    weekly_categories,
)
from .dashboard_shapes import (
    ActionWeek,
    AgreementRow,
    ClusterBar,
    Countdown,
    Dashboard,
    LiveReport,
    OrderRow,
    ReportRow,
    TargetRow,
    WeeklyCategories,
    _due,
    _ends,
    _starts,
    duration_text,
)
from .models import Visit

# The public names, those of the sibling modules included.
__all__ = [
    "EXPIRY_WINDOW_DAYS",
    "FIRST_VISIT_WINDOW",
    "LIST_SIZE",
    "OPEN_ANSWERS",
    "ORDER_KINDS",
    "SETTLED",
    "TOP_CLUSTERS",
    "WEEKS",
    "ActionWeek",
    "AgreementRow",
    "ClusterBar",
    "Countdown",
    "Dashboard",
    "LiveReport",
    "Median",
    "OrderRow",
    "ReportRow",
    "TargetRow",
    "WeeklyCategories",
    "corroborated_targets",
    "dashboard_for",
    "duration_text",
    "expiring_agreements",
    "last_visit",
    "live_reports",
    "my_reports",
    "new_reports",
    "orders_waiting",
    "record_visit",
    "time_to_action",
    "top_clusters",
    "week_starts",
    "weekly_categories",
]

LIST_SIZE = 8
FIRST_VISIT_WINDOW = datetime.timedelta(days=7)
EXPIRY_WINDOW_DAYS = 30
# A report in one of these states needs nobody's attention, live window or not.
SETTLED = (Report.Status.RESOLVED, Report.Status.WITHDRAWN)
OPEN_ANSWERS = (Compliance.State.NOTIFIED, Compliance.State.ACKNOWLEDGED)
ORDER_KINDS = frozenset(
    {Organization.Kind.TELCO, Organization.Kind.REGULATOR, Organization.Kind.LAW_ENFORCEMENT}
)


# ---------------------------------------------------------------------------- the visit


def last_visit(user: User) -> datetime.datetime | None:
    return Visit.objects.filter(user=user).values_list("dashboard_seen_at", flat=True).first()


def record_visit(user: User, at: datetime.datetime) -> None:
    """One statement, insert or update: two tabs opening the dashboard at once cannot both
    insert (the user is unique) nor fail on each other."""
    Visit.objects.bulk_create(
        [Visit(user=user, dashboard_seen_at=at)],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["dashboard_seen_at"],
    )


# ---------------------------------------------------------------------------- sections


def _reports(org: Organization):
    """The access policy, with what a row shows (the reporter, where it is disclosed)."""
    return Report.objects.visible_to(org).with_disclosure(org).select_related("owner")


def _row(report: Report, org: Organization) -> ReportRow:
    ours = report.owner_id == org.pk
    return ReportRow(
        pk=report.pk,
        title=report.title,
        category=report.get_category_display(),
        tlp_label=report.tlp_label,
        status=report.status,
        status_label=report.get_status_display(),
        created_at=report.created_at,
        ours=ours,
        reporter=report.owner.name if ours or report.identity_disclosed else None,
    )


def new_reports(org: Organization, since: datetime.datetime) -> tuple[list[ReportRow], int]:
    fresh = _reports(org).filter(created_at__gt=since).exclude(owner=org)
    rows = [_row(r, org) for r in fresh.order_by("-created_at", "-pk")[:LIST_SIZE]]
    return rows, fresh.count()


def live_reports(org: Organization, now: datetime.datetime) -> list[LiveReport]:
    """Urgent live-event reports (`Report.is_urgent`), the ones ending soonest first."""
    live = (
        _reports(org)
        .filter(Q(live_from__isnull=False) | Q(live_until__isnull=False))
        .filter(Q(live_until__isnull=True) | Q(live_until__gte=now))
        .exclude(status__in=SETTLED)
        .order_by(F("live_until").asc(nulls_last=True), "-pk")[:LIST_SIZE]
    )
    result = []
    for report in live:
        started = report.live_from is None or report.live_from <= now
        if not started:
            countdown = _starts(report.live_from, now)
        elif report.live_until is not None:
            countdown = _ends(report.live_until, now)
        else:
            countdown = None
        result.append(
            LiveReport(
                report=_row(report, org),
                live_from=report.live_from,
                live_until=report.live_until,
                started=started,
                countdown=countdown,
            )
        )
    return result


def my_reports(org: Organization) -> tuple[list[ReportRow], list[tuple[str, str, int]]]:
    ours = Report.objects.visible_to(org).filter(owner=org)
    rows = [
        _row(r, org)
        for r in ours.select_related("owner").order_by("-created_at", "-pk")[:LIST_SIZE]
    ]
    by_status = dict(ours.order_by().values_list("status").annotate(n=Count("pk")))
    counts = [(s.value, s.label, by_status[s.value]) for s in Report.Status if s.value in by_status]
    return rows, counts


def corroborated_targets(org: Organization) -> list[TargetRow]:
    """Targets two or more members reported, counting only reports `org` may see; the ones
    with the freshest report first."""
    visible = Report.objects.visible_to(org)
    targets = (
        visible_targets(org)
        .filter(reporter_count__gte=2)
        .annotate(
            latest=Max("indicators__report__created_at", filter=Q(indicators__report__in=visible)),
            ours=Exists(Indicator.objects.filter(target=OuterRef("pk"), report__owner=org)),
        )
        # Ties by name: the hub's own key would tell which value it met first, maybe in a report
        # `org` may not see.
        .order_by("-latest", "kind", "value")[:LIST_SIZE]
    )
    return [
        TargetRow(
            uid=str(t.uid),
            kind=t.kind,
            value=t.value,
            report_count=t.report_count,
            reporter_count=t.reporter_count,
            reported_by_us=t.ours,
        )
        for t in targets
    ]


def expiring_agreements(org: Organization, today: datetime.date) -> list[AgreementRow]:
    horizon = today + datetime.timedelta(days=EXPIRY_WINDOW_DAYS)
    agreements = (
        Agreement.objects.of_party(org)
        .in_force(today)
        .filter(expires_on__lte=horizon)
        .prefetch_related(Prefetch("parties", queryset=Organization.objects.order_by("name")))
        .order_by("expires_on", "pk")
    )
    return [
        AgreementRow(
            pk=a.pk,
            title=a.title,
            expires_on=a.expires_on,
            days_left=(a.expires_on - today).days,
            other_parties=[p.name for p in a.parties.all() if p.pk != org.pk],
        )
        for a in agreements
    ]


def orders_waiting(org: Organization, now: datetime.datetime) -> tuple[list[OrderRow], bool]:
    """For an ISP, orders in force that wait for its answer; for an issuer, its live orders
    that still wait for an ISP's answer (`waiting_on`). The deadline nearest (or most overdue)
    first, as the orders list has them (`by_deadline`)."""
    orders = list(
        by_deadline(visible_orders(org, now).filter(waiting_on(org, now)), org, now)[
            : LIST_SIZE + 1
        ]
    )
    rows = []
    for order in orders[:LIST_SIZE]:
        # The prefetched answers are the ones `org` may see: all for the issuer, its own else.
        answers = list(order.compliance.all())
        ours = next((a for a in answers if a.isp_id == org.pk), None)
        rows.append(
            OrderRow(
                pk=order.pk,
                reference=order.reference,
                issuer=order.issuer.name,
                issued_by_us=order.issuer_id == org.pk,
                deadline=order.deadline,
                countdown=_due(order.deadline, now),
                open_answers=sum(a.state in OPEN_ANSWERS for a in answers),
                answers=len(answers),
                our_state=ours.state if ours else None,
                our_state_label=ours.get_state_display() if ours else None,
                title=order_title(order),
            )
        )
    return rows, len(orders) > LIST_SIZE


# ---------------------------------------------------------------------------- the page


def dashboard_for(user: User, *, now: datetime.datetime | None = None) -> Dashboard:
    org = user.organization
    now = now or timezone.now()
    seen = last_visit(user)
    since = seen or now - FIRST_VISIT_WINDOW
    fresh, fresh_count = new_reports(org, since)
    mine, status_counts = my_reports(org)
    shows_orders = org.kind in ORDER_KINDS
    orders, more_orders = orders_waiting(org, now) if shows_orders else ([], False)
    weeks = week_starts(now)
    shows_unblock = may_issue(org)
    queue, queue_open, queue_total = unblock_queue(org, now) if shows_unblock else ([], 0, 0)
    return Dashboard(
        org=org,
        now=now,
        since=since,
        first_visit=seen is None,
        new_reports=fresh,
        new_count=fresh_count,
        unread=inbox(org).filter(read_at__isnull=True).count(),
        live=live_reports(org, now),
        mine=mine,
        my_status_counts=status_counts,
        corroborated=corroborated_targets(org),
        expiring=expiring_agreements(org, hub_today(now)),
        shows_orders=shows_orders,
        orders=orders,
        more_orders=more_orders,
        weekly=weekly_categories(org, weeks),
        actions=time_to_action(org, weeks, now),
        clusters=top_clusters(org),
        # The banner is the ISP's: an issuer's waiting orders are the ISPs' to implement.
        due_soon=due_soon(orders, now) if org.kind == Organization.Kind.TELCO else [],
        shows_unblock=shows_unblock,
        unblock=queue,
        unblock_open=queue_open,
        unblock_total=queue_total,
        awaiting_signature=awaiting_signature(org),
    )
