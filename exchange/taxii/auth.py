"""Who is calling TAXII: an organisation's API key, offered the three ways TAXII clients do.

`Bearer <key>` (as on /api/v1/), `Token <key>` (taxii2-client's TokenAuth) and HTTP Basic with
the key as the password and any user name (MISP, many SIEMs and OpenCTI's connectors only do
Basic). The key is checked by members.authentication, as on the API: revoked, expired or of a
suspended organisation is 401. No portal session: a cookie never reaches TAXII's data.
"""

from __future__ import annotations

import base64
import binascii

from django.conf import settings
from rest_framework.exceptions import AuthenticationFailed

from kernel import ratelimit
from members.authentication import APIKeyAuthentication, KeyUser

from .protocol import TaxiiError

CHALLENGE = 'Basic realm="taxii", Bearer realm="taxii"'


def _unauthorized(description: str) -> TaxiiError:
    return TaxiiError(401, "Unauthorized", description, headers={"WWW-Authenticate": CHALLENGE})


def _offered_key(header: str) -> str:
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    if not credentials or " " in credentials:
        raise _unauthorized("Malformed Authorization header.")
    if scheme.lower() in {"bearer", "token"}:
        return credentials
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as e:
            raise _unauthorized("Malformed Basic credentials.") from e
        _user, colon, password = decoded.partition(":")
        if not colon or not password:
            raise _unauthorized("Basic credentials need the API key as the password.")
        return password
    raise _unauthorized("Use an API key: Bearer, Token, or Basic with the key as the password.")


def authenticate(request) -> KeyUser:
    header = request.META.get("HTTP_AUTHORIZATION")
    if not header:
        raise _unauthorized("TAXII needs an API key.")
    try:
        principal, _key = APIKeyAuthentication().authenticate_key(_offered_key(header))
    except AuthenticationFailed as e:
        raise _unauthorized(str(e.detail)) from e
    return principal


def require_scope(principal: KeyUser, scope: str) -> None:
    if scope not in principal.scopes:
        raise TaxiiError(403, "Forbidden", f"This request needs the '{scope}' scope.")


def throttle(request, principal: KeyUser) -> None:
    """The API's rate limits, per key and per address (kernel/api/throttling.py), in the same
    shared counters: TAXII is one more way into the same data, not a way around its limits."""
    for scope, setting, who in (
        ("api-key", "API_RATE_LIMIT_PER_KEY", f"key{principal.api_key.pk}"),
        ("api-address", "API_RATE_LIMIT_PER_ADDRESS", ratelimit.client_address(request)),
    ):
        rate = ratelimit.Rate.parse(getattr(settings, setting))
        if rate is None or who is None:
            continue
        result = ratelimit.hit(scope, who, rate)
        if not result.allowed:
            wait = max(1, int(result.retry_after or 1))
            raise TaxiiError(
                429,
                "Too many requests",
                f"Try again in {wait} s.",
                headers={"Retry-After": str(wait)},
            )
