import django_filters
from django.db.models import Exists, OuterRef, Q

from hub.vocabulary import TLP, Category

from ..models import Indicator, Report


class ReportFilter(django_filters.FilterSet):
    """The filters of SPEC.md, applied on top of the access policy (never instead of it)."""

    category = django_filters.ChoiceFilter(choices=Category.choices)
    tlp = django_filters.ChoiceFilter(choices=[(t.label, t.label) for t in TLP], method="by_tlp")
    jurisdiction = django_filters.CharFilter(method="by_jurisdiction")
    status = django_filters.ChoiceFilter(choices=Report.Status.choices)
    target = django_filters.NumberFilter(method="by_target")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gt")
    q = django_filters.CharFilter(method="search", max_length=200)

    class Meta:
        model = Report
        fields = ["category", "tlp", "jurisdiction", "status", "target", "updated_after", "q"]

    def by_tlp(self, queryset, name, value):
        return queryset.filter(tlp=TLP.from_label(value))

    def by_jurisdiction(self, queryset, name, value):
        return queryset.filter(jurisdictions__contains=[value.upper()])

    def by_target(self, queryset, name, value):
        # EXISTS rather than a join: a report with two indicators on one target appears once.
        return queryset.filter(
            Exists(Indicator.objects.filter(report=OuterRef("pk"), target_id=value))
        )

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        on_indicator = Exists(
            Indicator.objects.filter(report=OuterRef("pk")).filter(
                Q(value__icontains=value) | Q(raw_value__icontains=value)
            )
        )
        return queryset.filter(
            Q(title__icontains=value) | Q(description__icontains=value) | on_indicator
        )
