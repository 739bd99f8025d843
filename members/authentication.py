"""API key authentication: `Authorization: Bearer ata_<prefix>_<secret>`."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from .models import APIKey, Organization, hash_api_key

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


class APIKeyAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
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
