"""The normaliser of each indicator kind (domains and addresses, app ids, watermark ids, URLs
and IPTV panels, payment and ad accounts); `reports.indicators.normalise` picks one by kind."""

from __future__ import annotations

import ipaddress
import re
import string
import unicodedata

from django.utils.translation import gettext as _

from .indicator_hosts import (
    _ascii_host,
    _domain_error,
    _format_ipv6,
    _is_ipv4,
    _parse_ipv6,
)
from .indicator_limits import (
    DEFAULT_PORTS,
    TRACKING_PARAM_PREFIXES,
    TRACKING_PARAMS,
    URL_SCHEMES,
    IndicatorError,
)

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
