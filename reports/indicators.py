"""Validation and canonical forms for the indicators attached to piracy reports.

Every indicator value goes through :func:`normalise` before it is stored. The result is the
hub-wide identity used to deduplicate indicators across members, so every normaliser is
deterministic (no network, no locale, no formatting that differs between Python versions) and
idempotent: ``normalise(k, normalise(k, v)) == normalise(k, v)``. Each normaliser checks its
own output limits, so a canonical value always normalises to itself.

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

import ipaddress
import re
import string
import unicodedata
from collections.abc import Callable

import idna
import tldextract
from django.utils.translation import gettext as _

KINDS: tuple[str, ...] = (
    "url",
    "domain",
    "ipv4",
    "ipv6",
    "cidr",
    "app_id",
    "iptv_panel",
    "payment_account",
    "ad_account",
    "watermark_id",
)

# Longest canonical value per kind; the raw input may be longer (e.g. tracking parameters).
MAX_LENGTHS: dict[str, int] = {
    "url": 2048,
    "domain": 253,
    "ipv4": 15,
    "ipv6": 39,
    "cidr": 43,
    "app_id": 255,
    "iptv_panel": 253 + len(":65535"),
    "payment_account": 256,
    "ad_account": 256,
    "watermark_id": 128,
}
MAX_INPUT_LENGTH = 8192  # cheap guard before any parsing

URL_SCHEMES: tuple[str, ...] = ("http", "https", "rtmp", "rtmps", "rtsp", "mms")
DEFAULT_PORTS: dict[str, int] = {
    "http": 80,
    "https": 443,
    "rtmp": 1935,
    "rtmps": 443,
    "rtsp": 554,
    "mms": 1755,
}
TRACKING_PARAM_PREFIXES: tuple[str, ...] = ("utm_",)
_AD_CLICK_IDS = ("fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid")
TRACKING_PARAMS: frozenset[str] = frozenset(
    {*_AD_CLICK_IDS, "mc_cid", "mc_eid", "_ga", "_gl", "ref_src"}  # + Mailchimp, GA, Twitter
)


class IndicatorError(ValueError):
    """A value that cannot be an indicator of its kind: ``code`` for machines, str() for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[type[IndicatorError], tuple[str, str]]:
        return (type(self), (self.code, self.message))


# --------------------------------------------------------------------------- host names

_DOTS_RE = re.compile("[.\u3002\uff0e\uff61]")  # the label separators UTS 46 recognises
_LDH_RE = re.compile(r"[a-z0-9-]+")


# idna raises IDNAError (a UnicodeError); IndexError is caught too, as tldextract does.
_IDNA_ERRORS = (UnicodeError, IndexError)


def _domain_error(reason: str, code: str = "invalid_domain") -> IndicatorError:
    return IndicatorError(code, _("not a valid domain name: %(reason)s") % {"reason": reason})


def _to_ascii_labels(host: str) -> list[str]:
    """Split a host name into lower-case ASCII labels, turning IDN labels into A-labels.

    Only non-ASCII labels go through ``idna``, because IDNA 2008 also refuses ASCII labels with
    ``--`` in positions 3-4, and real CDN hosts use them.
    """
    if _DOTS_RE.fullmatch(host[-1:]):
        host = host[:-1]  # one root dot: "example.com." is "example.com"
    labels: list[str] = []
    for part in _DOTS_RE.split(host):
        if part.isascii():
            labels.append(part.lower())
            continue
        try:
            encoded = idna.encode(part, uts46=True).decode("ascii")
        except _IDNA_ERRORS as exc:
            raise _domain_error(
                _("%(label)s cannot be converted to an A-label (%(error)s)")
                % {"label": repr(part), "error": exc}
            ) from exc
        labels.extend(encoded.split("."))
    return labels


def _is_valid_a_label(label: str) -> bool:
    """An ``xn--`` label must decode to a valid U-label and encode back to exactly itself."""
    try:
        return idna.alabel(idna.ulabel(label)).decode("ascii") == label
    except _IDNA_ERRORS:
        return False


