"""The "is my site blocked, and why?" lookup: what a visitor typed, parsed, and the one
definition of "this entry blocks that name" (`blocking_condition`)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from reports.indicators import URL_SCHEMES, IndicatorError, normalise

from ..models import (
    OrderTarget,
    TargetKind,
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


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
