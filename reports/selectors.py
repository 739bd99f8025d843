"""Reads of reports beyond one queryset. Every read path — API, portal, exports, counts —
starts from `visible_reports(org)` (or `Report.objects.visible_to(org)` for counts)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Prefetch, Q

from members.models import Organization

from .clustering import UnionFind
from .models import Indicator, Report, Target, TargetLink


def visible_reports(org: Organization):
    """The access policy, then what displaying a report needs (no N+1)."""
    return for_display(Report.objects.visible_to(org).with_disclosure(org))


def for_display(reports):
    """What showing reports reads alongside them, in a constant number of queries."""
    return reports.select_related("owner").prefetch_related(
        Prefetch(
            "indicators",
            queryset=Indicator.objects.order_by("position").annotate(target_uid=F("target__uid")),
        ),
        "recipients",
        "restricted_to",
        "evidence",
    )


def visible_targets(org: Organization):
    """Targets with at least one indicator on a report `org` may see. Whatever is said about a
    target (its reports, their count and reporters, first and last seen, its cluster) is
    computed from these reports only: what `org` would get if the reports it may not see did
    not exist (docs/contract.md, derived data)."""
    visible = Report.objects.visible_to(org)
    on_visible = Q(indicators__report__in=visible)
    return Target.objects.filter(
        Exists(Indicator.objects.filter(target=OuterRef("pk"), report__in=visible))
    ).annotate(
        report_count=Count("indicators__report", filter=on_visible, distinct=True),
        reporter_count=Count("indicators__report__owner", filter=on_visible, distinct=True),
        first_seen=Min("indicators__report__created_at", filter=on_visible),
        last_seen=Max("indicators__report__created_at", filter=on_visible),
    )


def target_reports(org: Organization, target: Target):
    """The reports on `target` that `org` may see."""
    return visible_reports(org).filter(
        Exists(Indicator.objects.filter(report=OuterRef("pk"), target=target))
    )


# ------------------------------------------------------------ clusters, as a reader sees them
#
# The hub keeps hub-wide clusters (`Target.cluster`, `TargetLink`) as bookkeeping: every link a
# reader could make is inside one of them. What a reader is shown is rebuilt from the reports
# it may see: its targets are the visible ones, and two of them are linked when
# - they share a site domain or a brand (follows from the names alone),
# - a report the reader may see names both (co-reported; the indicators are the provenance), or
# - a member confirmed a suggestion between them (a judgement on two names).
# Warning-listed values (CDNs, platforms) are never keys and never carry a co-reported link.
# So a link justified only by a report the reader may not see, or a chain through a target it
# does not see, does not exist for that reader.


@dataclass(frozen=True)
class ReaderCluster:
    """One operation as `org` sees it: targets in (kind, value) order and one link per target
    joined (a spanning set, each with its reason), all chosen from names, never from ids."""

    targets: list[Target]
    links: list[tuple[Target, Target, str]]
    # Per target (by internal key): how many reports the reader may see name it.
    report_counts: dict[int, int]

    @property
    def key(self) -> Target:
        """The cluster's name for this reader: its first target."""
        return self.targets[0]

    def as_dict(self) -> dict:
        return {
            "id": str(self.key.uid),
            "targets": [_target_ref(t) for t in self.targets],
            "links": [
                {"source": str(a.uid), "target": str(b.uid), "reason": reason}
                for a, b, reason in self.links
            ],
        }


def _target_ref(target: Target) -> dict:
    return {"id": str(target.uid), "kind": target.kind, "value": target.value}


def _order(target: Target) -> tuple[str, str]:
    return (target.kind, target.value)


