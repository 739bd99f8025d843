"""Validation and canonical forms for the indicators attached to piracy reports.

Every indicator value goes through :func:`normalise` before it is stored. The result is the
hub-wide identity used to deduplicate indicators across members, so every normaliser is
deterministic (no network, no locale, no formatting that differs between Python versions) and
idempotent: ``normalise(k, normalise(k, v)) == normalise(k, v)``. Each normaliser checks its
own output limits, so a canonical value always normalises to itself. This module keeps the
entry points; the per-kind normalisers are in `reports.indicator_kinds`, host names in
`reports.indicator_hosts`, the kinds' limits and :class:`IndicatorError` in
`reports.indicator_limits`.

Errors are :class:`IndicatorError` with a stable ``code``: ``unknown_kind``, ``empty``,
``too_long``, ``is_ip`` (an IP given as a domain or as a network), ``is_url`` (a URL given as a
domain), ``unsupported_scheme``, and ``invalid_<kind>`` for everything else.

Choices the rest of the hub relies on:

* domain: IDNA via the ``idna`` package, UTS 46 non-transitional (``straße.de`` becomes
  ``xn--strae-oqa.de``, as in current browsers). ASCII labels are checked with plain LDH rules,
  so real CDN names with ``--`` in positions 3-4 (``r4---sn-x.googlevideo.com``) are accepted.
  IDNA 2008 refuses symbols, so emoji domains are rejected.
* url: schemes in :data:`URL_SCHEMES`. A URL with no scheme is taken as ``http://``. Userinfo,
  the fragment, default ports and :data:`TRACKING_PARAMS` are dropped. The query keeps its order.
  Numeric hosts (``http://2130706433/``, ``http://0x7f.1/``) are read the way browsers read them
  (WHATWG IPv4 parser). A ``\\`` ends the host and becomes ``/`` in the path, again as in browsers.
* IPv6 is printed by this module (RFC 5952 with hex only), because ``str()`` of IPv4-mapped
  addresses changed in Python 3.13.
* app_id: an Android package name (case kept, because package names are case-sensitive), or an
  Apple App Store id stored as ``id`` + digits (``id123``, ``ID123`` and ``123`` are the same).
* payment_account / ad_account: free text (NFC, whitespace runs collapsed) with an optional
  lower-cased ``provider:`` prefix. See :func:`_normalise_payment_account` for the rest.

Error messages are for people and follow the active language (the portal shows them next to
each indicator); their English text is the msgid, so the API and the tests read it unchanged.
Canonical values never depend on the language.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import idna
import tldextract
from django.utils.translation import gettext as _

from .indicator_hosts import (
    _DOTS_RE,
    _IDNA_ERRORS,
    _ascii_host,
    _is_ipv4,
    _parse_ipv6,
)
from .indicator_hosts import _format_ipv6 as _format_ipv6  # the tests use it
from .indicator_kinds import (
    _normalise_ad_account,
    _normalise_app_id,
    _normalise_cidr,
    _normalise_domain,
    _normalise_iptv_panel,
    _normalise_ipv4,
    _normalise_ipv6,
    _normalise_payment_account,
    _normalise_url,
    _normalise_watermark_id,
)
from .indicator_limits import (
    DEFAULT_PORTS,
    KINDS,
    MAX_INPUT_LENGTH,
    MAX_LENGTHS,
    TRACKING_PARAM_PREFIXES,
    TRACKING_PARAMS,
    URL_SCHEMES,
    IndicatorError,
)

# The public names, those of the sibling modules included.
__all__ = [
    "DEFAULT_PORTS",
    "KINDS",
    "MAX_INPUT_LENGTH",
    "MAX_LENGTHS",
    "TRACKING_PARAMS",
    "TRACKING_PARAM_PREFIXES",
    "URL_SCHEMES",
    "IndicatorError",
    "host_of",
    "is_mixed_script",
    "normalise",
    "public_suffix",
    "registrable_domain",
]

# --------------------------------------------------------------------------- public API

_NORMALISERS: dict[str, Callable[[str], str]] = {
    "url": _normalise_url,
    "domain": _normalise_domain,
    "ipv4": _normalise_ipv4,
    "ipv6": _normalise_ipv6,
    "cidr": _normalise_cidr,
    "app_id": _normalise_app_id,
    "iptv_panel": _normalise_iptv_panel,
    "payment_account": _normalise_payment_account,
    "ad_account": _normalise_ad_account,
    "watermark_id": _normalise_watermark_id,
}
_HOST_KINDS = frozenset({"url", "domain", "iptv_panel"})


def _check_kind(kind: str) -> None:
    if not isinstance(kind, str) or kind not in _NORMALISERS:
        expected = ", ".join(KINDS)
        raise IndicatorError(
            "unknown_kind",
            _("unknown kind %(kind)s; expected one of: %(expected)s")
            % {"kind": repr(kind), "expected": expected},
        )


def normalise(kind: str, value: str) -> str:
    """Validate ``value`` as an indicator of ``kind`` and give its canonical form."""
    _check_kind(kind)
    if not isinstance(value, str):
        raise TypeError(f"indicator value must be str, not {type(value).__name__}")
    text = value.strip()
    if not text:
        raise IndicatorError("empty", _("no value given"))
    limit = MAX_LENGTHS[kind]
    if len(text) > MAX_INPUT_LENGTH:
        raise IndicatorError("too_long", _("longer than %(limit)s characters") % {"limit": limit})
    result = _NORMALISERS[kind](text)
    if len(result) > limit:
        raise IndicatorError("too_long", _("longer than %(limit)s characters") % {"limit": limit})
    return result


def host_of(kind: str, normalised_value: str) -> str | None:
    """The domain a url, domain or iptv_panel indicator points at; None for IPs and other kinds.

    The value is normalised again (this is idempotent), so raw input also works.
    """
    _check_kind(kind)
    if kind not in _HOST_KINDS:
        return None
    canonical = normalise(kind, normalised_value)
    if kind == "domain":
        return canonical
    authority = canonical.split("://", 1)[1].split("/", 1)[0] if kind == "url" else canonical
    host = authority.partition(":")[0]
    return None if host.startswith("[") or _is_ipv4(host) else host


def _build_extractor() -> tldextract.TLDExtract:
    """Offline PSL: no suffix-list URLs (so no HTTP), no disk cache, the bundled snapshot only.

    Private-section suffixes (blogspot.com, github.io) count as public suffixes, because each
    name under them belongs to a different party: x.blogspot.com is its own registrable domain.
    """
    return tldextract.TLDExtract(
        cache_dir=None,
        suffix_list_urls=(),
        fallback_to_snapshot=True,
        include_psl_private_domains=True,
    )


_EXTRACTOR = _build_extractor()  # the snapshot itself is parsed on first use


def _psl_parts(host: str) -> tuple[str, str] | None:
    """(canonical ASCII host, public suffix); None for IP addresses.

    When no PSL rule matches, the PSL's default rule ``*`` applies, so the last label is the
    suffix. This keeps unlisted TLDs (e.g. ``.onion``) usable.
    """
    host = host.strip()
    if not host:
        raise IndicatorError("empty", _("no host given"))
    if _parse_ipv6(host) is not None:
        return None
    name = _ascii_host(host, min_labels=1)
    if _is_ipv4(name):
        return None
    suffix = _EXTRACTOR.extract_str(name).suffix
    return name, suffix or name.rsplit(".", 1)[-1]


def registrable_domain(host: str) -> str | None:
    """eTLD+1 under the bundled Public Suffix List (private section included), or None for IPs
    and bare suffixes. IDN input is returned in A-label form. Raises IndicatorError for a
    malformed host.
    """
    parts = _psl_parts(host)
    if parts is None:
        return None
    name, suffix = parts
    if name == suffix:
        return None
    return ".".join(name.split(".")[-(suffix.count(".") + 2) :])


def public_suffix(host: str) -> str:
    """The public suffix of ``host`` (A-label form); '' for IP addresses."""
    parts = _psl_parts(host)
    return parts[1] if parts else ""


_CJK_SCRIPT_SETS: tuple[frozenset[str], ...] = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
_SCRIPT_ALIASES: dict[str, str | None] = {
    "CJK": "HAN",
    "IDEOGRAPHIC": "HAN",
    "KATAKANA-HIRAGANA": None,  # the prolonged sound mark is shared by both kana
    "MODIFIER": None,
}


def _script_of(char: str) -> str | None:
    """Approximate the Unicode Script property (not in the stdlib) by the character's name."""
    words = unicodedata.name(char, "").split()
    if words[:1] in (["FULLWIDTH"], ["HALFWIDTH"]):
        words = words[1:]
    if not words:
        return None
    return _SCRIPT_ALIASES.get(words[0], words[0])


