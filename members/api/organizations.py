import django_filters
from django.utils.translation import gettext_lazy as _

from kernel.api.pagination import CursorPagination
from kernel.api.views import ReadOnlyViewSet

from ..models import Organization
from .docs import organization_docs
from .serializers import OrganizationSerializer


class OrganizationFilter(django_filters.FilterSet):
    # Labelled and marked for translation: the browsable API shows them as a form ("Tlp"
    # otherwise), and the portal's filter forms inherit them.
    country = django_filters.CharFilter(method="filter_country", label=_("Country"))

    class Meta:
        model = Organization
        fields = ["kind", "country"]

    def filter_country(self, queryset, name, value):
        return queryset.filter(country=value.upper())


class OrganizationPagination(CursorPagination):
    ordering = "slug"


@organization_docs
class OrganizationViewSet(ReadOnlyViewSet):
    """The member directory: every member organisation sees every other one."""

    model = Organization
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter
    pagination_class = OrganizationPagination
    lookup_field = "slug"

    def scoped_queryset(self):
        return Organization.objects.all()
