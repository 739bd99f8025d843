"""Non-blocking warnings on an order's targets: shared addresses, wide networks, names on
the clustering warning list, and the shared hosting the reports show."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext_lazy, gettext_noop

from reports import clustering
from reports.indicators import host_of
from reports.models import Indicator
from reports.models import Target as TargetRow

from .protected import IPNetwork, Target
from .words import _words

# Warn of a network's size above these prefix lengths' sizes (docs/contract.md: warnings on IP
# targets).
WIDE_PREFIX = {4: 24, 6: 48}
# "Shared hosting" once the reports link an address with this many unrelated sites (mirrors of
# one brand, e.g. yts.mx and yts.ag, count as one site: one operation may own many names).
SHARED_HOSTING_MIN_SITES = 2
SHARED_HOSTING_NAMES_SHOWN = 5


# --------------------------------------------------------------------------- warnings


# Lazy, like every warning here: read in the language of whoever reads them (see _words).
SHARED_ADDRESS = gettext_lazy(
    "an IP address may be shared by unrelated sites (shared hosting, CDNs): "
    "blocking it blocks all of them"
)
SHARED_NETWORK = gettext_lazy(
    "a network's addresses may be shared by unrelated sites (shared hosting, CDNs): "
    "blocking it blocks all of them"
)
SHARED_URL_ADDRESS = gettext_lazy(
    "this URL's host is an IP address, which may be shared by unrelated sites: "
    "an ISP that blocks by address blocks all of them"
)

# What blocking a warning-listed value does, by why reports.clustering lists it.
_EFFECTS: dict[str, str] = {
    clustering.FREE_HOSTING_PARENT: gettext_noop("blocks every site under it"),
    clustering.PUBLIC_SUFFIX: "",  # its text already says so
    clustering.MAJOR_PLATFORM: gettext_noop("blocks that platform's service for everyone"),
    clustering.SHARED_CDN: gettext_noop("may block unrelated sites delivered through it"),
    clustering.OVERLAPS_SHARED_ANYCAST_RANGE: gettext_noop(
        "blocks unrelated sites served from that range"
    ),
    clustering.SHARED_ANYCAST_RANGE: gettext_noop("blocks unrelated sites served from that range"),
}


def _listed_warning(listing: clustering.Listing, blocked: str) -> str:
    # Lazy like every warning here: the portal reads why in the issuer's language, the API and
    # what an order keeps in English.
    listed = _words(listing.message, **dict(listing.params))
    effect = _EFFECTS.get(listing.message, gettext_noop("affects others"))
    if not effect:
        return listed
    return _words(
        # Translators: %(listed)s is why the value is on the warning list, e.g. "free-hosting
        # parent blogspot.com"; %(effect)s e.g. "blocks every site under it".
        gettext_noop("%(listed)s: blocking %(blocked)s %(effect)s"),
        listed=listed,
        blocked=blocked,
        effect=gettext_lazy(effect),
    )


def _size_warning(network: IPNetwork) -> str | None:
    if network.prefixlen >= WIDE_PREFIX[network.version]:
        return None
    bits = network.max_prefixlen - network.prefixlen
    size = f"{network.num_addresses:,}" if network.version == 4 else f"2^{bits}"
    return _words(
        gettext_noop("wide network: %(network)s covers %(size)s addresses"),
        network=str(network),
        size=size,
    )


def _static_warnings(kind: str, value: str) -> list[str]:
    """The warnings that need no database: by the value and the clustering warning list."""
    warnings: list[str] = []
    if kind in ("ipv4", "ipv6", "cidr"):
        network = ipaddress.ip_network(value, strict=False)
        warnings.append(SHARED_NETWORK if kind == "cidr" else SHARED_ADDRESS)
        size = _size_warning(network)
        if size is not None:
            warnings.append(size)
        listed = clustering.warning_listing(kind, value)
        if listed is not None:
            warnings.append(_listed_warning(listed, value))
    elif kind == "domain":
        listed = clustering.warning_listing("domain", value)
        if listed is not None:
            warnings.append(_listed_warning(listed, value))
    elif kind == "url":
        host = host_of("url", value)
        if host is None:
            warnings.append(SHARED_URL_ADDRESS)
            listed = clustering.warning_listing("url", value)  # an anycast literal address
            if listed is not None:
                warnings.append(_listed_warning(listed, gettext_lazy("this URL's host")))
        else:
            # The host, not the URL: an ISP that cannot filter HTTPS by path blocks the name.
            listed = clustering.warning_listing("domain", host)
            if listed is not None:
                blocked = _words(gettext_noop("this URL's host %(host)s by name"), host=host)
                warnings.append(_listed_warning(listed, blocked))
    return warnings


@dataclass(frozen=True)
class _Sharing:
    domains: int  # distinct registrable domains the reports link with the address
    sites: int  # the same, with the mirrors of one brand counted once
    names: tuple[str, ...]  # the first few registrable domains, alphabetically


_SHARING_SQL = """
WITH wanted AS (
    SELECT * FROM unnest(%s::int[], %s::text[], %s::text[]) AS w(idx, kind, value)
),
anchors AS (
    SELECT w.idx, t.id, t.cluster_id
    FROM wanted w JOIN {target} t ON t.kind = w.kind AND t.value = w.value
    UNION
    SELECT w.idx, t.id, t.cluster_id
    FROM wanted w JOIN {target} t
      ON w.kind = 'cidr' AND t.kind IN ('ipv4', 'ipv6')
     AND (CASE WHEN t.kind IN ('ipv4', 'ipv6') THEN t.value::inet END)
         <<= (CASE WHEN w.kind = 'cidr' THEN w.value::inet END)
),
related AS (
    SELECT a.idx, t.registrable, t.brand
    FROM anchors a JOIN {target} t ON t.cluster_id = a.cluster_id
    WHERE EXISTS (
        SELECT 1 FROM {indicator} k WHERE k.target_id = t.id AND k.report_id IN ({visible})
    )
    UNION
    SELECT a.idx, t.registrable, t.brand
    FROM anchors a
    JOIN {indicator} i ON i.target_id = a.id
    JOIN {indicator} j ON j.report_id = i.report_id
    JOIN {target} t ON t.id = j.target_id
    WHERE i.report_id IN ({visible})
)
SELECT idx,
       count(DISTINCT registrable),
       count(DISTINCT coalesce(nullif(brand, ''), registrable)),
       (array_agg(DISTINCT registrable ORDER BY registrable))[1:{shown}]