def _decode_label(label: str) -> str:
    if not label.lower().startswith("xn--"):
        return label
    try:
        return idna.ulabel(label.lower())
    except _IDNA_ERRORS:
        try:  # not valid IDNA 2008, but still show what a browser might display
            return label[4:].encode("ascii").decode("punycode")
        except _IDNA_ERRORS:
            return label


def is_mixed_script(host: str) -> bool:
    """Homograph flag: True if one label mixes letter scripts, e.g. Cyrillic U+0430 + Latin "pple".

    Labels are decoded from punycode first. Digits, hyphens and marks are ignored. The
    combinations UTS 39 calls "highly restrictive" (Latin with Han/kana, Han/Bopomofo or
    Han/Hangul) are not flagged, so ``例え.jp`` is fine. Whole-script confusables are NOT flagged:
    ``xn--80ak6aa92e.com`` (an all-Cyrillic look-alike of "apple") gives False, as that needs
    confusable data this module does not carry.
    """
    for label in _DOTS_RE.split(host.strip()):
        decoded = _decode_label(label)
        scripts = {_script_of(c) for c in decoded if unicodedata.category(c).startswith("L")}
        scripts.discard(None)
        if len(scripts) > 1 and not any(scripts <= allowed for allowed in _CJK_SCRIPT_SETS):
            return True
    return False
