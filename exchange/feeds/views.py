"""`/api/v1/feeds/…`: a member's MISP feed and indicators feeds, read with its API key.

Everything is read through the access policy for the key's organisation. An ETag comes from
`feed_version` (one aggregate query, no row sent), so a conditional request that matches
answers 304 at that cost; otherwise the file is streamed from one query through a cursor.
The ETag is taken before the body is read: a change landing in between makes the body newer
than its ETag, which costs the client at most one needless download, never a stale file.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from members.models import Organization
from reports.indicators import KINDS

from . import misp, selectors, text
from .docs import (
    event_schema,
    hashes_schema,
    indicators_csv_schema,
    indicators_txt_schema,
    manifest_schema,
)

JSON = "application/json"
TXT = "text/plain; charset=utf-8"
CSV = "text/csv; charset=utf-8"
#: Part of every ETag: a new release that renders the same state differently changes it.
FORMAT_VERSION = "1"
DNS_KINDS = frozenset({"domain", "ipv4", "ipv6", "cidr"})


class PathNamesTheFormat(BaseContentNegotiation):
    """The path names the file's format: a client's Accept header (MISP sends JSON and text
    types; a firewall may send anything) never turns a feed into 406. Problems are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _etag(org: Organization, version: selectors.FeedVersion, variant: str, now) -> str:
    # A report changed within the current second is served with its timestamp one second
    # earlier (misp.misp_timestamp); the same state read a second later renders differently,
    # so it must not carry the same ETag.
    fresh = version.latest is not None and int(version.latest.timestamp()) >= int(now.timestamp())
    seed = f"{FORMAT_VERSION}|{org.pk}|{version.count}|{version.digest}|{fresh}|{variant}"
    return '"' + hashlib.sha256(seed.encode()).hexdigest()[:32] + '"'


def _not_modified(request, etag: str) -> bool:
    match = request.headers.get("If-None-Match")
    if match is None:
        return False
    # Weak comparison (RFC 9110 13.1.2): a proxy may have marked our tag weak on the way.
    tags = {tag.strip().removeprefix("W/") for tag in match.split(",")}
    return match.strip() == "*" or etag in tags


def _headers(etag: str) -> dict[str, str]:
    # What a member may see: never kept by a shared cache; revalidated on every use.
    return {"ETag": etag, "Cache-Control": "private, no-cache"}


def _kinds(request) -> set[str] | None:
    raw = request.query_params.get("kind", "")
    if not raw:
        return None
    kinds = {k.strip() for k in raw.split(",") if k.strip()}
    if "dns" in kinds:  # shorthand for what a resolver can enforce, as the blocklist says it
        kinds = (kinds - {"dns"}) | DNS_KINDS
    unknown = sorted(kinds - set(KINDS))
    if unknown:
        raise serializers.ValidationError({"kind": [f"Unknown kinds: {', '.join(unknown)}."]})
    return kinds


class _FeedView(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = PathNamesTheFormat

    def conditional(self, request, variant: str, render, content_type: str):
        """304 when the client's ETag is current, else the streamed body `render(now)`."""
        org: Organization = request.user.organization
        now = timezone.now()
        etag = _etag(org, selectors.feed_version(org), variant, now)
        if _not_modified(request, etag):
            return HttpResponse(status=304, headers=_headers(etag))
        return StreamingHttpResponse(
            render(org, now), content_type=content_type, headers=_headers(etag)
        )


@manifest_schema
class MispManifestView(_FeedView):
    def get(self, request):
        return self.conditional(request, "misp-manifest", _manifest, JSON)


def _manifest(org: Organization, now) -> Iterator[str]:
    """`{"<uuid>": {…}, …}`, one entry written at a time."""
    yield "{"
    separator = ""
    for report in selectors.manifest_reports(org).iterator(chunk_size=selectors.CHUNK):
        entry = misp.header(report, identity_disclosed=report.identity_disclosed, now=now)
        yield f"{separator}{json.dumps(str(report.stix_id))}: {json.dumps(entry)}"
        separator = ", "
    yield "}"


@hashes_schema
class MispHashesView(_FeedView):
    def get(self, request):
        return self.conditional(request, "misp-hashes", _hashes, CSV)


def _hashes(org: Organization, now) -> Iterator[str]:
    rows = selectors.feed_indicators(org, live_only=True)
    yield from misp.hash_rows(
        (kind, value, report) for kind, value, report, *_ in rows.iterator(selectors.CHUNK)
    )


@event_schema
class MispEventView(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = PathNamesTheFormat

    def get(self, request, event: uuid.UUID):
        org: Organization = request.user.organization
        report = selectors.event_report(org, event)
        if report is None:
            raise NotFound()
        now = timezone.now()
        body = json.dumps(
            misp.event(report, identity_disclosed=report.identity_disclosed, now=now)
        ).encode()
        # The file is small and read whole: its ETag is its content's.
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if _not_modified(request, etag):
            return HttpResponse(status=304, headers=_headers(etag))
        return HttpResponse(body, content_type=JSON, headers=_headers(etag))


@indicators_txt_schema
class IndicatorsTextView(_FeedView):
    def get(self, request):
        kinds = _kinds(request)
        variant = "txt|" + ",".join(sorted(kinds or ()))

        def render(org, now):
            values = selectors.feed_values(org, kinds=kinds)
            return text.txt_lines(values.iterator(chunk_size=selectors.CHUNK))

        return self.conditional(request, variant, render, TXT)


@indicators_csv_schema
class IndicatorsCsvView(_FeedView):
    def get(self, request):
        kinds = _kinds(request)
        variant = "csv|" + ",".join(sorted(kinds or ()))

        def render(org, now):
            rows = selectors.feed_indicators(org, kinds=kinds, live_only=True)
            return text.csv_lines(rows.iterator(chunk_size=selectors.CHUNK))

        return self.conditional(request, variant, render, CSV)
