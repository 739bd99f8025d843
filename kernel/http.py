"""Small helpers on Django's request that the portal's apps share."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, default: str, *, from_query: bool = True) -> str:
    """Where to go after this request: its `next` (the form's, then the query string's unless
    `from_query` is false), or `default`.

    A `next` is honoured only on this very host, and only over HTTPS when the request came
    over HTTPS: anything else would make the portal an open redirect, sending a signed-in
    person wherever a link crafted by someone else says."""
    candidate = request.POST.get("next") or (request.GET.get("next") if from_query else "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