def _check_label(label: str) -> None:
    if not label:
        raise _domain_error(_("empty label (leading, trailing or doubled dot)"))
    if len(label) > 63:
        raise _domain_error(_("label longer than 63 characters"))
    if not _LDH_RE.fullmatch(label):
        raise _domain_error(
            _("label %(label)s may only contain letters, digits and hyphens")
            % {"label": repr(label)}
        )
    if label.startswith("-") or label.endswith("-"):
        raise _domain_error(
            _("label %(label)s starts or ends with a hyphen") % {"label": repr(label)}
        )
    if label.startswith("xn--") and not _is_valid_a_label(label):
        raise _domain_error(
            _("label %(label)s is not a valid punycode A-label") % {"label": repr(label)}
        )


def _ends_in_number(labels: list[str]) -> bool:
    """WHATWG rule: a host whose last label is numeric is an IPv4 address or nothing."""
    last = labels[-1]
    if last.isascii() and last.isdigit():
        return True
    return last.startswith("0x") and all(c in string.hexdigits for c in last[2:])


def _parse_ipv4_number(part: str) -> int | None:
    base = 10
    if part.startswith(("0x", "0X")):
        part, base = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        part, base = part[1:], 8
    allowed = string.hexdigits if base == 16 else string.digits[:base]
    if not all(c in allowed for c in part):
        return None
    part = part.lstrip("0") or "0"
    return int(part, base) if len(part) <= 11 else None  # more than 11 digits is over 32 bits


def _parse_legacy_ipv4(labels: list[str]) -> str | None:
    """Read ``2130706433``, ``0x7f.1`` or ``127.0.0.1`` as browsers do; None if not an IPv4."""
    if len(labels) > 4 or "" in labels:
        return None
    numbers = [_parse_ipv4_number(label) for label in labels]
    if any(n is None for n in numbers):
        return None
    *head, last = [n for n in numbers if n is not None]
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = last + sum(n << (8 * (3 - i)) for i, n in enumerate(head))
    return str(ipaddress.IPv4Address(value))


def _ascii_host(host: str, *, min_labels: int = 2) -> str:
    """Give the canonical ASCII form of a host name, or a dotted quad for a numeric host."""
    labels = _to_ascii_labels(host)
    if _ends_in_number(labels):
        address = _parse_legacy_ipv4(labels)
        if address is None:
            raise _domain_error(_("the top-level label is numeric but this is not an IPv4 address"))
        return address
    for label in labels:
        _check_label(label)
    if len(labels) < min_labels:
        raise _domain_error(_("a domain needs at least two labels, e.g. example.com"))
    name = ".".join(labels)
    if len(name) > MAX_LENGTHS["domain"]:
        raise _domain_error(
            _("longer than %(limit)s characters") % {"limit": MAX_LENGTHS["domain"]},
            code="too_long",
        )
    return name


def _is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def _format_ipv6(address: ipaddress.IPv6Address) -> str:
    """Write the RFC 5952 form ourselves, so the output is the same on every Python version."""
    hextets = [(int(address) >> (112 - 16 * i)) & 0xFFFF for i in range(8)]
    best_start, best_len, i = -1, 0, 0
    while i < 8:
        j = i
        while j < 8 and hextets[j] == 0:
            j += 1
        if j - i > best_len:
            best_start, best_len = i, j - i
        i = max(j, i + 1)
    parts = [f"{h:x}" for h in hextets]
    if best_len < 2:
        return ":".join(parts)
    head, tail = parts[:best_start], parts[best_start + best_len :]
    return f"{':'.join(head)}::{':'.join(tail)}"


def _parse_ipv6(text: str) -> str | None:
    """Canonical IPv6 text, or None. Brackets are allowed, zone ids (``%eth0``) are not."""
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if "%" in text:
        return None
    try:
        return _format_ipv6(ipaddress.IPv6Address(text))
    except ValueError:
        return None


# --------------------------------------------------------------------------- simple kinds


def _normalise_domain(value: str) -> str:
    if any(c in value for c in "/?#"):
        raise IndicatorError("is_url", _("looks like a URL; use kind 'url' or give the host only"))
    if value.startswith("*."):
        raise _domain_error(_("wildcards are not accepted; give the domain itself"))
    if ":" in value:
        if _parse_ipv6(value) is not None:
            raise IndicatorError("is_ip", _("this is an IPv6 address; use kind 'ipv6'"))
        raise _domain_error(_("':' is not allowed; for host:port use kind 'iptv_panel' or 'url'"))
    name = _ascii_host(value)
    if _is_ipv4(name):
        raise IndicatorError("is_ip", _("this is an IPv4 address; use kind 'ipv4'"))
    return name


