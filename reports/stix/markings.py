"""TLP as STIX marking-definitions: the five TLP 2.0 objects OASIS publishes (what the hub
emits), and the reading of a marking someone else sent (import), by id and then by name.

Markings are read as plain dicts, never through `stix2.parse`: that library refuses a TLP:CLEAR
named object on the TLP:WHITE id that MISP sends (MISP issue 9357), and one odd marking must
not cost a member its whole envelope."""

from __future__ import annotations

from typing import Any

from kernel.vocabulary import TLP

# The OASIS extension that gives a marking-definition its TLP 2.0 level (cti-stix-common-objects,
# extension-definition-specifications/tlp-2.0). Referenced by id only, as every producer does.
TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

TLP_MARKING_IDS: dict[TLP, str] = {
    TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

# What other tools still send: the TLP 1.0 objects of STIX 2.1 §7.2.1.4 (stix2, MISP, OpenCTI)
# and the AMBER+STRICT id OpenCTI made up before TLP 2.0 had one.
_OTHER_MARKING_IDS: dict[str, TLP] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLP.CLEAR,  # TLP:WHITE
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLP.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLP.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLP.RED,
    "marking-definition--826578e1-40ad-459f-bc73-ede076f81f37": TLP.AMBER_STRICT,  # OpenCTI
}

_BY_ID: dict[str, TLP] = {
    **{marking_id: tlp for tlp, marking_id in TLP_MARKING_IDS.items()},
    **_OTHER_MARKING_IDS,
}

# Names as written in TLP 1.0 and 2.0 ("TLP:AMBER+STRICT"), lower-cased; WHITE is CLEAR's old name.
_BY_NAME: dict[str, TLP] = {
    **{tlp.label: tlp for tlp in TLP},
    "white": TLP.CLEAR,
    "amber_strict": TLP.AMBER_STRICT,
}

# Published on 2022-10-01 by OASIS, with no created_by_ref: copied as is, since every copy of an
# id+version must be identical (TAXII 2.1 §3.6) and consumers compare these ids.
_TLP2_CREATED = "2022-10-01T00:00:00.000Z"


def marking_definition(tlp: TLP) -> dict[str, Any]:
    """The OASIS TLP 2.0 marking-definition of `tlp`, exactly as published."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP_MARKING_IDS[tlp],
        "created": _TLP2_CREATED,
        "name": f"TLP:{tlp.label.upper()}",
        "extensions": {
            TLP2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": tlp.label},
        },
    }


def marking_definitions() -> list[dict[str, Any]]:
    """The five TLP 2.0 marking-definitions, least restrictive first."""
    return [marking_definition(tlp) for tlp in TLP]


def _tlp_of_name(name: object) -> TLP | None:
    if not isinstance(name, str):
        return None
    text = name.strip().lower()
    text = text.removeprefix("tlp:").removeprefix("tlp ").strip()
    return _BY_NAME.get(text)


def tlp_of_marking(marking: str | dict[str, Any]) -> TLP | None:
    """The TLP level of a marking reference (an id) or of a marking-definition dict; None when
    it is not a TLP marking we recognise.

    By id first (TLP 2.0, TLP 1.0, OpenCTI's AMBER+STRICT), then, for a dict, by what it says:
    the TLP 2.0 extension's `tlp_2_0`, the TLP 1.0 `definition.tlp`, then its `name` (and the
    names OpenCTI and some producers put in `x_opencti_definition` or `definition_type`)."""
    if isinstance(marking, str):
        return _BY_ID.get(marking.strip().lower())
    if not isinstance(marking, dict):
        return None
    marking_id = marking.get("id")
    if isinstance(marking_id, str) and marking_id.strip().lower() in _BY_ID:
        return _BY_ID[marking_id.strip().lower()]
    extensions = marking.get("extensions")
    if isinstance(extensions, dict):
        tlp2 = extensions.get(TLP2_EXTENSION_ID)
        if isinstance(tlp2, dict) and (tlp := _tlp_of_name(tlp2.get("tlp_2_0"))) is not None:
            return tlp
    definition = marking.get("definition")
    if isinstance(definition, dict) and (tlp := _tlp_of_name(definition.get("tlp"))) is not None:
        return tlp
    for key in ("name", "x_opencti_definition", "definition_type"):
        if (tlp := _tlp_of_name(marking.get(key))) is not None:
            return tlp
    return None
