"""Template words of the reports app that are not in a model: the portal's category and
indicator-kind names."""

from django import template

from ..forms import CATEGORY_LABELS, KIND_LABELS

register = template.Library()


@register.filter
def category_label(value: str) -> str:
    """A report category's name in the active language (`iptv` -> "Pirate IPTV")."""
    return CATEGORY_LABELS.get(value, value)


@register.filter
def kind_label(value: str) -> str:
    """An indicator or target kind's name in the active language (`ipv4` -> "IPv4 address");
    the API's value (`ipv4`) is for machines."""
    return KIND_LABELS.get(value, value)