FROM related
WHERE registrable <> ''
GROUP BY idx
"""


def _sharing(targets: list[Target], viewer) -> dict[Target, _Sharing]:
    """What the reports `viewer` may see say about who else is on these addresses, in one
    query. Only those reports: a warning naming (or counting) the domains of reports the
    issuer cannot see would leak them, to the issuer and to every ISP shown the order.

    An address's registrable domains are those of the targets in its cluster (a domain and its
    IP reported together are linked, reports.dedup) and of the targets reported with it (which
    also covers addresses never merged on, such as anycast ones). A CIDR counts the addresses
    reported inside it.
    """
    if not targets or viewer is None:
        return {}
    from reports.models import Report

    visible, visible_params = Report.objects.visible_to(viewer).values("pk").query.sql_with_params()
    sql = _SHARING_SQL.format(
        target=connection.ops.quote_name(TargetRow._meta.db_table),
        indicator=connection.ops.quote_name(Indicator._meta.db_table),
        shown=SHARED_HOSTING_NAMES_SHOWN,
        visible=visible,
    )
    params = [
        list(range(len(targets))),
        [kind for kind, _ in targets],
        [value for _, value in targets],
        *visible_params,
        *visible_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {targets[i]: _Sharing(domains, sites, tuple(names)) for i, domains, sites, names in rows}


def _sharing_warning(kind: str, sharing: _Sharing) -> str:
    what = (
        gettext_lazy("addresses in this network")
        if kind == "cidr"
        else gettext_lazy("this address")
    )
    names: str = ", ".join(sharing.names)
    more = sharing.domains - len(sharing.names)
    if more > 0:
        names = _words(gettext_noop("%(names)s and %(count)s more"), names=names, count=more)
    return _words(
        gettext_noop(
            "shared hosting: the hub's reports link %(what)s with %(count)s registrable "
            "domains (%(names)s); blocking it blocks all of them and any other site hosted there"
        ),
        what=what,
        count=sharing.domains,
        names=names,
    )


def warnings_for(targets: Iterable[Target], viewer=None) -> dict[Target, list[str]]:
    """Non-blocking warnings for many targets: every target given is a key (an empty list when
    there is nothing to say). The database is read once, for the IP and CIDR targets only, and
    only through the reports `viewer` (the issuing organisation) may see; without a viewer
    there is no shared-hosting evidence, only the generic warning."""
    result: dict[Target, list[str]] = {}
    addresses: list[Target] = []
    for kind, value in targets:
        if (kind, value) in result:
            continue
        result[(kind, value)] = _static_warnings(kind, value)
        if kind in ("ipv4", "ipv6", "cidr"):
            addresses.append((kind, value))
    for target, sharing in _sharing(addresses, viewer).items():
        if sharing.sites >= SHARED_HOSTING_MIN_SITES:
            generic = SHARED_NETWORK if target[0] == "cidr" else SHARED_ADDRESS
            warnings = result[target]
            warnings[warnings.index(generic)] = _sharing_warning(target[0], sharing)
    return result
