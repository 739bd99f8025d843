"""Who is told of a blocking-order event and what the webhook carries: registered with the
notifications app (apps.py), which does the inbox, e-mail and webhook plumbing."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from members.models import Organization
from notifications.models import Event
from notifications.registry import Audience, InboxSubject, kinds_of

from .events import OrderEvent
from .models import BlockingOrder, Compliance, UnblockReview


def _recipients(event: Event) -> list[Organization]:
    order = BlockingOrder.objects.filter(pk=event.subject_id).first()
    if order is None or order.withdrawn_at is not None:
        return []
    active = Organization.objects.active()
    if event.type == OrderEvent.UNBLOCK_REQUESTED:
        return list(active.filter(pk=order.issuer_id))
    if event.type == OrderEvent.OVERDUE:
        # The late ISP and the issuer, each told the same.
        return list(active.filter(pk__in=[order.issuer_id, event.data.get("isp_id")]))
    isps = Compliance.objects.filter(order=order).values("isp_id")
    orgs = active.filter(pk__in=isps)
    if event.actor_org_id is None:
        # The hub acted (an order lapsed): the issuer hears it too.
        orgs = active.filter(pk__in=isps) | active.filter(pk=order.issuer_id)
    return list(orgs.exclude(pk=event.actor_org_id).distinct())


def audience(event: Event) -> list[Audience]:
    return [Audience(org) for org in _recipients(event)]


def payload(event: Event, org: Organization) -> dict | None:
    from .api.serializers import BlockingOrderSerializer
    from .selectors import visible_orders

    order = visible_orders(org).filter(pk=event.subject_id).first()
    if order is None:
        return None
    data = BlockingOrderSerializer(order, context={"organization": org}).data
    if event.type == OrderEvent.OVERDUE:
        return {**data, "overdue_isp": event.data.get("isp")}
    if event.type == OrderEvent.UNBLOCK_REQUESTED:
        review = UnblockReview.objects.filter(pk=event.data.get("review_id")).first()
        if review is None:
            return None
        return {
            "order": data,
            "unblock_request": {
                "id": review.pk,
                "value": review.request.value,
                "answer_due": review.answer_due.isoformat(),
            },
        }
    return data


def describe(org: Organization, items: list) -> None:
    """Each item's order by its reference and title, where `org` may see the order now (the
    access policy: anyone else's item names nothing); an unblock request opens the request
    itself, for its reviewer only. Two queries for the page, whatever its length."""
    from .selectors import order_title
    from .unblock import reviews_for

    order_ids = {item.event.subject_id for item in items} - {None}
    orders = BlockingOrder.objects.visible_to(org).only("reference", "legal_basis")
    orders = orders.in_bulk(order_ids) if order_ids else {}
    review_ids = {
        item.event.data.get("review_id")
        for item in items
        if item.event.type == OrderEvent.UNBLOCK_REQUESTED
    } - {None}
    reviews = reviews_for(org).in_bulk(review_ids) if review_ids else {}
    for item in items:
        order = orders.get(item.event.subject_id)
        if order is None:
            continue
        if item.event.type == OrderEvent.UNBLOCK_REQUESTED:
            review = reviews.get(item.event.data.get("review_id"))
            if review is None or review.order_id != order.pk:
                continue
            item.about = InboxSubject(
                reference=order.reference,
                title=_("unblock request about %(value)s") % {"value": review.request.value},
                url=reverse("unblock:detail", args=[review.pk]),
            )
        else:
            item.about = InboxSubject(
                reference=order.reference,
                title=order_title(order),
                url=reverse("enforcement:detail", args=[order.pk]),
            )


KINDS = kinds_of(
    OrderEvent,
    subject="order",
    audience=audience,
    payload=payload,
    describe=describe,
)
