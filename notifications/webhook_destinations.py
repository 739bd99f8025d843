"""Where a webhook may go: URL parsing, name resolution and the refusal of non-public
addresses (DNS rebinding included); re-exported by `reports.webhooks`."""

from __future__ import annotations

import ipaddress
import socket
from typing import NamedTuple
from urllib.parse import quote, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Ranges that `ipaddress.is_global` gets wrong on some Python versions (3.11 calls multicast,
# 192.0.0.0/24 and fec0::/10 global) or that are simply never a legitimate webhook receiver.
_NEVER_PUBLIC = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host
        "100.64.0.0/10",  # carrier-grade NAT shared space
        "192.0.0.0/24",  # IETF protocol assignments
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "198.18.0.0/15",  # benchmarking
        "240.0.0.0/4",  # reserved, includes broadcast
        "fec0::/10",  # deprecated site-local
        "64:ff9b:1::/48",  # local-use NAT64
    )
)
# IPv6 forms that carry an IPv4 address the packet ends up at (via dual-stack, a 6to4 relay or
# a NAT64 gateway): judged by that IPv4 address, so ::ffff:127.0.0.1 is loopback.
_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")


class DestinationRefused(Exception):
    """The URL may not be delivered to. `reason` is safe to show to the endpoint's owner.

    `transient` is True only when the host name did not resolve, which may fix itself; every
    other refusal holds until the URL (or the allow-private setting) changes.
    """

    def __init__(self, reason: str, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


class _Target(NamedTuple):
    scheme: str
    host: str  # ASCII (IDNA) form, no brackets
    port: int
    request_target: str  # path and query as sent on the request line


_DEFAULT_PORTS = {"http": 80, "https": 443}
# Printable ASCII that may stay literal in a request target; everything else gets %-encoded.
_TARGET_SAFE = "!$%&'()*+,/:;=?@[]~"


def _parse_url(url: str) -> _Target:
    if not isinstance(url, str) or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in url):
        raise DestinationRefused("the URL must not contain whitespace or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise DestinationRefused(f"the URL is malformed ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise DestinationRefused("only http and https URLs are allowed")
    if parts.username is not None or parts.password is not None:
        # They would be dropped silently (we never send Basic auth); say so instead.
        raise DestinationRefused("credentials in the URL are not supported")
    if not parts.hostname:
        raise DestinationRefused("the URL has no host")
    if port == 0:
        raise DestinationRefused("port 0 is not a valid destination")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise DestinationRefused("the host name is not a valid (internationalised) name") from exc
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    return _Target(scheme, host, port or _DEFAULT_PORTS[scheme], quote(target, safe=_TARGET_SAFE))


def _effective_address(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address embeds, when packets to it end up there."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in _NAT64_WELL_KNOWN:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def _non_public_reason(address: IPAddress) -> str | None:
    """Why `address` is not a public unicast address, or None if it is."""
    effective = _effective_address(address)
    # Named checks first so the message says *what* it is; is_global last as the catch-all.
    checks = (
        ("loopback", effective.is_loopback),
        ("unspecified", effective.is_unspecified),
        ("link-local", effective.is_link_local),
        ("multicast", effective.is_multicast),
        ("private", effective.is_private),
        ("reserved", effective.is_reserved),
        ("site-local", isinstance(effective, ipaddress.IPv6Address) and effective.is_site_local),
        ("special-purpose", any(effective in net for net in _NEVER_PUBLIC)),
        ("not globally routable", not effective.is_global),
    )
    return next((label for label, hit in checks if hit), None)


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise DestinationRefused(f"cannot resolve {host}: {exc}", transient=True) from exc
    addresses: list[str] = []
    for family, _type, _proto, _canon, sockaddr in infos:
        if family in (socket.AF_INET, socket.AF_INET6) and sockaddr[0] not in addresses:
            addresses.append(str(sockaddr[0]))
    if not addresses:
        raise DestinationRefused(f"{host} has no IPv4 or IPv6 address", transient=True)
    return addresses


def _checked(url: str, allow_private: bool) -> tuple[_Target, list[str]]:
    target = _parse_url(url)
    addresses = _resolve(target.host, target.port)
    if not allow_private:
        for text in addresses:
            try:
                address = ipaddress.ip_address(text)
            except ValueError as exc:
                raise DestinationRefused(f"{target.host} resolved to unusable {text!r}") from exc
            reason = _non_public_reason(address)
            if reason is not None:
                raise DestinationRefused(
                    f"{target.host} resolves to {address} ({reason}); "
                    "webhooks are only delivered to public addresses"
                )
    return target, addresses


def check_destination(url: str, *, allow_private: bool) -> tuple[str, int, str, list[str]]:
    """Validate `url` and resolve its host once: (scheme, port, host, addresses).

    Every resolved address must be public: refusing when *any* is not stops a name that
    answers with both a public and an internal address from reaching the internal one.
    Deliver only to the returned addresses; resolving the name again reopens DNS rebinding.
    Raises DestinationRefused. Also suitable for validating a URL when an endpoint is saved.
    """
    target, addresses = _checked(url, allow_private)
    return target.scheme, target.port, target.host, addresses
