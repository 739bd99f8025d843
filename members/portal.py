"""What every app's portal views ask of the signed-in person, written once."""

from __future__ import annotations

from django.http import Http404

from .models import Organization, Scope


def member_org(request) -> Organization:
    """The signed-in member's organisation. Hub staff belong to none and hold no reading
    privilege over reports (docs/contract.md): the member pages (reports, orders, agreements,
    unblock reviews) do not exist for them, so they answer 404."""
    if request.user.organization_id is None:
        raise Http404
    return request.user.organization


def may_write(user) -> bool:
    """The portal grants what the API grants a signed-in person: analysts and admins act,
    viewers read."""
    return Scope.WRITE in user.scopes
