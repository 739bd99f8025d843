"""API rate limits: per API key and per client address (REST_FRAMEWORK's
DEFAULT_THROTTLE_CLASSES), counted in the shared "ratelimit" cache (kernel.ratelimit).

DRF's own UserRateThrottle keys on request.user.pk, and an API key's principal (KeyUser) has
none, so every key would share one bucket; these key on the API key itself. A request over a
limit is refused with DRF's Throttled, which the problem handler answers as 429 problem JSON
with Retry-After.

Rates come from settings (API_RATE_LIMIT_PER_KEY, API_RATE_LIMIT_PER_ADDRESS), read at each
request so that a test can change them. DRF checks throttles after authentication and
permissions: a request with a bad key or none is refused (401/403) before it is counted.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from kernel import ratelimit


class _SharedRateThrottle(BaseThrottle):
    scope = ""
    setting = ""

    def who(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        self._wait = None
        rate = ratelimit.Rate.parse(getattr(settings, self.setting))
        who = self.who(request) if rate is not None else None
        if who is None:
            return True
        result = ratelimit.hit(self.scope, who, rate)
        if not result.allowed:
            self._wait = result.retry_after
        return result.allowed

    def wait(self) -> float | None:
        return self._wait


class APIKeyRateThrottle(_SharedRateThrottle):
    """Requests per API key (each key of an organisation has its own allowance); a person
    signed in to the portal who calls the API counts as themself."""

    scope = "api-key"
    setting = "API_RATE_LIMIT_PER_KEY"

    def who(self, request) -> str | None:
        user = request.user
        # An API key's principal (members.authentication.KeyUser) carries its key.
        api_key = getattr(user, "api_key", None)
        if api_key is not None:
            return f"key{api_key.pk}"
        if user is not None and user.is_authenticated:
            return f"user{user.pk}"
        return None


class AddressRateThrottle(_SharedRateThrottle):
    """Requests per client address, whoever makes them."""

    scope = "api-address"
    setting = "API_RATE_LIMIT_PER_ADDRESS"

    def who(self, request) -> str | None:
        return ratelimit.client_address(request)
