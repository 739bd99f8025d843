"""Issuing a blocking order: who may issue, the checks of an order (country, ISPs, dates,
the protected list), the insert, and its announcement to the ISPs once the grace window
is over."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members.models import Organization
from members.services import Actor, audit
from notifications.outbox import publish
from reports.models import Report

# check_targets and _add_targets are looked up on the package, `enforcement.services`,
# where callers (and tests) see them and may replace them.
from .. import services
from ..events import OrderEvent
from ..models import (
    BlockingOrder,
    Compliance,
    ComplianceStep,
    OrderTarget,
)
from ..safeguards import ProtectedHit, load_protected_rules, protected_hits, warnings_for
from ..selectors import feed_write_moment
from .inputs import (
    AUTHORITY_KINDS,
    MAX_TARGETS,
    MIN_JUSTIFICATION,
    URGENT_WINDOW,
    DuplicateReference,
    InvalidOrder,
    OrderCheck,
    OrderInput,
    TargetInput,
)

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
    check = services.check_targets(data.targets, issuer) if data.targets else OrderCheck([], {})
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
        services._add_targets(order, data.targets, hits, check.warnings, now)
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
            from ..tasks import announce_order

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
        type=OrderEvent.ISSUED,
        actor_org=order.issuer,
        subject_ids=[order.pk],
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


def _too_many_targets() -> str:
    return _("At most %(count)s targets per order.") % {"count": f"{MAX_TARGETS:,}"}
