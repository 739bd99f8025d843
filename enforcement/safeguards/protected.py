"""The protected list: its rules indexed for fast look-ups, the hits of an order's
targets against them, and the rules in force loaded (and cached) from the table."""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.utils.translation import gettext_noop

from reports.indicators import host_of, normalise

from ..models import ProtectedEntry
from .words import _words

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Target = tuple[str, str]  # (kind, normalised value)
EntryRow = tuple[str, str, bool, str]  # (kind, value, include_subdomains, provider)


# --------------------------------------------------------------------------- the rules


@dataclass(frozen=True)
class ProtectedDomain:
    name: str
    include_subdomains: bool
    provider: str


@dataclass(frozen=True)
class ProtectedNetwork:
    network: IPNetwork
    provider: str
    entry: str  # the entry's value as stored (its text, for messages and the override record)


class _NetworkIndex:
    """Protected networks of one IP version, for point and overlap queries in O(prefix lengths).

    ``by_prefix`` maps each prefix length (longest first, so the most specific entry answers) to
    the networks of that length keyed by their top bits: an address is inside one of them iff
    its own top bits are a key. ``starts`` lists network starts in order, to find a protected
    network that starts inside a target network (the target contains it).
    """

    def __init__(self, networks: Iterable[ProtectedNetwork], bits: int) -> None:
        self.bits = bits
        tables: dict[int, dict[int, ProtectedNetwork]] = {}
        for protected in networks:
            net = protected.network
            key = int(net.network_address) >> (bits - net.prefixlen)
            tables.setdefault(net.prefixlen, {}).setdefault(key, protected)
        self.by_prefix = sorted(tables.items(), reverse=True)
        ordered = sorted(
            (int(p.network.network_address), p.network.prefixlen, p.entry, p)
            for table in tables.values()
            for p in table.values()
        )
        self.starts = [start for start, *_ in ordered]
        self.at_start = [p for *_, p in ordered]

    def covering(self, address: int) -> ProtectedNetwork | None:
        for prefixlen, table in self.by_prefix:
            found = table.get(address >> (self.bits - prefixlen))
            if found is not None:
                return found
        return None

    def starting_within(self, first: int, last: int) -> ProtectedNetwork | None:
        i = bisect.bisect_left(self.starts, first)
        return self.at_start[i] if i < len(self.starts) and self.starts[i] <= last else None


