"""Third parties' unblock requests, and the issuers' answers (docs/contract.md, "Unblock
requests").

A request comes from the public form and gets a reference the requester follows it by
(`transparency.requests`). It is routed to the issuer of every order in force that covers the
name, one `UnblockReview` each: at once for the orders in the register, whose issuers answer
the requester; by the sweeper, after the answer has gone back, for confidential orders, whose
issuers must still review. So the page, the e-mail and the time the requester waits are made
of what the register shows, and the answer for a name only a confidential order covers is the
answer for a name no order covers. The issuer upholds (the matching entries of its order are
lifted) or dismisses; the requester is told by e-mail when the order is in the register
(`unblock_mail`), and hears nothing more when it is confidential (anyone may file a request,
so any later word would reveal the order).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.mail import mail_language
from members.models import Organization
from members.services import Actor, audit
from notifications.outbox import publish
from reports.indicators import IndicatorError

from . import unblock_mail
from .events import OrderEvent
from .models import BlockingOrder, OrderTarget, UnblockRequest, UnblockReview
from .services import OrderStateError, TargetInput, order_lift
from .transparency import Lookup, blocking_condition, lookup_of, parse_lookup
from .transparency.requests import new_reference, published_orders_covering

# Requests routed to confidential orders per sweep (enforcement.tasks.sweep_orders, every 5 s).
ROUTE_BATCH = 200

MIN_ANSWER = 10


class Relation(models.TextChoices):
    """How the requester relates to the blocked name (kept on the request as text)."""

    SITE_OWNER = "site_owner", gettext_lazy("Site owner or operator")
    HOSTING_PROVIDER = "hosting_provider", gettext_lazy("Hosting provider")
    OTHER = "other", gettext_lazy("Other")


class Decision(models.TextChoices):
    UPHELD = UnblockRequest.Status.UPHELD.value, gettext_lazy("Upheld: unblock")
    DISMISSED = UnblockRequest.Status.DISMISSED.value, gettext_lazy("Dismissed: the block stays")


@dataclass(frozen=True)
class UnblockInput:
    name: str
    email: str
    value: str  # a domain, URL or IP address as typed; normalised here
    message: str
    relation: str = Relation.OTHER
    organization: str = ""
    # The language of the page it was filed from (the requester's e-mails use it); the hub's
    # default when empty.
    language: str = ""


def answer_due(now: datetime) -> datetime:
    return now + timedelta(days=settings.UNBLOCK_ANSWER_DAYS)


# ---------------------------------------------------------------------------- the request


def _lookup(value: str) -> Lookup:
    try:
        return parse_lookup(value)
    except IndicatorError as e:
        message = _("Not a domain, URL or IP address: %(error)s.") % {"error": e}
        raise ValidationError({"value": [message]}) from e


def _check(data: UnblockInput) -> Lookup:
    lookup = _lookup(data.value)
    errors: dict[str, list[str]] = {}
    if data.relation not in Relation.values:
        errors["relation"] = [_("One of: %(values)s.") % {"values": ", ".join(Relation.values)}]
    for field in ("name", "email", "message"):
        if not getattr(data, field).strip():
            errors[field] = [_("This field is required.")]
    if "email" not in errors:
        try:
            validate_email(data.email.strip())
        except ValidationError as e:
            errors["email"] = e.messages
    if errors:
        raise ValidationError(errors)
    return lookup


def _unused_reference() -> str:
    # 40 random bits: a clash is all but impossible, and the unique index catches the rest.
    reference = new_reference()
    while UnblockRequest.objects.filter(reference=reference).exists():
        reference = new_reference()
    return reference


def _open_reviews(request: UnblockRequest, orders: list[BlockingOrder]) -> list[UnblockReview]:
    """One open review per order for `request`, except where the same address's earlier
    request about the same name is still open before that order's issuer: no second review
    then (the request joins the open one, which answers it too)."""
    pending = {
        review.order_id: review
        for review in UnblockReview.objects.filter(
            order__in=orders,
            status=UnblockRequest.Status.OPEN,
            request__value=request.value,
            request__requester_email__iexact=request.requester_email,
        ).exclude(request=request)
    }
    for review in pending.values():
        review.repeated_by.add(request)
    due = answer_due(request.created_at)
    reviews = UnblockReview.objects.bulk_create(
        UnblockReview(request=request, order=order, answer_due=due)
        for order in orders
        if order.pk not in pending
    )
    for review in reviews:
        publish(
            type=OrderEvent.UNBLOCK_REQUESTED,
            subject_ids=[review.order_id],
            data={"review_id": review.pk},
        )
    return reviews


def request_submit(*, data: UnblockInput) -> UnblockRequest:
    """Records the request and opens a review for each order in the register that covers the
    name (its issuer is told: an inbox item and a webhook). Confidential orders are left to
    `requests_route_pending`: nothing done here, nor how long it takes, depends on them. The
    requester's acknowledgment is in the language they filed in."""
    lookup = _check(data)
    now = timezone.now()
    with transaction.atomic():
        request = UnblockRequest.objects.create(
            value=lookup.value,
            kind=lookup.kind,
            requester_name=data.name.strip(),
            requester_email=data.email.strip(),
            requester_organization=data.organization.strip(),
            relation=data.relation,
            message=data.message.strip(),
            language=mail_language(data.language),
            created_at=now,
            reference=_unused_reference(),
        )
        published = published_orders_covering(lookup, at=now)
        reviews = _open_reviews(request, published)
        audit(
            actor=Actor.system(),
            action="unblock.requested",
            obj=request,
            data={"value": lookup.value, "reviews": [r.pk for r in reviews]},
        )
        due = answer_due(now)
        transaction.on_commit(
            lambda: unblock_mail.acknowledge(request, published=published, due=due), robust=True
        )
    return request


