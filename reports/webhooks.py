"""Outgoing webhooks: signing (Standard Webhooks), retry timing and SSRF-safe delivery.

This module is self-contained: it knows nothing about models or Celery. The caller stores the
endpoint (URL and secrets), builds the JSON body once per message, keeps the message id stable
across retries, and schedules retries with `next_attempt_delay`.

Signing follows https://www.standardwebhooks.com/: the `webhook-signature` header carries one
`v1,<base64 HMAC-SHA256>` per active secret over "{id}.{timestamp}.{body}", so a receiver
rotating secrets accepts the message with either the old or the new one.

Delivery resolves the destination once, refuses non-public addresses (unless explicitly allowed)
and then connects to the address it checked rather than the name, so a DNS answer that changes
between the check and the connection (DNS rebinding) cannot steer the request inward.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime
import hashlib
import hmac
import http.client
import ipaddress
import random
import socket
import ssl
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from secrets import token_bytes
from typing import NamedTuple
from urllib.parse import quote, urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.util.ssl_match_hostname import CertificateError

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format marker, not a secret
SECRET_BYTES = 32
# Standard Webhooks allows 24-64 byte keys; anything else is almost certainly a pasting error.
SECRET_MIN_BYTES = 24
SECRET_MAX_BYTES = 64

USER_AGENT = "Atalaya-Webhooks/1"
CONTENT_TYPE = "application/json"

# Delay before the next attempt, indexed by the number of attempts already made minus one:
# after the 1st attempt fails retry immediately, after the 2nd wait 5 s, ... after the 10th
# wait 24 h; after the 11th give up.
RETRY_SCHEDULE: tuple[int, ...] = (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
JITTER = 0.10
RETRY_AFTER_CAP = 86400

DEFAULT_TIMEOUT = 10.0
MAX_RESPONSE_BYTES = 64 * 1024

# Spreads retries so endpoints recovering from an outage are not hit by every delivery at once.
# Not security-sensitive, hence not SystemRandom.
_jitter_rng = random.Random()

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


# --- secrets and signatures -----------------------------------------------------------------


def generate_secret() -> str:
    """A new endpoint secret: 'whsec_' + base64 of 32 random bytes (50 characters)."""
    return SECRET_PREFIX + base64.b64encode(token_bytes(SECRET_BYTES)).decode("ascii")


def _secret_key(secret: str) -> bytes:
    """The HMAC key inside a 'whsec_' secret. Errors never echo the secret, as they get logged."""
    if not isinstance(secret, str) or not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"webhook secret must be a string starting with {SECRET_PREFIX!r}")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except binascii.Error as exc:
        raise ValueError("webhook secret is not valid base64 after the prefix") from exc
    if not SECRET_MIN_BYTES <= len(key) <= SECRET_MAX_BYTES:
        raise ValueError(
            f"webhook secret must decode to {SECRET_MIN_BYTES}-{SECRET_MAX_BYTES} bytes, "
            f"got {len(key)}"
        )
    return key


def _check_message_id(msg_id: str) -> None:
    # The id travels in a header and in the signed content; whitespace or control characters
    # would either break the header or make the signed string ambiguous to receivers.
    if (
        not isinstance(msg_id, str)
        or not msg_id
        or not msg_id.isascii()
        or not msg_id.isprintable()
    ):
        raise ValueError("webhook message id must be non-empty printable ASCII")
    if " " in msg_id:
        raise ValueError("webhook message id must not contain spaces")


def _check_timestamp(timestamp: int) -> None:
    # A float would be signed as "1700000000.0" while receivers expect integer seconds.
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise TypeError("webhook timestamp must be an int (Unix seconds)")


def _signature(key: bytes, msg_id: str, timestamp: str, body: bytes) -> str:
    content = f"{msg_id}.{timestamp}.".encode() + body
    return base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode("ascii")


def sign(secrets: str | Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value: one 'v1,<sig>' per secret, space-separated.

    Pass every currently active secret during a rotation so receivers holding either one
    accept the message.
    """
    _check_message_id(msg_id)
    _check_timestamp(timestamp)
    if not isinstance(body, bytes | bytearray | memoryview):
        # Signing must cover exactly the bytes sent; re-encoding a str later could differ.
        raise TypeError("webhook body must be bytes")
    keys = [secrets] if isinstance(secrets, str) else list(secrets)
    if not keys:
        raise ValueError("at least one webhook secret is required to sign")
    body = bytes(body)
    return " ".join(f"v1,{_signature(_secret_key(s), msg_id, str(timestamp), body)}" for s in keys)


