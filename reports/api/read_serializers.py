"""The report as the API reads it out (docs/contract.md, "Report"): the report, its
indicators and its evidence files, as the caller may see them; re-exported by
`reports.api.serializers`."""

from __future__ import annotations

import datetime

from rest_framework import serializers

from kernel.api.fields import TLPField
from kernel.vocabulary import TLP

from ..models import Evidence, Report


class IndicatorReadSerializer(serializers.Serializer):
    kind = serializers.CharField()
    value = serializers.CharField()
    note = serializers.CharField(help_text="The reporter's note on this indicator, or empty.")
    # The target's public, name-based id (`reports.models.target_uid`), once linked.
    target = serializers.UUIDField(source="target_uid", allow_null=True)


def indicator_target(indicator) -> str | None:
    """The public id of an indicator's target: annotated by `reports.selectors.for_display`
    (no query per indicator), read from the target otherwise."""
    if indicator.target_id is None:
        return None
    uid = getattr(indicator, "target_uid", None) or indicator.target.uid
    return str(uid)


class EvidenceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "name", "content_type", "size", "sha256", "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, evidence: Evidence) -> str:
        path = f"/api/v1/reports/{evidence.report_id}/evidence/{evidence.pk}/"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ReportSerializer(serializers.ModelSerializer):
    """A report as the caller may see it: `owner` is null where identity is withheld, and the
    owner's distribution choices (sharing, recipients, agreements) are null for everyone else."""

    owner = serializers.SerializerMethodField()
    tlp = TLPField()
    indicators = IndicatorReadSerializer(many=True)
    urgent = serializers.BooleanField(source="is_urgent")
    linking = serializers.CharField(read_only=True)
    duplicate_of = serializers.SerializerMethodField()
    sharing = serializers.SerializerMethodField()
    recipients = serializers.SerializerMethodField()
    agreements = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "owner",
            "category",
            "title",
            "description",
            "tlp",
            "jurisdictions",
            "indicators",
            "sharing",
            "recipients",
            "agreements",
            "evidence",
            "live_from",
            "live_until",
            "urgent",
            "linking",
            "duplicate_of",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _is_owner(self, report: Report) -> bool:
        return report.owner_id == self.context["organization"].pk

    def to_representation(self, report: Report) -> dict:
        """The declared fields' output, built directly: going through each DRF field cost a
        fifth of a list page of 50 reports (BENCHMARKS.md, "Visibility"). The declarations
        above still describe the shape (the OpenAPI schema); test_reports_api checks it."""
        return {
            "id": report.pk,
            "owner": self.get_owner(report),
            "category": report.category,
            "title": report.title,
            "description": report.description,
            "tlp": TLP(report.tlp).label,
            "jurisdictions": list(report.jurisdictions),
            "indicators": [
                {"kind": i.kind, "value": i.value, "note": i.note, "target": indicator_target(i)}
                for i in report.indicators.all()
            ],
            "sharing": self.get_sharing(report),
            "recipients": self.get_recipients(report),
            "agreements": self.get_agreements(report),
            "evidence": self.get_evidence(report),
            "live_from": _datetime(report.live_from),
            "live_until": _datetime(report.live_until),
            "urgent": report.is_urgent,
            "linking": report.linking,
            "duplicate_of": self.get_duplicate_of(report),
            "status": report.status,
            "created_at": _datetime(report.created_at),
            "updated_at": _datetime(report.updated_at),
        }

    def get_owner(self, report: Report) -> str | None:
        return report.owner.slug if report.identity_disclosed else None

    def get_sharing(self, report: Report) -> str | None:
        return report.sharing if self._is_owner(report) else None

    def get_recipients(self, report: Report) -> list[str] | None:
        if not self._is_owner(report):
            return None
        return sorted(o.slug for o in report.recipients.all())

    def get_duplicate_of(self, report: Report) -> int | None:
        # Only the owner's own reports are ever marked duplicates of each other.
        return report.duplicate_of_id if self._is_owner(report) else None

    def get_evidence(self, report: Report) -> list[dict] | None:
        """The files, where an agreement shares evidence with the caller; else null."""
        if not report.evidence_disclosed:
            return None
        return EvidenceSerializer(report.evidence.all(), many=True, context=self.context).data

    def get_agreements(self, report: Report) -> list[int] | None:
        if not self._is_owner(report):
            return None
        return sorted(a.pk for a in report.restricted_to.all())


# UTC whatever zone is active: API answers and webhook bodies read the same for everyone
# (RFC 3339 with "Z"), never in a person's own zone.
_DATETIME_FIELD = serializers.DateTimeField(default_timezone=datetime.UTC)


def _datetime(value) -> str | None:
    # DRF's own formatting (ISO 8601, "Z"), without building a field per value.
    return None if value is None else _DATETIME_FIELD.to_representation(value)
