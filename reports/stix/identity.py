"""Who says what in the STIX the hub emits: the hub's own `identity`, creator of every object,
and a member's identity, named only where the access policy discloses the reporter."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from members.models import Organization

from .timestamps import stix_time

# The first version of the hub's own objects (its identity, the extension-definition). A
# constant, not a clock reading: every copy of an id+version must be identical (TAXII §3.6).
HUB_CREATED = "2026-12-01T00:00:00.000Z"
HUB_NAME = "Atalaya hub"


def hub_identity_id() -> str:
    return f"identity--{settings.ATALAYA_STIX_IDENTITY}"


def hub_identity() -> dict[str, Any]:
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": hub_identity_id(),
        "created": HUB_CREATED,
        "modified": HUB_CREATED,
        "name": HUB_NAME,
        "description": "The intelligence-sharing hub of an anti-piracy coalition; it "
        "publishes its members' reports under the coalition's access policy.",
        "identity_class": "organization",
    }


def member_identity(org: Organization) -> dict[str, Any]:
    """A member organisation as STIX. Its version is the organisation's creation time, so the
    object never changes under one id+version; a renamed member is the same version (the name
    is what a reader sees today, as everywhere in the portal)."""
    created = stix_time(org.created_at)
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": f"identity--{org.stix_id}",
        "created_by_ref": hub_identity_id(),
        "created": created,
        "modified": created,
        "name": org.name,
        "identity_class": "organization",
    }
