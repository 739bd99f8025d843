"""Who is calling the API: an organisation's key, or a person's portal session.

One rule for the whole API: a request authenticates by an API key
(`Authorization: Bearer ata_<prefix>_<secret>`), or, with no Authorization header at all, by a
session that has passed the second factor wherever one is required
(`account_services.second_factor_owed`). The two never mix:

- any Authorization header is an attempt at key authentication and answers alone: a valid
  `Bearer <key>` gets the key's scopes, anything else (another scheme such as `Basic` or
  `Token`, a missing or extra word, an unknown, revoked or suspended key) gets 401. It never
  falls through to the session, which would let a cookie do what the header could not;
- a session that still owes its second factor is refused with 403, here rather than only in
  members.otp_middleware, so the rule holds whatever the middleware does.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone
from drf_spectacular.authentication import SessionScheme
from rest_framework import exceptions
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    get_authorization_header,
)

from .account_services import second_factor_owed
from .models import APIKey, Organization, hash_api_key

KEYWORD = "Bearer"
SECOND_FACTOR_OWED = (
    "Two-factor sign-in is required for this account: finish signing in on the portal, "
    "or use an API key."
)

# Writing last_used_at on every request would turn every read into a write; a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class KeyUser:
    """The principal of an API-key request: the organisation, within the key's scopes."""

    organization: Organization
    api_key: APIKey
    scopes: frozenset[str] = field(default_factory=frozenset)
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_staff: bool = False
    is_superuser: bool = False
    pk = None
    id = None

    @property
    def organization_id(self) -> int:
        return self.organization.pk

    def __str__(self) -> str:
        return f"{self.organization.slug} key {self.api_key.prefix}"


def offers_bearer(request) -> bool:
    """Whether the request's Authorization header names the Bearer scheme (RFC 9110: the
    scheme is case-insensitive), well-formed or not. Such a request is answered by
    APIKeyAuthentication alone, which never hands it on to the session."""
    words = get_authorization_header(request).split()
    return bool(words) and words[0].lower() == KEYWORD.lower().encode()


class APIKeyAuthentication(BaseAuthentication):
    keyword = KEYWORD

    def authenticate(self, request):
        if "HTTP_AUTHORIZATION" not in request.META:
            return None  # no key offered: TwoFactorSessionAuthentication may answer
        header = get_authorization_header(request).split()
        # Present but not Bearer (Basic, Token, empty, garbage): refused here, not passed on,
        # or the session cookie beside it would authenticate a request that chose a key.
        if not offers_bearer(request):
            raise exceptions.AuthenticationFailed(
                "Unsupported Authorization header: the API takes `Authorization: Bearer "
                "<API key>`, or a signed-in portal session with no Authorization header.",
                code="unsupported_authorization",
            )
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Malformed Authorization header: expected `Bearer <API key>`.",
                code="malformed_authorization",
            )
        try:
            plain = header[1].decode()
        except UnicodeDecodeError as e:
            raise exceptions.AuthenticationFailed("Malformed API key.") from e
        return self.authenticate_key(plain)

    def authenticate_key(self, plain: str) -> tuple[KeyUser, APIKey]:
        key = (
            APIKey.objects.select_related("organization")
            .filter(hashed_key=hash_api_key(plain))
            .first()
        )
        # compare_digest on top of the indexed lookup keeps the comparison constant-time.
        if key is None or not hmac.compare_digest(key.hashed_key, hash_api_key(plain)):
            raise exceptions.AuthenticationFailed("Invalid API key.")
        now = timezone.now()
        if key.is_revoked:
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        if key.is_expired(now):
            raise exceptions.AuthenticationFailed("This API key has expired.")
        if key.organization.is_suspended:
            raise exceptions.AuthenticationFailed("This organisation is suspended.")
        if key.last_used_at is None or key.last_used_at < now - LAST_USED_RESOLUTION:
            APIKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return KeyUser(
            organization=key.organization, api_key=key, scopes=frozenset(key.scopes)
        ), key

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class TwoFactorSessionAuthentication(SessionAuthentication):
    """DRF's session authentication (CSRF included), refusing a session that has not passed the
    second factor where one is required: an org admin or hub staff member signed in with the
    password only (every invited admin before enrolment) or not yet past the code step.

    403, not 401: the person is known, and only the portal's second step completes the session.
    It is the answer members.otp_middleware gives first in the deployed middleware stack.
    """

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and second_factor_owed(result[0]):
            raise exceptions.PermissionDenied(SECOND_FACTOR_OWED)
        return result


class TwoFactorSessionScheme(SessionScheme):
    # drf-spectacular describes DRF's own class only, not subclasses: the same cookie scheme.
    target_class = TwoFactorSessionAuthentication
