"""/api/v1/taxii-sources/: the organisation's own TAXII 2.1 servers the hub polls (scope
`admin`). The password or token is write-only: it is never listed or returned."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kernel.api.problems import Conflict
from kernel.api.views import ScopedViewSet
from members.actors import Actor
from members.models import Agreement

from .. import sources
from ..models import TaxiiSource
from .docs import source_docs


class _AgreementOfCaller(serializers.PrimaryKeyRelatedField):
    """An agreement in force the caller is a party to: any other id is "does not exist"."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None or getattr(request.user, "organization", None) is None:
            return Agreement.objects.none()
        return sources.agreements_for(request.user.organization)


class TaxiiSourceSerializer(serializers.ModelSerializer):
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=2000,
        trim_whitespace=False,
        help_text="The password (with `username`: HTTP Basic) or the Bearer token (without). "
        "Stored encrypted; never returned. Omitted or empty on a change: the stored one stays, "
        "unless `api_root_url` moves to another scheme, host or port, which needs it again.",
    )
    collection_id = serializers.RegexField(
        regex=sources.COLLECTION_ID.pattern,
        max_length=100,
        help_text="The collection's id under the API root, as the server lists it.",
    )
    has_secret = serializers.SerializerMethodField()
    agreement = _AgreementOfCaller(
        required=False,
        allow_null=True,
        help_text="Imported reports are shared under this agreement; null: under all the "
        "organisation's agreements, as its own reports usually are.",
    )
    interval_minutes = serializers.IntegerField(
        min_value=sources.MIN_INTERVAL_MINUTES, max_value=sources.MAX_INTERVAL_MINUTES, default=15
    )

    class Meta:
        model = TaxiiSource
        fields = [
            "id",
            "title",
            "api_root_url",
            "collection_id",
            "username",
            "secret",
            "has_secret",
            "agreement",
            "interval_minutes",
            "enabled",
            "added_after",
            "last_polled_at",
            "last_error",
            "consecutive_failures",
            "next_poll_at",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "added_after",
            "last_polled_at",
            "last_error",
            "consecutive_failures",
            "next_poll_at",
            "created_at",
        ]

    def get_has_secret(self, source: TaxiiSource) -> bool:
        return bool(source.secret_encrypted)

    def validate_api_root_url(self, url: str) -> str:
        url = url if url.endswith("/") else url + "/"
        refusal = sources.url_refusal(url)
        if refusal is not None:
            raise serializers.ValidationError(f"the hub will not poll this address ({refusal})")
        return url

    def validate(self, attrs: dict) -> dict:
        # The service refuses it too; here it is an error on the field to fill in.
        url = attrs.get("api_root_url")
        secret = attrs.get("secret") or ""
        if self.instance and url and sources.needs_new_secret(self.instance, url, secret):
            raise serializers.ValidationError({"secret": [sources.MOVED_REFUSAL]})
        return attrs


@source_docs
class TaxiiSourceViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    model = TaxiiSource
    serializer_class = TaxiiSourceSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    required_scopes = {
        "list": "admin",
        "retrieve": "admin",
        "create": "admin",
        "partial_update": "admin",
        "destroy": "admin",
        "poll": "admin",
    }

    def scoped_queryset(self):
        return TaxiiSource.objects.filter(organization=self.request.user.organization)

    def _call(self, service, **kwargs):
        try:
            return service(actor=Actor.from_request_user(self.request.user), **kwargs)
        except sources.SourceRefused as e:
            raise serializers.ValidationError({"detail": e.message}) from e

    def perform_create(self, serializer):
        serializer.instance = self._call(
            sources.source_create,
            organization=self.request.user.organization,
            **serializer.validated_data,
        )

    def perform_update(self, serializer):
        serializer.instance = self._call(
            sources.source_update, source=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        self._call(sources.source_delete, source=instance)

    @extend_schema(request=None, responses={202: TaxiiSourceSerializer})
    @action(detail=True, methods=["post"])
    def poll(self, request, pk=None):
        source = self.get_object()
        if not source.enabled:
            raise Conflict("The source is paused: enable it first.")
        self._call(sources.source_poll_now, source=source)
        source.refresh_from_db()
        return Response(self.get_serializer(source).data, status=status.HTTP_202_ACCEPTED)