def reader_clusters(org: Organization, *, hub_cluster_id: int | None = None) -> list[ReaderCluster]:
    """The clusters (two targets or more) `org` sees, within one hub-wide cluster or all of
    them; largest first, then by their first target."""
    visible = Report.objects.visible_to(org)
    indicators = Indicator.objects.filter(report__in=visible, target__cluster__isnull=False)
    if hub_cluster_id is not None:
        indicators = indicators.filter(target__cluster_id=hub_cluster_id)
    # One query for the pairs and what linking them needs, one for confirmed links: the
    # dashboard costs the same number of queries whatever the data.
    rows = indicators.values_list(
        "report_id",
        "target_id",
        "target__uid",
        "target__kind",
        "target__value",
        "target__registrable",
        "target__brand",
        "target__warning",
    ).distinct()
    targets: dict[int, Target] = {}
    pairs = []
    for report_id, pk, uid, kind, value, registrable, brand, warning in rows:
        pairs.append((report_id, pk))
        if pk not in targets:
            targets[pk] = Target(
                pk=pk,
                uid=uid,
                kind=kind,
                value=value,
                registrable=registrable,
                brand=brand,
                warning=warning,
            )
    # Confirmed suggestions are few (each a member's decision): read them all, keep those
    # between targets the reader sees.
    confirmed_rows = TargetLink.objects.filter(
        reason__in=[TargetLink.Reason.NUMBERED_FAMILY, TargetLink.Reason.LOOKALIKE]
    )
    if hub_cluster_id is not None:
        confirmed_rows = confirmed_rows.filter(source__cluster_id=hub_cluster_id)
    confirmed = [
        (a, b, reason)
        for a, b, reason in confirmed_rows.values_list("source_id", "target_id", "reason")
        if a in targets and b in targets
    ]
    if not pairs:
        return []
    return _components(targets, pairs, confirmed)


def _components(
    targets: dict[int, Target],
    pairs: list[tuple[int, int]],
    confirmed,
) -> list[ReaderCluster]:
    union_find = UnionFind()
    for pk in targets:
        union_find.add(pk)
    links: set[tuple[int, int, str]] = set()

    def join(members: list[Target], reason: str) -> None:
        """Links every member to the first (in name order): one link per member."""
        members = sorted(members, key=_order)
        for other in members[1:]:
            links.add((members[0].pk, other.pk, reason))
            union_find.union(members[0].pk, other.pk)

    usable = [t for t in targets.values() if not t.warning]
    by_key: dict[tuple[str, str], list[Target]] = defaultdict(list)
    for t in usable:
        if t.registrable:
            by_key[("registrable", t.registrable)].append(t)
        if t.brand:
            by_key[("brand", t.brand)].append(t)
    for (field, _key), members in sorted(by_key.items()):
        if field == "registrable":
            join(members, TargetLink.Reason.SAME_REGISTRABLE_DOMAIN)
        else:
            # One site per brand: hosts of one site are linked by their site domain already.
            first_per_site: dict[str, Target] = {}
            for t in sorted(members, key=_order):
                first_per_site.setdefault(t.registrable, t)
            join(list(first_per_site.values()), TargetLink.Reason.SAME_BRAND)
    by_report: dict[int, list[Target]] = defaultdict(list)
    reports_of: dict[int, set[int]] = defaultdict(set)
    for report_id, target_id in pairs:
        reports_of[target_id].add(report_id)
        if not targets[target_id].warning:
            by_report[report_id].append(targets[target_id])
    for members in by_report.values():
        join(members, TargetLink.Reason.CO_REPORTED)
    for a, b, reason in confirmed:
        links.add((a, b, reason))
        union_find.union(a, b)
    groups: dict[int, list[Target]] = defaultdict(list)
    for pk, target in targets.items():
        groups[union_find.find(pk)].append(target)
    # Each link once, under its component (not every link scanned for every cluster).
    links_of: dict[int, set[tuple[Target, Target, str]]] = defaultdict(set)
    for a, b, reason in links:
        first, second = sorted((targets[a], targets[b]), key=_order)
        links_of[union_find.find(a)].add((first, second, reason))
    clusters = []
    for root, members in groups.items():
        if len(members) < 2:
            continue
        shown = sorted(links_of[root], key=lambda link: (_order(link[0]), _order(link[1]), link[2]))
        counts = {t.pk: len(reports_of[t.pk]) for t in members}
        clusters.append(ReaderCluster(sorted(members, key=_order), shown, counts))
    return sorted(clusters, key=lambda c: (-len(c.targets), _order(c.key)))