@dataclass(frozen=True)
class ProtectedRules:
    """The protected list in force, indexed for fast look-ups (see :func:`protected_hits`)."""

    domains: tuple[ProtectedDomain, ...]
    networks: tuple[ProtectedNetwork, ...]
    _names: dict[str, ProtectedDomain] = field(init=False, repr=False, compare=False)
    _parents: dict[str, ProtectedDomain] = field(init=False, repr=False, compare=False)
    _v4: _NetworkIndex = field(init=False, repr=False, compare=False)
    _v6: _NetworkIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names: dict[str, ProtectedDomain] = {}
        parents: dict[str, ProtectedDomain] = {}
        for domain in self.domains:
            names.setdefault(domain.name, domain)
            labels = domain.name.split(".")
            for i in range(1, len(labels)):
                parents.setdefault(".".join(labels[i:]), domain)
        object.__setattr__(self, "_names", names)
        object.__setattr__(self, "_parents", parents)
        for version, bits in ((4, 32), (6, 128)):
            mine = (n for n in self.networks if n.network.version == version)
            object.__setattr__(self, f"_v{version}", _NetworkIndex(mine, bits))

    @classmethod
    def from_entries(cls, rows: Iterable[EntryRow]) -> ProtectedRules:
        """Rules from ``(kind, value, include_subdomains, provider)`` rows (the table's columns).

        A network with host bits set (``10.1.2.3/8``) is taken as its network; a row that does
        not parse raises ValueError, so a broken entry is noticed rather than silently skipped.
        """
        domains: list[ProtectedDomain] = []
        networks: list[ProtectedNetwork] = []
        for kind, value, include_subdomains, provider in rows:
            text = value.strip()
            if kind == "domain":
                name = text.lower().rstrip(".")
                domains.append(ProtectedDomain(name, bool(include_subdomains), provider))
            elif kind == "network":
                network = ipaddress.ip_network(text, strict=False)
                networks.append(ProtectedNetwork(network, provider, text))
            else:
                raise ValueError(f"unknown protected entry kind {kind!r} for {value!r}")
        return cls(domains=tuple(domains), networks=tuple(networks))

    def _index(self, version: int) -> _NetworkIndex:
        return self._v4 if version == 4 else self._v6

    def domain_match(self, host: str) -> tuple[ProtectedDomain, str] | None:
        """(entry, relation) for a host name: ``equal``, ``under`` or ``parent``; or None."""
        exact = self._names.get(host)
        if exact is not None:
            return exact, "equal"
        dot = host.find(".")
        while dot != -1:
            above = self._names.get(host[dot + 1 :])
            if above is not None and above.include_subdomains:
                return above, "under"
            dot = host.find(".", dot + 1)
        below = self._parents.get(host)
        if below is not None:
            return below, "parent"
        return None

    def address_match(self, address: IPAddress) -> ProtectedNetwork | None:
        found = self._index(address.version).covering(int(address))
        mapped = getattr(address, "ipv4_mapped", None)
        if found is None and mapped is not None:  # ::ffff:104.16.0.1 is 104.16.0.1
            found = self._v4.covering(int(mapped))
        return found

    def network_match(self, network: IPNetwork) -> tuple[ProtectedNetwork, str] | None:
        """(entry, relation) for a network overlapping a protected one: ``covered`` when the
        entry contains the target, ``contains`` when the target contains the entry."""
        index = self._index(network.version)
        first = int(network.network_address)
        found = index.covering(first)
        if found is not None:
            covered = found.network.prefixlen <= network.prefixlen
            return found, ("covered" if covered else "contains")
        # Two CIDR blocks overlap only if one contains the other: the target's first address
        # is in no entry, so an overlap means an entry starts inside the target.
        found = index.starting_within(first, int(network.broadcast_address))
        return (found, "contains") if found is not None else None


# --------------------------------------------------------------------------- hits


@dataclass(frozen=True)
class ProtectedHit:
    kind: str
    value: str
    entry: str  # the protected entry's value, e.g. "104.16.0.0/13" or "google.com"
    provider: str
    # For people, e.g. "covered by protected network 104.16.0.0/13 (Cloudflare)"; lazy: read in
    # the language active when it is shown.
    reason: str


def _domain_reason(domain: ProtectedDomain, relation: str) -> str:
    where = {"name": domain.name, "provider": domain.provider}
    if relation == "equal":
        return _words(gettext_noop("is the protected name %(name)s (%(provider)s)"), **where)
    if relation == "under":
        return _words(gettext_noop("is under the protected name %(name)s (%(provider)s)"), **where)
    return _words(
        gettext_noop(
            "is a parent of the protected name %(name)s (%(provider)s), which a wildcard block "
            "would also block"
        ),
        **where,
    )


def _network_reason(protected: ProtectedNetwork, relation: str) -> str:
    where = {"entry": protected.entry, "provider": protected.provider}
    if relation == "covered":
        return _words(
            gettext_noop("covered by protected network %(entry)s (%(provider)s)"), **where
        )
    return _words(gettext_noop("contains protected network %(entry)s (%(provider)s)"), **where)


def _url_address(value: str) -> IPAddress:
    """The address of a URL whose host is an IP literal (``http://[2606:4700::1]:8080/x``)."""
    authority = normalise("url", value).split("://", 1)[1].split("/", 1)[0]
    if authority.startswith("["):
        return ipaddress.ip_address(authority[1 : authority.index("]")])
    return ipaddress.ip_address(authority.rsplit(":", 1)[0])


