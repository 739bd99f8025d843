"""The issuer's changes to an order it issued: withdraw it within the grace window, amend
(add targets), lift (whole or in part) and renew; and the state checks these steps share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from members.services import Actor, audit
from notifications.outbox import publish

# check_targets and _add_targets are looked up on the package, `enforcement.services`,
# where callers (and tests) see them and may replace them.
from .. import services
from ..events import OrderEvent
from ..models import (
    BlockingOrder,
    Compliance,
    ComplianceStep,
    OrderRenewal,
    OrderTarget,
)
from ..selectors import feed_write_moment
from .inputs import (
    MAX_TARGETS,
    URGENT_WINDOW,
    InvalidOrder,
    OrderCheck,
    OrderInput,
    OrderStateError,
    TargetInput,
)
from .issuing import _announce, _check_override, _dedupe, _lapse, _too_many_targets
from .settling import settle_after_lift


def _locked(order: BlockingOrder) -> BlockingOrder:
    return BlockingOrder.objects.select_for_update().get(pk=order.pk)


def _issuer_only(actor: Actor, order: BlockingOrder) -> None:
    if actor.organization is None or actor.organization.pk != order.issuer_id:
        raise PermissionDenied(_("Only the issuing authority can do this."))


def order_withdraw(*, actor: Actor, order: BlockingOrder) -> BlockingOrder:
    """Within the grace window, before any ISP is told, the issuer may take an order back."""
    _issuer_only(actor, order)
    now = timezone.now()
    with transaction.atomic():
        order = _locked(order)
        if order.withdrawn_at is not None:
            return order
        if order.announced_at is not None or order.issued_at <= now:
            raise OrderStateError(_("The ISPs have been told of this order: lift it instead."))
        order.withdrawn_at = now
        order.save(update_fields=["withdrawn_at"])
        audit(actor=actor, action="blocking_order.withdrawn", obj=order)
    return order


def _require_in_force(order: BlockingOrder, now: datetime, allow_pending: bool = False) -> None:
    status = order.status_at(now)
    allowed = {BlockingOrder.Status.IN_FORCE}
    if allow_pending:
        allowed.add(BlockingOrder.Status.PENDING)
    if status not in allowed:
        raise OrderStateError(_state_refusal(status))


def _state_refusal(status: str) -> str:
    """Why a step is refused in `status`, in the active language."""
    refusals = {
        BlockingOrder.Status.PENDING: _("This order is pending."),
        BlockingOrder.Status.IN_FORCE: _("This order is in force."),
        BlockingOrder.Status.LIFTED: _("This order is lifted."),
        BlockingOrder.Status.EXPIRED: _("This order is expired."),
        BlockingOrder.Status.WITHDRAWN: _("This order is withdrawn."),
    }
    return refusals[status]


def order_amend(
    *,
    actor: Actor,
    order: BlockingOrder,
    targets: list[TargetInput],
    deadline: datetime | None = None,
    override_protected: bool = False,
    justification: str = "",
) -> list[OrderTarget]:
    """Adds targets. Once ISPs were told, each is told again and must comply again by the
    new deadline (by default as long after now as the first deadline was after issue)."""
    _issuer_only(actor, order)
    sent, targets = targets, _dedupe(targets)
    # The slow part (100,000 targets take seconds) before any lock is taken.
    checked = services.check_targets(targets, order.issuer) if targets else OrderCheck([], {})
    with transaction.atomic():
        now = feed_write_moment()
        order = _locked(order)
        _require_in_force(order, now, allow_pending=True)
        existing = set(order.targets.filter(lifted_at__isnull=True).values_list("kind", "value"))
        new = [t for t in targets if (t.kind, t.value) not in existing]
        errors: dict = {}
        if not targets:
            errors["targets"] = [_("Name at least one target to add.")]
        total = order.targets.count() + len(new)
        if total > MAX_TARGETS:
            errors["targets"] = [_too_many_targets()]
        if deadline is not None and deadline <= now:
            errors["deadline"] = [_("The compliance deadline must be in the future.")]
        fresh = {(t.kind, t.value) for t in new}
        check = OrderCheck(
            protected=[h for h in checked.protected if (h.kind, h.value) in fresh],
            warnings=checked.warnings,
        )
        probe = OrderInput(
            reference="",
            legal_basis="",
            country="",
            targets=new,
            deadline=now,
            override_protected=override_protected,
            justification=justification,
        )
        _check_override(probe, check.protected, errors, sent)
        if errors:
            raise InvalidOrder(errors)
        hits = {(h.kind, h.value): h for h in check.protected}
        # A lifted entry added again is a new row: the old one keeps its history (deltas).
        added = services._add_targets(order, new, hits, check.warnings, now)
        order.changed_at = now
        fields = ["changed_at"]
        if override_protected and check.protected:
            order.override_protected = True
            note = justification.strip()
            order.justification = f"{order.justification}\n{note}".strip()
            fields += ["override_protected", "justification"]
        announced = order.announced_at is not None
        if announced:
            order.deadline = deadline or now + max(order.deadline - order.issued_at, timedelta(0))
            fields.append("deadline")
        elif deadline is not None:
            order.deadline = deadline
            fields.append("deadline")
        order.save(update_fields=fields)
        audit(
            actor=actor,
            action="blocking_order.amended",
            obj=order,
            data={"added": [f"{t.kind}:{t.value}" for t in new][:1000], "count": len(new)},
        )
        if announced and new:
            _renotify(order, now)
            publish(
                type=OrderEvent.AMENDED,
                actor_org=order.issuer,
                subject_ids=[order.pk],
                data={"added": len(new)},
                urgent=order.deadline - now <= URGENT_WINDOW,
            )
    return added


def _renotify(order: BlockingOrder, now: datetime) -> None:
    rows = list(order.compliance.all())
    Compliance.objects.filter(order=order).update(
        state=Compliance.State.NOTIFIED,
        notified_at=now,
        acknowledged_at=None,
        implemented_at=None,
        rejected_at=None,
        reason="",
        reason_detail="",
        overdue_at=None,
    )
    ComplianceStep.objects.bulk_create(
        ComplianceStep(compliance=c, state=Compliance.State.NOTIFIED, at=now, detail="amended")
        for c in rows
    )


def order_lift(
    *, actor: Actor, order: BlockingOrder, targets: list[TargetInput] | None = None
) -> BlockingOrder:
    """Lifts the whole order, or some of its targets (an order whose last target is lifted is
    lifted as a whole)."""
    _issuer_only(actor, order)
    with transaction.atomic():
        now = feed_write_moment()
        order = _locked(order)
        _require_in_force(order, now)
        if order.announced_at is None:
            # Lifted after its grace window but before the announcement ran: announce it
            # first, so that no ISP hears of a lift of an order it was never told of.
            _announce(order, now)
        live = order.targets.filter(lifted_at__isnull=True)
        if targets:
            wanted = {(t.kind, t.value) for t in targets}
            present = set(live.values_list("kind", "value"))
            unknown = sorted(f"{k}:{v}" for k, v in wanted - present)
            if unknown:
                message = _("Not in force in this order: %(targets)s.") % {
                    "targets": ", ".join(unknown[:20])
                }
                raise InvalidOrder({"targets": [message]})
            ids = [
                pk
                for pk, kind, value in live.values_list("pk", "kind", "value")
                if (kind, value) in wanted
            ]
            OrderTarget.objects.filter(pk__in=ids).update(lifted_at=now)
            whole = not order.targets.filter(lifted_at__isnull=True).exists()
            lifted = [f"{k}:{v}" for k, v in sorted(wanted)]
            if not whole:
                # The target an ISP had left unanswered may be the one lifted: its answers
                # about the others may now be complete.
                settle_after_lift(order, now)
        else:
            live.update(lifted_at=now)
            whole = True
            lifted = []
        order.changed_at = now
        fields = ["changed_at"]
        if whole:
            order.lifted_at = now
            order.end_announced_at = now
            fields += ["lifted_at", "end_announced_at"]
        order.save(update_fields=fields)
        audit(
            actor=actor,
            action="blocking_order.lifted",
            obj=order,
            data={"whole": whole, "targets": lifted[:1000]},
        )
        publish(
            type=OrderEvent.LIFTED,
            actor_org=order.issuer,
            subject_ids=[order.pk],
            data={"whole": whole, "targets": lifted[:1000]},
        )
    return order


def order_renew(
    *, actor: Actor, order: BlockingOrder, valid_until: datetime | None = None, note: str = ""
) -> OrderRenewal:
    """Extends an order in force: to `valid_until`, or by the lapse period from now."""
    _issuer_only(actor, order)
    now = timezone.now()
    with transaction.atomic():
        order = _locked(order)
        _require_in_force(order, now, allow_pending=True)
        new_end = valid_until or now + _lapse()
        if new_end <= order.ends_at:
            message = _("A renewal must end after the current end (%(end)s UTC).") % {
                "end": formats.date_format(order.ends_at.astimezone(UTC), "SHORT_DATETIME_FORMAT")
            }
            raise InvalidOrder({"valid_until": [message]})
        renewal = OrderRenewal.objects.create(
            order=order,
            renewed_at=now,
            previous_end=order.ends_at,
            new_end=new_end,
            note=note,
            by_user=actor.user,
            by_key=actor.api_key,
        )
        order.ends_at = new_end
        if valid_until is not None:
            order.valid_until = valid_until
        order.save(update_fields=["ends_at", "valid_until"])
        audit(
            actor=actor,
            action="blocking_order.renewed",
            obj=order,
            data={"previous_end": renewal.previous_end.isoformat(), "new_end": new_end.isoformat()},
        )
    return renewal
