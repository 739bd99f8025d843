"""Reports as MISP events, in the MISP feed format (what MISP's "Feeds" fetch over HTTP).

Pure functions of rows already read through the access policy: no query here. A feed is
`manifest.json` (event uuid -> the event's header) plus one `<uuid>.json` per event and, for
MISP's quick cache, `hashes.csv` (`md5(value),event uuid`). The shapes follow MISP's core
format (draft-dulaunoy-misp-core-format) and pymisp's `MISPEvent.to_feed()` / `.manifest`;
every number is a string, as in MISP's JSON schema (pymisp/data/schema.json).

How MISP's puller reads a feed (app/Model/Feed.php): it fetches the manifest (with the ETag it
kept: If-None-Match), adds the events it does not have and re-fetches an event only when the
manifest's `timestamp` is greater than the one it stored; an attribute is changed only when
its own `timestamp` is greater. It never deletes an event that left the manifest. Hence:
- every timestamp is the report's `updated_at` in whole seconds (every change of a report
  moves it), never a second that is not over yet (`misp_timestamp`);
- a withdrawn report stays in the feed, tagged `atalaya:status="withdrawn"`, with every
  attribute `deleted` and not `to_ids` under the new timestamp: MISP soft-deletes them.
"""

from __future__ import annotations

import hashlib
import ipaddress
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings

from kernel.vocabulary import TLP
from reports.models import Indicator, Report
from reports.stix.identity import HUB_NAME

#: MISP's `threat_level_id`: 1 high, 2 medium, 3 low, 4 undefined.
THREAT_HIGH, THREAT_MEDIUM = "1", "2"
#: MISP's `analysis`: 0 initial, 1 ongoing, 2 completed.
ANALYSIS = {
    Report.Status.OPEN: "1",
    Report.Status.ACTIONED: "1",
    Report.Status.RESOLVED: "2",
    Report.Status.WITHDRAWN: "2",
}
#: MISP's `tlp` taxonomy (TLP 2.0: clear and amber+strict are in it).
TLP_TAGS = {level: f"tlp:{level.label}" for level in TLP}
#: `distribution` 0 ("your organisation only"): a receiving MISP replaces it with its feed's
#: own setting anyway (Feed::__prepareEvent).
DISTRIBUTION = "0"
#: The description of a report, as one `comment` attribute; its uuid is derived from the
#: report's, so it is stable across fetches.
DESCRIPTION_NAMESPACE = uuid.UUID("7f1d6c1e-3b0a-4d54-9a59-5a1f0b6c2e41")


@dataclass(frozen=True)
class MispType:
    type: str
    category: str
    to_ids: bool


# Per indicator kind: the MISP attribute type and category, and `to_ids` as MISP's own
# `sane_defaults` say for the type (pymisp/data/describeTypes.json). MISP's ip-dst takes a CIDR
# block as its value (its freetext parser resolves "192.0.2.0/24" to ip-dst).
MISP_TYPES: dict[str, MispType] = {
    "domain": MispType("domain", "Network activity", True),
    "url": MispType("url", "Network activity", True),
    "ipv4": MispType("ip-dst", "Network activity", True),
    "ipv6": MispType("ip-dst", "Network activity", True),
    "cidr": MispType("ip-dst", "Network activity", True),
    "app_id": MispType("mobile-application-id", "Payload delivery", True),
    # host:port; see `_iptv_panel`.
    "iptv_panel": MispType("hostname|port", "Network activity", True),
    "payment_account": MispType("text", "Financial fraud", False),
    "ad_account": MispType("text", "Financial fraud", False),
    "watermark_id": MispType("text", "Attribution", False),
}


def hub_orgc() -> dict[str, str]:
    """The hub as MISP's creator organisation: the same name and uuid as its STIX identity."""
    return {
        "name": HUB_NAME,
        "uuid": str(settings.ATALAYA_STIX_IDENTITY),
    }


def orgc(report: Report, *, identity_disclosed: bool) -> dict[str, str]:
    """The reporter where the access policy discloses it to the reader, else the hub: a MISP
    event names one creator organisation, and the hub speaks for an undisclosed member."""
    if identity_disclosed:
        return {"name": report.owner.name, "uuid": str(report.owner.stix_id)}
    return hub_orgc()


def misp_timestamp(moment: datetime, now: datetime) -> str:
    """Whole seconds since the epoch, never the current second: a change later in the same
    second would carry the same timestamp, and MISP, which re-fetches only on a greater one,
    would keep the earlier version. Served within its second, a version says one second
    earlier (at worst one needless re-fetch)."""
    return str(min(int(moment.timestamp()), int(now.timestamp()) - 1))


