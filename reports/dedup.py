"""Deduplication: indicators meet on hub-wide targets, targets of one operation form clusters,
and a member's re-submission of what it already reported is marked as a duplicate.

Run by the worker (`reports.tasks.process_event`) after the submission committed. Every step
is idempotent, so running it twice (a redelivered message, the sweeper) changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from kernel.locks import Lock, xact_lock
from notifications.outbox import publish

from . import clustering
from .events import ReportEvent
from .models import Cluster, ClusterSuggestion, Indicator, Report, Target, TargetLink
from .models.core import target_uid


def link_reports(report_ids: Iterable[int]) -> list[Report]:
    """Links every indicator of these reports to its target; idempotent.

    A report is linked again after indicators were appended to it
    (`reports.indicator_services`): the clusters and the duplicate check take all of its
    targets, the corroborations only the new ones (earlier reporters heard of the others)."""
    with transaction.atomic():
        reports = list(
            Report.objects.select_for_update(of=("self",))
            .filter(pk__in=list(report_ids), linked_at__isnull=True)
            .order_by("pk")
        )
        if not reports:
            return []
        indicators = list(
            Indicator.objects.filter(report__in=reports).order_by("report", "position")
        )
        targets = ensure_targets({(i.kind, i.value) for i in indicators})
        fresh = [i for i in indicators if i.target_id is None]
        for indicator in fresh:
            indicator.target_id = targets[(indicator.kind, indicator.value)].pk
        Indicator.objects.bulk_update(fresh, ["target"], batch_size=1000)
        by_report: dict[int, set[int]] = defaultdict(set)
        for indicator in indicators:
            by_report[indicator.report_id].add(indicator.target_id)
        new_by_report: dict[int, set[int]] = defaultdict(set)
        for indicator in fresh:
            new_by_report[indicator.report_id].add(indicator.target_id)
        _cluster(by_report, targets)
        _mark_duplicates(reports, by_report)
        _publish_corroborations(reports, new_by_report)
        now = timezone.now()
        Report.objects.filter(pk__in=[r.pk for r in reports]).update(linked_at=now)
    return reports


def ensure_targets(pairs: set[tuple[str, str]]) -> dict[tuple[str, str], Target]:
    """INSERT ... ON CONFLICT DO NOTHING, then read back: concurrent workers never make twins."""
    if not pairs:
        return {}
    fresh = []
    # Sorted: two workers inserting overlapping sets lock the unique keys in the same order,
    # so neither waits for a key the other holds while holding one it wants (no deadlock).
    for kind, value in sorted(pairs):
        keys = clustering.cluster_keys(kind, value)
        hints = clustering.suggestion_keys(kind, value)
        fresh.append(
            Target(
                kind=kind,
                value=value,
                uid=target_uid(kind, value),
                registrable=keys.get("registrable", ""),
                brand=keys.get("brand", ""),
                family=hints.get("family", ""),
                lookalike=hints.get("lookalike", ""),
                warning=clustering.is_warning_listed(kind, value) or "",
            )
        )
    Target.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=1000)
    found = Target.objects.filter(value__in={v for _, v in pairs})
    return {(t.kind, t.value): t for t in found if (t.kind, t.value) in pairs}


def _cluster(by_report: dict[int, set[int]], targets: dict[tuple[str, str], Target]) -> None:
    links: set[tuple[int, int, str]] = set()

    def add(a: int, b: int, reason: str) -> None:
        if a != b:
            links.add((min(a, b), max(a, b), reason))

    usable = {t.pk: t for t in targets.values() if not t.warning}
    for target_ids in by_report.values():
        members = sorted(i for i in target_ids if i in usable)
        for other in members[1:]:
            add(members[0], other, TargetLink.Reason.CO_REPORTED)
    registrables = {t.registrable for t in usable.values() if t.registrable}
    brands = {t.brand for t in usable.values() if t.brand}
    if registrables or brands:
        # One anchor per key (its oldest target): linking every target to the anchor keeps
        # the cluster connected with one link per target, not one per pair.
        anchors: dict[tuple[str, str], Target] = {}
        for field, keys in (("registrable", registrables), ("brand", brands)):
            for key, oldest in _oldest(field, keys, 1).items():
                anchors[(field, key)] = oldest[0]
        for target in usable.values():
            anchor = anchors.get(("registrable", target.registrable))
            if anchor is not None:
                add(target.pk, anchor.pk, TargetLink.Reason.SAME_REGISTRABLE_DOMAIN)
            anchor = anchors.get(("brand", target.brand))
            if anchor is not None and anchor.registrable != target.registrable:
                add(target.pk, anchor.pk, TargetLink.Reason.SAME_BRAND)
    if not links:
        return
    # Merging is quick; target creation itself needs no lock (ON CONFLICT).
    xact_lock(Lock.CLUSTER_MERGE)
    TargetLink.objects.bulk_create(
        [TargetLink(source_id=a, target_id=b, reason=r) for a, b, r in links],
        ignore_conflicts=True,
    )
    _merge_clusters({i for a, b, _ in links for i in (a, b)}, {(a, b) for a, b, _ in links})


def _oldest(field: str, keys: set[str], count: int) -> dict[str, list[Target]]:
    """The `count` oldest targets (lowest ids) not on the warning list for each value of
    `field` in `keys`. One short index range per key ((field, id) indexes on Target): a
    popular brand has hundreds of thousands of targets at a national hub's scale, and reading
    them all made one batch outlast its task's time limit (BENCHMARKS.md, "Dedup to notify")."""
    if not keys:
        return {}
    table = connection.ops.quote_name(Target._meta.db_table)
    column = connection.ops.quote_name(Target._meta.get_field(field).column)
    sql = (
        f"SELECT t.* FROM unnest(%s::text[]) AS k(key) CROSS JOIN LATERAL"  # noqa: S608 - names
        f" (SELECT * FROM {table} WHERE {column} = k.key AND {column} <> '' AND warning = ''"
        " ORDER BY id LIMIT %s) t ORDER BY t.id"  # `<> ''`: the indexes are partial
    )
    found: dict[str, list[Target]] = defaultdict(list)
    for target in Target.objects.raw(sql, [sorted(keys), count]):
        found[getattr(target, field)].append(target)
    return found


