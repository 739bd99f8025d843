"""The portal's lists of reports and targets, each written once: the page and its CSV download
take their rows from the same function (the access policy, then the API's filters, then the
list's order), so a download holds exactly the rows of the filtered list, every page of it."""

from __future__ import annotations

import django_filters
from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from members.models import Organization

from .api.targets import TargetFilter
from .forms import KIND_LABELS, PortalReportFilter
from .indicators import KINDS
from .selectors import visible_reports, visible_targets


def report_filter(org: Organization, params: QueryDict) -> PortalReportFilter:
    """The reports list's filters applied to what `org` may see; `.qs` is the list, newest
    first. `?page=` is the pager's, not a filter: it is ignored here."""
    return PortalReportFilter(params or None, queryset=visible_reports(org), organization=org)


class PortalTargetFilter(TargetFilter):
    """The API's target filters (`/api/v1/targets/`), same names and meaning, with the portal's
    words: a kind, a fragment of the value, reported by more than one member or by one."""

    kind = django_filters.ChoiceFilter(
        choices=[(k, KIND_LABELS.get(k, k)) for k in KINDS],
        label=_("Kind"),
        empty_label=_("any"),
    )
    q = django_filters.CharFilter(
        field_name="value",
        lookup_expr="icontains",
        max_length=200,
        label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("part of the value")}),
    )
    corroborated = django_filters.BooleanFilter(
        method="by_corroboration",
        label=_("Reported by"),
        widget=forms.Select(
            choices=[
                ("", _("any")),
                ("true", _("more than one member")),
                ("false", _("one member")),
            ]
        ),
    )

    class Meta(TargetFilter.Meta):
        fields = ["q", "kind", "corroborated"]


def target_filter(org: Organization, params: QueryDict) -> PortalTargetFilter:
    """The targets `org` may see (every figure computed from the reports it may see), filtered;
    `.qs` is the list: the most recently reported first, then by name. Both orders come from
    visible reports and names only, never from the hub's own records (docs/contract.md)."""
    targets = visible_targets(org).order_by("-last_seen", "kind", "value")
    return PortalTargetFilter(params or None, queryset=targets)
