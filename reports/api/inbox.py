"""/api/v1/notifications/: the organisation's inbox, through the policy (items about reports it
can no longer see drop out). The items are the notifications app's; the reports they show are
this app's, as the reader may see them now."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from kernel.api.views import ScopedViewSet
from notifications.models import Notification
from notifications.selectors import inbox
from notifications.services import notifications_mark_read

from ..selectors import with_reports
from .docs import inbox_docs
from .serializers import ReportSerializer


class NotificationSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="event.type")
    read = serializers.SerializerMethodField()
    report = serializers.SerializerMethodField()
    agreement = serializers.SerializerMethodField()
    order = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "type", "created_at", "read", "read_at", "report", "agreement", "order"]
        read_only_fields = fields

    def get_read(self, item: Notification) -> bool:
        return item.read_at is not None

    def get_report(self, item: Notification) -> dict | None:
        report = getattr(item, "report", None)
        return None if report is None else ReportSerializer(report, context=self.context).data

    def get_agreement(self, item: Notification) -> int | None:
        return item.event.subject_id if item.event.subject == "agreement" else None

    def get_order(self, item: Notification) -> int | None:
        return item.event.subject_id if item.event.subject == "order" else None


class NotificationFilter(django_filters.FilterSet):
    # Labelled and marked for translation: the browsable API shows them as a form ("Tlp"
    # otherwise), and the portal's filter forms inherit them.
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label=_("Unread")
    )
    type = django_filters.CharFilter(field_name="event__type", label=_("Event type"))

    class Meta:
        model = Notification
        fields = ["unread", "type"]


@inbox_docs
class NotificationViewSet(mixins.ListModelMixin, ScopedViewSet):
    """The organisation's inbox. Reading it (and marking read) needs only the `read` scope."""

    model = Notification
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    required_scopes = {"read": "read", "read_all": "read"}

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "organization": self.request.user.organization}

    def scoped_queryset(self):
        return inbox(self.request.user.organization)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return None if page is None else with_reports(self.request.user.organization, page)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        item = self.get_object()
        notifications_mark_read(org=request.user.organization, pk=item.pk)
        item.refresh_from_db(fields=["read_at"])
        (item,) = with_reports(request.user.organization, [item])
        return Response(NotificationSerializer(item, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={200: dict})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        count = notifications_mark_read(org=request.user.organization)
        return Response({"marked_read": count})
