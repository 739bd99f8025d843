from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import BlockingOrder


class BlockingOrderFilter(django_filters.FilterSet):
    # Labelled and marked for translation: the browsable API shows them as a form ("Tlp"
    # otherwise), and the portal's filter forms inherit them.
    status = django_filters.ChoiceFilter(
        choices=BlockingOrder.Status.choices, method="filter_status", label=_("Status")
    )
    role = django_filters.ChoiceFilter(
        choices=[
            ("issued", _("Orders my organisation issued")),
            ("addressed", _("Orders addressed to it")),
        ],
        method="filter_role",
        label=_("Orders"),
    )
    reference = django_filters.CharFilter(lookup_expr="icontains", label=_("Reference"))

    class Meta:
        model = BlockingOrder
        fields = ["status", "role", "reference"]

    def filter_status(self, queryset, name, value):
        # The status is a function of timestamps (see BlockingOrder.status_at).
        now = timezone.now()
        live = Q(withdrawn_at__isnull=True)
        not_lifted = Q(lifted_at__isnull=True) | Q(lifted_at__gt=now)
        conditions = {
            "withdrawn": Q(withdrawn_at__isnull=False),
            "lifted": live & Q(lifted_at__lte=now),
            "expired": live & not_lifted & Q(ends_at__lte=now),
            "pending": live & not_lifted & Q(ends_at__gt=now, issued_at__gt=now),
            "in_force": live & not_lifted & Q(ends_at__gt=now, issued_at__lte=now),
        }
        return queryset.filter(conditions[value])

    def filter_role(self, queryset, name, value):
        org = self.request.user.organization
        if value == "issued":
            return queryset.filter(issuer=org)
        return queryset.addressed_to(org)
