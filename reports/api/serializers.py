"""Report shapes of SPEC.md ("Shapes the integrations rely on"). Serializers translate; the
rules are in `reports.services`."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django_countries import countries
from rest_framework import serializers

from hub.api.fields import TLPField
from hub.vocabulary import TLP, Category
from members.models import Agreement, Organization

from .. import indicators as ind
from ..models import Evidence, Report
from ..services import IndicatorInput, ReportInput, check_report_rules

MAX_INDICATORS = 100
_country_codes: frozenset[str] | None = None


def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, built once (rebuilding django-countries' dict for each code
    cost 0.4 ms, a fifth of a bulk submission's time)."""
    global _country_codes
    if _country_codes is None:
        _country_codes = frozenset(code for code, _ in countries)
    return _country_codes


class CountryCodeField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(min_length=2, max_length=2, **kwargs)

    def to_internal_value(self, data):
        code = super().to_internal_value(data).upper()
        if code not in country_codes():
            raise serializers.ValidationError(
                f"'{code}' is not an ISO 3166-1 alpha-2 country code.", code="invalid_country"
            )
        return code


class IndicatorWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ind.KINDS)
    value = serializers.CharField(max_length=ind.MAX_INPUT_LENGTH, trim_whitespace=False)

    def validate(self, attrs):
        try:
            normalised = ind.normalise(attrs["kind"], attrs["value"])
        except ind.IndicatorError as e:
            raise serializers.ValidationError(
                {"value": [serializers.ErrorDetail(str(e), e.code)]}
            ) from e
        return IndicatorInput(kind=attrs["kind"], raw_value=attrs["value"], value=normalised)


class ReportWriteSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(allow_blank=True, required=False, default="")
    tlp = TLPField(required=False, default=TLP.AMBER.label)
    jurisdictions = serializers.ListField(child=CountryCodeField(), required=False, default=list)
    indicators = IndicatorWriteSerializer(many=True, max_length=MAX_INDICATORS)
    recipients = serializers.ListField(child=serializers.SlugField(), required=False, default=list)
    sharing = serializers.ChoiceField(
        choices=Report.Sharing.values, required=False, default=Report.Sharing.AGREEMENTS
    )
    agreements = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list
    )
    live_from = serializers.DateTimeField(required=False, allow_null=True, default=None)
    live_until = serializers.DateTimeField(required=False, allow_null=True, default=None)

    @property
    def owner(self) -> Organization:
        return self.context["organization"]

    # A bulk submission validates up to 1,000 items with one serializer: organisations and the
    # owner's agreements are looked up once per request (in the context), not once per item.
    def _organisations(self, slugs: list[str]) -> dict[str, Organization | None]:
        known = self.context.setdefault("_organisations_by_slug", {})
        missing = [s for s in slugs if s not in known]
        if missing:
            known.update(dict.fromkeys(missing))
            known.update({o.slug: o for o in Organization.objects.filter(slug__in=missing)})
        return known

    def _owner_agreements(self) -> dict[int, Agreement]:
        if "_owner_agreements" not in self.context:
            self.context["_owner_agreements"] = {
                a.pk: a for a in Agreement.objects.of_party(self.owner)
            }
        return self.context["_owner_agreements"]

    def validate_recipients(self, slugs: list[str]) -> list[Organization]:
        orgs = self._organisations(slugs)
        unknown = [s for s in slugs if orgs.get(s) is None]
        if unknown:
            raise serializers.ValidationError(f"Unknown organisations: {', '.join(unknown)}.")
        return [orgs[s] for s in dict.fromkeys(slugs)]

    def validate_agreements(self, ids: list[int]) -> list[Agreement]:
        found = self._owner_agreements() if ids else {}
        unknown = [str(i) for i in ids if i not in found]
        if unknown:
            # Agreements are private to their parties: "not yours" reads as "unknown".
            raise serializers.ValidationError(f"Unknown agreements: {', '.join(unknown)}.")
        return [found[i] for i in dict.fromkeys(ids)]

    def validate(self, attrs):
        if self.partial:
            return attrs
        data = self.to_input(attrs)
        try:
            check_report_rules(
                owner=self.owner,
                data=data,
                owner_agreement_ids=set(self._owner_agreements()) if data.restricted_to else None,
            )
        except DjangoValidationError as e:
            raise serializers.ValidationError(e.message_dict) from e
        return attrs

    @staticmethod
    def to_input(attrs) -> ReportInput:
        return ReportInput(
            category=attrs["category"],
            title=attrs["title"],
            description=attrs.get("description", ""),
            tlp=attrs.get("tlp", TLP.AMBER),
            jurisdictions=attrs.get("jurisdictions", []),
            indicators=attrs["indicators"],
            recipients=attrs.get("recipients", []),
            sharing=attrs.get("sharing", Report.Sharing.AGREEMENTS),
            restricted_to=attrs.get("agreements", []),
            live_from=attrs.get("live_from"),
            live_until=attrs.get("live_until"),
        )


class ReportPatchSerializer(ReportWriteSerializer):
    """Partial update: the same fields but indicators, which are fixed once submitted."""

    indicators = None
    status = serializers.ChoiceField(choices=Report.Status.values, required=False)

    def to_changes(self) -> dict:
        changes = dict(self.validated_data)
        if "agreements" in changes:
            changes["restricted_to"] = changes.pop("agreements")
        return changes


class IndicatorReadSerializer(serializers.Serializer):
    kind = serializers.CharField()
    value = serializers.CharField()
    target = serializers.IntegerField(source="target_id", allow_null=True)


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


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


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


class BulkSerializer(serializers.Serializer):
    # Items are checked one by one by the view, so one malformed item fails alone.
    reports = serializers.ListField(
        child=serializers.JSONField(), min_length=1, max_length=1000, allow_empty=False
    )
