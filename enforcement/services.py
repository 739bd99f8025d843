"""Writes on blocking orders. Serializers and forms check shapes and normalise values; the rules
(who may issue, for which country, which ISPs, the protected list, the workflow) live here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hub.models import Event, publish
from members.models import Organization
from members.services import Actor, audit
from reports.models import Report

from .models import (
    BlockingOrder,
    Compliance,
    ComplianceStep,
    OrderRenewal,
    OrderTarget,
)
from .safeguards import ProtectedHit, load_protected_rules, protected_hits, warnings_for
from .selectors import feed_write_moment

AUTHORITY_KINDS = frozenset({Organization.Kind.REGULATOR, Organization.Kind.LAW_ENFORCEMENT})
MAX_TARGETS = 100_000
# An order whose ISPs must act within this long is a live-event order: its events go first.
URGENT_WINDOW = timedelta(hours=2)
MIN_JUSTIFICATION = 20


class InvalidOrder(Exception):
    """Field errors, nested like DRF's (``{"targets": {3: {"value": [...]}}}``)."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


class OrderStateError(Exception):
    """A step the order's (or the ISP's) current state does not allow; answered 409."""


class DuplicateReference(OrderStateError):
    """Another request by the same issuer stored an order with this reference first (the
    check before the insert cannot see a concurrent one; the unique constraint does)."""


@dataclass(frozen=True)
class TargetInput:
    kind: str
    value: str  # normalised (reports.indicators.normalise)


@dataclass
class OrderInput:
    reference: str
    legal_basis: str
    country: str
    targets: list[TargetInput]
    deadline: datetime
    valid_until: datetime | None = None
    reports: list[int] = field(default_factory=list)
    isps: list[Organization] | None = None  # None: every telco member of the country
    confidential: bool = False
    override_protected: bool = False
    justification: str = ""


@dataclass
class OrderCheck:
    """What the issuer should see before issuing: blocking problems and warnings."""

    protected: list[ProtectedHit]
    warnings: dict[tuple[str, str], list[str]]


# ---------------------------------------------------------------------------- issuing


def _lapse() -> timedelta:
    return timedelta(days=settings.BLOCKING_ORDER_LAPSE_DAYS)


def may_issue(org: Organization | None) -> bool:
    return org is not None and org.kind in AUTHORITY_KINDS and not org.is_suspended


def default_isps(country: str):
    return Organization.objects.active().filter(kind=Organization.Kind.TELCO, country=country)


def _dedupe(targets: list[TargetInput]) -> list[TargetInput]:
    return list({(t.kind, t.value): t for t in targets}.values())


def check_targets(targets: list[TargetInput], issuer: Organization) -> OrderCheck:
    """The protected-list refusals and the warnings for `targets`; the shared-hosting evidence
    comes only from reports the issuer may see (it is shown to the issuer)."""
    pairs = [(t.kind, t.value) for t in targets]
    return OrderCheck(
        protected=protected_hits(pairs, load_protected_rules()),
        warnings=warnings_for(pairs, issuer),
    )


def _protected_errors(targets: list[TargetInput], hits: list[ProtectedHit]) -> dict:
    """Errors keyed by the position of each target as the caller sent it (duplicates and all),
    so that `/targets/<i>/value` points at what the caller wrote."""
    by_value: dict[tuple[str, str], ProtectedHit] = {(h.kind, h.value): h for h in hits}
    return {
        i: {
            "value": [
                _(
                    "%(reason)s: it can be ordered only with an explicit override of the "
                    "protected list and a justification."
                )
                % {"reason": by_value[(t.kind, t.value)].reason}
            ]
        }
        for i, t in enumerate(targets)
        if (t.kind, t.value) in by_value
    }


def _check_override(
    data: OrderInput, hits: list[ProtectedHit], errors: dict, sent: list[TargetInput]
) -> None:
    if hits and not data.override_protected:
        errors["targets"] = _protected_errors(sent, hits)
    if data.override_protected and len(data.justification.strip()) < MIN_JUSTIFICATION:
        errors["justification"] = [
            _(
                "Overriding the protected list needs a justification of at least "
                "%(count)s characters; it is recorded with the order."
            )
            % {"count": MIN_JUSTIFICATION}
        ]


def _check_isps(data: OrderInput, errors: dict) -> list[Organization]:
    if data.isps is None:
        isps = list(default_isps(data.country))
        if not isps:
            errors["isps"] = [
                _("No active telco member in %(country)s to address.") % {"country": data.country}
            ]
        return isps
    wrong = sorted(
        o.slug
        for o in data.isps
        if o.kind != Organization.Kind.TELCO or o.country != data.country or o.is_suspended
    )
    if wrong:
        errors["isps"] = [
            _("Not active telco members in %(country)s: %(slugs)s.")
            % {"country": data.country, "slugs": ", ".join(wrong)},
        ]
    if not data.isps:
        errors["isps"] = [_("Address at least one ISP, or leave it out to address them all.")]
    return list({o.pk: o for o in data.isps}.values())


