"""Template words of the reports app that are not in a model: the portal's category names."""

from django import template

from ..forms import CATEGORY_LABELS

register = template.Library()


@register.filter
def category_label(value: str) -> str:
    """A report category's name in the active language (`iptv` -> "Pirate IPTV")."""
    return CATEGORY_LABELS.get(value, value)
