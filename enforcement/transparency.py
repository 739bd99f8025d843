"""What the public may read of blocking orders (docs/contract.md, "Blocking orders"): the
transparency register, the "is my site blocked, and why?" lookup, and the figures.

Two rules shape every function here:

* an entry of a confidential order never appears in what the public reads (the register, its
  CSV, the lookup); the figures count it all the same ("an issuer may keep a confidential
  order's entries out of the register, but not its counts");
* an entry appears once its order was issued (the grace window over: a withdrawn order was
  never in force and is never shown).

The lookup is also how an unblock request finds the orders that cover a name
(`enforcement.unblock`), there over confidential orders too: `blocking_condition` is the one
definition of "this entry blocks that name".
"""

from __future__ import annotations

import ipaddress
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.indicators import URL_SCHEMES, IndicatorError, normalise

from .models import (
    BlockingOrder,
    Compliance,
    ComplianceStep,
    OrderTarget,
    TargetKind,
    UnblockRequest,
    UnblockReview,
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
REGISTER_PAGE_SIZE = 100
KIND_LABELS: dict[str, str] = {
    TargetKind.DOMAIN: gettext_lazy("Domain"),
    TargetKind.URL: gettext_lazy("URL"),
    TargetKind.IPV4: gettext_lazy("IPv4 address"),
    TargetKind.IPV6: gettext_lazy("IPv6 address"),
    TargetKind.CIDR: gettext_lazy("IP range (CIDR)"),
}
# What a register entry's `state` reads as on the pages (the CSV keeps the English values).
STATE_LABELS: dict[str, str] = {
    "in force": gettext_lazy("in force"),
    "lifted": gettext_lazy("lifted"),
    "expired": gettext_lazy("expired"),
}

# ---------------------------------------------------------------------------- the lookup

# Characters that make the input a URL rather than a bare name ("example.com:8080" too).
_URL_MARKS = ("://", "/", "?", "#", "@", ":")


@dataclass(frozen=True)
class Lookup:
    """What someone asks about, normalised: a domain, a URL or an IP address.

    `host` is the domain name or the IP address text (for a URL: its host)."""

    kind: str  # domain, url, ipv4 or ipv6
    value: str
    host: str

    @property
    def address(self) -> IPAddress | None:
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            return None


def _url_host(url: str) -> str:
    """The host of a normalised URL: a domain, a dotted quad or IPv6 text (no brackets)."""
    authority = url.split("://", 1)[1].split("/", 1)[0]
    if authority.startswith("["):
        return authority[1 : authority.index("]")]
    return authority.partition(":")[0]


def parse_lookup(raw: str) -> Lookup:
    """Reads a domain, a URL or an IP address as `reports.indicators` normalises them.
    Raises IndicatorError (its message is meant for people) when it is none of them."""
    text = (raw or "").strip()
    if not text:
        raise IndicatorError("empty", "give a domain name, a URL or an IP address")
    for kind in (TargetKind.IPV4, TargetKind.IPV6):
        try:
            value = normalise(kind, text)
        except IndicatorError:
            continue
        return Lookup(kind, value, value)
    if any(mark in text for mark in _URL_MARKS):
        url = normalise(TargetKind.URL, text)
        return Lookup(TargetKind.URL, url, _url_host(url))
    try:
        domain = normalise(TargetKind.DOMAIN, text)
    except IndicatorError as e:
        if e.code != "is_ip":
            raise
        # A numeric host ("2130706433", "0x7f.1") is an IPv4 address, as browsers read it.
        host = _url_host(normalise(TargetKind.URL, text))
        return Lookup(TargetKind.IPV4, host, host)
    return Lookup(TargetKind.DOMAIN, domain, domain)


def lookup_of(kind: str, value: str) -> Lookup:
    """The lookup for a value stored normalised with its kind (an unblock request's)."""
    if kind == TargetKind.URL:
        return Lookup(kind, value, _url_host(value))
    return Lookup(kind, value, value)


def _names(host: str) -> list[str]:
    """The name and every parent of two labels or more: a blocked `example.com` is listed in
    the RPZ as `example.com` and `*.example.com`, so it blocks `www.example.com` too."""
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def _networks(address: IPAddress) -> list[str]:
    """Every network that contains `address`, in the canonical form order targets are stored
    in: one exact lookup per prefix length (33 for IPv4, 129 for IPv6) instead of a scan."""
    return [
        normalise(TargetKind.CIDR, f"{address}/{length}")
        for length in range(address.max_prefixlen + 1)
    ]


def _urls_on_host(host: str) -> Q:
    """URL entries on `host` (any scheme, any port): a prefix match, `LIKE 'https://host/%'`,
    served by the `varchar_pattern_ops` index on `value` whatever the database's collation."""
    url_host = f"[{host}]" if ":" in host else host
    on_host = Q()
    for scheme in URL_SCHEMES:
        for sep in ("/", ":"):
            on_host |= Q(value__startswith=f"{scheme}://{url_host}{sep}")
    return Q(kind=TargetKind.URL) & on_host


def _address_condition(address: IPAddress) -> Q:
    kind = TargetKind.IPV4 if address.version == 4 else TargetKind.IPV6
    return Q(kind=kind, value=normalise(kind, str(address))) | Q(
        kind=TargetKind.CIDR, value__in=_networks(address)
    )


def blocking_condition(lookup: Lookup) -> Q:
    """Order entries that block what `lookup` names, as a filter on OrderTarget. Every branch
    is an exact value (or a short range) on the indexed `value` column: no scan.

    * a domain: the domain itself or a parent, and URL entries on that host;
    * a URL: the URL itself, and what blocks its host (a domain and its parents, or an IP);
    * an IP address: the address, any CIDR that contains it, and URL entries on that host.
    """
    address = lookup.address
    whole_host = (
        _address_condition(address)
        if address
        else Q(kind=TargetKind.DOMAIN, value__in=_names(lookup.host))
    )
    if lookup.kind == TargetKind.URL:
        return Q(kind=TargetKind.URL, value=lookup.value) | whole_host
    return whole_host | _urls_on_host(lookup.host)


def why(lookup: Lookup, entry: OrderTarget) -> str:
    """Why `entry` blocks what was asked about, in words."""
    if entry.kind == TargetKind.DOMAIN:
        if entry.value == lookup.host:
            return _("This domain is blocked, with every name under it.")
        return _("Its parent domain %(domain)s is blocked, with every name under it.") % {
            "domain": entry.value
        }
    if entry.kind == TargetKind.CIDR:
        return _("The address range %(range)s is blocked, and it includes this address.") % {
            "range": entry.value
        }
    if entry.kind in (TargetKind.IPV4, TargetKind.IPV6):
        return _("This IP address is blocked.")
    if entry.value == lookup.value:
        return _("This URL is blocked.")
    return _("A URL on this host is blocked (the rest of the site is not, unless listed here).")


def public_matches(lookup: Lookup, *, at: datetime | None = None) -> list[OrderTarget]:
    """The entries in force of non-confidential orders that block what `lookup` names."""
    return list(
        OrderTarget.objects.in_force(at or timezone.now())
        .filter(blocking_condition(lookup), order__confidential=False)
        .select_related("order__issuer")
        .order_by("kind", "value", "order__issued_at", "pk")
    )


# ---------------------------------------------------------------------------- the register


@dataclass(frozen=True)
class RegisterRow:
    """One entry of the register, as the public reads it."""

    kind: str
    value: str
    authority: str
    country: str
    reference: str
    legal_basis: str
    since: datetime  # when the entry took effect: the order's issue, or a later amendment
    ends: datetime  # when the order is due to end
    until_renewed: bool  # the issuer gave no end: the order lapses unless renewed
    ended: datetime | None
    state: str  # "in force", "lifted" or "expired"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)


def register_entries(
    *, include_ended: bool = False, kind: str = "", at: datetime | None = None
) -> QuerySet[OrderTarget]:
    """Entries of non-confidential orders: in force at `at` (now), or every entry that ever
    was in force with `include_ended`. Alphabetical, as a register is read."""
    at = at or timezone.now()
    rows = OrderTarget.objects.filter(order__confidential=False)
    if include_ended:
        rows = rows.filter(
            order__withdrawn_at__isnull=True, order__issued_at__lte=at, added_at__lte=at
        )
    else:
        rows = rows.in_force(at)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.select_related("order__issuer").order_by("value", "kind", "-order__issued_at", "pk")


def register_row(entry: OrderTarget, *, at: datetime) -> RegisterRow:
    order = entry.order
    stops = [(entry.lifted_at, "lifted"), (order.lifted_at, "lifted"), (order.ends_at, "expired")]
    past = [(moment, how) for moment, how in stops if moment is not None and moment <= at]
    ended, state = min(past) if past else (None, "in force")
    return RegisterRow(
        kind=entry.kind,
        value=entry.value,
        authority=order.issuer.name,
        country=order.country.code,
        reference=order.reference,
        legal_basis=order.legal_basis,
        since=max(entry.added_at, order.issued_at),
        ends=order.ends_at,
        until_renewed=order.valid_until is None,
        ended=ended,
        state=state,
    )


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