def build_headers(
    secrets: str | Sequence[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """All headers of one delivery attempt. Re-sign on every retry with the same `msg_id` (so
    receivers can dedupe) and a fresh `timestamp` (so receivers' replay windows accept it)."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secrets, msg_id, timestamp, body),
        "Content-Type": CONTENT_TYPE,
        "User-Agent": USER_AGENT,
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance: int = 300,
    now: int | None = None,
) -> bool:
    """Receiver side: True when one of the v1 signatures matches and the timestamp is within
    `tolerance` seconds of `now` (in either direction, which bounds replays).

    Header names are matched case-insensitively (Django's `request.headers` works as is).
    Returns False for anything a sender controls; raises ValueError only for a malformed
    `secret`, which is the receiver's own configuration error.
    """
    key = _secret_key(secret)
    lowered = {str(name).lower(): value for name, value in headers.items()}
    msg_id = lowered.get("webhook-id")
    raw_timestamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not msg_id or not raw_timestamp or not signatures:
        return False
    if not (raw_timestamp.isascii() and raw_timestamp.isdigit()):
        return False
    current = int(time.time()) if now is None else now
    if abs(current - int(raw_timestamp)) > tolerance:
        return False
    try:
        expected = _signature(key, msg_id, raw_timestamp, bytes(body)).encode("ascii")
    except UnicodeEncodeError:
        return False
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        # Unknown versions are skipped, not rejected: a sender may add v1a etc. alongside v1.
        if version == "v1" and hmac.compare_digest(value.encode("utf-8", "replace"), expected):
            return True
    return False


# --- retry timing ---------------------------------------------------------------------------


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from `now` that a Retry-After header asks us to wait, capped at 24 h.

    Accepts delay-seconds or an HTTP date; returns None when absent or unparseable, so a
    broken header falls back to the normal schedule instead of failing the delivery.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        seconds = float(int(value))
    else:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:  # "-0000" parses naive; HTTP dates are always GMT
            moment = moment.replace(tzinfo=datetime.UTC)
        seconds = moment.timestamp() - (time.time() if now is None else now)
    return min(max(seconds, 0.0), float(RETRY_AFTER_CAP))


def next_attempt_delay(
    attempt: int,
    *,
    retry_after: str | None = None,
    rng: random.Random | None = None,
    now: float | None = None,
) -> float | None:
    """Seconds to wait before the next attempt, or None once the schedule is exhausted.

    `attempt` is the number of attempts already made (1 after the first). The scheduled delay
    gets ±10 % jitter; a Retry-After from the last response is a floor, never shortened by
    jitter. `now` only matters for HTTP-date Retry-After values (injectable for tests).
    """
    if attempt < 1:
        raise ValueError("attempt counts attempts already made, so it starts at 1")
    if attempt > len(RETRY_SCHEDULE):
        return None
    source = rng if rng is not None else _jitter_rng
    delay = RETRY_SCHEDULE[attempt - 1] * (1 + source.uniform(-JITTER, JITTER))
    floor = parse_retry_after(retry_after, now=now)
    return delay if floor is None else max(delay, floor)


# --- destination checks ---------------------------------------------------------------------


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


# --- delivery -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryResult:
    """Outcome of one attempt; `ok` is authoritative (2xx), `error` is for the delivery log."""

    ok: bool
    status_code: int | None
    error: str
    response_excerpt: str
    retry_after: str | None
    gone: bool
    duration_ms: int
    # True when the destination was refused before any connection (private address, bad URL,
    # DNS failure); nothing reached the network.
    refused: bool = False


def _setting(name: str, default: object) -> object:
    """A Django setting when Django is configured, else `default` (usable outside Django)."""
    try:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured
    except ImportError:
        return default
    try:
        return getattr(settings, name, default)
    except ImproperlyConfigured:
        return default


def _host_header(target: _Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == _DEFAULT_PORTS[target.scheme] else f"{host}:{target.port}"


class _Deadline:
    """Shuts the socket when the total time budget is spent.

    Socket timeouts bound each recv, not the exchange: a receiver trickling a byte at a time
    would otherwise hold a worker for as long as it likes.
    """

    def __init__(self, sock: socket.socket, seconds: float) -> None:
        self.expired = threading.Event()
        self._timer = threading.Timer(max(seconds, 0.0), self._cut, args=(sock,))
        self._timer.daemon = True
        self._timer.start()

    def _cut(self, sock: socket.socket) -> None:
        self.expired.set()
        # socket.socket.shutdown, not SSLSocket.shutdown: the latter tears down TLS state that
        # the reading thread is still using; the plain shutdown just makes its recv return.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


# Anything a misbehaving network or receiver can cause, as opposed to bugs in the caller.
# (ValueError covers e.g. reading from a TLS socket that the deadline has just shut.)
_NETWORK_ERRORS = (OSError, http.client.HTTPException, urllib3.exceptions.HTTPError, ValueError)


def _connection(
    target: _Target, address: str, timeout: float, ca_certs: str | None
) -> HTTPConnection:
    if target.scheme == "https":
        # Connect to the checked IP, but present (SNI) and verify the certificate against the
        # name in the URL: that is what the receiver's certificate is issued for.
        return HTTPSConnection(
            address,
            target.port,
            timeout=timeout,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=ca_certs,
        )
    return HTTPConnection(address, target.port, timeout=timeout)


def _read_excerpt(response: urllib3.BaseHTTPResponse) -> bytes:
    # Raw bytes, capped: the log needs a hint of what the receiver said, and decoding
    # (gzip etc.) an untrusted body could expand it far beyond the cap.
    chunks: list[bytes] = []
    size = 0
    while size < MAX_RESPONSE_BYTES:
        chunk = response.read(min(16384, MAX_RESPONSE_BYTES - size), decode_content=False)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _loggable(text: str) -> str:
    # Results go straight into the delivery log; PostgreSQL text columns reject NUL, and a
    # receiver answering with binary content must not make saving its result fail.
    return text.replace("\x00", "\ufffd")


def _describe(exc: BaseException) -> str:
    cause = exc.__cause__ or exc.__context__
    detail = str(cause) if isinstance(exc, urllib3.exceptions.HTTPError) and cause else str(exc)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


class _Outcome(NamedTuple):
    ok: bool
    status_code: int | None
    error: str
    excerpt: bytes
    retry_after: str | None


def _exchange(
    conn: HTTPConnection,
    target: _Target,
    body: bytes,
    headers: dict[str, str],
    deadline: float,
    timeout: float,
) -> _Outcome:
    """Send the request on a connected `conn` and read the response within the deadline."""
    if conn.sock is None:  # connect() succeeded, so this is a urllib3 contract change
        raise RuntimeError("connection has no socket after connect()")
    guard = _Deadline(conn.sock, deadline - time.monotonic())
    response: urllib3.BaseHTTPResponse | None = None
    try:
        try:
            conn.request(
                "POST",
                target.request_target,
                body=body,
                headers=headers,
                preload_content=False,
                decode_content=False,
            )
            response = conn.getresponse()
        except _NETWORK_ERRORS as exc:
            timed_out = guard.expired.is_set() or isinstance(
                exc, TimeoutError | urllib3.exceptions.TimeoutError
            )
            error = f"timed out after {timeout:g}s" if timed_out else _describe(exc)
            return _Outcome(False, None, error, b"", None)
        if guard.expired.is_set():
            # http.client takes EOF in the middle of the headers for their end, so a response
            # cut off by the deadline can look like a complete "200 OK". Never trust it.
            return _Outcome(False, None, f"timed out after {timeout:g}s", b"", None)
        status = response.status
        retry_after = response.headers.get("Retry-After")
        error = _status_error(status, response.headers.get("Location"))
        try:
            excerpt = _read_excerpt(response)
        except _NETWORK_ERRORS as exc:
            # The complete headers already say whether the receiver accepted the message; a
            # body cut short does not turn a 2xx into a failure (a retry would deliver twice).
            excerpt = b""
            reason = "timed out" if guard.expired.is_set() else _describe(exc)
            error = f"{error}; response body not read: {reason}" if error else ""
        return _Outcome(200 <= status < 300, status, error, excerpt, retry_after)
    finally:
        guard.cancel()
        if response is not None:
            response.close()
        conn.close()


def _status_error(status: int, location: str | None) -> str:
    if 200 <= status < 300:
        return ""
    if 300 <= status < 400:
        # Following redirects would let a public receiver bounce us to an internal address.
        shown = (location or "-")[:200]  # receiver-controlled; keep the log line bounded
        return f"HTTP {status}: redirect not followed (Location: {shown})"
    if status == 410:
        return "HTTP 410 Gone: the receiver asks to disable this endpoint"
    return f"HTTP {status}"


def deliver(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allow_private: bool | None = None,
    timeout: float | None = None,
    ca_certs: str | None = None,
) -> DeliveryResult:
    """POST `body` with `headers` (from `build_headers`) to `url`, once. Never follows
    redirects, never retries (the caller schedules retries with `next_attempt_delay`).

    `allow_private` and `timeout` default to the WEBHOOK_ALLOW_PRIVATE_DESTINATIONS (False)
    and WEBHOOK_TIMEOUT (10 s, total) settings. `ca_certs` is a CA bundle path for https
    receivers; by default the system store is used. Network failures of any kind come back as
    `ok=False` with `error`; only programming errors (e.g. a str body) raise.
    """
    if not isinstance(body, bytes):
        raise TypeError("webhook body must be bytes (the exact bytes that were signed)")
    if allow_private is None:
        # `is True`: a string such as "False" from a mis-parsed env var must not open the door.
        allow_private = _setting("WEBHOOK_ALLOW_PRIVATE_DESTINATIONS", False) is True
    if timeout is None:
        timeout = float(_setting("WEBHOOK_TIMEOUT", DEFAULT_TIMEOUT))  # type: ignore[arg-type]
    if timeout <= 0:
        raise ValueError("timeout must be positive")
    started = time.monotonic()

    def result(outcome: _Outcome, *, refused: bool = False) -> DeliveryResult:
        return DeliveryResult(
            ok=outcome.ok,
            status_code=outcome.status_code,
            error=_loggable(outcome.error),
            response_excerpt=_loggable(outcome.excerpt.decode("utf-8", "replace")),
            retry_after=outcome.retry_after,
            gone=outcome.status_code == 410,
            duration_ms=round((time.monotonic() - started) * 1000),
            refused=refused,
        )

    try:
        target, addresses = _checked(url, allow_private)
    except DestinationRefused as exc:
        refusal = _Outcome(False, None, f"destination refused: {exc.reason}", b"", None)
        return result(refusal, refused=True)

    # The receiver sees the name from the URL, whatever address we connected to.
    send_headers = {k: v for k, v in headers.items() if k.lower() != "host"}
    send_headers.setdefault("Content-Type", CONTENT_TYPE)
    if not any(k.lower() == "user-agent" for k in send_headers):
        send_headers["User-Agent"] = USER_AGENT
    send_headers["Host"] = _host_header(target)

    deadline = started + timeout
    error = "no address to connect to"
    for address in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return result(_Outcome(False, None, f"timed out after {timeout:g}s", b"", None))
        conn = _connection(target, address, remaining, ca_certs)
        try:
            conn.connect()
        except urllib3.exceptions.NewConnectionError as exc:
            # Nothing was sent, so trying the next checked address cannot duplicate delivery.
            error = f"cannot connect to {address} port {target.port}: {_describe(exc)}"
            conn.close()
            continue
        except urllib3.exceptions.ConnectTimeoutError:
            error = f"timed out after {timeout:g}s connecting to {address} port {target.port}"
            conn.close()
            continue
        except _NETWORK_ERRORS as exc:
            # A TLS failure (untrusted or mismatched certificate) is not retried on another
            # address: the receiver's configuration is wrong, not one of its hosts.
            conn.close()
            if isinstance(exc, TimeoutError):  # the TLS handshake ran out of time
                error = f"timed out after {timeout:g}s during the TLS handshake"
            elif isinstance(exc, ssl.SSLError | CertificateError):
                error = f"TLS error: {_describe(exc)}"
            else:
                error = f"connection failed: {_describe(exc)}"
            return result(_Outcome(False, None, error, b"", None))
        return result(_exchange(conn, target, body, send_headers, deadline, timeout))
    return result(_Outcome(False, None, error, b"", None))
