from datetime import UTC

import django_filters
from django import forms
from django.db.models import BooleanField, Exists, Expression, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from kernel.vocabulary import TLP, Category

from ..models import Indicator, Report


class _UTCIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 moment, given to the database in UTC. ISO 8601 allows any offset below 24 h,
    PostgreSQL only up to 15:59: `+16:00` sent as it is would be a database error (500)."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00+16:00 is before year 1 in UTC
            raise forms.ValidationError(
                "Not a moment the hub can read (out of range once in UTC).", code="invalid"
            ) from None


class _UTCIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = _UTCIsoDateTimeField


class ReportFilter(django_filters.FilterSet):
    """The filters of docs/contract.md, applied on top of the access policy (never instead).
    Labelled and marked for translation: the browsable API shows them as a form ("Tlp"
    otherwise), and the portal's filter forms inherit them."""

    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("Category"))
    tlp = django_filters.ChoiceFilter(
        choices=[(t.label, t.label) for t in TLP], method="by_tlp", label=_("TLP")
    )
    jurisdiction = django_filters.CharFilter(method="by_jurisdiction", label=_("Jurisdiction"))
    status = django_filters.ChoiceFilter(choices=Report.Status.choices, label=_("Status"))
    # A target's public id (`reports.models.target_uid`).
    target = django_filters.UUIDFilter(method="by_target", label=_("Target"))
    updated_after = _UTCIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gt", label=_("Updated after")
    )
    q = django_filters.CharFilter(method="search", max_length=200, label=_("Search"))

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
            Exists(Indicator.objects.filter(report=OuterRef("pk"), target__uid=value))
        )

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value) | Q(description__icontains=value) | _OnIndicator(value)
        )


class _OnIndicator(Expression):
    """EXISTS an indicator of the outer report whose value or raw value contains `text`
    (case-insensitive, like `icontains`).

    Written out because PostgreSQL turns the ORM's `Exists(...)`, inside an OR, into a hashed
    sub-plan that reads every indicator first: 4.5 s at 3,000,000 indicators for one page
    (BENCHMARKS.md, "Load"). `OFFSET 0` keeps it a per-row lookup on the report's indicators,
    evaluated only for the reports the page walks through."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, text: str):
        super().__init__()
        self.text = text
        self.report_id = F("id")

    def get_source_expressions(self):
        return [self.report_id]

    def set_source_expressions(self, exprs):
        (self.report_id,) = exprs

    def as_sql(self, compiler, connection):
        report_id, _ = compiler.compile(self.report_id)
        table = connection.ops.quote_name(Indicator._meta.db_table)
        pattern = f"%{connection.ops.prep_for_like_query(self.text)}%"
        sql = (
            f"EXISTS (SELECT 1 FROM {table} i WHERE i.report_id = {report_id}"  # noqa: S608
            " AND (UPPER(i.value::text) LIKE UPPER(%s) OR UPPER(i.raw_value::text) LIKE UPPER(%s))"
            " OFFSET 0)"
        )
        return sql, [pattern, pattern]
