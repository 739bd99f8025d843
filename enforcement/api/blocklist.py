"""`/api/v1/blocklist.{txt,rpz,csv,json}`: the calling ISP's consolidated blocklist.

ETag and Last-Modified come from `blocklist_version` (one small query over the ISP's orders),
so a conditional request that matches answers 304 without reading a single entry.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpResponse
from django.utils.http import http_date, parse_http_date_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.views import APIView

from members.models import Organization

from .. import feeds, services
from ..selectors import (
    blocklist_delta,
    blocklist_entries,
    blocklist_etag,
    blocklist_version,
    feed_read_moment,
    zone_origin,
)
from .docs import BLOCKLIST_DESCRIPTION, BLOCKLIST_SUMMARY

CONTENT_TYPES = {
    "txt": "text/plain; charset=utf-8",
    "rpz": "text/dns; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


def _kinds(request) -> set[str] | None:
    raw = request.query_params.get("kind", "")
    if not raw:
        return None
    kinds = {k.strip() for k in raw.split(",") if k.strip()}
    if "dns" in kinds:  # shorthand for what a resolver can enforce
        kinds = (kinds - {"dns"}) | set(feeds.DNS_KINDS)
    unknown = sorted(kinds - {"domain", "url", "ipv4", "ipv6", "cidr"})
    if unknown:
        raise serializers.ValidationError({"kind": [f"Unknown kinds: {', '.join(unknown)}."]})
    return kinds


def _since(request) -> datetime | None:
    raw = request.query_params.get("since")
    if not raw:
        return None
    try:
        value = serializers.DateTimeField().to_internal_value(raw)
    except serializers.ValidationError as e:
        raise serializers.ValidationError({"since": e.detail}) from e
    return value


def _last_modified(version: datetime, now: datetime) -> int:
    """HTTP dates have whole seconds. Served within the second of the version, another change
    may still land in that second: the date then says one second earlier, so that a client's
    `If-Modified-Since` cannot hide that change (at worst one needless full answer)."""
    seconds = int(version.timestamp())
    return seconds - 1 if seconds == int(now.timestamp()) else seconds


def _not_modified(request, etag: str, version: datetime) -> bool:
    match = request.headers.get("If-None-Match")
    if match is not None:
        return etag in {t.strip() for t in match.split(",")} or match.strip() == "*"
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and int(version.timestamp()) <= since


@extend_schema(
    summary=BLOCKLIST_SUMMARY,
    description=BLOCKLIST_DESCRIPTION,
    parameters=[
        OpenApiParameter("fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(CONTENT_TYPES)),
        OpenApiParameter(
            "since",
            OpenApiTypes.DATETIME,
            description="Only what was added and removed since then (not for .rpz): pass the "
            "previous answer's `as_of`.",
        ),
        OpenApiParameter(
            "kind",
            OpenApiTypes.STR,
            description="Comma-separated kinds to include (domain, url, ipv4, ipv6, cidr; `dns` "
            "is domain, ipv4, ipv6 and cidr).",
        ),
    ],
    responses={
        # The format in the path decides the media type of the answer.
        **{
            (200, media_type.split(";")[0]): OpenApiResponse(
                OpenApiTypes.OBJECT if fmt == "json" else OpenApiTypes.STR,
                description="The blocklist, in the format the path names.",
            )
            for fmt, media_type in CONTENT_TYPES.items()
        },
        304: OpenApiResponse(description="Unchanged since the ETag given in If-None-Match."),
    },
)
class BlocklistView(APIView):
    """Everything in force for the calling ISP (telco members only), consolidated across its
    orders. `.rpz` is a DNS RPZ zone for BIND or Unbound (domains and IPs; URLs cannot be
    blocked by DNS and are left out); `.txt`, `.csv` and `.json` carry every kind."""

    def get(self, request, fmt: str):
        isp: Organization = request.user.organization
        if isp.kind != Organization.Kind.TELCO:
            raise PermissionDenied("Blocklists are for ISP (telco) members.")
        kinds = _kinds(request)
        since = _since(request)
        if since is not None and fmt == "rpz":
            raise serializers.ValidationError(
                {"since": ["The RPZ zone is always whole; poll it with If-None-Match."]}
            )
        now = feed_read_moment()
        if since is not None and since > now:
            raise serializers.ValidationError(
                {"since": ["A moment in the past: the `as_of` of your previous answer."]}
            )
        version = blocklist_version(isp, now=now)
        variant = f"{fmt}|{','.join(sorted(kinds or []))}|{since.isoformat() if since else ''}"
        etag = blocklist_etag(isp, version, variant)
        headers = {
            "ETag": etag,
            "Last-Modified": http_date(_last_modified(version, now)),
            "Cache-Control": "private, no-cache",
        }
        if _not_modified(request, etag, version):
            return HttpResponse(status=304, headers=headers)
        body = self._render(isp, fmt, kinds, since, now, version)
        response = HttpResponse(body, content_type=CONTENT_TYPES[fmt], headers=headers)
        if fmt != "json":
            response["Content-Disposition"] = f'inline; filename="atalaya-{isp.slug}.{fmt}"'
        return response

    def _render(self, isp, fmt, kinds, since, as_of, version) -> str | bytes:
        import json

        if since is not None:
            added, removed = blocklist_delta(isp, since=since, at=as_of, kinds=kinds)
            if fmt == "txt":
                return feeds.render_delta_txt(
                    added, removed, isp=isp.slug, since=since, as_of=as_of
                )
            if fmt == "csv":
                return feeds.render_delta_csv(added, removed)
            return json.dumps(
                feeds.render_delta_json(added, removed, isp=isp.slug, since=since, as_of=as_of)
            )
        if fmt == "rpz":
            kinds = (kinds or feeds.DNS_KINDS) & feeds.DNS_KINDS
        entries = blocklist_entries(isp, at=as_of, kinds=kinds)
        if fmt == "txt":
            return feeds.render_txt(entries, isp=isp.slug, as_of=as_of)
        if fmt == "csv":
            return feeds.render_csv(entries)
        if fmt == "rpz":
            return feeds.render_rpz(
                entries,
                origin=zone_origin(isp),
                serial=services.blocklist_serial_next(isp, version),
            )
        return json.dumps(feeds.render_json(entries, isp=isp.slug, as_of=as_of))
