"""Who may see which order, and what is in force at a given moment."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone


def _order_in_force(at: datetime, prefix: str = "") -> Q:
    """An order is in force at `at`: issued (grace over), not withdrawn, lifted or ended."""
    p = prefix
    return Q(
        **{f"{p}withdrawn_at__isnull": True, f"{p}issued_at__lte": at, f"{p}ends_at__gt": at}
    ) & (Q(**{f"{p}lifted_at__isnull": True}) | Q(**{f"{p}lifted_at__gt": at}))


class BlockingOrderQuerySet(models.QuerySet):
    def visible_to(self, org, now: datetime | None = None) -> BlockingOrderQuerySet:
        """The issuer sees its orders; an addressed ISP sees an order once it is issued (after
        the grace window). Anyone else sees nothing (404, as for an order that does not exist)."""
        from .models import Compliance

        now = now or timezone.now()
        if org is None:
            return self.none()
        addressed = Compliance.objects.filter(order=OuterRef("pk"), isp=org)
        return self.filter(
            Q(issuer=org) | (Exists(addressed) & Q(issued_at__lte=now, withdrawn_at__isnull=True))
        )

    def in_force(self, at: datetime | None = None) -> BlockingOrderQuerySet:
        return self.filter(_order_in_force(at or timezone.now()))

    def addressed_to(self, isp) -> BlockingOrderQuerySet:
        from .models import Compliance

        return self.filter(Exists(Compliance.objects.filter(order=OuterRef("pk"), isp=isp)))


class OrderTargetQuerySet(models.QuerySet):
    def in_force(self, at: datetime | None = None) -> OrderTargetQuerySet:
        """Entries in force at `at`: a pure function of timestamps, so that the state at any
        past moment (a delta's `since`) is rebuilt exactly."""
        at = at or timezone.now()
        return self.filter(
            _order_in_force(at, "order__"),
            Q(added_at__lte=at),
            Q(lifted_at__isnull=True) | Q(lifted_at__gt=at),
        )

    def for_isp(self, isp) -> OrderTargetQuerySet:
        from .models import Compliance

        return self.filter(Exists(Compliance.objects.filter(order=OuterRef("order_id"), isp=isp)))
