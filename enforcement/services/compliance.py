"""The addressed ISP's answers to an order: acknowledge, confirm (implemented), reject. The
answers per target are `answers`."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.services import Actor, audit

from ..models import (
    BlockingOrder,
    Compliance,
    ComplianceStep,
    OrderTarget,
    TargetAnswer,
)
from .changes import _require_in_force
from .inputs import InvalidOrder, OrderStateError

# ---------------------------------------------------------------------------- the ISP's answers


def _my_compliance(actor: Actor, order: BlockingOrder) -> Compliance:
    org = actor.organization
    row = Compliance.objects.select_for_update().filter(order=order, isp=org).first()
    if row is None:
        raise PermissionDenied(_("Only an ISP this order addresses can answer it."))
    return row


def _step(
    actor: Actor, row: Compliance, state: str, now: datetime, reason: str = "", detail: str = ""
) -> None:
    ComplianceStep.objects.create(
        compliance=row,
        state=state,
        at=now,
        reason=reason,
        detail=detail,
        by_user=actor.user,
        by_key=actor.api_key,
    )
    audit(
        actor=actor,
        action=f"blocking_order.{state}",
        obj=row.order,
        data={"isp": actor.organization.slug, "reason": reason} if reason else {},
    )


def compliance_acknowledge(*, actor: Actor, order: BlockingOrder) -> Compliance:
    now = timezone.now()
    with transaction.atomic():
        row = _my_compliance(actor, order)
        _require_in_force(order, now)
        if row.state != Compliance.State.NOTIFIED:
            return row  # already acknowledged (or further): a repeat changes nothing
        row.state = Compliance.State.ACKNOWLEDGED
        row.acknowledged_at = now
        row.save(update_fields=["state", "acknowledged_at"])
        _step(actor, row, row.state, now)
    return row


def compliance_confirm(*, actor: Actor, order: BlockingOrder) -> Compliance:
    """The ISP has implemented the order (acknowledging it too, if it had not)."""
    now = timezone.now()
    with transaction.atomic():
        row = _my_compliance(actor, order)
        _require_in_force(order, now)
        if row.state == Compliance.State.IMPLEMENTED:
            return row
        row.state = Compliance.State.IMPLEMENTED
        row.acknowledged_at = row.acknowledged_at or now
        row.implemented_at = now
        row.rejected_at = None
        row.reason, row.reason_detail = "", ""
        row.save()
        _every_target_implemented(actor, row, now)
        _step(actor, row, row.state, now)
    return row


def _every_target_implemented(actor: Actor, row: Compliance, now: datetime) -> None:
    """A whole-order confirmation answers every target in force `implemented` (replacing an
    `impossible`): one statement, as an order may hold 100,000 targets. The confirmation is the
    step; the targets' answers need none of their own."""
    answers, targets = TargetAnswer._meta.db_table, OrderTarget._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {answers}
                (compliance_id, target_id, state, reason, detail, answered_at, by_user_id,
                 by_key_id)
            SELECT %s, t.id, %s, '', '', %s, %s, %s FROM {targets} t
            WHERE t.order_id = %s AND t.lifted_at IS NULL
            ON CONFLICT (compliance_id, target_id) DO UPDATE SET
                state = EXCLUDED.state, reason = '', detail = '',
                answered_at = EXCLUDED.answered_at, by_user_id = EXCLUDED.by_user_id,
                by_key_id = EXCLUDED.by_key_id
            WHERE {answers}.state <> EXCLUDED.state
            """,  # noqa: S608 - the table names are the models', the values parameters
            [
                row.pk,
                TargetAnswer.State.IMPLEMENTED,
                now,
                actor.user.pk if actor.user else None,
                actor.api_key.pk if actor.api_key else None,
                row.order_id,
            ],
        )


def compliance_reject(
    *, actor: Actor, order: BlockingOrder, reason: str, detail: str = ""
) -> Compliance:
    now = timezone.now()
    with transaction.atomic():
        row = _my_compliance(actor, order)  # who asks comes before what they wrote
        errors: dict = {}
        if reason not in Compliance.Reason.values:
            errors["reason"] = [
                _("One of: %(values)s.") % {"values": ", ".join(Compliance.Reason.values)}
            ]
        if reason == Compliance.Reason.OTHER and not detail.strip():
            errors["detail"] = [_("Say why, when the reason is 'other'.")]
        if errors:
            raise InvalidOrder(errors)
        _require_in_force(order, now)
        if row.state == Compliance.State.IMPLEMENTED:
            raise OrderStateError(
                _("You confirmed implementing this order; it cannot be rejected.")
            )
        if row.state == Compliance.State.REJECTED:
            return row
        if row.target_answers.filter(
            state=TargetAnswer.State.IMPLEMENTED, target__lifted_at__isnull=True
        ).exists():
            raise OrderStateError(
                _(
                    "You confirmed blocking some of its targets; mark the others impossible "
                    "instead of rejecting the order."
                )
            )
        row.state = Compliance.State.REJECTED
        row.rejected_at = now
        row.acknowledged_at = row.acknowledged_at or now
        row.reason, row.reason_detail = reason, detail.strip()
        row.save()
        _step(actor, row, row.state, now, reason=reason, detail=row.reason_detail)
    return row
