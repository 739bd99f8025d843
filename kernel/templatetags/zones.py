"""Times printed with their zone, in the zone in force (the reader's own, or UTC on the public
pages; kernel.zones):

    {% load zones %}
    {{ order.deadline|zoned }}                          7 de dezembro de 2026 às 19:00 UTC-3
    {{ row.since|zoned:"SHORT_DATETIME_FORMAT" }}       07/12/2026 19:00 UTC-3
    {{ moment|zone_of }}                                UTC-3 (where a sentence places it)

`zoned` writes a <time> element whose `datetime` is the moment in UTC, and the zone's full name
in the label's title; an empty value gives "" (so `|default:"—"` still works after it)."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.html import format_html

from kernel.zones import UTC, zone_label, zone_name

register = template.Library()


def _label_html(moment: datetime) -> str:
    return format_html(
        '<span class="zone" title="{}">{}</span>', zone_name(moment.tzinfo), zone_label(moment)
    )


@register.filter(expects_localtime=True)
def zoned(value, arg: str = "DATETIME_FORMAT"):
    if not isinstance(value, datetime):
        return date_filter(value, arg) if value not in (None, "") else ""
    if timezone.is_naive(value):
        return date_filter(value, arg)
    moment = value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    # A no-break space: the time and its zone never wrap apart.
    return format_html(
        '<time datetime="{}">{}\u00a0{}</time>', moment, date_filter(value, arg), _label_html(value)
    )


@register.filter(expects_localtime=True)
def zone_of(value):
    if not isinstance(value, datetime) or timezone.is_naive(value):
        return ""
    return _label_html(value)
