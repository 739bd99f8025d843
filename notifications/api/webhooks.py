"""/api/v1/webhooks/: an organisation's endpoints and their delivery logs (scope `admin`)."""

from __future__ import annotations

from datetime import timedelta

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from kernel.api.pagination import CursorPagination
from kernel.api.problems import Conflict
from kernel.api.views import ScopedViewSet

from .. import registry, services
from ..models import WebhookDelivery, WebhookEndpoint
from .docs import webhook_docs


class WebhookEndpointSerializer(serializers.ModelSerializer):
    # The choices are the registered event types, known once the apps are ready (`__init__`).
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=[]), required=False, default=list
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "active",
            "disabled_reason",
            "previous_secret_expires_at",
            "created_at",
        ]
        read_only_fields = ["id", "disabled_reason", "previous_secret_expires_at", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].child.choices = registry.types()

    def validate_url(self, url: str) -> str:
        refusal = services.webhook_url_refusal(url)
        if refusal is not None:
            raise serializers.ValidationError(refusal)
        return url


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = [*WebhookEndpointSerializer.Meta.read_only_fields, "secret"]


class RotateSecretSerializer(serializers.Serializer):
    overlap_hours = serializers.IntegerField(
        min_value=0,
        max_value=int(services.ROTATION_OVERLAP_MAX.total_seconds() // 3600),
        default=int(services.ROTATION_OVERLAP.total_seconds() // 3600),
        help_text="How long the previous secret keeps signing beside the new one (0: not at all).",
    )


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
        "rotate_secret": "admin",
        "test": "admin",
        "retry_delivery": "admin",
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

    def perform_destroy(self, instance):
        services.webhook_endpoint_delete(user=self.request.user, endpoint=instance)

    @extend_schema(
        summary="Rotate an endpoint's signing secret",
        description=(
            "A new secret signs every message from now on; the previous one signs beside it "
            "(a second `v1,` signature in `webhook-signature`) for `overlap_hours`, so a "
            "receiver still holding it keeps accepting until it switches. The new secret is in "
            "this answer only."
        ),
        request=RotateSecretSerializer,
        responses={200: WebhookEndpointCreatedSerializer},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = self.get_object()
        params = RotateSecretSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_rotate_secret(
            user=request.user,
            endpoint=endpoint,
            overlap=timedelta(hours=params.validated_data["overlap_hours"]),
        )
        return Response(WebhookEndpointCreatedSerializer(endpoint).data)

    @extend_schema(
        summary="Send a test message to an endpoint",
        description=(
            "Queues one `webhook.test` message to this endpoint only, signed and delivered as "
            "every other (disabled endpoints included, to check a receiver before enabling it "
            "again). It is sent once, never retried, and appears in the delivery log."
        ),
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        delivery = services.webhook_endpoint_test(user=request.user, endpoint=self.get_object())
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        endpoint = self.get_object()
        paginator = CursorPagination()
        page = paginator.paginate_queryset(endpoint.deliveries.all(), request, view=self)
        return paginator.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(
        summary="Retry a delivery now",
        description=(
            "Puts a failed or pending delivery of an enabled endpoint back in line for an "
            "attempt now, with the same `webhook-id`. Safe to repeat. 409 when the delivery is "
            "delivered, cancelled, being sent, or its endpoint is disabled."
        ),
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9]+)/retry")
    def retry_delivery(self, request, pk=None, delivery_id=None):
        delivery = get_object_or_404(self.get_object().deliveries, pk=delivery_id)
        if not services.webhook_delivery_retry(user=request.user, delivery=delivery):
            raise Conflict()
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
