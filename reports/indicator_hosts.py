"""Host names for `reports.indicators`: IDN labels to A-labels, LDH checks, numeric hosts read
as browsers read them (WHATWG IPv4 parser), and IPv6 text written the same on every Python."""

from __future__ import annotations

import ipaddress
import re
import string

import idna
from django.utils.translation import gettext as _

from .indicator_limits import MAX_LENGTHS, IndicatorError

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
