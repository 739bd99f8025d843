"""Reads of reports beyond one queryset. Every read path — API, portal, exports, counts —
starts from `visible_reports(org)` (or `Report.objects.visible_to(org)` for counts)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Prefetch, Q

from members.models import Organization

from .models import Indicator, Report, Target, TargetLink


def visible_reports(org: Organization):
    """The access policy, then what displaying a report needs (no N+1)."""
    return for_display(Report.objects.visible_to(org).with_disclosure(org))


def for_display(reports):
    """What showing reports reads alongside them, in a constant number of queries."""
    return reports.select_related("owner").prefetch_related(
        Prefetch("indicators", queryset=Indicator.objects.order_by("position")),
        "recipients",
        "restricted_to",
        "evidence",
    )


def visible_targets(org: Organization):
    """Targets with at least one indicator on a report `org` may see. Whatever is said about a
    target (its reports, their count and statuses, its cluster) is computed from these."""
    visible = Report.objects.visible_to(org)
    return Target.objects.filter(
        Exists(Indicator.objects.filter(target=OuterRef("pk"), report__in=visible))
    ).annotate(
        report_count=Count(
            "indicators__report",
            filter=Q(indicators__report__in=visible),
            distinct=True,
        ),
        reporter_count=Count(
            "indicators__report__owner",
            filter=Q(indicators__report__in=visible),
            distinct=True,
        ),
    )


def target_reports(org: Organization, target: Target):
    """The reports on `target` that `org` may see."""
    return visible_reports(org).filter(
        Exists(Indicator.objects.filter(report=OuterRef("pk"), target=target))
    )


def cluster_view(org: Organization, target: Target) -> dict | None:
    """The part of `target`'s cluster that `org` may see: only targets it sees, only links
    between them. None when the target is in no cluster or sees no other member of it."""
    if target.cluster_id is None:
        return None
    members = list(
        visible_targets(org).filter(cluster_id=target.cluster_id).order_by("kind", "value")
    )
    if len(members) < 2:
        return None
    ids = {t.pk for t in members}
    links = TargetLink.objects.filter(source_id__in=ids, target_id__in=ids).values_list(
        "source_id", "target_id", "reason"
    )
    return {
        "id": target.cluster_id,
        "targets": [{"id": t.pk, "kind": t.kind, "value": t.value} for t in members],
        "links": [{"source": a, "target": b, "reason": r} for a, b, r in links],
    }


def visible_notifications(org: Organization):
    """The inbox: items about reports `org` may still see now, and items about no report."""
    from .models import Notification

    return (
        Notification.objects.filter(organization=org)
        .filter(Q(report__isnull=True) | Q(report__in=Report.objects.visible_to(org)))
        .select_related("event")
        .prefetch_related(Prefetch("report", queryset=visible_reports(org)))
    )


def open_suggestions(org: Organization, target: Target):
    """Open suggestions about `target` whose other side `org` may see too."""
    from .models import ClusterSuggestion

    visible = visible_targets(org).values("pk")
    return (
        ClusterSuggestion.objects.filter(state=ClusterSuggestion.State.OPEN)
        .filter(Q(source=target, target__in=visible) | Q(target=target, source__in=visible))
        .select_related("source", "target")
    )