def reader_cluster(org: Organization, target: Target) -> ReaderCluster | None:
    """The cluster of `target` as `org` sees it; None when `org` sees no other target of it."""
    if target.cluster_id is None:
        return None
    for found in reader_clusters(org, hub_cluster_id=target.cluster_id):
        if any(t.pk == target.pk for t in found.targets):
            return found
    return None


@dataclass(frozen=True)
class Suggestion:
    """Two targets that may be one operation (numbered family, look-alike name): not merged
    until a member confirms."""

    target: Target
    other: Target
    reason: str


_UNKNOWN = object()


def open_suggestions(
    org: Organization, target: Target, cluster: ReaderCluster | object | None = _UNKNOWN
) -> list[Suggestion]:
    """Targets `org` sees that share `target`'s family or look-alike key (names alone), are not
    in its cluster as `org` sees it, and that no member confirmed or dismissed against it.
    `cluster`: that cluster, when the caller has it already (`reader_cluster`)."""
    from .models import ClusterSuggestion

    keys = [
        (field, reason)
        for field, reason in (("family", "numbered_family"), ("lookalike", "lookalike"))
        if getattr(target, field)
    ]
    if not keys or target.warning:
        return []
    match = Q()
    for field, _reason in keys:
        match |= Q(**{field: getattr(target, field)})
    candidates = list(
        visible_targets(org)
        .filter(match, warning="")
        .exclude(pk=target.pk)
        .order_by("kind", "value")
    )
    if not candidates:
        return []
    if cluster is _UNKNOWN:
        cluster = reader_cluster(org, target)
    together = {t.pk for t in cluster.targets} if cluster else set()
    decided = set()
    for a, b in (
        ClusterSuggestion.objects.filter(
            Q(source=target, target__in=candidates) | Q(target=target, source__in=candidates)
        )
        .exclude(state=ClusterSuggestion.State.OPEN)
        .values_list("source_id", "target_id")
    ):
        decided.add(b if a == target.pk else a)
    out = []
    for other in candidates:
        if other.pk in together or other.pk in decided:
            continue
        reason = next(r for f, r in keys if getattr(other, f) == getattr(target, f))
        out.append(Suggestion(target, other, reason))
    return out


def with_reports(org: Organization, items):
    """Gives each inbox item (`notifications.selectors.inbox`) its `report`, as `org` may see it
    now, or None: one query for the page."""
    items = list(items)
    about_reports = [i for i in items if i.event.subject == "report" and i.subject_id]
    reports = visible_reports(org).in_bulk({i.subject_id for i in about_reports})
    for item in items:
        item.report = None
    for item in about_reports:
        item.report = reports.get(item.subject_id)
    return items


def also_reported_by(org: Organization, report: Report) -> dict[int, list[Report]]:
    """For each target of `report` (by internal key), the other reports naming it that `org`
    may see, newest first, each with `identity_disclosed` for `org`: a report `org` may not see
    is not there, and an owner is named only where an agreement names it (derived data). Two
    queries."""
    target_ids = {i.target_id for i in report.indicators.all() if i.target_id is not None}
    if not target_ids:
        return {}
    visible = Report.objects.visible_to(org)
    pairs = list(
        Indicator.objects.filter(target_id__in=target_ids, report__in=visible)
        .exclude(report_id=report.pk)
        .values_list("target_id", "report_id")
        .distinct()
    )
    others = (
        visible.with_disclosure(org)
        .select_related("owner")
        .in_bulk({report_id for _target, report_id in pairs})
    )
    out: dict[int, list[Report]] = defaultdict(list)
    for target_id, report_id in pairs:
        # Absent if an agreement ended between the two queries: then it is not shown.
        if (other := others.get(report_id)) is not None:
            out[target_id].append(other)
    for found in out.values():
        found.sort(key=lambda r: (r.created_at, r.pk), reverse=True)
    return dict(out)
