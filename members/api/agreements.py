"""/api/v1/agreements/: propose, list, retrieve, sign, decline, suspend, terminate
(docs/contract.md)."""

from __future__ import annotations

from django_countries import countries
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kernel.api.fields import TLPField
from kernel.api.idempotency import idempotent
from kernel.api.problems import Conflict
from kernel.api.views import ScopedViewSet
from kernel.vocabulary import AGREEMENT_TLPS, Category
from kernel.zones import hub_today

from .. import services
from ..models import Agreement, AgreementParty, Organization
from .docs import agreement_docs


class SignatureSerializer(serializers.ModelSerializer):
    party = serializers.CharField(source="organization.slug")

    class Meta:
        model = AgreementParty
        fields = ["party", "signed_at"]


class AgreementSerializer(serializers.ModelSerializer):
    parties = serializers.SerializerMethodField()
    max_tlp = TLPField(levels=AGREEMENT_TLPS)
    status = serializers.SerializerMethodField()
    signatures = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = [
            "id",
            "title",
            "parties",
            "categories",
            "jurisdictions",
            "max_tlp",
            "share_reporter_identity",
            "share_evidence",
            "effective_from",
            "expires_on",
            "status",
            "signatures",
            "created_at",
        ]
        read_only_fields = fields

    def get_parties(self, agreement: Agreement) -> list[str]:
        return [link.organization.slug for link in agreement.party_links.all()]

    def get_signatures(self, agreement: Agreement) -> list[dict]:
        return SignatureSerializer(
            [link for link in agreement.party_links.all() if link.signed_at], many=True
        ).data

    def get_status(self, agreement: Agreement) -> str:
        # Past its last day an agreement shares nothing, even before the expiry task runs.
        if (
            agreement.status == Agreement.Status.ACTIVE
            and agreement.expires_on
            and agreement.expires_on < hub_today()
        ):
            return Agreement.Status.EXPIRED
        return agreement.status


class AgreementProposeSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    parties = serializers.ListField(child=serializers.SlugField(), min_length=1)
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=Category.choices), required=False, default=list
    )
    jurisdictions = serializers.ListField(
        child=serializers.ChoiceField(choices=list(dict(countries))), required=False, default=list
    )
    max_tlp = TLPField(levels=AGREEMENT_TLPS)
    share_reporter_identity = serializers.BooleanField(required=False, default=False)
    share_evidence = serializers.BooleanField(required=False, default=False)
    effective_from = serializers.DateField(required=False, allow_null=True, default=None)
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)

    def validate_parties(self, slugs: list[str]) -> list[Organization]:
        orgs = {o.slug: o for o in Organization.objects.filter(slug__in=slugs)}
        unknown = [s for s in slugs if s not in orgs]
        if unknown:
            raise serializers.ValidationError(f"Unknown organisations: {', '.join(unknown)}.")
        return list(orgs.values())


@agreement_docs
class AgreementViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ScopedViewSet,
):
    """Agreements are visible to their parties only; anyone else gets 404."""

    model = Agreement
    serializer_class = AgreementSerializer
    required_scopes = {
        "create": "admin",
        "sign": "admin",
        "decline": "admin",
        "suspend": "admin",
        "terminate": "admin",
    }

    def scoped_queryset(self):
        org = self.request.user.organization
        return (
            Agreement.objects.of_party(org)
            .prefetch_related("party_links__organization")
            .order_by("-id")
        )

    def _actor(self) -> services.Actor:
        return services.Actor.from_request_user(self.request.user)

    def _answer(self, agreement: Agreement, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=agreement.pk)
        return Response(AgreementSerializer(fresh).data, status=code)

    @extend_schema(request=AgreementProposeSerializer, responses={201: AgreementSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        write = AgreementProposeSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        agreement = services.agreement_propose(actor=self._actor(), **write.validated_data)
        return self._answer(agreement, status.HTTP_201_CREATED)

    def _transition(self, service) -> Response:
        agreement = self.get_object()
        try:
            agreement = service(actor=self._actor(), agreement=agreement)
        except services.AgreementStateError as e:
            raise Conflict(str(e)) from e
        return self._answer(agreement)

    @extend_schema(request=None, responses=AgreementSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def sign(self, request, pk=None):
        return self._transition(services.agreement_sign)

    @extend_schema(request=None, responses=AgreementSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def decline(self, request, pk=None):
        return self._transition(services.agreement_decline)

    @extend_schema(request=None, responses=AgreementSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def suspend(self, request, pk=None):
        return self._transition(services.agreement_suspend)

    @extend_schema(request=None, responses=AgreementSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def terminate(self, request, pk=None):
        return self._transition(services.agreement_terminate)
