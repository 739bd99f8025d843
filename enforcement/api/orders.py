from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from kernel.api.idempotency import idempotent
from kernel.api.problems import Conflict
from kernel.api.views import ScopedViewSet
from members.services import Actor

from .. import services
from ..models import BlockingOrder, OrderTarget
from ..selectors import visible_orders
from ..target_answers import answers_by_compliance
from .answers import TargetAnswersSerializer
from .docs import order_docs
from .filters import BlockingOrderFilter
from .serializers import (
    AmendSerializer,
    BlockingOrderDetailSerializer,
    BlockingOrderSerializer,
    BlockingOrderWriteSerializer,
    CheckSerializer,
    ComplianceDetailSerializer,
    ComplianceSerializer,
    LiftSerializer,
    RejectSerializer,
    RenewalSerializer,
    RenewSerializer,
)


def _invalid(e: services.InvalidOrder) -> serializers.ValidationError:
    return serializers.ValidationError(e.errors)


@order_docs
class BlockingOrderViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ScopedViewSet,
):
    """Blocking orders the caller issued or is addressed by; anyone else gets 404.

    Issuing and the issuer's steps (amend, lift, renew, withdraw) need an authority's `write`
    key; the ISP's steps (acknowledge, confirm, reject, target-answers) need the addressed
    ISP's `write` key.
    """

    model = BlockingOrder
    serializer_class = BlockingOrderSerializer
    filterset_class = BlockingOrderFilter

    @property
    def org(self):
        return self.request.user.organization

    def scoped_queryset(self):
        orders = visible_orders(self.org)
        if self.action == "list":
            return orders.prefetch_related(
                Prefetch(
                    "targets",
                    queryset=OrderTarget.objects.filter(lifted_at__isnull=True).order_by(
                        "kind", "value"
                    ),
                    to_attr="listed_targets",
                )
            )
        return orders

    def get_serializer_class(self):
        return (
            BlockingOrderDetailSerializer if self.action == "retrieve" else BlockingOrderSerializer
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "organization": self.org}

    def _detail(self, order_id: int, code=status.HTTP_200_OK) -> Response:
        order = visible_orders(self.org).get(pk=order_id)
        order.listed_targets = list(order.targets.order_by("kind", "value", "added_at"))
        # The answers per target of the rows the reader may see, in one query.
        rows = list(order.compliance.all())
        answered = answers_by_compliance(rows)
        for row in rows:
            row.answered_targets = answered[row.pk]
        data = BlockingOrderDetailSerializer(order, context=self.get_serializer_context()).data
        return Response(data, status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object().pk)

    @property
    def actor(self) -> Actor:
        return Actor.from_request_user(self.request.user)

    @extend_schema(
        request=BlockingOrderWriteSerializer, responses={201: BlockingOrderDetailSerializer}
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        """Issue an order (regulators and law enforcement, for their own country)."""
        if not services.may_issue(self.org):
            raise PermissionDenied(
                "Only a regulator or law-enforcement member issues blocking orders."
            )
        write = BlockingOrderWriteSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        write.is_valid(raise_exception=True)
        try:
            order = services.order_issue(actor=self.actor, data=write.to_input())
        except services.InvalidOrder as e:
            raise _invalid(e) from e
        except services.DuplicateReference as e:  # lost the race to a concurrent request
            raise Conflict(str(e)) from e
        return self._detail(order.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=CheckSerializer,
        responses=inline_serializer(
            "OrderCheck",
            {
                "protected": serializers.ListField(child=serializers.DictField()),
                "warnings": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    @action(detail=False, methods=["post"])
    def check(self, request):
        """Dry run for a set of targets: which the protected list refuses, and the warnings an
        issuer should read (shared hosting, wide ranges, free-hosting parents). Stores nothing."""
        if not services.may_issue(self.org):
            raise PermissionDenied("Only a regulator or law-enforcement member issues orders.")
        body = CheckSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        result = services.check_targets(body.validated_data["targets"], self.org)
        return Response(
            {
                "protected": [
                    {
                        "kind": h.kind,
                        "value": h.value,
                        "entry": h.entry,
                        "provider": h.provider,
                        "reason": h.reason,
                    }
                    for h in result.protected
                ],
                "warnings": [
                    {"kind": k, "value": v, "warnings": w}
                    for (k, v), w in sorted(result.warnings.items())
                    if w
                ],
            }
        )

    def _step(self, fn, **kwargs):
        order = self.get_object()  # 404 unless issued by or addressed to the caller
        try:
            return fn(actor=self.actor, order=order, **kwargs)
        except services.InvalidOrder as e:
            raise _invalid(e) from e
        except services.OrderStateError as e:
            raise Conflict(str(e)) from e

    @extend_schema(request=AmendSerializer, responses=BlockingOrderDetailSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def amend(self, request, pk=None):
        """Add targets (issuer). ISPs are told again and must comply by the new deadline."""
        body = AmendSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        self._step(services.order_amend, **body.validated_data)
        return self._detail(self.get_object().pk)

    @extend_schema(request=LiftSerializer, responses=BlockingOrderDetailSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def lift(self, request, pk=None):
        """Lift the whole order, or only the `targets` given (issuer)."""
        body = LiftSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        self._step(services.order_lift, targets=body.validated_data["targets"] or None)
        return self._detail(self.get_object().pk)

    @extend_schema(request=RenewSerializer, responses=RenewalSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def renew(self, request, pk=None):
        """Extend an order before it lapses: to `valid_until`, or by the lapse period (issuer)."""
        body = RenewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        renewal = self._step(services.order_renew, **body.validated_data)
        return Response(RenewalSerializer(renewal).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=BlockingOrderDetailSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def withdraw(self, request, pk=None):
        """Take back an order within the grace window, before any ISP is told (issuer)."""
        self._step(services.order_withdraw)
        return self._detail(self.get_object().pk)

    @extend_schema(request=None, responses=ComplianceSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def acknowledge(self, request, pk=None):
        """The addressed ISP has seen the order."""
        return Response(ComplianceSerializer(self._step(services.compliance_acknowledge)).data)

    @extend_schema(request=None, responses=ComplianceSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def confirm(self, request, pk=None):
        """The addressed ISP has implemented the order."""
        return Response(ComplianceSerializer(self._step(services.compliance_confirm)).data)

    @extend_schema(request=RejectSerializer, responses=ComplianceSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def reject(self, request, pk=None):
        """The addressed ISP will not implement it: `already_blocked`,
        `not_technically_possible` or `other` (with `detail`)."""
        body = RejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = self._step(services.compliance_reject, **body.validated_data)
        return Response(ComplianceSerializer(row).data)

    @extend_schema(request=TargetAnswersSerializer, responses=ComplianceDetailSerializer)
    @action(detail=True, methods=["post"], url_path="target-answers")
    @idempotent
    def target_answers(self, request, pk=None):
        """The addressed ISP answers targets one by one: `implemented`, or `impossible` with a
        `reason`. The same answer twice changes nothing."""
        body = TargetAnswersSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = self._step(services.compliance_answer_targets, **body.validated_data)
        return Response(ComplianceDetailSerializer(row).data)