def _check_dates(data: OrderInput, now: datetime, errors: dict) -> None:
    if data.deadline <= now:
        errors["deadline"] = [_("The compliance deadline must be in the future.")]
    if data.valid_until is not None:
        if data.valid_until <= now:
            errors["valid_until"] = [_("The order must end in the future.")]
        elif data.valid_until <= data.deadline:
            errors["valid_until"] = [_("The order would end before the ISPs must comply.")]


def order_issue(*, actor: Actor, data: OrderInput) -> BlockingOrder:
    issuer = actor.organization
    if not may_issue(issuer):
        raise PermissionDenied(
            _("Only a regulator or law-enforcement member issues blocking orders.")
        )
    now = timezone.now()
    sent = data.targets
    data.targets = _dedupe(sent)
    errors: dict = {}
    if data.country != issuer.country:
        errors["country"] = [
            _("You may issue orders only for your country (%(country)s).")
            % {"country": issuer.country}
        ]
    if not data.targets:
        errors["targets"] = [_("An order needs at least one target.")]
    elif len(data.targets) > MAX_TARGETS:
        errors["targets"] = [_too_many_targets()]
    if not data.reference.strip():
        errors["reference"] = [_("A reference is required.")]
    elif BlockingOrder.objects.filter(issuer=issuer, reference=data.reference.strip()).exists():
        errors["reference"] = [_("You already issued an order with this reference.")]
    if not data.legal_basis.strip():
        errors["legal_basis"] = [_("Name the legal basis of the order.")]
    _check_dates(data, now, errors)
    isps = _check_isps(data, errors)
    visible = set(
        Report.objects.visible_to(issuer).filter(pk__in=data.reports).values_list("pk", flat=True)
    )
    # "Not visible" and "does not exist" read the same: reports are private to the policy.
    missing = sorted(set(data.reports) - visible)
    if missing:
        errors["reports"] = [_("Unknown reports: %(ids)s.") % {"ids": ", ".join(map(str, missing))}]
    check = check_targets(data.targets, issuer) if data.targets else OrderCheck([], {})
    _check_override(data, check.protected, errors, sent)
    if errors:
        raise InvalidOrder(errors)

    grace = timedelta(seconds=settings.BLOCKING_ORDER_GRACE_SECONDS)
    hits = {(h.kind, h.value): h for h in check.protected}
    with transaction.atomic():
        now = feed_write_moment()
        issued_at = now + grace
        try:
            order = BlockingOrder.objects.create(
                issuer=issuer,
                reference=data.reference.strip(),
                legal_basis=data.legal_basis.strip(),
                country=data.country,
                deadline=data.deadline,
                valid_until=data.valid_until,
                issued_at=issued_at,
                ends_at=data.valid_until or issued_at + _lapse(),
                changed_at=now,
                confidential=data.confidential,
                override_protected=data.override_protected,
                justification=data.justification.strip() if data.override_protected else "",
                created_at=now,
                created_by=actor.user,
                created_by_key=actor.api_key,
            )
        except IntegrityError as e:
            if _violated_constraint(e) == "one_order_per_reference":
                raise DuplicateReference(
                    _("You already issued an order with this reference.")
                ) from e
            raise
        order.reports.set(sorted(visible))
        _add_targets(order, data.targets, hits, check.warnings, now)
        compliance = Compliance.objects.bulk_create(
            Compliance(order=order, isp=isp, notified_at=issued_at) for isp in isps
        )
        ComplianceStep.objects.bulk_create(
            ComplianceStep(compliance=c, state=Compliance.State.NOTIFIED, at=issued_at)
            for c in compliance
        )
        audit(
            actor=actor,
            action="blocking_order.issued",
            obj=order,
            data={
                "targets": len(data.targets),
                "isps": sorted(o.slug for o in isps),
                "override_protected": sorted(h.value for h in check.protected),
            },
        )
        if not grace:
            _announce(order, now)
        else:
            from .tasks import announce_order

            transaction.on_commit(
                lambda: announce_order.apply_async(
                    args=[order.pk], countdown=grace.total_seconds(), queue="urgent", retry=False
                ),
                robust=True,
            )
    return order


def _violated_constraint(error: IntegrityError) -> str | None:
    return getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)