def _normalise_ipv4(value: str) -> str:
    try:
        return str(ipaddress.IPv4Address(value))
    except ValueError:
        pass
    if "/" in value:
        message = _(
            "not a valid IPv4 address: expected a single address; for a network use kind 'cidr'"
        )
    elif ":" in value:
        message = _("not a valid IPv4 address: expected an IPv4 address; for IPv6 use kind 'ipv6'")
    else:
        message = _(
            "not a valid IPv4 address: expected four decimal numbers 0-255 without leading "
            "zeros, e.g. 192.0.2.1"
        )
    raise IndicatorError("invalid_ipv4", message)


def _normalise_ipv6(value: str) -> str:
    address = _parse_ipv6(value)
    if address is not None:
        return address
    if "/" in value:
        message = _("not a valid IPv6 address; for a network use kind 'cidr'")
    elif _is_ipv4(value):
        message = _("not a valid IPv6 address; this is IPv4, use kind 'ipv4'")
    elif "%" in value:
        # No placeholders in this message, so its "%" is written as is (not "%%").
        message = _("not a valid IPv6 address; zone ids (%...) are not accepted")
    else:
        message = _("not a valid IPv6 address")
    raise IndicatorError("invalid_ipv6", message)


_CIDR_RE = re.compile(r"[0-9A-Fa-f:.]+/[0-9]{1,3}")


def _normalise_cidr(value: str) -> str:
    """Keep the network, not the host bits: ``10.1.2.3/8`` is ``10.0.0.0/8``."""
    if "/" not in value:
        if _is_ipv4(value) or _parse_ipv6(value) is not None:
            raise IndicatorError(
                "is_ip", _("a single address; use kind 'ipv4'/'ipv6' or add /prefix")
            )
        raise IndicatorError("invalid_cidr", _("expected address/prefix, e.g. 10.0.0.0/8"))
    if not _CIDR_RE.fullmatch(value):
        raise IndicatorError("invalid_cidr", _("expected address/prefix, e.g. 2001:db8::/32"))
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError as exc:
        raise IndicatorError(
            "invalid_cidr", _("not a valid network: %(error)s") % {"error": exc}
        ) from exc
    address = network.network_address
    text = _format_ipv6(address) if isinstance(address, ipaddress.IPv6Address) else str(address)
    return f"{text}/{network.prefixlen}"


_ANDROID_PACKAGE_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+")
_APPLE_ID_RE = re.compile(r"(?:id)?([1-9][0-9]{0,19})", re.IGNORECASE | re.ASCII)


def _normalise_app_id(value: str) -> str:
    """Android package (case kept) or Apple App Store id (``id`` + digits, no leading zero)."""
    apple = _APPLE_ID_RE.fullmatch(value)
    if apple:
        return f"id{apple.group(1)}"
    if _ANDROID_PACKAGE_RE.fullmatch(value):
        return value
    raise IndicatorError(
        "invalid_app_id",
        _("expected an Android package name (com.example.app) or an App Store id (id1234567890)"),
    )


_WATERMARK_RE = re.compile(r"[A-Za-z0-9._:-]+")


def _normalise_watermark_id(value: str) -> str:
    """Forensic session ids are opaque and may be case-sensitive, so they are kept as given."""
    if not _WATERMARK_RE.fullmatch(value):
        raise IndicatorError(
            "invalid_watermark_id", _("may only contain letters, digits and . _ : - (no spaces)")
        )
    return value


# --------------------------------------------------------------------------- URLs and panels

_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(?![0-9])")  # "host:8080" is not a scheme
_AUTHORITY_END_RE = re.compile(r"[/\\?#]")
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_PATH_SAFE = _UNRESERVED | frozenset("!$&'()*+,;=:@/")
_QUERY_SAFE = _PATH_SAFE | {"?"}


def _reject_unsafe_chars(value: str, code: str) -> None:
    if any(c.isspace() or unicodedata.category(c) in ("Cc", "Cs") for c in value):
        raise IndicatorError(code, _("contains spaces or control characters"))


