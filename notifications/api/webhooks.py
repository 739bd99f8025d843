"""/api/v1/webhooks/: an organisation's endpoints and their delivery logs (scope `admin`)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kernel.api.pagination import CursorPagination
from kernel.api.views import ScopedViewSet

from .. import registry, services, webhooks
from ..models import WebhookDelivery, WebhookEndpoint
from .docs import webhook_docs


class WebhookEndpointSerializer(serializers.ModelSerializer):
    # The choices are the registered event types, known once the apps are ready (`__init__`).
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=[]), required=False, default=list
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "active", "disabled_reason", "created_at"]
        read_only_fields = ["id", "disabled_reason", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].child.choices = registry.types()

    def validate_url(self, url: str) -> str:
        allow_private = settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS
        if urlsplit(url).scheme == "http" and not allow_private:
            raise serializers.ValidationError("Use https.")
        try:
            webhooks.check_destination(url, allow_private=allow_private)
        except webhooks.DestinationRefused as e:
            # A name that does not resolve yet is accepted: every delivery checks again.
            if not e.transient:
                raise serializers.ValidationError(e.reason) from e
        return url


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = [*WebhookEndpointSerializer.Meta.read_only_fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "msg_id",
            "event_type",
            "state",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "delivered_at",
            "created_at",
        ]
        read_only_fields = fields


@webhook_docs
class WebhookEndpointViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    model = WebhookEndpoint
    serializer_class = WebhookEndpointSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    required_scopes = {
        "list": "admin",
        "retrieve": "admin",
        "create": "admin",
        "partial_update": "admin",
        "destroy": "admin",
        "deliveries": "admin",
    }

    def scoped_queryset(self):
        return WebhookEndpoint.objects.filter(organization=self.request.user.organization)

    @extend_schema(responses={201: WebhookEndpointCreatedSerializer})
    def create(self, request, *args, **kwargs):
        write = WebhookEndpointSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_create(
            user=request.user, organization=request.user.organization, **write.validated_data
        )
        # The secret is shown once, in this answer only.
        return Response(
            WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED
        )

    def perform_update(self, serializer):
        serializer.instance = services.webhook_endpoint_update(
            user=self.request.user, endpoint=serializer.instance, **serializer.validated_data
        )

    @extend_schema(responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        endpoint = self.get_object()
        paginator = CursorPagination()
        page = paginator.paginate_queryset(endpoint.deliveries.all(), request, view=self)
        return paginator.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