def tags(report: Report) -> list[dict[str, str]]:
    names = [TLP_TAGS[TLP(report.tlp)], f'atalaya:category="{report.category}"']
    names += [f'atalaya:jurisdiction="{code}"' for code in report.jurisdictions]
    names.append(f'atalaya:status="{report.status}"')
    return [{"name": name} for name in names]


def header(report: Report, *, identity_disclosed: bool, now: datetime) -> dict:
    """What the manifest says of one event (pymisp's `MISPEvent.manifest`)."""
    return {
        "Orgc": orgc(report, identity_disclosed=identity_disclosed),
        "Tag": tags(report),
        "info": report.title,
        "date": report.created_at.astimezone(UTC).date().isoformat(),
        "analysis": ANALYSIS[report.status],
        "threat_level_id": _threat_level(report),
        "timestamp": misp_timestamp(report.updated_at, now),
    }


def _threat_level(report: Report) -> str:
    # A live event is high whatever the hour: the level must not change without the report.
    return THREAT_HIGH if report.live_from or report.live_until else THREAT_MEDIUM


def _iptv_panel(value: str) -> tuple[str, str]:
    """`host:port` as MISP's composite `hostname|port` or `ip-dst|port` (`[v6]:port` too)."""
    host, _, port = value.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return "hostname|port", f"{host}|{port}"
    return "ip-dst|port", f"{host}|{port}"


def misp_value(indicator: Indicator) -> tuple[str, str]:
    """The MISP type and value of one indicator."""
    if indicator.kind == "iptv_panel":
        return _iptv_panel(indicator.value)
    return MISP_TYPES[indicator.kind].type, indicator.value


def attribute(indicator: Indicator, *, timestamp: str, withdrawn: bool) -> dict:
    kind = MISP_TYPES[indicator.kind]
    misp_type, value = misp_value(indicator)
    return {
        "uuid": str(indicator.stix_id),
        "type": misp_type,
        "category": kind.category,
        "value": value,
        # A MISP `text` says nothing of what the value is: the comment names the kind.
        "comment": f"{indicator.kind}: {indicator.note}" if indicator.note else indicator.kind,
        "to_ids": kind.to_ids and not withdrawn,
        "deleted": withdrawn,
        "disable_correlation": False,
        "timestamp": timestamp,
    }


def _description(report: Report, *, timestamp: str, withdrawn: bool) -> dict:
    return {
        "uuid": str(uuid.uuid5(DESCRIPTION_NAMESPACE, str(report.stix_id))),
        "type": "comment",
        "category": "Other",
        "value": report.description,
        "comment": "description",
        "to_ids": False,
        "deleted": withdrawn,
        "disable_correlation": True,
        "timestamp": timestamp,
    }


def event(report: Report, *, identity_disclosed: bool, now: datetime) -> dict:
    """One report as a MISP event file. `report.indicators.all()` must be prefetched."""
    head = header(report, identity_disclosed=identity_disclosed, now=now)
    withdrawn = report.status == Report.Status.WITHDRAWN
    stamp = head["timestamp"]
    attributes = [
        attribute(indicator, timestamp=stamp, withdrawn=withdrawn)
        for indicator in report.indicators.all()
    ]
    if report.description:
        attributes.append(_description(report, timestamp=stamp, withdrawn=withdrawn))
    return {
        "Event": {
            "uuid": str(report.stix_id),
            "info": head["info"],
            "date": head["date"],
            "timestamp": stamp,
            "publish_timestamp": stamp,
            "published": True,
            "analysis": head["analysis"],
            "threat_level_id": head["threat_level_id"],
            "distribution": DISTRIBUTION,
            "Orgc": head["Orgc"],
            "Tag": head["Tag"],
            "Attribute": attributes,
        }
    }


def hash_rows(indicators: Iterable[tuple[str, str, uuid.UUID]]) -> Iterator[str]:
    """`hashes.csv`: one `md5(value),event uuid` line per (kind, value, report uuid), as MISP's
    quick cache reads it (Feed::__cacheMISPFeedCache); a composite value is hashed by its
    first part, the host, as MISP's own cache does for types it correlates on the first part."""
    for kind, value, event_uuid in indicators:
        if kind == "iptv_panel":
            value = _iptv_panel(value)[1].split("|")[0]
        yield f"{hashlib.md5(value.encode()).hexdigest()},{event_uuid}\n"  # noqa: S324 - MISP's format
