"""/api/v1/webhooks/: an organisation's endpoints and their delivery logs (scope `admin`)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from hub.models import Event
from kernel.api.pagination import CursorPagination
from members.services import Actor, audit

from .. import webhooks
from ..models import WebhookDelivery, WebhookEndpoint


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=Event.Type.values), required=False, default=list
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "active", "disabled_reason", "created_at"]
        read_only_fields = ["id", "disabled_reason", "created_at"]

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


class WebhookEndpointViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
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

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookEndpoint.objects.none()
        return WebhookEndpoint.objects.filter(organization=self.request.user.organization)

    @extend_schema(responses={201: WebhookEndpointCreatedSerializer})
    def create(self, request, *args, **kwargs):
        write = WebhookEndpointSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        endpoint = WebhookEndpoint.objects.create(
            organization=request.user.organization,
            secret=webhooks.generate_secret(),
            **write.validated_data,
        )
        audit(actor=Actor.from_request_user(request.user), action="webhook.created", obj=endpoint)
        # The secret is shown once, in this answer only.
        return Response(
            WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED
        )

    def perform_update(self, serializer):
        endpoint = serializer.save()
        if endpoint.active and endpoint.disabled_reason:
            # Re-enabled by the member: start counting failures afresh.
            endpoint.disabled_reason = ""
            endpoint.consecutive_failures = 0
            endpoint.save(update_fields=["disabled_reason", "consecutive_failures"])
        audit(
            actor=Actor.from_request_user(self.request.user), action="webhook.updated", obj=endpoint
        )

    @extend_schema(responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        endpoint = self.get_object()
        paginator = CursorPagination()
        page = paginator.paginate_queryset(endpoint.deliveries.all(), request, view=self)
        return paginator.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
