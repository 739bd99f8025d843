"""The Atalaya extension-definition (STIX 2.1 §7.3): the report properties STIX has no word for
(category, jurisdictions, live-event window, status) and the observable types for indicator
kinds no standard SCO covers (app ids, IPTV panels, payment and ad accounts, watermark ids).

An extension, not `x_` properties or `x-` types: those are deprecated in STIX 2.1 and
stix2-validator's strict mode refuses them."""

from __future__ import annotations

from typing import Any

from .identity import HUB_CREATED, hub_identity_id

# Fixed forever: consumers recognise our properties by this id.
EXTENSION_ID = "extension-definition--847adcbd-c557-4aa2-ae71-e6ae9b1ee880"
EXTENSION_VERSION = "1.0.0"

# Our indicator kind -> the STIX cyber-observable type that holds its value. The standard ones
# first; the `atalaya-*` types are declared by the extension ("new-sco"). Every type here holds
# the indicator's canonical value in `value`, its one ID contributing property (§2.9).
SCO_TYPES: dict[str, str] = {
    "domain": "domain-name",
    "url": "url",
    "ipv4": "ipv4-addr",
    "ipv6": "ipv6-addr",
    # "cidr" is ipv4-addr or ipv6-addr by its value (`sco_type`): STIX puts CIDR in `value`.
    "app_id": "atalaya-app-id",
    "iptv_panel": "atalaya-iptv-panel",
    "payment_account": "atalaya-payment-account",
    "ad_account": "atalaya-ad-account",
    "watermark_id": "atalaya-watermark-id",
}

# The SCO types the extension itself declares, and the kind each one carries (import reads it).
CUSTOM_SCO_TYPES: dict[str, str] = {
    sco: kind for kind, sco in SCO_TYPES.items() if sco.startswith("atalaya-")
}


def sco_type(kind: str, value: str) -> str:
    """The SCO type of an indicator of `kind` with canonical `value`."""
    if kind == "cidr":
        return "ipv6-addr" if ":" in value else "ipv4-addr"
    return SCO_TYPES[kind]


# What the extension means, in the object itself: STIX requires `schema` and allows it to be
# "plain text explaining the definition" (§7.3), which no consumer will try to fetch.
SCHEMA = (
    "Atalaya report extension 1.0.0. As a property-extension on a report: category (string, "
    "one of iptv, live_sports, stream_ripping, streaming_site, torrent, cyberlocker, app, "
    "device, other), jurisdictions (list of ISO 3166-1 alpha-2 codes; absent means global), "
    "live_from and live_until (timestamps of a live event's window, when set), status (open, "
    "actioned, resolved or withdrawn). As new-sco: atalaya-app-id (an Android package or "
    "Apple App Store id), atalaya-iptv-panel (host:port of an IPTV panel), "
    "atalaya-payment-account and atalaya-ad-account (provider:account), atalaya-watermark-id "
    "(a forensic watermark session id); each has one property, value (string), its only ID "
    "contributing property."
)


def extension_definition() -> dict[str, Any]:
    """The extension-definition object, the same in every bundle and collection."""
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": EXTENSION_ID,
        "created_by_ref": hub_identity_id(),
        "created": HUB_CREATED,
        "modified": HUB_CREATED,
        "name": "Atalaya report",
        "description": "The properties of an Atalaya anti-piracy report that STIX has no "
        "word for, and the observable types of its indicators that no standard SCO covers.",
        "schema": SCHEMA,
        "version": EXTENSION_VERSION,
        "extension_types": ["new-sco", "property-extension"],
    }
