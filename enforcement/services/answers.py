"""The addressed ISP's answers per target: "the domain is blocked, the URL is impossible on our
DNS resolver". Each target of an order in force may be answered `implemented` or `impossible`
with a reason; once every target has an answer the whole order is done for that ISP
(`settling`). The whole-order answers stay: confirming answers every target `implemented`,
rejecting rejects the order.

Nothing is published: the whole-order answers publish nothing either. The issuer reads the
answers on the order's status board (which refreshes itself) and in the API; the one event
about an ISP's answer, `blocking_order.overdue`, is the sweep's, and it stops for an ISP once
every target has an answer, since the order is then done for it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.services import Actor, audit

from ..models import BlockingOrder, Compliance, ComplianceStep, OrderTarget, TargetAnswer
from ..target_answers import counts_of
from .changes import _require_in_force
from .compliance import _my_compliance, _step
from .inputs import MAX_TARGETS, InvalidOrder, OrderStateError
from .settling import apply_state, settled_state


@dataclass(frozen=True)
class TargetAnswerInput:
    target: int  # the order target's id, as the API and the order page show it
    state: str  # TargetAnswer.State
    reason: str = ""  # TargetAnswer.Reason, for an impossible target
    detail: str = ""


def _shape_errors(answers: list[TargetAnswerInput]) -> dict:
    errors: dict = {}
    if not answers:
        return {"answers": [_("Answer at least one target.")]}
    if len(answers) > MAX_TARGETS:
        return {"answers": [_("At most %(count)s answers.") % {"count": f"{MAX_TARGETS:,}"}]}
    seen: set[int] = set()
    each: dict[int, dict[str, list[str]]] = {}
    for i, a in enumerate(answers):
        problems: dict[str, list[str]] = {}
        if a.target in seen:
            problems["target"] = [_("This target is answered twice.")]
        seen.add(a.target)
        if a.state not in TargetAnswer.State.values:
            problems["state"] = [
                _("One of: %(values)s.") % {"values": ", ".join(TargetAnswer.State.values)}
            ]
        elif a.state == TargetAnswer.State.IMPOSSIBLE:
            if a.reason not in TargetAnswer.Reason.values:
                problems["reason"] = [
                    _("Say why it is impossible, one of: %(values)s.")
                    % {"values": ", ".join(TargetAnswer.Reason.values)}
                ]
            elif a.reason == TargetAnswer.Reason.OTHER and not a.detail.strip():
                problems["detail"] = [_("Say why, when the reason is 'other'.")]
        if problems:
            each[i] = problems
    if each:
        errors["answers"] = each
    return errors


def compliance_answer_targets(
    *, actor: Actor, order: BlockingOrder, answers: list[TargetAnswerInput]
) -> Compliance:
    """Records the ISP's answers about targets of `order` in force. A repeated answer (same
    state, reason and detail) changes nothing and records no step, so a retried request is
    harmless. A blocked target stays blocked (as a confirmation is not taken back, 409); an
    impossible one may later be blocked, with a new reason or detail recorded as a new step."""
    now = timezone.now()
    with transaction.atomic():
        row = _my_compliance(actor, order)  # who asks comes before what they wrote
        errors = _shape_errors(answers)
        if errors:
            raise InvalidOrder(errors)
        _require_in_force(order, now)
        wanted = {a.target for a in answers}
        targets = (
            OrderTarget.objects.filter(order=order, lifted_at__isnull=True, pk__in=wanted)
            .only("pk", "kind", "value")
            .in_bulk()
        )
        unknown = {
            i: {"target": [_("Not a target in force of this order.")]}
            for i, a in enumerate(answers)
            if a.target not in targets
        }
        if unknown:
            raise InvalidOrder({"answers": unknown})
        current = {
            a.target_id: a
            for a in TargetAnswer.objects.filter(compliance=row, target_id__in=wanted)
        }
        _refuse_walking_back(row, answers, current, targets)
        changed = _write(actor, row, answers, current, now)
        if changed:
            audit(
                actor=actor,
                action="blocking_order.targets_answered",
                obj=order,
                data={
                    "isp": actor.organization.slug,
                    "count": len(changed),
                    "answers": [
                        {
                            "target": f"{targets[a.target].kind}:{targets[a.target].value}",
                            "state": a.state,
                            "reason": a.reason,
                        }
                        for a in changed[:1000]
                    ],
                },
            )
            _settle(actor, row, now)
    return row


def _refuse_walking_back(row, answers, current, targets) -> None:
    impossible = [a for a in answers if a.state == TargetAnswer.State.IMPOSSIBLE]
    if not impossible:
        return
    if row.state == Compliance.State.IMPLEMENTED:
        raise OrderStateError(
            _("You confirmed implementing this order; a target cannot be marked impossible.")
        )
    blocked = [
        targets[a.target].value
        for a in impossible
        if a.target in current and current[a.target].state == TargetAnswer.State.IMPLEMENTED
    ]
    if blocked:
        raise OrderStateError(
            _("You confirmed blocking %(targets)s; it cannot be marked impossible.")
            % {"targets": ", ".join(blocked[:20])}
        )


def _write(actor, row, answers, current, now) -> list[TargetAnswerInput]:
    changed: list[TargetAnswerInput] = []
    upserts: list[TargetAnswer] = []
    for a in answers:
        reason = a.reason if a.state == TargetAnswer.State.IMPOSSIBLE else ""
        detail = a.detail.strip() if a.state == TargetAnswer.State.IMPOSSIBLE else ""
        before = current.get(a.target)
        if before is not None and (before.state, before.reason, before.detail) == (
            a.state,
            reason,
            detail,
        ):
            continue  # the same answer again: nothing to record
        changed.append(TargetAnswerInput(a.target, a.state, reason, detail))
        upserts.append(
            TargetAnswer(
                compliance=row,
                target_id=a.target,
                state=a.state,
                reason=reason,
                detail=detail,
                answered_at=now,
                by_user=actor.user,
                by_key=actor.api_key,
            )
        )
    if not upserts:
        return changed
    TargetAnswer.objects.bulk_create(
        upserts,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["compliance", "target"],
        update_fields=["state", "reason", "detail", "answered_at", "by_user", "by_key"],
    )
    ComplianceStep.objects.bulk_create(
        (
            ComplianceStep(
                compliance=row,
                target_id=u.target_id,
                state=u.state,
                at=now,
                reason=u.reason,
                detail=u.detail,
                by_user=actor.user,
                by_key=actor.api_key,
            )
            for u in upserts
        ),
        batch_size=2000,
    )
    return changed


def _settle(actor: Actor, row: Compliance, now) -> None:
    """The whole-order state after the answers: done once every target in force has one,
    otherwise acknowledged (an answer about a target acknowledges the order; after a
    rejection it means the ISP answers target by target instead)."""
    state = settled_state(counts_of(row))
    if state is None:
        state = Compliance.State.ACKNOWLEDGED
    if state == row.state:
        return
    apply_state(row, state, now)
    _step(actor, row, state, now)
