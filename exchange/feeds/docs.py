"""What /api/docs/ says of each feed (hub/tests/test_api_docs.py checks every operation has a
summary and a description). Listed under "reports": each feed is the reports the caller may
see, in another format."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

TAGS = ["reports"]

NOT_MODIFIED = OpenApiResponse(description="Unchanged since the ETag given in If-None-Match.")

KIND = OpenApiParameter(
    "kind",
    OpenApiTypes.STR,
    description="Comma-separated indicator kinds to include (url, domain, ipv4, ipv6, cidr, "
    "app_id, iptv_panel, payment_account, ad_account, watermark_id; `dns` is domain, ipv4, "
    "ipv6 and cidr). Every kind by default.",
)


def _ok(media_type: str, kind, description: str) -> dict:
    return {(200, media_type): OpenApiResponse(kind, description=description), 304: NOT_MODIFIED}


manifest_schema = extend_schema(
    tags=TAGS,
    summary="MISP feed: the manifest",
    description="The index of the caller's MISP feed, as MISP's Feeds read it: one entry per "
    "report the caller may see, keyed by the event's uuid (the report's STIX id), with the "
    "event's `info`, `date`, `analysis`, `threat_level_id`, `timestamp`, `Orgc` and `Tag`. "
    "Add the feed in MISP with the URL `…/api/v1/feeds/misp` and the header "
    "`Authorization: Bearer <key>`. `Orgc` is the reporting member only where an agreement "
    "discloses it to the caller, else the hub. A withdrawn report stays, tagged "
    '`atalaya:status="withdrawn"`, so that MISP deletes its attributes. Poll with '
    "`If-None-Match`: an unchanged feed answers 304.",
    responses=_ok("application/json", OpenApiTypes.OBJECT, "The manifest."),
)

event_schema = extend_schema(
    tags=TAGS,
    summary="MISP feed: one event",
    description='One report the caller may see as a MISP event (`{"Event": …}`): its '
    "indicators as attributes (domain, url, ip-dst for addresses and CIDR blocks, "
    "hostname|port or ip-dst|port for IPTV panels, mobile-application-id, and text for "
    "accounts and watermark ids, whose comment names the kind), the description as a comment "
    "attribute, TLP, category, jurisdictions and status as tags. A report the caller may not "
    "see answers 404, as one that does not exist.",
    parameters=[
        OpenApiParameter(
            "event", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The event's uuid."
        )
    ],
    responses=_ok("application/json", OpenApiTypes.OBJECT, "The event."),
)

hashes_schema = extend_schema(
    tags=TAGS,
    summary="MISP feed: value hashes",
    description="`md5(value),event uuid` for every attribute of the feed's events that are "
    "not withdrawn: what MISP's feed cache reads to correlate without fetching each event.",
    responses=_ok("text/csv", OpenApiTypes.STR, "One line per value and event."),
)

indicators_txt_schema = extend_schema(
    tags=TAGS,
    summary="Indicators as plain text",
    description="Every distinct indicator value of the reports the caller may see, withdrawn "
    "reports left out, one per line and sorted, with nothing else in the file: for MISP's "
    "freetext feeds, SIEMs and firewalls' external lists. Poll with `If-None-Match`.",
    parameters=[KIND],
    responses=_ok("text/plain", OpenApiTypes.STR, "One value per line."),
)

indicators_csv_schema = extend_schema(
    tags=TAGS,
    summary="Indicators as CSV",
    description="One line per indicator of each report the caller may see, withdrawn reports "
    "left out: `value,kind,report,tlp,category,updated_at` (`report` is the report's STIX "
    "id, the MISP event's uuid), after a header line that starts with `#`, which MISP's CSV "
    "feeds skip (set the value column to 1). Poll with `If-None-Match`.",
    parameters=[KIND],
    responses=_ok("text/csv", OpenApiTypes.STR, "One line per indicator."),
)