def requests_route_pending(*, limit: int = ROUTE_BATCH) -> int:
    """Routes the requests filed since the last sweep to the issuers of the confidential orders
    in force when each was filed (run by `sweep_orders`, after the requester's answer has gone:
    the form's reply time owes nothing to them). Safe to run twice at once: each request is
    claimed with SKIP LOCKED and marked routed in the same transaction."""
    with transaction.atomic():
        pending = list(
            UnblockRequest.objects.select_for_update(skip_locked=True)
            .filter(routed_at__isnull=True)
            .order_by("created_at", "pk")[:limit]
        )
        for request in pending:
            lookup = lookup_of(request.kind, request.value)
            entries = OrderTarget.objects.in_force(request.created_at).filter(
                blocking_condition(lookup), order__confidential=True
            )
            orders = list(
                BlockingOrder.objects.filter(pk__in=entries.values("order_id")).order_by("pk")
            )
            reviews = _open_reviews(request, orders) if orders else []
            if reviews:
                audit(
                    actor=Actor.system(),
                    action="unblock.routed",
                    obj=request,
                    data={"reviews": [r.pk for r in reviews]},
                )
        UnblockRequest.objects.filter(pk__in=[r.pk for r in pending]).update(
            routed_at=timezone.now()
        )
    return len(pending)


# ---------------------------------------------------------------------------- the answer


def matching_entries(review: UnblockReview):
    """The entries of the review's order that block what the request is about, lifted ones
    included (the page shows what an answer lifted)."""
    lookup = lookup_of(review.request.kind, review.request.value)
    return review.order.targets.filter(blocking_condition(lookup)).order_by(
        "kind", "value", "added_at"
    )


def _lift_matching(actor: Actor, review: UnblockReview, now: datetime) -> list[str]:
    live = matching_entries(review).filter(pk__in=OrderTarget.objects.in_force(now).values("pk"))
    targets = list(dict.fromkeys(TargetInput(t.kind, t.value) for t in live))
    if not targets:
        return []  # the order ended, or the entries were lifted already: nothing to undo
    order_lift(actor=actor, order=review.order, targets=targets)
    return [f"{t.kind}:{t.value}" for t in targets]


def review_answer(
    *, actor: Actor, review: UnblockReview, decision: str, answer: str
) -> UnblockReview:
    """The issuer's answer. Upholding lifts the order's entries that cover the name (through
    `order_lift`, so the ISPs' blocklists drop them and the ISPs are told); either way the
    requester is e-mailed the decision and the answer, unless the order is confidential."""
    org: Organization | None = actor.organization
    if org is None or org.pk != review.order.issuer_id:
        raise PermissionDenied(_("Only the issuing authority answers an unblock request."))
    errors: dict[str, list[str]] = {}
    if decision not in Decision.values:
        errors["decision"] = [_("One of: %(values)s.") % {"values": ", ".join(Decision.values)}]
    if len(answer.strip()) < MIN_ANSWER:
        errors["answer"] = [
            (
                _("Give your reasons, in %(count)s characters or more: they stay on record.")
                if review.order.confidential
                else _("Tell the requester why, in %(count)s characters or more: they receive it.")
            )
            % {"count": MIN_ANSWER}
        ]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        # Two answers at once (two people, or a retried request): the second sees the first.
        review = (
            UnblockReview.objects.select_for_update(of=("self",))
            .select_related("request", "order__issuer")
            .get(pk=review.pk)
        )
        if review.status != UnblockRequest.Status.OPEN:
            raise OrderStateError(
                _("This unblock request was already answered (%(status)s).")
                % {"status": review.get_status_display()}
            )
        lifted = _lift_matching(actor, review, now) if decision == Decision.UPHELD else []
        review.status = decision
        review.answer = answer.strip()
        review.answered_at = now
        review.answered_by = actor.user
        review.answered_by_key = actor.api_key
        review.save(
            update_fields=["status", "answer", "answered_at", "answered_by", "answered_by_key"]
        )
        audit(
            actor=actor,
            action="blocking_order.unblock_answered",
            obj=review.order,
            data={"review": review.pk, "decision": decision, "lifted": lifted[:1000]},
        )
        transaction.on_commit(lambda: unblock_mail.tell_answer(review), robust=True)
    return review


# ---------------------------------------------------------------------------- the issuer's reads


def reviews_for(org: Organization | None):
    """The reviews `org` must answer: those about the orders it issued. Anyone else's are
    absent (404, as for a review that does not exist). Open ones first, soonest due first."""
    if org is None:
        return UnblockReview.objects.none()
    return (
        UnblockReview.objects.filter(order__issuer=org)
        .select_related("request", "order")
        .annotate(
            answered=Case(
                When(status=UnblockRequest.Status.OPEN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("answered", "answer_due", "-answered_at", "-pk")
    )
