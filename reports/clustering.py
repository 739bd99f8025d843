"""Which targets belong to one piracy operation, and why (docs/contract.md, "Reports and
targets": clusters).

Pure Python, no Django: the database layer stores the keys computed here on each target row and
links targets whose keys are equal. See docs/clustering.md for the rules and their measurement.

Automatic links (made without asking anyone):

* ``same_registrable_domain``: both hosts are under one registrable domain (``www.yts.mx`` and
  ``yts.mx``). A site on a free-hosting parent is its own "registrable domain", one label below
  the parent (``x.blogspot.in``, ``x.tumblr.com``), even where the Public Suffix List does not
  list the parent.
* ``same_brand``: the same distinctive label on different public suffixes (``thepiratebay.org``
  and ``thepiratebay.se``; ``yts.mx`` and ``yts.ag``).
* ``co_reported``: decided by the caller, for targets named in one report (a domain with its IP
  or panel). Never through a warning-listed value (see :func:`is_warning_listed`).

Suggestions (a member confirms or dismisses them; never merged automatically):

* ``numbered_family``: the label with its digit runs replaced by ``#`` (``yts1``/``yts2``).
* ``lookalike``: a confusable skeleton (leet digits, ``rn``/``m``, hyphens, a leading ``the``,
  Cyrillic/Greek letters that look Latin).

Nothing here touches the network; every function is deterministic.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import idna
import tldextract
from django.utils.translation import gettext_noop

from reports.indicators import (
    IndicatorError,
    is_mixed_script,
    normalise,
    public_suffix,
    registrable_domain,
)

Target = tuple[str, str]  # (kind, normalised value)
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Link reasons, as stored on a cluster link.
SAME_REGISTRABLE_DOMAIN = "same_registrable_domain"
SAME_BRAND = "same_brand"
CO_REPORTED = "co_reported"
AUTOMATIC_REASONS: tuple[str, ...] = (SAME_REGISTRABLE_DOMAIN, SAME_BRAND, CO_REPORTED)
# Suggestion reasons: shown to members, linked only when a member confirms.
NUMBERED_FAMILY = "numbered_family"
LOOKALIKE = "lookalike"
SUGGESTION_REASONS: tuple[str, ...] = (NUMBERED_FAMILY, LOOKALIKE)

# The key names of cluster_keys() / suggestion_keys() and the reason a shared key gives.
KEY_REASONS: dict[str, str] = {
    "registrable": SAME_REGISTRABLE_DOMAIN,
    "brand": SAME_BRAND,
    "family": NUMBERED_FAMILY,
    "lookalike": LOOKALIKE,
}


# --------------------------------------------------------------------------- the warning list


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


# --------------------------------------------------------------------------- brand labels

# Words too generic to merge on when they make up a whole label, alone or glued together
# ("freemovies", "hdtv", "123movies"; digit runs count as generic too). Kept small on purpose:
# every word here turns real brand links into suggestions (see docs/clustering.md).
GENERIC_WORDS: frozenset[str] = _names(
    """
    tv live stream streams streaming free online movie movies download downloads video videos
    music sport sports watch film films series torrent torrents mp3 app apps web www news play
    hd the my best top new full
    """
)
MIN_BRAND_LENGTH = 3  # "yts" must still link yts.mx and yts.ag; two letters ("tv") never do
_DIGITS_RE = re.compile(r"[0-9]+")


def is_generic_label(label: str) -> bool:
    """True when ``label`` is made only of GENERIC_WORDS and digit runs (hyphens ignored)."""
    text = label.replace("-", "")
    ok = [True] + [False] * len(text)  # ok[i]: text[:i] splits into generic pieces
    for end in range(1, len(text) + 1):
        for start in range(end):
            piece = text[start:end]
            if ok[start] and (piece in GENERIC_WORDS or piece.isdigit()):
                ok[end] = True
                break
    return ok[-1]


def _site_label(host: str, warning_list: WarningList) -> tuple[str, str | None] | None:
    """(label, qualifier or None) naming the site; None for warning-listed hosts and IPs.

    The qualifier is the free-hosting entry, or the Public Suffix List private-section suffix
    (``foo.azurewebsites.net``), that the site lives under: such parents are shared by strangers.
    """
    if _address(host) is not None:
        return None
    site = _site(host, warning_list)
    if site is None:
        return None
    domain, entry = site
    if entry is not None:
        return domain.split(".", 1)[0], entry
    suffix = public_suffix(domain)
    label = domain[: -len(suffix) - 1]
    return label, (suffix if _is_private_suffix(domain) else None)


@lru_cache(maxsize=4096)
def _is_private_suffix(domain: str) -> bool:
    return bool(_ICANN.extract_str(domain, include_psl_private_domains=True).is_private)


def brand_label(host: str, *, warning_list: WarningList = WARNING_LIST) -> str | None:
    """The registrable domain minus its public suffix: thepiratebay.org -> ``thepiratebay``.

    A site on a free-hosting parent is qualified by the parent's entry, so ``x.blogspot.com``
    and ``x.blogspot.in`` (Blogger's country mirrors of one blog) share ``x@blogspot.*`` while
    ``x.wordpress.com`` (``x@wordpress.com``) is someone else; the same goes for other
    private-section suffixes of the Public Suffix List. None for IP addresses,
    warning-listed hosts, labels shorter than MIN_BRAND_LENGTH and generic labels.
    """
    found = _site_label(host, warning_list)
    if found is None:
        return None
    label, entry = found
    if len(label) < MIN_BRAND_LENGTH or is_generic_label(label):
        return None
    return f"{label}@{entry}" if entry else label


# --------------------------------------------------------------------------- keys and links


def _mergeable_host(kind: str, value: str, warning_list: WarningList) -> str | None:
    """The host a target's keys come from; None if it has none or must not be merged on.

    A page on a platform, a CDN or a free-hosting parent itself has no keys, whatever its path:
    the host is shared. A page on a site under a free-hosting parent has that site's keys.
    """
    located = _locate(kind, value)
    if located is None or not isinstance(located[1], str):
        return None
    return located[1] if _site(located[1], warning_list) is not None else None


def cluster_keys(
    kind: str, value: str, *, warning_list: WarningList = WARNING_LIST
) -> dict[str, str]:
    """Keys for automatic links: ``{"registrable": ..., "brand": ...}``, missing when n/a.

    Two targets with an equal key are linked with ``KEY_REASONS[key]``. Hosts of url, domain and
    iptv_panel targets have keys; IPs, networks, accounts and warning-listed values have none
    (they join a cluster only by being reported together with something).
    """
    host = _mergeable_host(kind, value, warning_list)
    site = _site(host, warning_list) if host is not None else None
    if host is None or site is None:
        return {}
    keys = {"registrable": site[0]}
    brand = brand_label(host, warning_list=warning_list)
    if brand is not None:
        keys["brand"] = brand
    return keys


def link_reasons(a: Target, b: Target, *, warning_list: WarningList = WARNING_LIST) -> list[str]:
    """Automatic reasons linking two targets by their values (co-reporting is the caller's)."""
    keys_a = cluster_keys(*a, warning_list=warning_list)
    keys_b = cluster_keys(*b, warning_list=warning_list)
    if "registrable" in keys_a and keys_a["registrable"] == keys_b.get("registrable"):
        return [SAME_REGISTRABLE_DOMAIN]
    if "brand" in keys_a and keys_a["brand"] == keys_b.get("brand"):
        return [SAME_BRAND]
    return []


# Letters of other scripts that look Latin (a subset of Unicode's confusables.txt for the
# scripts pirate look-alikes use), then ASCII look-alikes. Both sides of a pair go through the
# same folding, so "paypa1" and "paypal" meet on "paypal".
_CONFUSABLES = str.maketrans(
    # Cyrillic a ve ie io ka em en o er es te u ha dze i yi je komi-de qa we shha palochka
    "\u0430\u0432\u0435\u0451\u043a\u043c\u043d\u043e\u0440\u0441\u0442\u0443\u0445"
    "\u0455\u0456\u0457\u0458\u0501\u051b\u051d\u04bb\u04cf"
    # Greek alpha beta epsilon eta iota kappa nu omicron rho tau upsilon chi omega
    "\u03b1\u03b2\u03b5\u03b7\u03b9\u03ba\u03bd\u03bf\u03c1\u03c4\u03c5\u03c7\u03c9"
    # ASCII digits and letters that read as other letters
    "01i35",
    # to (i, l and 1 all become l)
    "abeekmhopctyx" + "slljdqwhl" + "abenlkvoptuxw" + "olles",
    "-",
)
_ASCII_CONFUSABLES = {code: to for code, to in _CONFUSABLES.items() if code < 128}
_MULTI_CONFUSABLES = (("rn", "m"), ("vv", "w"))  # not "cl"/"d": club, cloud, click
MIN_SUGGESTION_LETTERS = 3  # a family key needs this many letters besides its digit runs


def _unicode_label(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return idna.decode(label)
    except (UnicodeError, IndexError):
        return label


def lookalike_skeleton(label: str) -> str:
    """Fold a label to what it looks like: ``rnovies`` -> ``movles``, ``the-pirate-bay`` ->
    ``plratebay``. Punycode labels are decoded first; when the label mixes scripts, or is all
    letters that look Latin, its confusable letters are mapped to Latin."""
    text = unicodedata.normalize("NFKC", _unicode_label(label)).lower()
    is_confusable = is_mixed_script(text) or all(
        not c.isalpha() or c.isascii() or c.translate(_CONFUSABLES) != c for c in text
    )
    text = text.translate(_CONFUSABLES if is_confusable else _ASCII_CONFUSABLES)
    for before, after in _MULTI_CONFUSABLES:
        text = text.replace(before, after)
    for prefix in ("www", "the"):
        if text.startswith(prefix) and len(text) - len(prefix) >= 4:
            text = text[len(prefix) :]
    return text


def family_key(label: str) -> str | None:
    """``yts1`` -> ``yts#``; ``123movies`` and ``1234movies`` -> ``#movies``; None without digits
    or with fewer than MIN_SUGGESTION_LETTERS letters. Punycode labels are decoded first."""
    text = _unicode_label(label)
    if not _DIGITS_RE.search(text):
        return None
    key = _DIGITS_RE.sub("#", text)
    if sum(c.isalpha() for c in key) < MIN_SUGGESTION_LETTERS:
        return None
    return key


def suggestion_keys(
    kind: str, value: str, *, warning_list: WarningList = WARNING_LIST
) -> dict[str, str]:
    """Keys for suggestions only: ``{"family": "yts#", "lookalike": "yts"}`` (missing when n/a).

    They use the bare site label, free-hosting parents included, so ``x1.blogspot.com`` may be
    suggested with ``x2.wordpress.com``. Single generic words and labels shorter than
    MIN_BRAND_LENGTH give none; glued generic words ("123movies") do, as they are brands that
    many unrelated operators copy: that is for a member to decide, not for a rule.
    """
    host = _mergeable_host(kind, value, warning_list)
    found = _site_label(host, warning_list) if host is not None else None
    if found is None:
        return {}
    label = found[0]
    if len(label) < MIN_BRAND_LENGTH or label in GENERIC_WORDS or label.isdigit():
        return {}
    keys: dict[str, str] = {}
    family = family_key(label)
    if family is not None:
        keys["family"] = family
    skeleton = lookalike_skeleton(label)
    if len(skeleton) >= MIN_BRAND_LENGTH:
        keys["lookalike"] = skeleton
    return keys


def can_merge_on(kind: str, value: str, *, warning_list: WarningList = WARNING_LIST) -> bool:
    """False for values a co-reported link must not go through (warning-listed ones)."""
    try:
        return is_warning_listed(kind, value, warning_list=warning_list) is None
    except IndicatorError:
        return False


# --------------------------------------------------------------------------- union-find


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Target, Target] = {}

    def add(self, item: Target) -> None:
        self.parent.setdefault(item, item)

    def find(self, item: Target) -> Target:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: Target, b: Target) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def cluster(
    targets: Iterable[Target],
    *,
    reports: Iterable[Iterable[Target]] = (),
    warning_list: WarningList = WARNING_LIST,
) -> list[set[Target]]:
    """Group targets by the automatic rules: equal cluster keys, and (if ``reports`` is given)
    targets reported together, except through warning-listed values.

    Values are normalised first; a target that is not valid for its kind raises IndicatorError.
    Every target appears in exactly one set (singletons included); the order is deterministic.
    """
    union_find = _UnionFind()
    first_with_key: dict[tuple[str, str], Target] = {}
    for kind, value in targets:
        target = (kind, normalise(kind, value))
        union_find.add(target)
        for name, key in cluster_keys(*target, warning_list=warning_list).items():
            other = first_with_key.setdefault((name, key), target)
            union_find.union(target, other)
    for report in reports:
        members = [(kind, normalise(kind, value)) for kind, value in report]
        for target in members:
            union_find.add(target)
        linkable = [t for t in members if can_merge_on(*t, warning_list=warning_list)]
        for target in linkable[1:]:
            union_find.union(linkable[0], target)
    groups: dict[Target, set[Target]] = {}
    for target in union_find.parent:
        groups.setdefault(union_find.find(target), set()).add(target)
    return sorted(groups.values(), key=lambda group: (-len(group), min(group)))
