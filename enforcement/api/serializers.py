"""Blocking-order shapes of docs/contract.md. Serializers translate; the rules are in
`enforcement.services`."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from members.models import Organization
from reports import indicators as ind
from reports.api.serializers import CountryCodeField
from reports.selectors import visible_targets

from ..models import (
    BlockingOrder,
    Compliance,
    OrderRenewal,
    OrderTarget,
    TargetAnswer,
    TargetKind,
)
from ..services import MAX_TARGETS, OrderInput, TargetInput
from ..target_answers import answers_by_compliance, counts_of

TARGET_KINDS = TargetKind.values


def _uid(value) -> uuid.UUID | None:
    """A target's public id as sent, or None when it is not one (then "Unknown target")."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


@extend_schema_field(
    {
        "type": "array",
        "maxItems": MAX_TARGETS,
        "items": {
            "type": "object",
            "description": "Either kind and value, or `target`: the id of a target you can see.",
            "properties": {
                "kind": {"type": "string", "enum": TARGET_KINDS},
                "value": {"type": "string"},
                "target": {"type": "string", "format": "uuid"},
            },
        },
    }
)
class TargetListField(serializers.Field):
    """`[{"kind", "value"}]` or `[{"target": id}]`, normalised like report indicators.

    Hand-rolled rather than a nested serializer: an order may carry 100,000 targets, and a
    nested serializer per item costs seconds. Every error still names its item
    (`/targets/3/value`)."""

    def to_internal_value(self, data) -> list[TargetInput]:
        if not isinstance(data, list):
            raise serializers.ValidationError("Expected a list of targets.")
        if len(data) > MAX_TARGETS:
            raise serializers.ValidationError(f"At most {MAX_TARGETS:,} targets.")
        picked = {
            _uid(item["target"]) for item in data if isinstance(item, dict) and "target" in item
        } - {None}
        org = self.context.get("organization")
        seen = (
            {
                t.uid: t
                for t in visible_targets(org).filter(uid__in=picked).only("uid", "kind", "value")
            }
            if picked and org is not None
            else {}
        )
        out: list[TargetInput] = []
        errors: dict[int, dict[str, list[str]]] = {}
        for i, item in enumerate(data):
            if not isinstance(item, dict):
                errors[i] = {"non_field_errors": ["Expected an object with kind and value."]}
                continue
            if "target" in item:
                target = seen.get(_uid(item["target"]))
                if target is None:
                    errors[i] = {"target": ["Unknown target."]}
                elif target.kind not in TARGET_KINDS:
                    errors[i] = {"target": [f"A {target.kind} target cannot be blocked."]}
                else:
                    out.append(TargetInput(kind=target.kind, value=target.value))
                continue
            kind, value = item.get("kind"), item.get("value")
            if kind not in TARGET_KINDS:
                errors[i] = {"kind": [f"One of: {', '.join(TARGET_KINDS)}."]}
                continue
            if not isinstance(value, str) or not value.strip():
                errors[i] = {"value": ["A value is required."]}
                continue
            try:
                out.append(TargetInput(kind=kind, value=ind.normalise(kind, value)))
            except ind.IndicatorError as e:
                errors[i] = {"value": [serializers.ErrorDetail(str(e), e.code)]}
        if errors:
            raise serializers.ValidationError(errors)
        return out

    def to_representation(self, value):  # pragma: no cover - write-only
        return value


class BlockingOrderWriteSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=100)
    legal_basis = serializers.CharField(max_length=5000)
    country = CountryCodeField()
    targets = TargetListField()
    reports = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=1000
    )
    isps = serializers.ListField(
        child=serializers.SlugField(), required=False, allow_null=True, default=None
    )
    deadline = serializers.DateTimeField()
    valid_until = serializers.DateTimeField(required=False, allow_null=True, default=None)
    confidential = serializers.BooleanField(required=False, default=False)
    override_protected = serializers.BooleanField(required=False, default=False)
    justification = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=5000
    )

    def validate_isps(self, slugs: list[str] | None) -> list[Organization] | None:
        if slugs is None:
            return None
        orgs = {o.slug: o for o in Organization.objects.filter(slug__in=slugs)}
        unknown = [s for s in slugs if s not in orgs]
        if unknown:
            raise serializers.ValidationError(f"Unknown organisations: {', '.join(unknown)}.")
        return [orgs[s] for s in dict.fromkeys(slugs)]

    def to_input(self) -> OrderInput:
        return OrderInput(**self.validated_data)


class AmendSerializer(serializers.Serializer):
    targets = TargetListField()
    deadline = serializers.DateTimeField(required=False, allow_null=True, default=None)
    override_protected = serializers.BooleanField(required=False, default=False)
    justification = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=5000
    )


class LiftSerializer(serializers.Serializer):
    targets = TargetListField(required=False, default=list)


class RenewSerializer(serializers.Serializer):
    valid_until = serializers.DateTimeField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class RejectSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Compliance.Reason.values)
    detail = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class CheckSerializer(serializers.Serializer):
    targets = TargetListField()


class TargetCountsSerializer(serializers.Serializer):
    in_force = serializers.IntegerField(help_text="Targets of the order in force.")
    implemented = serializers.IntegerField(help_text="Of them, answered blocked.")
    impossible = serializers.IntegerField(help_text="Of them, answered impossible.")
    unanswered = serializers.IntegerField(help_text="Of them, not answered yet.")


