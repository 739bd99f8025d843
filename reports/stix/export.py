"""Reports as STIX 2.1: one `report`, one `indicator` per indicator, the observables they name,
and, where the access policy discloses the reporter, its `identity` and a `relationship` to it.

Every object is created by the hub's identity and carries our ids only (`Report.stix_id`,
`Indicator.stix_id`, `Organization.stix_id`, §2.9 ids for observables), never the ids a member
used when it posted the report. An object is a function of the rows alone, whoever reads it:
the reader changes which objects are included, never what one says, since every copy of an
id+version must be identical (TAXII 2.1 §3.6). What a reader may see is the caller's business
(`visible_to(reader)` before any of this); `bundle` only adds the disclosure.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet

from kernel.vocabulary import TLP
from members.models import Organization

from ..models import Indicator, Report
from .extension import CUSTOM_SCO_TYPES, EXTENSION_ID, extension_definition, sco_type
from .identity import hub_identity, hub_identity_id, member_identity
from .markings import TLP_MARKING_IDS, marking_definitions
from .timestamps import stix_time

# What STIX 2.1 registers for its JSON (§1.6.8 of TAXII 2.1 names it too).
MEDIA_TYPE = "application/stix+json;version=2.1"

# STIX 2.1 §2.9: the namespace of every deterministic SCO id.
SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")

# Indicators are sent with the reporter's word on them where there is one; otherwise this says
# what they are (stix2-validator asks every indicator for a name and a description).
_INDICATOR_DESCRIPTION = "A %(kind)s named in an Atalaya report (category %(category)s)."


def common_objects() -> list[dict[str, Any]]:
    """What every bundle and collection starts with, identical for every reader: the hub's
    identity, the Atalaya extension-definition and the five TLP 2.0 marking-definitions."""
    return [hub_identity(), extension_definition(), *marking_definitions()]


def for_stix(queryset: QuerySet[Report]) -> QuerySet[Report]:
    """What `report_objects` reads, in a fixed number of queries for any number of reports:
    the owner (joined) and the indicators (one query). Other prefetches are dropped."""
    return (
        queryset.select_related("owner")
        .prefetch_related(None)
        .prefetch_related(
            Prefetch(
                "indicators",
                queryset=Indicator.objects.order_by("position").only(
                    "id", "report_id", "position", "kind", "value", "note", "stix_id"
                ),
            )
        )
    )


def sco_id(type_: str, value: str) -> str:
    """The deterministic id of an observable whose only ID contributing property is `value`
    (§2.9: UUIDv5 over the JCS canonical JSON of those properties; for one string property,
    compact JSON without ASCII escaping is that form)."""
    canonical = json.dumps({"value": value}, ensure_ascii=False, separators=(",", ":"))
    return f"{type_}--{uuid.uuid5(SCO_NAMESPACE, canonical)}"


def _sco(type_: str, value: str) -> dict[str, Any]:
    sco: dict[str, Any] = {
        "type": type_,
        "spec_version": "2.1",
        "id": sco_id(type_, value),
        "value": value,
    }
    if type_ in CUSTOM_SCO_TYPES:
        sco["extensions"] = {EXTENSION_ID: {"extension_type": "new-sco"}}
    return sco


def pattern_literal(value: str) -> str:
    """A STIX patterning string literal: quotes, with `\\` and `'` escaped (the grammar's only
    escapes inside a string)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def pattern(kind: str, value: str) -> str:
    return f"[{sco_type(kind, value)}:value = {pattern_literal(value)}]"


# XORed with a report's stix_id, its reporter relationship's id. Zero on the UUID's version and
# variant bits, so a version 4 id stays one (STIX asks that of SROs; stix2-validator strict).
_RELATIONSHIP_MASK = 0x5A3C_96E1_7B02_0D4F_2E8B_61C5_A9F0_3D17 & ~(0xF << 76) & ~(0x3 << 62)


def relationship_uuid(other: uuid.UUID) -> uuid.UUID:
    """The reporter relationship's uuid from the report's stix_id, and back (XOR is its own
    inverse): one id per report, the same in every export, with no row to keep it, and a
    TAXII request naming a relationship finds its report by index."""
    return uuid.UUID(int=other.int ^ _RELATIONSHIP_MASK)


def _relationship_id(report: Report) -> str:
    return f"relationship--{relationship_uuid(report.stix_id)}"


def _report_extension(report: Report) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "extension_type": "property-extension",
        "category": report.category,
        "status": report.status,
    }
    if report.jurisdictions:
        properties["jurisdictions"] = list(report.jurisdictions)
    if report.live_from is not None:
        properties["live_from"] = stix_time(report.live_from)
    if report.live_until is not None:
        properties["live_until"] = stix_time(report.live_until)
    return properties


