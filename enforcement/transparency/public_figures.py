"""The public figures on blocking orders: orders, authorities, targets, the ISPs' answer
times and unblock requests (confidential orders counted too)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    BlockingOrder,
    Compliance,
    ComplianceStep,
    OrderTarget,
    UnblockRequest,
    UnblockReview,
)
from .register import KIND_LABELS

# ---------------------------------------------------------------------------- the figures


@dataclass(frozen=True)
class IspFigure:
    name: str
    addressed: int  # orders that addressed it
    implemented: int  # of which it confirmed implementing
    rejected: int
    median: timedelta | None  # from the order's issue to its first confirmation

    @property
    def median_text(self) -> str:
        return duration_text(self.median) if self.median is not None else "—"


@dataclass(frozen=True)
class AuthorityFigure:
    name: str
    country: str
    issued: int
    in_force: int


@dataclass(frozen=True)
class UnblockFigures:
    received_before: datetime  # requests received before this moment are counted
    requests: int
    appealed_orders: int  # orders with at least one unblock request
    upheld: int
    dismissed: int
    open: int
    overdue: int


@dataclass(frozen=True)
class Figures:
    as_of: datetime
    orders: dict[str, int]  # total, in_force, lifted, expired, confidential
    authorities: list[AuthorityFigure]
    targets: dict[str, int]  # total, in_force, lifted
    targets_by_kind: list[tuple[str, int, int]]  # (kind, ordered, in force now)
    isps: list[IspFigure]
    unblock: UnblockFigures


def duration_text(delta: timedelta) -> str:
    """`3 d 4 h`, `2 h 05 min`, `7 min`, `40 s`: short, and exact enough for a median. In the
    active language (the figures page reads it as it renders)."""
    seconds = max(int(delta.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        # Translators: a duration in days and hours, e.g. "3 d 4 h".
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        # Translators: a duration in hours and minutes (two digits), e.g. "2 h 05 min".
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": f"{minutes:02d}"}
    if minutes:
        return _("%(minutes)s min") % {"minutes": minutes}
    return _("%(seconds)s s") % {"seconds": seconds}


def _issued(at: datetime):
    """Orders that took effect (issued, the grace window over) and were not withdrawn,
    confidential ones included."""
    return BlockingOrder.objects.filter(withdrawn_at__isnull=True, issued_at__lte=at)


def _order_figures(at: datetime) -> dict[str, int]:
    # status_at's precedence: lifted before expired, and pending orders are not issued yet.
    lifted = Q(lifted_at__lte=at)
    return _issued(at).aggregate(
        total=Count("pk"),
        in_force=Count("pk", filter=Q(pk__in=BlockingOrder.objects.in_force(at).values("pk"))),
        lifted=Count("pk", filter=lifted),
        expired=Count("pk", filter=~lifted & Q(ends_at__lte=at)),
        confidential=Count("pk", filter=Q(confidential=True)),
    )


def _authority_figures(at: datetime) -> list[AuthorityFigure]:
    rows = (
        _issued(at)
        .values("issuer__name", "country")
        .annotate(
            issued=Count("pk"),
            in_force=Count("pk", filter=Q(pk__in=BlockingOrder.objects.in_force(at).values("pk"))),
        )
        .order_by("issuer__name", "country")
    )
    return [
        AuthorityFigure(r["issuer__name"], r["country"], r["issued"], r["in_force"]) for r in rows
    ]


def _target_figures(at: datetime) -> tuple[dict[str, int], list[tuple[str, int, int]]]:
    ordered = dict(
        OrderTarget.objects.filter(order__in=_issued(at), added_at__lte=at)
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    lifted = OrderTarget.objects.filter(order__in=_issued(at), lifted_at__lte=at).count()
    live = dict(
        OrderTarget.objects.in_force(at)
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    by_kind = [
        (label, ordered.get(kind, 0), live.get(kind, 0))
        for kind, label in KIND_LABELS.items()
        if ordered.get(kind)
    ]
    totals = {
        "total": sum(ordered.values()),
        "in_force": sum(live.values()),
        "lifted": lifted,
    }
    return totals, by_kind


def _isp_figures(at: datetime) -> list[IspFigure]:
    """Per ISP: the median time from an order's issue to the ISP's first confirmation that it
    implemented it (a later amendment asks again; the first answer is the one that counts)."""
    answers = (
        Compliance.objects.filter(order__in=_issued(at))
        .values("isp_id", "isp__name")
        .annotate(
            addressed=Count("pk"),
            rejected=Count("pk", filter=Q(state=Compliance.State.REJECTED)),
        )
    )
    firsts = (
        ComplianceStep.objects.filter(
            state=Compliance.State.IMPLEMENTED,
            at__lte=at,
            compliance__order__in=_issued(at),
        )
        .values("compliance_id", "compliance__isp_id", "compliance__order__issued_at")
        .annotate(first=Min("at"))
        .values_list("compliance__isp_id", "compliance__order__issued_at", "first")
    )
    delays: dict[int, list[float]] = defaultdict(list)
    for isp_id, issued_at, first in firsts:
        delays[isp_id].append(max((first - issued_at).total_seconds(), 0.0))
    out = []
    for row in answers:
        seconds = delays.get(row["isp_id"], [])
        out.append(
            IspFigure(
                name=row["isp__name"],
                addressed=row["addressed"],
                implemented=len(seconds),
                rejected=row["rejected"],
                median=timedelta(seconds=statistics.median(seconds)) if seconds else None,
            )
        )
    return sorted(out, key=lambda f: f.name)


def unblock_cutoff(at: datetime) -> datetime:
    """Unblock requests are counted up to the start of the current month (UTC).

    The answer to a requester is the same whether or not an order covers the name, so that the
    form never reveals a confidential order; a live count of requests routed to an issuer would
    reveal it all the same (send a request, watch the count move). A month's requests counted
    together do not tell whose request went where."""
    return at.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _unblock_figures(at: datetime) -> UnblockFigures:
    cutoff = unblock_cutoff(at)
    status = UnblockRequest.Status
    # Reviews of confidential orders are not counted: anyone may file a request, and a count
    # that moved after filing one would tell them a confidential order covers the name.
    reviews = UnblockReview.objects.filter(
        request__created_at__lt=cutoff, order__confidential=False
    ).aggregate(
        appealed=Count("order", distinct=True),
        upheld=Count("pk", filter=Q(status=status.UPHELD)),
        dismissed=Count("pk", filter=Q(status=status.DISMISSED)),
        open=Count("pk", filter=Q(status=status.OPEN)),
        overdue=Count("pk", filter=Q(status=status.OPEN, answer_due__lt=at)),
    )
    return UnblockFigures(
        received_before=cutoff,
        requests=UnblockRequest.objects.filter(created_at__lt=cutoff).count(),
        appealed_orders=reviews["appealed"],
        upheld=reviews["upheld"],
        dismissed=reviews["dismissed"],
        open=reviews["open"],
        overdue=reviews["overdue"],
    )


def figures(*, at: datetime | None = None) -> Figures:
    """The public figures, confidential orders included. A handful of aggregate queries,
    whatever the number of orders."""
    at = at or timezone.now()
    targets, by_kind = _target_figures(at)
    return Figures(
        as_of=at,
        orders=_order_figures(at),
        authorities=_authority_figures(at),
        targets=targets,
        targets_by_kind=by_kind,
        isps=_isp_figures(at),
        unblock=_unblock_figures(at),
    )