def _add_targets(
    order: BlockingOrder,
    targets: list[TargetInput],
    hits: dict[tuple[str, str], ProtectedHit],
    warnings: dict[tuple[str, str], list[str]],
    now: datetime,
) -> list[OrderTarget]:
    # The safeguards' words are lazy (read in the language of whoever reads them); what the
    # order keeps is English, the API's language, whichever language the issuer's page spoke.
    with translation.override("en"):
        return OrderTarget.objects.bulk_create(
            [
                OrderTarget(
                    order=order,
                    kind=t.kind,
                    value=t.value,
                    added_at=now,
                    protected_match=str(hits[(t.kind, t.value)].reason)[:300]
                    if (t.kind, t.value) in hits
                    else "",
                    warnings=[str(w) for w in warnings.get((t.kind, t.value), [])],
                )
                for t in targets
            ],
            batch_size=5000,
        )


def is_urgent(order: BlockingOrder) -> bool:
    return order.deadline - order.issued_at <= URGENT_WINDOW


def _announce(order: BlockingOrder, now: datetime) -> None:
    """Tells the ISPs (once): called at issue when there is no grace window, else by a task."""
    order.announced_at = now
    order.save(update_fields=["announced_at"])
    publish(
        type=Event.Type.BLOCKING_ORDER_ISSUED,
        actor_org=order.issuer,
        order=order,
        urgent=is_urgent(order),
    )


def order_announce(order_id: int, *, now: datetime | None = None) -> bool:
    """Announces an order whose grace window is over; safe to run twice or concurrently."""
    now = now or timezone.now()
    with transaction.atomic():
        order = (
            BlockingOrder.objects.select_for_update(skip_locked=True)
            .filter(
                pk=order_id,
                announced_at__isnull=True,
                withdrawn_at__isnull=True,
                issued_at__lte=now,
            )
            .first()
        )
        if order is None:
            return False
        if order.status_at(now) != BlockingOrder.Status.IN_FORCE:
            # Lifted or ended before the announcement ran: its lift or end is announced instead.
            order.announced_at = now
            order.end_announced_at = order.end_announced_at or now
            order.save(update_fields=["announced_at", "end_announced_at"])
            return False
        _announce(order, now)
    return True


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


def _too_many_targets() -> str:
    return _("At most %(count)s targets per order.") % {"count": f"{MAX_TARGETS:,}"}


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
    checked = check_targets(targets, order.issuer) if targets else OrderCheck([], {})
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
        added = _add_targets(order, new, hits, check.warnings, now)
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
                type=Event.Type.BLOCKING_ORDER_AMENDED,
                actor_org=order.issuer,
                order=order,
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
            type=Event.Type.BLOCKING_ORDER_LIFTED,
            actor_org=order.issuer,
            order=order,
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
                "end": f"{order.ends_at:%Y-%m-%d %H:%M}"
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


# ---------------------------------------------------------------------------- the hub's sweeps


def orders_announce_due(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    due = BlockingOrder.objects.filter(
        announced_at__isnull=True, withdrawn_at__isnull=True, issued_at__lte=now
    ).values_list("pk", flat=True)[:500]
    return sum(order_announce(pk, now=now) for pk in due)


def orders_flag_overdue(*, now: datetime | None = None) -> int:
    """Publishes one `blocking_order.overdue` per ISP that has not implemented (or rejected)
    an order in force by its deadline; once per round (an amendment starts a new round)."""
    now = now or timezone.now()
    flagged = 0
    with transaction.atomic():
        rows = list(
            Compliance.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("order", "isp")
            .filter(
                state__in=[Compliance.State.NOTIFIED, Compliance.State.ACKNOWLEDGED],
                overdue_at__isnull=True,
                order__deadline__lt=now,
                order__announced_at__isnull=False,
            )
            .filter(order__in=BlockingOrder.objects.in_force(now))[:500]
        )
        for row in rows:
            row.overdue_at = now
            row.save(update_fields=["overdue_at"])
            publish(
                type=Event.Type.BLOCKING_ORDER_OVERDUE,
                order=row.order,
                data={"isp_id": row.isp_id, "isp": row.isp.slug},
                urgent=is_urgent(row.order),
            )
            flagged += 1
    return flagged


def orders_announce_ended(*, now: datetime | None = None) -> int:
    """Orders that reached their end (valid_until, or the lapse period) are announced as
    lifted, to ISPs and issuer alike. (The blocklists drop them at that moment anyway: they
    are computed from the timestamps, not from this.)"""
    now = now or timezone.now()
    count = 0
    with transaction.atomic():
        orders = list(
            BlockingOrder.objects.select_for_update(skip_locked=True).filter(
                end_announced_at__isnull=True,
                withdrawn_at__isnull=True,
                announced_at__isnull=False,
                ends_at__lte=now,
            )[:500]
        )
        for order in orders:
            order.end_announced_at = now
            order.save(update_fields=["end_announced_at"])
            publish(
                type=Event.Type.BLOCKING_ORDER_LIFTED,
                order=order,
                data={"whole": True, "expired": True},
            )
            count += 1
    return count