def report_objects(report: Report, *, identity_disclosed: bool) -> list[dict[str, Any]]:
    """The STIX objects of one version of `report` (fetched through `for_stix`), in a fixed
    order: the report, its indicators, their observables (each once), then, if the reporter's
    identity is disclosed to this reader, the member's identity and the relationship to it.

    The report object is the same either way: the reporter is never one of its properties."""
    hub = hub_identity_id()
    created = stix_time(report.created_at)
    modified = stix_time(report.updated_at)
    markings = [TLP_MARKING_IDS[TLP(report.tlp)]]
    revoked = report.status == Report.Status.WITHDRAWN
    versioned: dict[str, Any] = {
        "spec_version": "2.1",
        "created_by_ref": hub,
        "created": created,
        "modified": modified,
    }
    marked: dict[str, Any] = {"object_marking_refs": markings}
    if revoked:
        marked["revoked"] = True

    indicators: list[dict[str, Any]] = []
    observables: dict[str, dict[str, Any]] = {}
    for indicator in report.indicators.all():
        sco = _sco(sco_type(indicator.kind, indicator.value), indicator.value)
        observables.setdefault(sco["id"], sco)
        indicators.append(
            {
                "type": "indicator",
                "id": f"indicator--{indicator.stix_id}",
                **versioned,
                "name": indicator.value,
                "description": indicator.note
                or _INDICATOR_DESCRIPTION % {"kind": indicator.kind, "category": report.category},
                "indicator_types": ["malicious-activity"],
                "pattern": pattern(indicator.kind, indicator.value),
                "pattern_type": "stix",
                "pattern_version": "2.1",
                "valid_from": created,
                "labels": [report.category],
                **marked,
            }
        )

    report_sdo: dict[str, Any] = {
        "type": "report",
        "id": f"report--{report.stix_id}",
        **versioned,
        "name": report.title,
        **({"description": report.description} if report.description else {}),
        "report_types": ["threat-report"],
        "published": created,
        "object_refs": [i["id"] for i in indicators] + list(observables),
        "labels": [report.category],
        **marked,
        "extensions": {EXTENSION_ID: _report_extension(report)},
    }
    objects = [report_sdo, *indicators, *observables.values()]
    if identity_disclosed:
        objects += _reporter(report, report.owner, versioned=versioned, marked=marked)
    return objects


def _reporter(
    report: Report, owner: Organization, *, versioned: dict[str, Any], marked: dict[str, Any]
) -> list[dict[str, Any]]:
    member = member_identity(owner)
    relationship = {
        "type": "relationship",
        "id": _relationship_id(report),
        **versioned,
        # STIX suggests no relationship type from a report to an identity (stix2-validator
        # strict refuses "attributed-to" there); the generic one, and the description says it.
        "relationship_type": "related-to",
        "description": "Reported by this member of the coalition.",
        "source_ref": f"report--{report.stix_id}",
        "target_ref": member["id"],
        **marked,
    }
    return [member, relationship]


def _may_repeat(obj: dict[str, Any]) -> bool:
    # Only an observable (an SCO: the one kind without `created`, STIX 2.1 §6) or an identity
    # (a member reporting many reports) can come from several reports; a report, its indicators
    # and its relationship are its own, and remembering them would grow with the download.
    return obj["type"] == "identity" or "created" not in obj


def _unique(objects: Iterable[dict[str, Any]], seen: set[tuple[str, str]]) -> Iterator[dict]:
    # A bundle holds each id+version once.
    for obj in objects:
        if not _may_repeat(obj):
            yield obj
            continue
        key = (obj["id"], obj.get("modified", ""))
        if key not in seen:
            seen.add(key)
            yield obj


def _with_disclosure(reports: QuerySet[Report], reader: Organization) -> QuerySet[Report]:
    # Always annotated here, for this reader: an `identity_disclosed` already on the queryset
    # may have been asked for someone else (the owner, to whom every reporter is disclosed),
    # and nothing on it says for whom. Annotating again replaces it.
    return reports.with_disclosure(reader)


def bundle_objects(
    reports: QuerySet[Report] | Iterable[Report], *, chunk_size: int | None = None
) -> Iterator[dict[str, Any]]:
    """The common objects, then each report's objects, each id+version once. `reports` are
    already annotated with `identity_disclosed` and fetched through `for_stix`; a queryset is
    read in chunks of `chunk_size` when one is given (memory stays flat)."""
    seen: set[tuple[str, str]] = set()
    yield from _unique(common_objects(), seen)
    rows = reports.iterator(chunk_size=chunk_size) if chunk_size else reports
    for report in rows:
        disclosed = bool(getattr(report, "identity_disclosed", False))
        yield from _unique(report_objects(report, identity_disclosed=disclosed), seen)


def new_bundle_id() -> str:
    # A bundle is a transient envelope (§8): a fresh random id each time.
    return f"bundle--{uuid.uuid4()}"


def bundle(reports: QuerySet[Report], reader: Organization) -> dict[str, Any]:
    """A STIX bundle of the common objects and every report of `reports` as `reader` may see
    it. The caller has already applied `visible_to(reader)`: this adds only the disclosure."""
    return bundle_of(for_stix(_with_disclosure(reports, reader)))


def bundle_of(reports: Iterable[Report]) -> dict[str, Any]:
    """A bundle of reports already read (a page of a list) through `for_stix`, each annotated
    with `identity_disclosed` for the reader (`visible_reports` does both)."""
    return {"type": "bundle", "id": new_bundle_id(), "objects": list(bundle_objects(reports))}


def stream_bundle(
    reports: QuerySet[Report], reader: Organization, *, chunk_size: int = 500
) -> Iterator[str]:
    """`bundle` as JSON text, piece by piece, for downloads of any size."""
    rows = for_stix(_with_disclosure(reports, reader))
    yield '{"type":"bundle","id":' + json.dumps(new_bundle_id()) + ',"objects":['
    for n, obj in enumerate(bundle_objects(rows, chunk_size=chunk_size)):
        yield ("," if n else "") + json.dumps(obj, ensure_ascii=False)
    yield "]}"