def _hit(kind: str, value: str, rules: ProtectedRules) -> ProtectedHit | None:
    if kind == "domain":
        host = value.lower().rstrip(".")
        found = rules.domain_match(host)
        if found is None:
            return None
        domain = found[0]
        return ProtectedHit(kind, value, domain.name, domain.provider, _domain_reason(*found))
    if kind in ("ipv4", "ipv6"):
        protected = rules.address_match(ipaddress.ip_address(value))
        if protected is None:
            return None
        reason = _network_reason(protected, "covered")
        return ProtectedHit(kind, value, protected.entry, protected.provider, reason)
    if kind == "cidr":
        matched = rules.network_match(ipaddress.ip_network(value, strict=False))
        if matched is None:
            return None
        protected, relation = matched
        reason = _network_reason(protected, relation)
        return ProtectedHit(kind, value, protected.entry, protected.provider, reason)
    if kind == "url":
        host = host_of("url", value)
        if host is not None:
            found = rules.domain_match(host)
            if found is None:
                return None
            domain = found[0]
            reason = _words(
                gettext_noop("its host %(host)s %(reason)s"),
                host=host,
                reason=_domain_reason(*found),
            )
            return ProtectedHit(kind, value, domain.name, domain.provider, reason)
        protected = rules.address_match(_url_address(value))
        if protected is None:
            return None
        reason = _words(
            gettext_noop("its host is %(reason)s"), reason=_network_reason(protected, "covered")
        )
        return ProtectedHit(kind, value, protected.entry, protected.provider, reason)
    return None


def protected_hits(targets: Iterable[Target], rules: ProtectedRules) -> list[ProtectedHit]:
    """The targets that touch the protected list, one hit each, in the order given (a target
    given twice is reported once).

    A domain hits when it is a protected name, is under one that includes its sub-domains, or
    is a parent of a protected name (an RPZ ``*.example.com`` rule for ``example.com`` would
    block the protected ``cdn.example.com``). A URL hits through its host, an IP-literal host
    through the networks. An address hits inside a protected network; a CIDR hits when it
    overlaps one, whichever contains the other.
    """
    hits: list[ProtectedHit] = []
    seen: set[Target] = set()
    for kind, value in targets:
        if (kind, value) in seen:
            continue
        seen.add((kind, value))
        hit = _hit(kind, value, rules)
        if hit is not None:
            hits.append(hit)
    return hits


# --------------------------------------------------------------------------- the table


# One (fingerprint, rules) pair per process; replacing it is a single atomic assignment.
_cache: tuple[tuple[int, str], ProtectedRules] | None = None


def _fingerprint() -> tuple[int, str]:
    """A digest of every row's content. (count, max(id), max(created_at)) would be cheaper but
    misses an entry edited in place (a provider fixed, include_subdomains turned off), and
    the secretariat's edit must take effect on the next order. The table is small (hundreds of
    rows), so hashing it in the database costs about a millisecond."""
    table = connection.ops.quote_name(ProtectedEntry._meta.db_table)
    row = "concat_ws(chr(31), id, kind, value, include_subdomains, provider)"
    digest_all = f"md5(coalesce(string_agg({row}, chr(30) ORDER BY id), ''))"
    with connection.cursor() as cursor:
        # The table name comes from the model, not from input.
        cursor.execute(f"SELECT count(*), {digest_all} FROM {table}")  # noqa: S608
        count, digest = cursor.fetchone()
    return count, digest


def load_protected_rules() -> ProtectedRules:
    """The protected list in force, from the ProtectedEntry table.

    Cached in-process under a fingerprint of the table's content, checked on every call (one
    small query), so an edit by the secretariat takes effect on the next call in every process.
    """
    global _cache
    # Fingerprint first, rows second: if an edit commits in between, the rows are newer than
    # the fingerprint, so the next call sees a different fingerprint and reloads. The other
    # order could pair new fingerprint with old rows and keep them.
    fingerprint = _fingerprint()
    cached = _cache
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    rows = ProtectedEntry.objects.order_by("id").values_list(
        "kind", "value", "include_subdomains", "provider"
    )
    rules = ProtectedRules.from_entries(rows)
    _cache = (fingerprint, rules)
    return rules
