"""What an ISP's answers per target make of its answer to the whole order: once every target in
force has an answer, the order is done for that ISP, `implemented` when every one is blocked,
`per_target` when one at least is impossible; until then it waits (and may turn overdue).

Kept apart from `answers` (the ISP's service) because the issuer's lift settles too, and the
module of the issuer's changes is imported by the ISP's services."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q

from ..models import BlockingOrder, Compliance, ComplianceStep, OrderTarget, TargetAnswer
from ..target_answers import TargetCounts

OPEN = (Compliance.State.NOTIFIED, Compliance.State.ACKNOWLEDGED)


def settled_state(counts: TargetCounts) -> str | None:
    """The whole-order state the answers per target amount to, or None while one is missing."""
    if not counts.all_answered:
        return None
    if counts.impossible:
        return Compliance.State.PER_TARGET
    return Compliance.State.IMPLEMENTED


def apply_state(row: Compliance, state: str, now: datetime) -> None:
    """Sets `row` (locked by the caller) to `state` with its timestamps, as the whole-order
    answers do: an answer implies an acknowledgement; a later answer replaces a rejection."""
    row.state = state
    row.acknowledged_at = row.acknowledged_at or now
    row.implemented_at = now if state == Compliance.State.IMPLEMENTED else None
    row.rejected_at = None
    row.reason, row.reason_detail = "", ""
    row.save(
        update_fields=[
            "state",
            "acknowledged_at",
            "implemented_at",
            "rejected_at",
            "reason",
            "reason_detail",
        ]
    )


def settle_after_lift(order: BlockingOrder, now: datetime) -> int:
    """After the issuer lifted some targets: an ISP whose answers now cover every target left
    in force is done (the last target it had not answered may be the one lifted). Only open
    rows move (a rejection stays a rejection); the step is the hub's, as a re-notification is.
    Three queries, then an update and a step per row that moves."""
    # Locked first, counted after: an answer committed meanwhile is counted (FOR UPDATE
    # cannot go with the GROUP BY of the count).
    rows = list(Compliance.objects.select_for_update().filter(order=order, state__in=OPEN))
    if not rows:
        return 0
    in_force = OrderTarget.objects.filter(order=order, lifted_at__isnull=True).count()
    counted = {
        c["compliance_id"]: c
        for c in TargetAnswer.objects.filter(compliance__in=rows, target__lifted_at__isnull=True)
        .values("compliance_id")
        .annotate(
            implemented=Count("pk", filter=Q(state=TargetAnswer.State.IMPLEMENTED)),
            impossible=Count("pk", filter=Q(state=TargetAnswer.State.IMPOSSIBLE)),
        )
        .order_by()
    }
    moved = 0
    for row in rows:
        c = counted.get(row.pk)
        if c is None:
            continue
        state = settled_state(TargetCounts(in_force, c["implemented"], c["impossible"]))
        if state is None:
            continue
        apply_state(row, state, now)
        ComplianceStep.objects.create(compliance=row, state=state, at=now, detail="lifted")
        moved += 1
    return moved
