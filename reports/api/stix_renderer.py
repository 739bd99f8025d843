"""STIX 2.1 bundles as an API format (`?format=stix`): the media type STIX 2.1 registers, and
the bundle's shape for the OpenAPI schema."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from ..stix.export import MEDIA_TYPE as STIX_MEDIA_TYPE

__all__ = ["STIX_MEDIA_TYPE", "STIXBundleSerializer", "STIXRenderer"]


class STIXRenderer(JSONRenderer):
    # Without its `version` parameter: DRF matches a renderer's parameters against the Accept
    # header's, so one with `version=2.1` would answer 406 to `*/*` and to no Accept at all.
    # The view names the full media type on its response.
    media_type = "application/stix+json"
    format = "stix"
    charset = None  # JSON is UTF-8; the media type takes no charset parameter


# One bundle for the whole page, not a page of bundles: the schema must not wrap it as a list.
@extend_schema_serializer(many=False)
class STIXBundleSerializer(serializers.Serializer):
    """A STIX 2.1 bundle (docs/stix.md)."""

    type = serializers.CharField(help_text="Always `bundle`.")
    id = serializers.CharField(help_text="`bundle--<uuid>`, new each time.")
    objects = serializers.ListField(
        child=serializers.DictField(),
        help_text="The hub's identity, the Atalaya extension-definition and the five TLP 2.0 "
        "marking-definitions, then each report of the page: its `report`, its `indicator`s, "
        "their observables, and the reporter's `identity` and `relationship` where the policy "
        "discloses the reporter.",
    )