def suggestion_decide(*, org, source: Target, target: Target, reason: str, confirm: bool) -> bool:
    """A member confirms (the two targets are linked and their clusters merged) or dismisses a
    suggestion (`reports.selectors.open_suggestions`). The decision is remembered per pair, so
    the pair is not suggested again; a pair already decided is left as it is (returns False)."""
    a, b = sorted((source, target), key=lambda t: t.pk)
    state = ClusterSuggestion.State.CONFIRMED if confirm else ClusterSuggestion.State.DISMISSED
    with transaction.atomic():
        suggestion, _created = ClusterSuggestion.objects.select_for_update().get_or_create(
            source=a, target=b, reason=reason
        )
        decided = ClusterSuggestion.objects.filter(source=a, target=b).exclude(
            state=ClusterSuggestion.State.OPEN
        )
        if decided.exists():
            return False
        suggestion.state = state
        suggestion.decided_by = org
        suggestion.decided_at = timezone.now()
        suggestion.save()
        if confirm:
            xact_lock(Lock.CLUSTER_MERGE)
            TargetLink.objects.get_or_create(source=a, target=b, reason=reason)
            _merge_clusters({a.pk, b.pk}, {(a.pk, b.pk)})
    return True


def _merge_clusters(target_ids: set[int], edges: set[tuple[int, int]]) -> None:
    """Union of the linked targets' components; each component ends in one cluster."""
    parent = {i: i for i in target_ids}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in edges:
        parent[find(a)] = find(b)
    current = dict(Target.objects.filter(pk__in=target_ids).values_list("pk", "cluster_id"))
    # Targets already in one cluster belong to one component even when this batch links them
    # to different targets: else one component would delete a cluster that another one then
    # keeps (a foreign-key violation at commit, and the batch would never link).
    first_in: dict[int, int] = {}
    for i, cluster_id in current.items():
        if cluster_id is not None:
            parent[find(i)] = find(first_in.setdefault(cluster_id, i))
    components: dict[int, set[int]] = defaultdict(set)
    for i in target_ids:
        components[find(i)].add(i)
    for members in components.values():
        clusters = {current[i] for i in members if current.get(i)}
        keep = min(clusters) if clusters else Cluster.objects.create().pk
        absorbed = clusters - {keep}
        Target.objects.filter(Q(pk__in=members) | Q(cluster_id__in=absorbed)).update(
            cluster_id=keep
        )
        Cluster.objects.filter(pk__in=absorbed).delete()


def _mark_duplicates(reports: list[Report], by_report: dict[int, set[int]]) -> None:
    """Same owner, same category, same targets, while the first is open: a duplicate."""
    all_targets = {t for ts in by_report.values() for t in ts}
    earlier = defaultdict(set)
    rows = Indicator.objects.filter(
        target_id__in=all_targets,
        report__status=Report.Status.OPEN,
        report__duplicate_of__isnull=True,
        report__owner__in={r.owner_id for r in reports},
    ).values_list("report_id", "report__owner_id", "report__category", "target_id")
    meta: dict[int, tuple[int, str]] = {}
    for report_id, owner_id, category, target_id in rows:
        earlier[report_id].add(target_id)
        meta[report_id] = (owner_id, category)
    # Complete target sets of the candidates (they may have targets outside this batch).
    full = defaultdict(set)
    for report_id, target_id in Indicator.objects.filter(report_id__in=list(earlier)).values_list(
        "report_id", "target_id"
    ):
        full[report_id].add(target_id)
    for report in reports:
        mine = by_report.get(report.pk, set())
        candidates = [
            rid
            for rid, (owner_id, category) in meta.items()
            if rid < report.pk
            and owner_id == report.owner_id
            and category == report.category
            and full[rid] == mine
        ]
        if candidates:
            Report.objects.filter(pk=report.pk).update(duplicate_of_id=min(candidates))


def _publish_corroborations(reports: list[Report], by_report: dict[int, set[int]]) -> None:
    """New reports on targets another member reported before: one event for the whole batch
    (no floods); the fan-out decides, through the policy, who may hear of which report."""
    owners = {r.pk: r.owner_id for r in reports}
    target_ids = {t for ts in by_report.values() for t in ts}
    earlier = defaultdict(set)
    for target_id, owner_id in (
        Indicator.objects.filter(target_id__in=target_ids)
        .exclude(report_id__in=list(owners))
        .values_list("target_id", "report__owner_id")
        .distinct()
    ):
        earlier[target_id].add(owner_id)
    corroborating = sorted(
        rid for rid, ts in by_report.items() if any(earlier[t] - {owners[rid]} for t in ts)
    )
    if corroborating:
        publish(
            type=ReportEvent.TARGET_CORROBORATED,
            subject_ids=corroborating,
            urgent=any(r.is_urgent for r in reports if r.pk in set(corroborating)),
        )
