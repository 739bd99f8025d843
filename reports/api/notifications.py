"""/api/v1/notifications/: the organisation's inbox, through the policy (items about reports it
can no longer see drop out)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import services
from ..models import Notification
from ..selectors import visible_notifications
from .serializers import ReportSerializer


class NotificationSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="event.type")
    read = serializers.SerializerMethodField()
    report = serializers.SerializerMethodField()
    agreement = serializers.IntegerField(source="event.agreement_id", allow_null=True)
    order = serializers.IntegerField(source="event.order_id", allow_null=True)

    class Meta:
        model = Notification
        fields = ["id", "type", "created_at", "read", "read_at", "report", "agreement", "order"]
        read_only_fields = fields

    def get_read(self, item: Notification) -> bool:
        return item.read_at is not None

    def get_report(self, item: Notification) -> dict | None:
        if item.report is None:
            return None
        return ReportSerializer(item.report, context=self.context).data


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull")
    type = django_filters.CharFilter(field_name="event__type")

    class Meta:
        model = Notification
        fields = ["unread", "type"]


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The organisation's inbox. Reading it (and marking read) needs only the `read` scope."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    required_scopes = {"read": "read", "read_all": "read"}

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "organization": self.request.user.organization}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return visible_notifications(self.request.user.organization)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        item = self.get_object()
        services.notifications_mark_read(org=request.user.organization, pk=item.pk)
        item.refresh_from_db(fields=["read_at"])
        return Response(NotificationSerializer(item, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={200: dict})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        count = services.notifications_mark_read(org=request.user.organization)
        return Response({"marked_read": count})
