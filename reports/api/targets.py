"""/api/v1/targets/: computed for the caller through the policy (reports.selectors)."""

from __future__ import annotations

import uuid

import django_filters
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from kernel.api.pagination import CursorPagination
from kernel.api.views import ReadOnlyViewSet

from .. import dedup
from ..models import Target
from ..selectors import (
    ReaderCluster,
    open_suggestions,
    reader_cluster,
    target_reports,
    visible_targets,
)
from .docs import target_docs
from .serializers import ReportSerializer

# 32 hexadecimal digits, dashed or not: exactly what uuid.UUID parses, so a path that routes
# holds a well-formed id (anything else is 404 before a view runs).
UID_PATTERN = r"[0-9a-fA-F]{8}-?(?:[0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}"


class TargetSerializer(serializers.ModelSerializer):
    """A target as the caller sees it: every figure comes from the reports it may see, and its
    identifier is name-based (`reports.models.target_uid`), so none reveals another report."""

    id = serializers.UUIDField(source="uid", read_only=True)
    report_count = serializers.IntegerField(read_only=True)
    corroborated = serializers.SerializerMethodField()
    first_seen = serializers.DateTimeField(read_only=True)
    last_seen = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Target
        fields = [
            "id",
            "kind",
            "value",
            "report_count",
            "corroborated",
            "warning",
            "first_seen",
            "last_seen",
        ]
        read_only_fields = fields

    def get_corroborated(self, target: Target) -> bool:
        """Reported by more than one member — counting only reports the caller may see."""
        return target.reporter_count > 1


class TargetDetailSerializer(TargetSerializer):
    reports = serializers.SerializerMethodField()
    cluster = serializers.SerializerMethodField()
    suggestions = serializers.SerializerMethodField()

    class Meta(TargetSerializer.Meta):
        fields = [*TargetSerializer.Meta.fields, "reports", "cluster", "suggestions"]
        read_only_fields = fields

    def get_suggestions(self, target: Target) -> list[dict]:
        """Possible siblings (numbered family, look-alike) to confirm or dismiss; `id` is the
        other target's, used in the confirm and dismiss paths."""
        return [
            {
                "id": str(s.other.uid),
                "reason": s.reason,
                "other": {"id": str(s.other.uid), "kind": s.other.kind, "value": s.other.value},
            }
            for s in open_suggestions(
                self.context["organization"], target, self._reader_cluster(target)
            )
        ]

    def get_reports(self, target: Target) -> list[dict]:
        org = self.context["organization"]
        return ReportSerializer(target_reports(org, target), many=True, context=self.context).data

    def get_cluster(self, target: Target) -> dict | None:
        found = self._reader_cluster(target)
        return None if found is None else found.as_dict()

    def _reader_cluster(self, target: Target) -> ReaderCluster | None:
        """Computed once per target: the cluster and the suggestions both need it."""
        cache = self.__dict__.setdefault("_clusters", {})
        if target.pk not in cache:
            cache[target.pk] = reader_cluster(self.context["organization"], target)
        return cache[target.pk]


class TargetFilter(django_filters.FilterSet):
    # Labelled and marked for translation: the browsable API shows them as a form ("Tlp"
    # otherwise), and the portal's filter forms inherit them.
    kind = django_filters.CharFilter(label=_("Kind"))
    q = django_filters.CharFilter(
        field_name="value", lookup_expr="icontains", max_length=200, label=_("Search")
    )
    corroborated = django_filters.BooleanFilter(method="by_corroboration", label=_("Corroborated"))

    class Meta:
        model = Target
        fields = ["kind", "q", "corroborated"]

    def by_corroboration(self, queryset, name, value):
        return queryset.filter(reporter_count__gt=1) if value else queryset.filter(reporter_count=1)


class TargetPagination(CursorPagination):
    # By the name-based identifier: an order that says nothing (creation order would tell that
    # a value was reported before, in a report the caller may not see), walked by its index.
    ordering = "uid"


@target_docs
class TargetViewSet(ReadOnlyViewSet):
    """Targets as the caller sees them, computed from the reports it may see. A target outside
    them is simply absent, so 'not yours' and 'does not exist' both answer 404."""

    model = Target
    filterset_class = TargetFilter
    pagination_class = TargetPagination
    lookup_field = "uid"
    lookup_value_regex = UID_PATTERN
    required_scopes = {"confirm_suggestion": "write", "dismiss_suggestion": "write"}

    def get_serializer_class(self):
        return TargetDetailSerializer if self.action == "retrieve" else TargetSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "organization": self._org()}

    def _org(self):
        return getattr(self.request.user, "organization", None)

    def scoped_queryset(self):
        return visible_targets(self._org())

    def _decide(self, other_id: str, *, confirm: bool) -> Response:
        target = self.get_object()
        org = self._org()
        wanted = uuid.UUID(other_id)  # UID_PATTERN admits only what parses as one
        suggestion = next((s for s in open_suggestions(org, target) if s.other.uid == wanted), None)
        if suggestion is None:
            raise Http404
        dedup.suggestion_decide(
            org=org,
            source=target,
            target=suggestion.other,
            reason=suggestion.reason,
            confirm=confirm,
        )
        fresh = self.get_queryset().get(pk=target.pk)
        return Response(TargetDetailSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=TargetDetailSerializer)
    @action(
        detail=True, methods=["post"], url_path=rf"suggestions/(?P<other_id>{UID_PATTERN})/confirm"
    )
    def confirm_suggestion(self, request, uid=None, other_id=None):
        """Confirm that the two targets belong to one operation: they join one cluster."""
        return self._decide(other_id, confirm=True)

    @extend_schema(request=None, responses=TargetDetailSerializer)
    @action(
        detail=True, methods=["post"], url_path=rf"suggestions/(?P<other_id>{UID_PATTERN})/dismiss"
    )
    def dismiss_suggestion(self, request, uid=None, other_id=None):
        """Dismiss a suggestion; it is not made again."""
        return self._decide(other_id, confirm=False)
