"""TAXII 2.1's wire: media types (§1.6.8), timestamps, the error shape (§3.6.1), JSON answers.

These views are plain Django views, not DRF: TAXII negotiates on a `version` parameter DRF's
content negotiation ignores, authenticates with three schemes where /api/v1/ takes only Bearer,
and answers errors in its own shape instead of problem JSON. Each of those would be an override
of DRF; written here they are a few small functions.
"""

from __future__ import annotations

import datetime
import json
import re

from django.http import HttpResponse

TAXII = "application/taxii+json"
TAXII_21 = "application/taxii+json;version=2.1"
STIX_21 = "application/stix+json;version=2.1"
SUPPORTED_VERSION = "2.1"

_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$")


class TaxiiError(Exception):
    """An answer in TAXII's error shape: `title` is short, `description` says what to change."""

    def __init__(self, status: int, title: str, description: str = "", headers=None):
        super().__init__(title)
        self.status = status
        self.title = title
        self.description = description
        self.headers = headers or {}


def bad_request(description: str) -> TaxiiError:
    return TaxiiError(400, "Bad request", description)


def not_found() -> TaxiiError:
    # The same words for "does not exist" and "not yours": nothing tells them apart.
    return TaxiiError(404, "Not found", "There is no such resource, or it is not yours.")


def taxii_response(data: dict | None, *, status: int = 200, headers=None) -> HttpResponse:
    body = b"" if data is None else json.dumps(data, separators=(",", ":")).encode()
    response = HttpResponse(body, status=status, content_type=TAXII_21)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(error: TaxiiError) -> HttpResponse:
    body = {"title": error.title, "http_status": str(error.status)}
    if error.description:
        body["description"] = error.description
    return taxii_response(body, status=error.status, headers=error.headers)


def _media_ranges(header: str) -> list[tuple[str, dict[str, str]]]:
    ranges = []
    for item in header.split(","):
        parts = [p.strip() for p in item.split(";")]
        params = {}
        for param in parts[1:]:
            name, _, value = param.partition("=")
            params[name.strip().lower()] = value.strip().strip('"')
        ranges.append((parts[0].lower(), params))
    return ranges


def accepts_taxii_21(header: str | None) -> bool:
    """Whether the Accept header lets us answer `application/taxii+json;version=2.1`: the
    versioned type, the bare type (which means the latest version, §1.6.8.1), or a wildcard.
    A TAXII type of another version only (a 2.0 client) is refused with 406."""
    if not header:
        return True
    for media, params in _media_ranges(header):
        if params.get("q") in {"0", "0.0", "0.00", "0.000"}:
            continue
        if media in {"*/*", "application/*"}:
            return True
        if media == TAXII and params.get("version", SUPPORTED_VERSION) == SUPPORTED_VERSION:
            return True
    return False


def is_taxii_21_body(content_type: str | None) -> bool:
    """A POST's Content-Type: the TAXII type, bare or of version 2.1 (§5.5)."""
    if not content_type:
        return False
    media, params = _media_ranges(content_type)[0]
    return media == TAXII and params.get("version", SUPPORTED_VERSION) == SUPPORTED_VERSION


def format_timestamp(moment: datetime.datetime) -> str:
    """A STIX/TAXII timestamp in UTC with microseconds, the precision of `date_added`."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str, *, name: str) -> datetime.datetime:
    """A client's timestamp (`added_after`, `match[version]`): RFC 3339 in UTC, `Z` suffix,
    fractions of a second to nanoseconds (kept to microseconds, the database's precision)."""
    match = _TIMESTAMP.match(text)
    if match is None:
        raise bad_request(f"{name} must be a timestamp such as 2026-01-31T12:00:00.000Z.")
    fraction = (match.group(2) or "").ljust(6, "0")[:6]
    try:
        moment = datetime.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S")
    except ValueError as e:
        raise bad_request(f"{name} is not a valid date and time.") from e
    return moment.replace(microsecond=int(fraction), tzinfo=datetime.UTC)
