"""Scopes: `read` for safe methods, `write` for the rest, `admin` where a view asks for it."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from .models import Scope


def principal_scopes(user) -> frozenset[str]:
    """Scopes of the caller: an API key's own, or those a signed-in member's role grants."""
    if user is None or not user.is_authenticated:
        return frozenset()
    return frozenset(getattr(user, "scopes", frozenset()))


class HasScope(BasePermission):
    """The default permission of every API view.

    A view may set `required_scopes = {"GET": "read", "POST": "admin"}`; otherwise safe methods
    need `read` and the others `write`. Members without an organisation (hub staff) hold no
    scope: the secretariat administers through the portal and Django admin.
    """

    message = "Your credentials lack the scope this request needs."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        needed = required_scope(request, view)
        self.message = f"This request needs the '{needed}' scope."
        return needed in principal_scopes(user)


def required_scope(request, view) -> str:
    custom = getattr(view, "required_scopes", None) or {}
    action = getattr(view, "action", None)
    if action and action in custom:
        return custom[action]
    if request.method in custom:
        return custom[request.method]
    return Scope.READ if request.method in SAFE_METHODS else Scope.WRITE
