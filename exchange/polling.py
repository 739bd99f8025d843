"""The TAXII 2.1 client side: one page of a member's collection, fetched as that member.

Plain urllib3 rather than taxii2-client: the hub must connect only to the address it checked
(a member types the URL, and a name that resolves to an internal address, or changes its answer
between the check and the connection, would otherwise make the hub fetch inside its own
network), never follow a redirect, and bound every request's time and size. Knows nothing of
models or Celery: `exchange.sources` stores what it returns.
"""

from __future__ import annotations

import base64
import json
import ssl
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection

from notifications.webhook_destinations import DestinationRefused, check_destination

from .taxii.protocol import TaxiiError, parse_timestamp

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
USER_AGENT = "Atalaya-TAXII-poller/1.0"
# What one page may ask for; the server may send fewer (TAXII §3.4: the server's cap wins).
PAGE_LIMIT = 500
# A page larger than this is refused rather than parsed (an envelope of 500 indicators is far
# below it).
MAX_PAGE_BYTES = 20 * 1024 * 1024


class PollError(Exception):
    """The page could not be had; `message` is safe to show the source's admins."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Credentials:
    """A username means HTTP Basic with the secret as password; none, a Bearer token."""

    username: str = ""
    secret: str = ""

    def header(self) -> str | None:
        if self.username:
            pair = f"{self.username}:{self.secret}".encode()
            return "Basic " + base64.b64encode(pair).decode("ascii")
        return f"Bearer {self.secret}" if self.secret else None


@dataclass(frozen=True)
class Page:
    objects: list[dict]
    more: bool
    next: str | None
    # X-TAXII-Date-Added-Last: the next poll's added_after once this page is stored.
    date_added_last: str | None


def origin(url: str) -> tuple[str, str, int | None]:
    """Where a request to `url` goes: its scheme, host and port (the default one if none)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    host = (parts.hostname or "").rstrip(".")
    return scheme, host, port or {"http": 80, "https": 443}.get(scheme)


def objects_url(api_root_url: str, collection_id: str) -> str:
    root = api_root_url if api_root_url.endswith("/") else api_root_url + "/"
    return f"{root}collections/{quote(collection_id, safe='')}/objects/"


def _connection(scheme: str, host: str, address: str, port: int, timeout: float):
    if scheme == "https":
        # Connect to the checked address; present and verify the certificate for the name.
        return HTTPSConnection(
            address,
            port,
            timeout=timeout,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
        )
    return HTTPConnection(address, port, timeout=timeout)


def _host_header(scheme: str, host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return shown if port == {"http": 80, "https": 443}[scheme] else f"{shown}:{port}"


def _get(url: str, headers: dict[str, str], *, allow_private: bool, timeout: float) -> tuple:
    try:
        scheme, port, host, addresses = check_destination(url, allow_private=allow_private)
    except DestinationRefused as exc:
        raise PollError(f"address refused: {exc.reason}") from exc
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {**headers, "Host": _host_header(scheme, host, port), "User-Agent": USER_AGENT}
    error = "no address to connect to"
    for address in addresses:
        conn = _connection(scheme, host, address, port, timeout)
        try:
            conn.connect()
        except (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError):
            error = f"cannot connect to {host} port {port}"
            conn.close()
            continue  # nothing was sent: another checked address may answer
        except (OSError, ssl.SSLError, urllib3.exceptions.HTTPError) as exc:
            conn.close()
            raise PollError(f"connection failed: {type(exc).__name__}") from exc
        try:
            conn.request("GET", target, headers=headers, preload_content=False)
            response = conn.getresponse()
            body = response.read(MAX_PAGE_BYTES + 1, decode_content=True)
            return response.status, response.headers, body
        except (OSError, urllib3.exceptions.HTTPError) as exc:
            timed_out = isinstance(exc, TimeoutError | urllib3.exceptions.TimeoutError)
            raise PollError(
                f"timed out after {timeout:g}s" if timed_out else f"{type(exc).__name__}"
            ) from exc
        finally:
            conn.close()
    raise PollError(error)


def _status_error(status: int, body: bytes) -> str:
    if status in (401, 403):
        return f"HTTP {status}: the server refused the credentials"
    if 300 <= status < 400:
        # Following it would let a public server bounce the hub to an internal address.
        return f"HTTP {status}: redirect not followed"
    if status == 404:
        return "HTTP 404: no such API root or collection"
    # TAXII's error resource (§3.6.1) says why, in its title; bounded, it is the server's text.
    try:
        title = str(json.loads(body).get("title", ""))[:200]
    except (ValueError, AttributeError):
        title = ""
    return f"HTTP {status}" + (f": {title}" if title else "")


def fetch_page(
    *,
    api_root_url: str,
    collection_id: str,
    credentials: Credentials,
    added_after: str = "",
    next_token: str | None = None,
    allow_private: bool = False,
    timeout: float = 30.0,
) -> Page:
    """GET one page of the collection's objects (TAXII §5.4). The same `added_after` is sent
    with every `next` of one sequence, as the server paged that request. Raises PollError."""
    params: dict[str, str] = {"limit": str(PAGE_LIMIT)}
    if added_after:
        params["added_after"] = added_after
    if next_token:
        params["next"] = next_token
    url = f"{objects_url(api_root_url, collection_id)}?{urlencode(params)}"
    headers = {"Accept": TAXII_MEDIA_TYPE}
    if (authorization := credentials.header()) is not None:
        headers["Authorization"] = authorization
    status, response_headers, body = _get(
        url, headers, allow_private=allow_private, timeout=timeout
    )
    if status != 200:
        raise PollError(_status_error(status, body))
    if len(body) > MAX_PAGE_BYTES:
        raise PollError(f"a page larger than {MAX_PAGE_BYTES // (1024 * 1024)} MB was refused")
    try:
        envelope = json.loads(body) if body.strip() else {}
    except ValueError as exc:
        raise PollError("the server's answer is not JSON") from exc
    if not isinstance(envelope, dict):
        raise PollError("the server's answer is not a TAXII envelope")
    objects = envelope.get("objects", [])
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        raise PollError("the envelope's objects are not a list of STIX objects")
    more = envelope.get("more") is True
    token = envelope.get("next")
    return Page(
        objects=objects,
        more=more,
        next=str(token) if more and token else None,
        date_added_last=_date_added_last(response_headers.get("X-TAXII-Date-Added-Last")),
    )


def _date_added_last(header: str | None) -> str | None:
    """The header as sent, once it is a TAXII timestamp (RFC 3339, UTC, `Z`): it becomes the
    next poll's `added_after`, so anything else would make every later request malformed (and
    would not fit the source's column). The server's error: the page is not imported."""
    if not header:
        return None
    try:
        parse_timestamp(header, name="X-TAXII-Date-Added-Last")
    except TaxiiError as exc:
        raise PollError(
            f"the server's X-TAXII-Date-Added-Last is not a timestamp: {header[:40]!r}"
        ) from exc
    return header
