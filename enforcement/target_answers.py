"""Reads of the ISPs' answers per target (`TargetAnswer`): of an order's targets in force, how
many an ISP has blocked, how many it found impossible (and why), how many wait.

Always read through the compliance rows the reader may see: `selectors.visible_orders`
prefetches every ISP's row for the issuer and only its own for an ISP (ISPs compete), so an ISP
never counts, nor reads, another ISP's answers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber

from .models import Compliance, OrderTarget, TargetAnswer


def _count(rows: QuerySet, group: str) -> Coalesce:
    return Coalesce(
        Subquery(rows.order_by().values(group).annotate(n=Count("pk")).values("n")[:1]), 0
    )


def _live_answers(state: str) -> QuerySet[TargetAnswer]:
    # An answer about a target since lifted no longer counts: the target is not asked for.
    return TargetAnswer.objects.filter(
        compliance=OuterRef("pk"), state=state, target__lifted_at__isnull=True
    )


def with_target_counts(rows: QuerySet[Compliance]) -> QuerySet[Compliance]:
    """Each compliance row with `targets_in_force`, `targets_implemented` and
    `targets_impossible` (three sub-queries in the same query: no query per row)."""
    in_force = OrderTarget.objects.filter(order=OuterRef("order_id"), lifted_at__isnull=True)
    return rows.annotate(
        targets_in_force=_count(in_force, "order"),
        targets_implemented=_count(_live_answers(TargetAnswer.State.IMPLEMENTED), "compliance"),
        targets_impossible=_count(_live_answers(TargetAnswer.State.IMPOSSIBLE), "compliance"),
    )


@dataclass(frozen=True)
class TargetCounts:
    in_force: int
    implemented: int
    impossible: int

    @property
    def unanswered(self) -> int:
        return max(self.in_force - self.implemented - self.impossible, 0)

    @property
    def all_answered(self) -> bool:
        return self.in_force > 0 and self.unanswered == 0


def counts_of(row: Compliance) -> TargetCounts:
    """A row's counts: from `with_target_counts` when it came through it (every read of
    `visible_orders`), else read now (one query)."""
    if not hasattr(row, "targets_in_force"):
        row = with_target_counts(Compliance.objects.filter(pk=row.pk)).get()
    return TargetCounts(row.targets_in_force, row.targets_implemented, row.targets_impossible)


def answers_by_compliance(
    rows: Iterable[Compliance], *, state: str | None = None, limit: int | None = None
) -> dict[int, list[TargetAnswer]]:
    """The answers about targets in force of each row given (only those in `state`, if given),
    by the row's id, target by target (kind, value) with the target itself: one query for them
    all. `limit` keeps the first ones of each row (a page shows them; the API gives them all),
    counted by the database, so an order of 100,000 targets costs a page's worth."""
    ids = [row.pk for row in rows]
    found: dict[int, list[TargetAnswer]] = defaultdict(list)
    if not ids:
        return found
    order = ("target__kind", "target__value", "target_id")
    answers = TargetAnswer.objects.filter(compliance_id__in=ids, target__lifted_at__isnull=True)
    if state is not None:
        answers = answers.filter(state=state)
    if limit is not None:
        answers = answers.annotate(
            rank=Window(RowNumber(), partition_by=[F("compliance_id")], order_by=list(order))
        ).filter(rank__lte=limit)
    for answer in answers.select_related("target").order_by("compliance_id", *order):
        found[answer.compliance_id].append(answer)
    return found


def answers_about(row: Compliance, targets: Iterable[OrderTarget]) -> dict[int, TargetAnswer]:
    """`row`'s answers about the targets given (a page of them), by target id: one query."""
    ids = [t.pk for t in targets]
    if not ids:
        return {}
    return {a.target_id: a for a in TargetAnswer.objects.filter(compliance=row, target_id__in=ids)}
