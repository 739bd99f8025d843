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
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import (
    Aggregate,
    Count,
    DateField,
    Exists,
    F,
    FloatField,
    Func,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
)
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from enforcement.models import Compliance
from enforcement.selectors import visible_orders
from hub.vocabulary import Category
from members.models import Agreement, Organization, User
from reports.models import Indicator, Report
from reports.selectors import reader_clusters, visible_notifications, visible_targets

from .models import Visit

LIST_SIZE = 8
WEEKS = 12
FIRST_VISIT_WINDOW = datetime.timedelta(days=7)
EXPIRY_WINDOW_DAYS = 30
TOP_CLUSTERS = 5
# A report in one of these states needs nobody's attention, live window or not.
SETTLED = (Report.Status.RESOLVED, Report.Status.WITHDRAWN)
OPEN_ANSWERS = (Compliance.State.NOTIFIED, Compliance.State.ACKNOWLEDGED)
ORDER_KINDS = frozenset(
    {Organization.Kind.TELCO, Organization.Kind.REGULATOR, Organization.Kind.LAW_ENFORCEMENT}
)


# ---------------------------------------------------------------------------- shapes


@dataclass(frozen=True)
class Countdown:
    at: datetime.datetime
    text: str
    late: bool = False


@dataclass(frozen=True)
class ReportRow:
    pk: int
    title: str
    category: str
    tlp_label: str
    status: str
    status_label: str
    created_at: datetime.datetime
    ours: bool
    reporter: str | None  # None where the agreements withhold the reporter's identity


@dataclass(frozen=True)
class LiveReport:
    report: ReportRow
    live_from: datetime.datetime | None
    live_until: datetime.datetime | None
    started: bool
    countdown: Countdown | None  # to the end, or to the start when it has not begun


@dataclass(frozen=True)
class TargetRow:
    uid: str  # the public id (never the internal key)
    kind: str
    value: str
    report_count: int
    reporter_count: int
    reported_by_us: bool


@dataclass(frozen=True)
class AgreementRow:
    pk: int
    title: str
    expires_on: datetime.date
    days_left: int
    other_parties: list[str]


@dataclass(frozen=True)
class OrderRow:
    pk: int
    reference: str
    issuer: str
    issued_by_us: bool
    deadline: datetime.datetime
    countdown: Countdown
    # The issuer waits on every addressed ISP; an ISP on its own answer.
    open_answers: int
    answers: int
    our_state: str | None
    our_state_label: str | None


@dataclass(frozen=True)
class WeeklyCategories:
    """Reports the organisation may see, per week of creation and category."""

    weeks: list[datetime.date]  # Mondays, oldest first
    categories: list[tuple[str, str]]  # (value, label) of the categories with any report
    counts: dict[tuple[datetime.date, str], int]

    def count(self, week: datetime.date, category: str) -> int:
        return self.counts.get((week, category), 0)

    def week_total(self, week: datetime.date) -> int:
        return sum(n for (w, _c), n in self.counts.items() if w == week)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class ActionWeek:
    """Reports first acted on (a blocking order citing them was issued) in one week."""

    week: datetime.date
    reports: int
    median_seconds: float | None


@dataclass(frozen=True)
class ClusterBar:
    key: str  # the public id of its first target (reports.selectors.ReaderCluster.key)
    label: str  # the value of its most-reported target the organisation may see
    targets: int  # how many of its targets the organisation may see


@dataclass
class Dashboard:
    org: Organization
    now: datetime.datetime
    since: datetime.datetime
    first_visit: bool
    new_reports: list[ReportRow]
    new_count: int
    unread: int
    live: list[LiveReport]
    mine: list[ReportRow]
    my_status_counts: list[tuple[str, str, int]]  # (status, label, count)
    corroborated: list[TargetRow]
    expiring: list[AgreementRow]
    shows_orders: bool
    orders: list[OrderRow]
    more_orders: bool
    weekly: WeeklyCategories
    actions: list[ActionWeek]
    clusters: list[ClusterBar]


# ---------------------------------------------------------------------------- words


def duration_text(seconds: float) -> str:
    """How long, in the words of a countdown: "34 min", "2 h 5 min", "3 days"."""
    s = max(0, int(seconds))
    if s < 60:
        return gettext("under a minute")
    if s < 90 * 60:
        return gettext("%(minutes)d min") % {"minutes": s // 60}
    if s < 48 * 3600:
        hours, minutes = divmod(s // 60, 60)
        if minutes:
            return gettext("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
        return gettext("%(hours)d h") % {"hours": hours}
    days = s // 86400
    return ngettext("%(days)d day", "%(days)d days", days) % {"days": days}


def _ends(until: datetime.datetime, now: datetime.datetime) -> Countdown:
    left = duration_text((until - now).total_seconds())
    return Countdown(at=until, text=gettext("ends in %(duration)s") % {"duration": left})


def _starts(start: datetime.datetime, now: datetime.datetime) -> Countdown:
    left = duration_text((start - now).total_seconds())
    return Countdown(at=start, text=gettext("starts in %(duration)s") % {"duration": left})


def _due(deadline: datetime.datetime, now: datetime.datetime) -> Countdown:
    seconds = (deadline - now).total_seconds()
    if seconds < 0:
        text = gettext("overdue by %(duration)s") % {"duration": duration_text(-seconds)}
        return Countdown(at=deadline, text=text, late=True)
    return Countdown(
        at=deadline, text=gettext("due in %(duration)s") % {"duration": duration_text(seconds)}
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
    that still wait for an ISP's answer. The deadline nearest (or most overdue) first."""
    still_live = Q(withdrawn_at__isnull=True, ends_at__gt=now) & (
        Q(lifted_at__isnull=True) | Q(lifted_at__gt=now)
    )
    open_answer = Compliance.objects.filter(order=OuterRef("pk"), state__in=OPEN_ANSWERS)
    orders = list(
        visible_orders(org, now)
        .filter(still_live)
        .filter(
            (Q(issuer=org) & Exists(open_answer))
            | (Q(issued_at__lte=now) & Exists(open_answer.filter(isp=org)))
        )
        .order_by("deadline", "pk")[: LIST_SIZE + 1]
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
            )
        )
    return rows, len(orders) > LIST_SIZE


# ---------------------------------------------------------------------------- chart figures


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
    order citing it: among reports `org` may see, and orders `org` may see — an order's
    existence and date are the issuer's and its addressees' (docs/contract.md, "Blocking
    orders"), so
    an order outside `visible_orders` does not count, not even in a median."""
    first_order = (
        visible_orders(org, now)
        .filter(reports=OuterRef("pk"), issued_at__lte=now, withdrawn_at__isnull=True)
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
    return Dashboard(
        org=org,
        now=now,
        since=since,
        first_visit=seen is None,
        new_reports=fresh,
        new_count=fresh_count,
        unread=visible_notifications(org).filter(read_at__isnull=True).count(),
        live=live_reports(org, now),
        mine=mine,
        my_status_counts=status_counts,
        corroborated=corroborated_targets(org),
        expiring=expiring_agreements(org, timezone.localdate(now)),
        shows_orders=shows_orders,
        orders=orders,
        more_orders=more_orders,
        weekly=weekly_categories(org, weeks),
        actions=time_to_action(org, weeks, now),
        clusters=top_clusters(org),
    )
