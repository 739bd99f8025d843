"""The addressed ISP's answers to an order: acknowledge, confirm (implemented), reject."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.services import Actor, audit

from ..models import (
    BlockingOrder,
    Compliance,
    ComplianceStep,
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
        _step(actor, row, row.state, now)
    return row


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
        row.state = Compliance.State.REJECTED
        row.rejected_at = now
        row.acknowledged_at = row.acknowledged_at or now
        row.reason, row.reason_detail = reason, detail.strip()
        row.save()
        _step(actor, row, row.state, now, reason=reason, detail=row.reason_detail)
    return row