def _check_scheme(scheme: str) -> str:
    scheme = scheme.lower()
    if scheme not in URL_SCHEMES:
        accepted = ", ".join(URL_SCHEMES)
        raise IndicatorError(
            "unsupported_scheme",
            _("scheme %(scheme)s is not one of: %(accepted)s")
            % {"scheme": repr(scheme), "accepted": accepted},
        )
    return scheme


def _parse_port(text: str, code: str) -> int | None:
    if not text:
        return None  # "host:" means no port (RFC 3986 6.2.3)
    if not (text.isascii() and text.isdigit() and len(text) <= 5 and 0 < int(text) < 65536):
        raise IndicatorError(
            code, _("port %(port)s is not a number from 1 to 65535") % {"port": repr(text)}
        )
    return int(text)


def _parse_authority(authority: str, code: str) -> tuple[str, int | None]:
    """Give the canonical host (IPv6 in brackets) and the port. Userinfo is dropped."""
    hostport = authority.rpartition("@")[2]
    if hostport.startswith("["):
        inner, bracket, after = hostport[1:].partition("]")
        address = _parse_ipv6(inner) if bracket else None
        if address is None or (after and not after.startswith(":")):
            raise IndicatorError(code, _("invalid IPv6 address in brackets"))
        return f"[{address}]", _parse_port(after[1:], code)
    name, _colon, port_text = hostport.partition(":")
    if ":" in port_text:
        raise IndicatorError(code, _("IPv6 addresses must be in brackets, e.g. [2001:db8::1]"))
    if not name:
        raise IndicatorError(code, _("no host given"))
    try:
        host = _ascii_host(name)
    except IndicatorError as exc:
        raise IndicatorError(code, _("invalid host: %(error)s") % {"error": exc}) from exc
    return host, _parse_port(port_text, code)


