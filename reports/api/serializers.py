"""Report shapes of docs/contract.md ("The REST API", "Report"): the write shapes here, the
read shapes in `reports.api.read_serializers` (re-exported). Serializers translate; the rules
are in `reports.services`."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django_countries import countries
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kernel.api.fields import TLPField
from kernel.vocabulary import TLP, Category
from members.models import Agreement, Organization

from .. import indicators as ind
from ..indicator_limits import MAX_INDICATORS, MAX_NOTE_LENGTH
from ..models import Report
from ..services import IndicatorInput, ReportInput, check_report_rules
from .read_serializers import (
    EvidenceSerializer,
    IndicatorReadSerializer,
    ReportSerializer,
    indicator_target,
)

# The write shapes are here; the read shapes, in `.read_serializers`, are re-exported.
__all__ = [
    "MAX_INDICATORS",
    "BulkSerializer",
    "CountryCodeField",
    "EvidenceSerializer",
    "EvidenceUploadSerializer",
    "IndicatorReadSerializer",
    "IndicatorWriteSerializer",
    "ReportPatchSerializer",
    "ReportSerializer",
    "ReportWriteSerializer",
    "country_codes",
    "indicator_target",
]

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
    note = serializers.CharField(
        max_length=MAX_NOTE_LENGTH, required=False, allow_blank=True, default=""
    )

    def validate(self, attrs):
        try:
            normalised = ind.normalise(attrs["kind"], attrs["value"])
        except ind.IndicatorError as e:
            raise serializers.ValidationError(
                {"value": [serializers.ErrorDetail(str(e), e.code)]}
            ) from e
        return IndicatorInput(
            kind=attrs["kind"],
            raw_value=attrs["value"],
            value=normalised,
            note=attrs.get("note", ""),
        )


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
            # DRF hands a default over as it is declared (the label), not as a rank.
            tlp=_rank(attrs.get("tlp", TLP.AMBER)),
            jurisdictions=attrs.get("jurisdictions", []),
            indicators=attrs["indicators"],
            recipients=attrs.get("recipients", []),
            sharing=attrs.get("sharing", Report.Sharing.AGREEMENTS),
            restricted_to=attrs.get("agreements", []),
            live_from=attrs.get("live_from"),
            live_until=attrs.get("live_until"),
        )

    def quick_input(self, item: object) -> ReportInput | None:
        """The common case of a well-formed report, checked without DRF's field machinery
        (which costs more than the rest of a bulk submission together).

        Returns the report's input when every field is plainly valid, or None as soon as
        anything is unusual: absent or null where that needs a default or an error, another
        type, a live window, an unknown organisation. The caller then runs the serializer,
        which accepts or refuses with its usual messages. So this path never accepts what the
        serializer refuses, and gives what the serializer would give
        (reports/tests/test_bulk_fast_path.py checks both with generated reports).
        """
        if type(item) is not dict:
            return None
        if item.get("live_from") is not None or item.get("live_until") is not None:
            return None
        category, title = item.get("category"), item.get("title")
        if type(category) is not str or category not in _CATEGORIES:
            return None
        title = _plain_text(title)
        if not title or len(title) > 300:
            return None
        description = _plain_text(item.get("description", ""))
        tlp = item.get("tlp", TLP.AMBER.label)
        sharing = item.get("sharing", Report.Sharing.AGREEMENTS.value)
        if type(tlp) is not str or tlp not in _TLP_LABELS:
            return None
        if type(sharing) is not str or sharing not in Report.Sharing.values or description is None:
            return None
        jurisdictions = item.get("jurisdictions", [])
        raw_indicators = item.get("indicators")
        slugs = item.get("recipients", [])
        agreement_ids = item.get("agreements", [])
        if not all(type(v) is list for v in (jurisdictions, raw_indicators, slugs, agreement_ids)):
            return None
        if not 1 <= len(raw_indicators) <= MAX_INDICATORS:
            return None
        codes = country_codes()
        if not all(type(c) is str and len(c) == 2 and c.upper() in codes for c in jurisdictions):
            return None
        indicators = []
        for raw in raw_indicators:
            # A note is rare enough to leave to the serializer.
            if type(raw) is not dict or "note" in raw:
                return None
            kind, value = raw.get("kind"), raw.get("value")
            if type(kind) is not str or kind not in ind.KINDS or _plain_text(value) is None:
                return None
            if not value or len(value) > ind.MAX_INPUT_LENGTH:
                return None
            try:
                normalised = ind.normalise(kind, value)
            except ind.IndicatorError:
                return None
            indicators.append(IndicatorInput(kind=kind, raw_value=value, value=normalised))
        if not all(type(s) is str and _SLUG.fullmatch(s) for s in slugs):
            return None
        organisations = self._organisations(slugs) if slugs else {}
        if any(organisations.get(s) is None for s in slugs):
            return None
        if not all(type(i) is int and i >= 1 for i in agreement_ids):
            return None
        mine = self._owner_agreements() if agreement_ids else {}
        if any(i not in mine for i in agreement_ids):
            return None
        data = ReportInput(
            category=category,
            title=title,
            description=description,
            tlp=TLP.from_label(tlp).value,
            jurisdictions=[c.upper() for c in jurisdictions],
            indicators=indicators,
            recipients=[organisations[s] for s in dict.fromkeys(slugs)],
            sharing=sharing,
            restricted_to=[mine[i] for i in dict.fromkeys(agreement_ids)],
        )
        try:
            check_report_rules(
                owner=self.owner,
                data=data,
                owner_agreement_ids=set(self._owner_agreements()) if agreement_ids else None,
            )
        except DjangoValidationError:
            return None
        return data


_CATEGORIES = frozenset(Category.values)
_TLP_LABELS = frozenset(t.label for t in TLP)
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def _rank(tlp: int | str) -> int:
    return TLP.from_label(tlp).value if isinstance(tlp, str) else tlp


def _plain_text(value: object) -> str | None:
    """What DRF's CharField makes of a plain string (stripped), or None when it would refuse it
    or treat it specially (not a str, a NUL, a lone surrogate)."""
    if type(value) is not str or "\x00" in value:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return value.strip()


class ReportPatchSerializer(ReportWriteSerializer):
    """Partial update: the same fields but indicators, which are fixed once submitted."""

    indicators = None
    status = serializers.ChoiceField(choices=Report.Status.values, required=False)

    def to_changes(self) -> dict:
        changes = dict(self.validated_data)
        if "agreements" in changes:
            changes["restricted_to"] = changes.pop("agreements")
        return changes


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


@extend_schema_field(ReportWriteSerializer)
class BulkItemField(serializers.JSONField):
    """One report of a bulk submission: read as raw JSON so that the service checks each item
    alone, documented as the report it must be (an integrator reads its shape in the docs)."""


class BulkSerializer(serializers.Serializer):
    # Items are checked one by one by the view, so one malformed item fails alone: a null
    # item too (JSONField refuses null by default, which would refuse the whole request).
    reports = serializers.ListField(
        child=BulkItemField(allow_null=True),
        min_length=1,
        max_length=1000,
        allow_empty=False,
    )