class ComplianceSerializer(serializers.ModelSerializer):
    isp = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    overdue = serializers.SerializerMethodField()
    targets = serializers.SerializerMethodField()

    class Meta:
        model = Compliance
        fields = [
            "isp",
            "state",
            "notified_at",
            "acknowledged_at",
            "implemented_at",
            "rejected_at",
            "reason",
            "reason_detail",
            "overdue",
            "targets",
        ]
        read_only_fields = fields

    def get_overdue(self, row: Compliance) -> bool:
        return row.overdue_at is not None and row.state in (
            Compliance.State.NOTIFIED,
            Compliance.State.ACKNOWLEDGED,
        )

    @extend_schema_field(TargetCountsSerializer)
    def get_targets(self, row: Compliance) -> dict:
        # Of this ISP's answers only: the reader sees no other ISP's row (visible_orders).
        counts = counts_of(row)
        return {
            "in_force": counts.in_force,
            "implemented": counts.implemented,
            "impossible": counts.impossible,
            "unanswered": counts.unanswered,
        }


class TargetAnswerSerializer(serializers.ModelSerializer):
    target = serializers.IntegerField(source="target_id", help_text="The order target's id.")
    kind = serializers.CharField(source="target.kind")
    value = serializers.CharField(source="target.value")

    class Meta:
        model = TargetAnswer
        fields = ["target", "kind", "value", "state", "reason", "detail", "answered_at"]
        read_only_fields = fields


class ComplianceDetailSerializer(ComplianceSerializer):
    """An ISP's answer with its answers per target (targets in force only)."""

    target_answers = serializers.SerializerMethodField()

    class Meta(ComplianceSerializer.Meta):
        fields = [*ComplianceSerializer.Meta.fields, "target_answers"]
        read_only_fields = fields

    @extend_schema_field(TargetAnswerSerializer(many=True))
    def get_target_answers(self, row: Compliance) -> list[dict]:
        answers = getattr(row, "answered_targets", None)
        if answers is None:
            answers = answers_by_compliance([row])[row.pk]
        return TargetAnswerSerializer(answers, many=True).data


class OrderTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderTarget
        fields = ["id", "kind", "value", "added_at", "lifted_at", "protected_match", "warnings"]
        read_only_fields = fields


class RenewalSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderRenewal
        fields = ["renewed_at", "previous_end", "new_end", "note"]
        read_only_fields = fields


class BlockingOrderSerializer(serializers.ModelSerializer):
    """An order as its issuer and its ISPs see it. The reports it relies on are listed only
    where the access policy lets the reader see them (`visible_reports`, see selectors)."""

    issuer = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    country = serializers.CharField(source="country.code", read_only=True)
    status = serializers.CharField(read_only=True)
    reports = serializers.SerializerMethodField()
    targets = serializers.SerializerMethodField()
    compliance = ComplianceSerializer(many=True, read_only=True)
    isps = serializers.SerializerMethodField()

    class Meta:
        model = BlockingOrder
        fields = [
            "id",
            "reference",
            "legal_basis",
            "country",
            "issuer",
            "status",
            "created_at",
            "issued_at",
            "deadline",
            "valid_until",
            "ends_at",
            "lifted_at",
            "withdrawn_at",
            "confidential",
            "override_protected",
            "justification",
            "isps",
            "reports",
            "targets",
            "compliance",
        ]
        read_only_fields = fields

    def get_reports(self, order: BlockingOrder) -> list[int]:
        return [r.pk for r in getattr(order, "visible_reports", [])]

    def get_isps(self, order: BlockingOrder) -> list[str]:
        return [c.isp.slug for c in order.compliance.all()]

    ISSUER_ONLY = ("protected_match", "warnings")

    def _is_issuer(self, order: BlockingOrder) -> bool:
        org = self.context.get("organization")
        return org is not None and org.pk == order.issuer_id

    @extend_schema_field(OrderTargetSerializer(many=True))
    def get_targets(self, order: BlockingOrder) -> list[dict]:
        # Lists and webhooks carry the targets in force; the detail view adds lifted ones.
        rows = getattr(order, "listed_targets", None)
        if rows is None:
            rows = order.targets.filter(lifted_at__isnull=True).order_by("kind", "value")
        data = OrderTargetSerializer(rows, many=True).data
        if not self._is_issuer(order):
            # What the issuer was warned of, and why it overrode the protected list, is the
            # issuer's working material, not the ISPs'.
            for item in data:
                item["protected_match"], item["warnings"] = "", []
        return data

    def to_representation(self, order: BlockingOrder) -> dict:
        data = super().to_representation(order)
        if not self._is_issuer(order):
            data["justification"] = ""
        return data


class BlockingOrderDetailSerializer(BlockingOrderSerializer):
    renewals = RenewalSerializer(many=True, read_only=True)
    compliance = ComplianceDetailSerializer(many=True, read_only=True)

    class Meta(BlockingOrderSerializer.Meta):
        fields = [*BlockingOrderSerializer.Meta.fields, "renewals"]
        read_only_fields = fields