def _normalise_percent(text: str, safe: frozenset[str]) -> str:
    """RFC 3986 6.2.2.2: unescape unreserved chars, upper-case other escapes, escape the rest."""
    out: list[str] = []
    i = 0
    while i < len(text):
        escape = text[i + 1 : i + 3]
        if text[i] == "%" and len(escape) == 2 and all(c in string.hexdigits for c in escape):
            char = chr(int(escape, 16))
            out.append(char if char in _UNRESERVED else f"%{escape.upper()}")
            i += 3
            continue
        char = text[i]
        out.append(char if char in safe else "".join(f"%{b:02X}" for b in char.encode()))
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4 for an absolute path: ``/a/./b/../c`` is ``/a/c``."""
    segments = path.split("/")[1:]
    out: list[str] = []
    for index, segment in enumerate(segments):
        if segment in (".", ".."):
            if segment == ".." and out:
                out.pop()
            if index == len(segments) - 1:
                out.append("")  # "/a/b/.." keeps its trailing slash: "/a/"
        else:
            out.append(segment)
    return "/" + "/".join(out)


def _is_tracking_param(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PARAM_PREFIXES)


def _clean_query(query: str) -> str:
    """Drop tracking and empty parameters; keep the order, which can matter to the site."""
    kept = []
    for param in query.split("&"):
        param = _normalise_percent(param, _QUERY_SAFE)
        if param and not _is_tracking_param(param.partition("=")[0]):
            kept.append(param)
    return "&".join(kept)


def _normalise_url(value: str) -> str:
    _reject_unsafe_chars(value, "invalid_url")
    if value.startswith("//"):
        value = "http:" + value
    elif not _SCHEME_RE.match(value):
        value = "http://" + value
    raw_scheme, _colon, rest = value.partition(":")
    scheme = _check_scheme(raw_scheme)
    if not rest.startswith("//"):
        raise IndicatorError(
            "invalid_url", _("expected '//' after '%(scheme)s:'") % {"scheme": scheme}
        )
    rest = rest[2:]
    end = _AUTHORITY_END_RE.search(rest)
    authority, tail = (rest[: end.start()], rest[end.start() :]) if end else (rest, "")
    host, port = _parse_authority(authority, "invalid_url")
    raw_path, _mark, raw_query = tail.partition("#")[0].partition("?")
    path = _normalise_percent(raw_path.replace("\\", "/"), _PATH_SAFE) or "/"
    url = f"{scheme}://{host}"
    if port is not None and port != DEFAULT_PORTS[scheme]:
        url += f":{port}"
    url += _remove_dot_segments(path)
    query = _clean_query(raw_query)
    return f"{url}?{query}" if query else url


def _normalise_iptv_panel(value: str) -> str:
    """A panel is ``host:port``; a scheme is stripped, a path, query or fragment is refused."""
    code = "invalid_iptv_panel"
    _reject_unsafe_chars(value, code)
    scheme = _SCHEME_RE.match(value)
    if scheme and value[scheme.end() :].startswith("//"):
        _check_scheme(scheme.group(1))
        value = value[scheme.end() + 2 :]
    end = _AUTHORITY_END_RE.search(value)
    if end and value[end.start() :] != "/":
        raise IndicatorError(code, _("a panel is host:port only; use kind 'url' for a full URL"))
    host, port = _parse_authority(value[: end.start()] if end else value, code)
    if port is None:
        raise IndicatorError(code, _("a port is required, e.g. panel.example.com:8080"))
    return f"{host}:{port}"


# --------------------------------------------------------------------------- accounts

_PROVIDER_RE = re.compile(r"([A-Za-z][A-Za-z0-9_-]{0,31}) ?: ?(.*)", re.DOTALL)
_GROUPED_RE = re.compile(r"[A-Za-z0-9]+(?:[ -][A-Za-z0-9]+)*")
_IBAN_RE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_ADSENSE_RE = re.compile(r"(?:ca-)?pub-([0-9]{10,20})", re.IGNORECASE | re.ASCII)
_ADSENSE_PREFIX_RE = re.compile(r"(?:ca-)?pub-", re.IGNORECASE | re.ASCII)


def _split_account(value: str, code: str) -> tuple[str, str]:
    """NFC, collapse whitespace, and split an optional ``provider:`` prefix (lower-cased)."""
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in text):
        raise IndicatorError(code, _("contains control characters"))
    if text.startswith(":"):
        raise IndicatorError(code, _("nothing before ':'; give the provider, or no prefix"))
    match = _PROVIDER_RE.fullmatch(text)
    provider, account = (f"{match.group(1).lower()}:", match.group(2)) if match else ("", text)
    if match and not account:
        raise IndicatorError(code, _("nothing after the provider prefix"))
    # Every real account id holds a letter or a digit; ":", "-" or "paypal:@" identify nothing
    # (and as targets would merge unrelated reports).
    if not any(c.isalnum() for c in account):
        raise IndicatorError(code, _("the account holds no letter or digit"))
    return provider, account


def _iban_checksum_ok(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _compact_number(account: str) -> str | None:
    """IBANs (checksum verified, so random ids are not upper-cased) and grouped digit runs."""
    if not _GROUPED_RE.fullmatch(account):
        return None
    compact = account.replace(" ", "").replace("-", "").upper()
    if _IBAN_RE.fullmatch(compact) and _iban_checksum_ok(compact):
        return compact
    return compact if compact.isdigit() else None


def _normalise_payment_account(value: str) -> str:
    """``provider:account``. E-mail-like accounts are lower-cased. IBANs are compacted and
    upper-cased. Digits grouped with spaces or hyphens are compacted. Anything else (merchant
    ids, crypto wallets) keeps its case, because many of these ids are case-sensitive.
    """
    provider, account = _split_account(value, "invalid_payment_account")
    account = account.lower() if "@" in account else (_compact_number(account) or account)
    return unicodedata.normalize("NFC", provider + account)


def _normalise_ad_account(value: str) -> str:
    """Like payment accounts. AdSense ids (``ca-pub-N``, ``PUB-N``) become ``pub-N``."""
    provider, account = _split_account(value, "invalid_ad_account")
    adsense = _ADSENSE_RE.fullmatch(account)
    if adsense:
        account = f"pub-{adsense.group(1)}"
    elif _ADSENSE_PREFIX_RE.fullmatch(account):
        raise IndicatorError("invalid_ad_account", _("an AdSense id needs its number: pub-N"))
    elif "@" in account:
        account = account.lower()
    return unicodedata.normalize("NFC", provider + account)


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
