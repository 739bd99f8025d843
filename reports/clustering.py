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

Nothing here touches the network; every function is deterministic. The warning list and the
lookup of a value in it are in `reports.warning_list`, whose public names this module re-exports.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import idna

from reports.indicators import (
    IndicatorError,
    is_mixed_script,
    normalise,
    public_suffix,
)

from .warning_list import (
    _ICANN,
    FREE_HOSTING_PARENT,
    MAJOR_PLATFORM,
    OVERLAPS_SHARED_ANYCAST_RANGE,
    PUBLIC_SUFFIX,
    SHARED_ANYCAST_RANGE,
    SHARED_CDN,
    WARNING_LIST,
    IPNetwork,
    Listing,
    WarningList,
    _address,
    _locate,
    _names,
    _site,
    is_warning_listed,
    warning_listing,
)
from .warning_list import _warning_match as _warning_match  # the tests use it

# The public names, those of the sibling modules included.
__all__ = [
    "AUTOMATIC_REASONS",
    "CO_REPORTED",
    "FREE_HOSTING_PARENT",
    "GENERIC_WORDS",
    "KEY_REASONS",
    "LOOKALIKE",
    "MAJOR_PLATFORM",
    "MIN_BRAND_LENGTH",
    "MIN_SUGGESTION_LETTERS",
    "NUMBERED_FAMILY",
    "OVERLAPS_SHARED_ANYCAST_RANGE",
    "PUBLIC_SUFFIX",
    "SAME_BRAND",
    "SAME_REGISTRABLE_DOMAIN",
    "SHARED_ANYCAST_RANGE",
    "SHARED_CDN",
    "SUGGESTION_REASONS",
    "WARNING_LIST",
    "IPNetwork",
    "Listing",
    "Target",
    "UnionFind",
    "WarningList",
    "brand_label",
    "can_merge_on",
    "cluster",
    "cluster_keys",
    "family_key",
    "is_generic_label",
    "is_warning_listed",
    "lookalike_skeleton",
    "suggestion_keys",
    "warning_listing",
]

Target = tuple[str, str]  # (kind, normalised value)

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


class UnionFind:
    """Components of anything hashable and ordered (target tuples here, target keys in
    `reports.selectors`); a component's root is its smallest member."""

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
    union_find = UnionFind()
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
