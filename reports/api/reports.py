from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from kernel.api.idempotency import idempotent
from kernel.api.problems import flatten_errors
from kernel.api.schema import ProblemFieldErrorSerializer
from kernel.api.views import ScopedViewSet
from members.services import Actor

from .. import services
from ..models import Report
from ..selectors import visible_reports
from ..stix.export import bundle_of, for_stix
from .docs import report_docs
from .filters import ReportFilter
from .serializers import (
    BulkSerializer,
    EvidenceSerializer,
    EvidenceUploadSerializer,
    ReportPatchSerializer,
    ReportSerializer,
    ReportWriteSerializer,
)
from .stix_renderer import STIX_MEDIA_TYPE, STIXBundleSerializer, STIXRenderer

# The answer of `POST /reports/bulk/`: one result per item, in the order sent.
BULK_RESULT = inline_serializer(
    "BulkResult",
    {
        "created": serializers.IntegerField(help_text="How many reports were stored."),
        "invalid": serializers.IntegerField(help_text="How many items were refused."),
        "results": inline_serializer(
            "BulkItemResult",
            {
                "index": serializers.IntegerField(help_text="The item's place in `reports`."),
                "status": serializers.ChoiceField(choices=["created", "invalid"]),
                "id": serializers.IntegerField(
                    required=False, help_text="The new report's id (created items)."
                ),
                "errors": ProblemFieldErrorSerializer(
                    many=True,
                    required=False,
                    help_text="Invalid items: each error, pointing into the request body.",
                ),
            },
            many=True,
        ),
    },
)


@report_docs
class ReportViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    model = Report
    serializer_class = ReportSerializer
    filterset_class = ReportFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    @property
    def org(self):
        return self.request.user.organization

    def scoped_queryset(self):
        return visible_reports(self.org)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "organization": self.org}

    def get_renderers(self):
        # Only the list speaks STIX (`?format=stix`): one report is a bundle of one, and the
        # writes answer in the API's own shapes.
        renderers = super().get_renderers()
        if self.action == "list":
            renderers.append(STIXRenderer())
        return renderers

    @extend_schema(
        responses={
            (200, "application/json"): ReportSerializer(many=True),
            (200, STIX_MEDIA_TYPE): STIXBundleSerializer,
        }
    )
    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format != STIXRenderer.format:
            return super().list(request, *args, **kwargs)
        # The same filters and the same page as the JSON list, as one STIX bundle; the next
        # page's address goes in a Link header, since a bundle has no place for it.
        page = self.paginate_queryset(for_stix(self.filter_queryset(self.get_queryset())))
        response = Response(bundle_of(page), content_type=STIX_MEDIA_TYPE)
        next_link = self.paginator.get_next_link()
        if next_link:
            response["Link"] = f'<{next_link}>; rel="next"'
        return response

    def _read(self, report_ids: list[int]) -> list[dict]:
        reports = {r.pk: r for r in self.get_queryset().filter(pk__in=report_ids)}
        context = self.get_serializer_context()
        return [ReportSerializer(reports[pk], context=context).data for pk in report_ids]

    @extend_schema(request=ReportWriteSerializer, responses={201: ReportSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        write = ReportWriteSerializer(data=request.data, context=self.get_serializer_context())
        write.is_valid(raise_exception=True)
        report = services.report_submit(
            actor=Actor.from_request_user(request.user),
            data=ReportWriteSerializer.to_input(write.validated_data),
        )
        return Response(self._read([report.pk])[0], status=status.HTTP_201_CREATED)

    @extend_schema(request=ReportPatchSerializer, responses={200: ReportSerializer})
    @idempotent
    def partial_update(self, request, *args, **kwargs):
        report = self.get_object()  # 404 unless visible
        if "indicators" in request.data:
            raise serializers.ValidationError(
                {"indicators": "Indicators are fixed once submitted; submit a new report."}
            )
        patch = ReportPatchSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        patch.is_valid(raise_exception=True)
        services.report_update(
            actor=Actor.from_request_user(request.user), report=report, changes=patch.to_changes()
        )
        return Response(self._read([report.pk])[0])

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=EvidenceUploadSerializer, responses={201: EvidenceSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def evidence(self, request, pk=None):
        """Attach a file (multipart field `file`). Owner only."""
        report = self.get_object()
        upload = EvidenceUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        evidence = services.evidence_add(
            actor=Actor.from_request_user(request.user),
            report=report,
            upload=upload.validated_data["file"],
        )
        return Response(
            EvidenceSerializer(evidence, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    # Served with the content type it was uploaded with, whatever that was.
    @extend_schema(responses={(200, "*/*"): bytes})
    @action(detail=True, methods=["get"], url_path=r"evidence/(?P<evidence_id>\d+)")
    def evidence_file(self, request, pk=None, evidence_id=None):
        """Download one file, where the policy and an agreement sharing evidence allow it."""
        report = self.get_object()
        evidence = next((e for e in report.evidence.all() if e.pk == int(evidence_id)), None)
        if evidence is None or not report.evidence_disclosed:
            raise Http404
        response = FileResponse(
            evidence.file.open("rb"), as_attachment=True, filename=evidence.name
        )
        response["Content-Type"] = evidence.content_type
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @extend_schema(request=BulkSerializer, responses={200: BULK_RESULT})
    @action(detail=False, methods=["post"])
    @idempotent
    def bulk(self, request):
        """Up to 1,000 reports. Each item is validated on its own; the valid ones are stored
        even when others fail, and the answer says, item by item, what happened."""
        envelope = BulkSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        # One serializer for every item: DRF copies a serializer's fields when it is built,
        # which cost more than validating a report. Lookups are cached in its context.
        write = ReportWriteSerializer(context=self.get_serializer_context())

        def read(item: object) -> services.ReportInput:
            if not isinstance(item, dict):
                raise services.InvalidItem(
                    serializers.ErrorDetail("Expected a report object.", code="not_an_object")
                )
            quick = write.quick_input(item)
            if quick is not None:
                return quick
            try:
                return ReportWriteSerializer.to_input(write.run_validation(item))
            except serializers.ValidationError as e:
                raise services.InvalidItem(e.detail) from e

        try:
            outcomes = services.reports_submit_bulk(
                actor=Actor.from_request_user(request.user),
                items=envelope.validated_data["reports"],
                read=read,
            )
        except DjangoValidationError as e:  # pragma: no cover - the serializer checked the rules
            raise serializers.ValidationError(e.message_dict) from e
        results = [
            {"index": o.index, "status": "created", "id": o.report.pk}
            if o.report is not None
            else {
                "index": o.index,
                "status": "invalid",
                "errors": flatten_errors(o.errors, f"/reports/{o.index}"),
            }
            for o in outcomes
        ]
        created = sum(o.report is not None for o in outcomes)
        return Response(
            {"created": created, "invalid": len(results) - created, "results": results},
            status=status.HTTP_200_OK,
        )
