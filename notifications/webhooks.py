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

This module delivers; signing is in `reports.webhook_signing`, retry timing in
`reports.webhook_retry` and the destination checks in `reports.webhook_destinations`, whose
public names it re-exports.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import NamedTuple

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.util.ssl_match_hostname import CertificateError

from .webhook_destinations import (
    _DEFAULT_PORTS,
    DestinationRefused,
    _checked,
    _Target,
    check_destination,
)
from .webhook_retry import (
    JITTER,
    RETRY_AFTER_CAP,
    RETRY_SCHEDULE,
    next_attempt_delay,
    parse_retry_after,
)
from .webhook_signing import (
    CONTENT_TYPE,
    SECRET_BYTES,
    SECRET_MAX_BYTES,
    SECRET_MIN_BYTES,
    SECRET_PREFIX,
    USER_AGENT,
    build_headers,
    generate_secret,
    sign,
    verify,
)

# The public names, those of the sibling modules included.
__all__ = [
    "CONTENT_TYPE",
    "DEFAULT_TIMEOUT",
    "JITTER",
    "MAX_RESPONSE_BYTES",
    "RETRY_AFTER_CAP",
    "RETRY_SCHEDULE",
    "SECRET_BYTES",
    "SECRET_MAX_BYTES",
    "SECRET_MIN_BYTES",
    "SECRET_PREFIX",
    "USER_AGENT",
    "DeliveryResult",
    "DestinationRefused",
    "build_headers",
    "check_destination",
    "deliver",
    "generate_secret",
    "next_attempt_delay",
    "parse_retry_after",
    "sign",
    "verify",
]

DEFAULT_TIMEOUT = 10.0
MAX_RESPONSE_BYTES = 64 * 1024


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
