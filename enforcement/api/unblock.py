"""`/api/v1/unblock-requests/`: third parties' unblock requests about the caller's orders, and
the issuer's answer. Another organisation's review answers 404, as one that does not exist."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from kernel.api.idempotency import idempotent
from kernel.api.problems import Conflict
from kernel.api.views import ReadOnlyViewSet
from members.services import Actor

from .. import unblock
from ..models import UnblockRequest, UnblockReview
from ..services import OrderStateError
from .docs import unblock_docs
from .serializers import OrderTargetSerializer


class UnblockReviewSerializer(serializers.ModelSerializer):
    """One serializer for lists and details, so that the schema holds one `status` enum
    (two components carrying it would collide with the other `status` enums)."""

    order_reference = serializers.CharField(source="order.reference", read_only=True)
    kind = serializers.CharField(source="request.kind", read_only=True)
    value = serializers.CharField(source="request.value", read_only=True)
    requester_name = serializers.CharField(source="request.requester_name", read_only=True)
    requester_email = serializers.EmailField(source="request.requester_email", read_only=True)
    requester_organization = serializers.CharField(
        source="request.requester_organization", read_only=True
    )
    relation = serializers.CharField(source="request.relation", read_only=True)
    message = serializers.CharField(source="request.message", read_only=True)
    received_at = serializers.DateTimeField(source="request.created_at", read_only=True)
    overdue = serializers.SerializerMethodField()
    entries = serializers.SerializerMethodField()

    class Meta:
        model = UnblockReview
        fields = [
            "id",
            "order",
            "order_reference",
            "kind",
            "value",
            "requester_name",
            "requester_email",
            "requester_organization",
            "relation",
            "message",
            "received_at",
            "status",
            "answer_due",
            "overdue",
            "answer",
            "answered_at",
            "entries",
        ]
        read_only_fields = fields

    def get_overdue(self, review: UnblockReview) -> bool:
        return review.status == UnblockRequest.Status.OPEN and review.answer_due < timezone.now()

    @extend_schema_field(OrderTargetSerializer(many=True, allow_null=True))
    def get_entries(self, review: UnblockReview) -> list[dict] | None:
        """The order's entries that cover the name (upholding lifts those still in force);
        null in lists, where each would cost a query."""
        if not self.context.get("with_entries"):
            return None
        return OrderTargetSerializer(unblock.matching_entries(review), many=True).data


class AnswerSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=unblock.Decision.choices)
    answer = serializers.CharField(min_length=unblock.MIN_ANSWER, max_length=5000)


class UnblockReviewFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=UnblockRequest.Status.choices, label=_("Status"))

    class Meta:
        model = UnblockReview
        fields = ["status"]


@unblock_docs
class UnblockReviewViewSet(ReadOnlyViewSet):
    """Unblock requests about orders the caller issued, one per request and order. Answering
    (`POST {id}/answer/`, scope `write`) upholds (the order's entries that cover the name are
    lifted) or dismisses; the requester is e-mailed the decision and the answer."""

    model = UnblockReview
    serializer_class = UnblockReviewSerializer
    filterset_class = UnblockReviewFilter

    def scoped_queryset(self):
        return unblock.reviews_for(self.request.user.organization)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "with_entries": self.action != "list"}

    @extend_schema(request=AnswerSerializer, responses=UnblockReviewSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def answer(self, request, pk=None):
        """Uphold or dismiss (the issuer, once: a second answer is 409)."""
        review = self.get_object()  # 404 unless about an order the caller issued
        body = AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            unblock.review_answer(
                actor=Actor.from_request_user(request.user),
                review=review,
                decision=body.validated_data["decision"],
                answer=body.validated_data["answer"],
            )
        except OrderStateError as e:
            raise Conflict(str(e)) from e
        fresh = self.get_queryset().get(pk=review.pk)
        return Response(self.get_serializer(fresh).data)
