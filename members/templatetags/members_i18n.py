"""Template words of the members app that are not a model's display: an API key's scopes."""

from django import template

from ..models import Scope

register = template.Library()

_LABELS = dict(Scope.choices)


@register.filter
def scope_labels(scopes: list[str]) -> str:
    """An API key's scopes as people read them ("Read, Write"), in the active language; the
    values (`read`, `write`) are the API's."""
    return ", ".join(str(_LABELS.get(scope, scope)) for scope in scopes)
