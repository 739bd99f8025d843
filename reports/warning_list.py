"""The clustering warning list: values never treated as pirate targets nor merged on
(platforms, shared CDNs, free-hosting parents, shared anycast ranges), why each is listed, and
the lookup of a target's host or address in it; re-exported by `reports.clustering`."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import tldextract
from django.utils.translation import gettext_noop

from reports.indicators import normalise, public_suffix, registrable_domain

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class WarningList:
    """Values never treated as pirate targets nor merged on.

    Domain entries match the name and every name under it. An entry ending in ``.*`` matches that
    label on any ICANN public suffix (``blogspot.*`` is ``blogspot.in``, ``blogspot.co.uk``...).
    """

    platforms: frozenset[str]  # the name and all its sub-domains are the platform's own
    cdns: frozenset[str]  # shared delivery names: a sub-domain is not one operation's
    free_hosting: frozenset[str]  # parents: each name one label below is a separate site
    networks: tuple[tuple[IPNetwork, str], ...]  # shared anycast ranges, with their operator

    def entries(self) -> Iterator[tuple[str, str, str]]:
        """(category, value, note) rows, to seed the database table; ``note`` names a network's
        operator. Categories: ``platform``, ``cdn``, ``free_hosting``, ``network``."""
        for category, field in _CATEGORY_FIELDS.items():
            for name in sorted(getattr(self, field)):
                yield category, name, ""
        for network, owner in self.networks:
            yield "network", str(network), owner

    @classmethod
    def from_entries(cls, entries: Iterable[tuple[str, str, str]]) -> WarningList:
        """The inverse of :meth:`entries`, for a list read back from the database table."""
        domains: dict[str, set[str]] = {field: set() for field in _CATEGORY_FIELDS.values()}
        networks: list[tuple[IPNetwork, str]] = []
        for category, value, note in entries:
            if category == "network":
                networks.append((ipaddress.ip_network(value.strip(), strict=False), note))
            elif category in _CATEGORY_FIELDS:
                domains[_CATEGORY_FIELDS[category]].add(value.strip().lower().rstrip("."))
            else:
                raise ValueError(f"unknown warning-list category {category!r}")
        return cls(
            platforms=frozenset(domains["platforms"]),
            cdns=frozenset(domains["cdns"]),
            free_hosting=frozenset(domains["free_hosting"]),
            networks=tuple(networks),
        )


_CATEGORY_FIELDS = {"platform": "platforms", "cdn": "cdns", "free_hosting": "free_hosting"}


# The authoritative, editable warning list will be a database table that hub staff maintain; it
# is seeded from this constant (WARNING_LIST.entries()), which stays the reviewed default and the
# source for tests. Every function below takes the list in force as ``warning_list``.
WARNING_LIST = WarningList(
    platforms=_names(
        """
        google.* youtube.com youtu.be facebook.com fb.com instagram.com twitter.com x.com t.co
        tiktok.com telegram.org telegram.me t.me whatsapp.com vk.com ok.ru yandex.* twitch.tv
        dailymotion.com vimeo.com discord.com discord.gg reddit.com pinterest.com linkedin.com
        wikipedia.org apple.com icloud.com microsoft.com live.com amazon.* ebay.* aliexpress.com
        github.com gitlab.com mozilla.org archive.org dropbox.com mega.nz mediafire.com
        bit.ly tinyurl.com
        """
    ),
    cdns=_names(
        """
        cloudflare.com cloudflare.net cloudfront.net akamai.net akamaihd.net akamaized.net
        akamaiedge.net edgekey.net edgesuite.net fastly.net fastlylb.net googleusercontent.com
        googlevideo.com gstatic.com googleapis.com ytimg.com fbcdn.net cdninstagram.com
        azureedge.net azurefd.net windows.net amazonaws.com b-cdn.net jsdelivr.net cdn77.org
        edgecastcdn.net stackpathdns.com llnwd.net
        """
    ),
    free_hosting=_names(
        # Blogs and site builders (several are not in the Public Suffix List, or left it, as
        # blogspot.in did), free web hosts, PaaS parents, the uCoz family, free sub-domain and
        # dynamic-DNS services.
        """
        blogspot.* blogger.com wordpress.com tumblr.com livejournal.com weebly.com wixsite.com
        wix.com webs.com jimdo.com jimdofree.com yolasite.com site123.me sites.google.com
        comunidades.net es.tl loxblog.com over-blog.com skyrock.com
        000webhostapp.com freehst.com ueuo.com byethost.com epizy.com rf.gd
        github.io gitlab.io netlify.app herokuapp.com vercel.app pages.dev workers.dev web.app
        firebaseapp.com appspot.com glitch.me repl.co
        ucoz.* narod.ru do.am at.ua 3dn.ru my1.ru okis.ru
        usa.cc co.cc cz.cc co.nr vv.si zz.mu eu.ki ddns.net no-ip.org no-ip.biz hopto.org
        zapto.org duckdns.org dyndns.org freedns.afraid.org
        """
    ),
    networks=tuple(
        (ipaddress.ip_network(cidr), owner)
        for cidr, owner in (
            ("104.16.0.0/13", "Cloudflare"),
            ("104.24.0.0/14", "Cloudflare"),
            ("172.64.0.0/13", "Cloudflare"),
            ("162.158.0.0/15", "Cloudflare"),
            ("188.114.96.0/20", "Cloudflare"),
            ("1.1.1.0/24", "Cloudflare DNS"),
            ("1.0.0.0/24", "Cloudflare DNS"),
            ("2606:4700::/32", "Cloudflare"),
            ("8.8.8.0/24", "Google DNS"),
            ("8.8.4.0/24", "Google DNS"),
            ("2001:4860::/32", "Google"),
            ("9.9.9.0/24", "Quad9 DNS"),
            ("151.101.0.0/16", "Fastly"),
            ("2a04:4e40::/32", "Fastly"),
        )
    ),
)

# Why a value is warning-listed. English, as kept on a target and returned by the API; marked
# for translation (gettext_noop) so that the portal can show a `Listing` in the reader's language.
MAJOR_PLATFORM = gettext_noop("major platform %(name)s")
SHARED_CDN = gettext_noop("shared CDN %(name)s")
FREE_HOSTING_PARENT = gettext_noop("free-hosting parent %(name)s")
PUBLIC_SUFFIX = gettext_noop("public suffix %(suffix)s (shared by every site under it)")
SHARED_ANYCAST_RANGE = gettext_noop("shared anycast range %(network)s (%(owner)s)")
OVERLAPS_SHARED_ANYCAST_RANGE = gettext_noop(
    "overlaps shared anycast range %(network)s (%(owner)s)"
)

_CATEGORY_REASONS = (
    ("platforms", MAJOR_PLATFORM),
    ("cdns", SHARED_CDN),
    ("free_hosting", FREE_HOSTING_PARENT),
)


@dataclass(frozen=True)
class Listing:
    """Why a value is warning-listed: one of the messages above and what fills it in. `str()` is
    the English sentence; a reader's language is the caller's business (gettext the message)."""

    message: str
    params: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        return self.message % dict(self.params)


def _listing(message: str, **params: object) -> Listing:
    return Listing(message, tuple((key, str(value)) for key, value in params.items()))


# --------------------------------------------------------------------------- host parsing

# ICANN-only view of the bundled PSL, to expand ".*" entries: "blogspot.*" must match
# blogspot.co.uk but not "blogspot.blogspot.com" (blogspot.com is a private-section suffix).
_ICANN = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


@lru_cache(maxsize=4096)
def _is_icann_suffix(name: str) -> bool:
    if not name:
        return False
    result = _ICANN.extract_str(name, include_psl_private_domains=False)
    return not result.domain and result.suffix == name


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


Located = tuple[str, "str | ipaddress.IPv4Address | ipaddress.IPv6Address | IPNetwork"]


def _locate(kind: str, value: str) -> Located | None:
    """("host", name), ("ip", address) or ("net", network); None for kinds with no location."""
    canonical = normalise(kind, value)
    if kind == "domain":
        return "host", canonical
    if kind in ("ipv4", "ipv6"):
        return "ip", ipaddress.ip_address(canonical)
    if kind == "cidr":
        return "net", ipaddress.ip_network(canonical)
    if kind == "url":
        authority = canonical.split("://", 1)[1].split("/", 1)[0]
    elif kind == "iptv_panel":
        authority = canonical
    else:
        return None
    host = authority if authority.endswith("]") else authority.rsplit(":", 1)[0]
    address = _address(host)
    return ("ip", address) if address is not None else ("host", host)


def _is_site_root(kind: str, value: str) -> bool:
    """A URL naming a whole site (path "/", no query) rather than one page or file on it."""
    if kind != "url":
        return True
    rest = normalise(kind, value).split("://", 1)[1]
    return "?" not in rest and rest.partition("/")[2] == ""


@dataclass(frozen=True)
class _Match:
    category: str  # a WarningList field name
    entry: str  # the list entry, e.g. "blogspot.*"
    parent: str  # the concrete name it matched, e.g. "blogspot.in"
    below: tuple[str, ...]  # the labels left of the parent, e.g. ("www", "x")


@lru_cache(maxsize=65536)
def _warning_match(host: str, warning_list: WarningList) -> _Match | None:
    """The most specific warning-list entry covering ``host`` (sites.google.com before google.*)."""
    labels = host.split(".")
    for i in range(len(labels)):
        name = ".".join(labels[i:])
        wildcard = f"{labels[i]}.*" if _is_icann_suffix(".".join(labels[i + 1 :])) else None
        for category, _ in reversed(_CATEGORY_REASONS):  # free hosting is the most specific
            entries: frozenset[str] = getattr(warning_list, category)
            for entry in (name, wildcard):
                if entry and entry in entries:
                    return _Match(category, entry, name, tuple(labels[:i]))
    return None


def _site(host: str, warning_list: WarningList) -> tuple[str, str | None] | None:
    """(site domain, free-hosting entry or None); None when the host is warning-listed.

    The site domain is the registrable domain, except under a free-hosting parent, where it is
    the parent plus the one label below it (www.x.tumblr.com -> x.tumblr.com).
    """
    match = _warning_match(host, warning_list)
    if match is None:
        domain = registrable_domain(host)
        return (domain, None) if domain else None
    if match.category != "free_hosting":
        return None
    below = match.below[1:] if match.below[:1] == ("www",) else match.below
    if not below:
        return None  # the parent itself (or www.parent)
    return f"{below[-1]}.{match.parent}", match.entry


def is_warning_listed(
    kind: str, value: str, *, warning_list: WarningList = WARNING_LIST
) -> str | None:
    """Why a value must not be treated as a pirate target, in English, or None (see
    :func:`warning_listing`)."""
    listing = warning_listing(kind, value, warning_list=warning_list)
    return None if listing is None else str(listing)


def warning_listing(
    kind: str, value: str, *, warning_list: WarningList = WARNING_LIST
) -> Listing | None:
    """Why a value must not be treated as a pirate target, or None.

    Listed: a platform or shared CDN name or anything under it, a free-hosting parent itself
    (``blogspot.com``, ``www.tumblr.com``; but not ``x.blogspot.com``, which is one person's
    site), an address or panel in a shared anycast range, a network overlapping one. A URL with a
    path or query on a listed host names one page or file (a pirated upload, a Telegram channel,
    a ``sites.google.com/view/...`` site), so it may be reported; it is still never merged on its
    host (see :func:`cluster_keys`).
    Raises IndicatorError for a value that is not valid for ``kind``.
    """
    located = _locate(kind, value)
    if located is None:
        return None
    what, where = located
    if what == "ip":
        for network, owner in warning_list.networks:
            if where in network:
                return _listing(SHARED_ANYCAST_RANGE, network=network, owner=owner)
        return None
    if what == "net":
        for network, owner in warning_list.networks:
            if network.version == where.version and network.overlaps(where):
                return _listing(OVERLAPS_SHARED_ANYCAST_RANGE, network=network, owner=owner)
        return None
    if not _is_site_root(kind, value):
        return None
    match = _warning_match(where, warning_list)
    if match is None:
        if registrable_domain(where) is None:
            return _listing(PUBLIC_SUFFIX, suffix=public_suffix(where))
        return None
    if match.category == "free_hosting" and _site(where, warning_list) is not None:
        return None
    return _listing(dict(_CATEGORY_REASONS)[match.category], name=match.parent)
