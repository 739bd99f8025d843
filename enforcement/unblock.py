"""Third parties' unblock requests, and the issuers' answers (docs/contract.md, "Blocking orders":
unblock requests from anyone, reviewed by the issuer).

A request comes from the public form. It is routed to the issuer of every order in force that
covers the name, confidential orders included (the issuer must still review), one
`UnblockReview` each. What the requester is told does not depend on whether any order matched:
the form must not reveal a confidential order. The issuer upholds (the matching entries of its
order are lifted) or dismisses; the requester is told by e-mail when the order is a public one,
and hears nothing more than the acknowledgment when it is confidential, exactly as when no
order covers the name (anyone may file a request, so any later word would reveal the order).
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

from kernel.mail import Compose, mail_date, mail_language, send_composed, subject_line
from members.models import Organization
from members.services import Actor, audit
from notifications.outbox import publish
from reports.indicators import IndicatorError

from .events import OrderEvent
from .models import BlockingOrder, OrderTarget, UnblockRequest, UnblockReview
from .services import OrderStateError, TargetInput, order_lift
from .transparency import Lookup, blocking_condition, lookup_of, parse_lookup

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


def covering_orders(lookup: Lookup, *, at: datetime) -> list[BlockingOrder]:
    """Every order in force at `at` with an entry that blocks what `lookup` names,
    confidential ones included: for routing only, never shown to the public."""
    entries = OrderTarget.objects.in_force(at).filter(blocking_condition(lookup))
    return list(BlockingOrder.objects.filter(pk__in=entries.values("order_id")).order_by("pk"))


def request_submit(*, data: UnblockInput) -> UnblockRequest:
    """Records the request, opens one review per order in force that covers the name and tells
    each issuer (an inbox item and a webhook). The requester's acknowledgment reads the same
    whatever matched, in the language they filed in."""
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
    now = timezone.now()
    due = answer_due(now)
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
        )
        orders = covering_orders(lookup, at=now)
        # The same person asking again about the same name opens no second review of an order
        # whose issuer has yet to answer the first.
        pending = set(
            UnblockReview.objects.filter(
                order__in=orders,
                status=UnblockRequest.Status.OPEN,
                request__value=lookup.value,
                request__requester_email__iexact=request.requester_email,
            ).values_list("order_id", flat=True)
        )
        reviews = UnblockReview.objects.bulk_create(
            UnblockReview(request=request, order=order, answer_due=due)
            for order in orders
            if order.pk not in pending
        )
        for review in reviews:
            publish(
                type=OrderEvent.UNBLOCK_REQUESTED,
                subject_ids=[review.order.pk],
                data={"review_id": review.pk},
            )
        audit(
            actor=Actor.system(),
            action="unblock.requested",
            obj=request,
            data={"value": lookup.value, "reviews": [r.pk for r in reviews]},
        )
        transaction.on_commit(lambda: _acknowledge(request, due), robust=True)
    return request


def _to_requester(request: UnblockRequest, compose: Compose) -> None:
    # The requester has no time zone the hub knows: dates are UTC days, and say so.
    send_composed(
        to=[request.requester_email],
        compose=compose,
        language=request.language,
        fail_silently=True,
    )


def _about(request: UnblockRequest) -> str:
    return subject_line(_("Your unblock request about %(value)s") % {"value": request.value})


def _acknowledge(request: UnblockRequest, due: datetime) -> None:
    def compose() -> tuple[str, str]:
        return _about(request), _(
            "Dear %(name)s,\n\n"
            "We received your request of %(date)s to unblock %(value)s.\n\n"
            "If an order published in the transparency register covers this name, its issuing "
            "authority will answer by %(due)s at this address. Orders kept out of the register "
            "are reviewed by their issuing authority too, but their outcome is not sent to you."
            "\n\n"
            "Atalaya transparency register\n"
        ) % {
            "name": request.requester_name,
            "date": mail_date(request.created_at),
            "value": request.value,
            "due": mail_date(due),
        }

    _to_requester(request, compose)


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
        transaction.on_commit(lambda: _tell_requester(review), robust=True)
    return review


def _tell_requester(review: UnblockReview) -> None:
    request, order = review.request, review.order
    if order.confidential:
        # Anyone may file a request, and a name no order covers gets the acknowledgment and
        # nothing after it: any later word (even "it was reviewed", or its timing) would tell
        # the requester that a confidential order covers the name. The acknowledgment said
        # that the outcome of such an order is not sent.
        return

    def answered() -> tuple[str, str]:
        upheld = review.status == UnblockRequest.Status.UPHELD
        where = {"value": request.value}
        subject = (
            _("Your unblock request about %(value)s: upheld")
            if upheld
            else _("Your unblock request about %(value)s: dismissed")
        ) % where
        outcome = (
            _("Your request is upheld: the blocking order no longer covers this name.")
            if upheld
            else _("Your request is dismissed: the block stays.")
        )
        body = _(
            "Dear %(name)s,\n\n"
            "%(issuer)s (order %(reference)s) has answered your request of %(date)s to unblock "
            "%(value)s.\n\n"
            "%(outcome)s\n\n%(answer)s\n\n"
            "Atalaya transparency register\n"
        ) % {
            "name": request.requester_name,
            "issuer": order.issuer.name,
            "reference": order.reference,
            "date": mail_date(request.created_at),
            "value": request.value,
            "outcome": outcome,
            "answer": review.answer,
        }
        return subject_line(subject), body

    _to_requester(request, answered)


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
