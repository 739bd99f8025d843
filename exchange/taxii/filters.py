"""A request's filters and paging (TAXII 2.1 §3.4-3.5), read strictly: a malformed value is
400 in TAXII's error shape, never a 500 and never silently ignored.

`next` is a stateless cursor, signed with the site's secret: the position of the last object
served (its `date_added`, report id and index among the report's objects) and a digest of
the request's filters, reader and collection. A cursor used with other filters, by another
reader or on another collection is 400: its position means nothing there.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing

from .protocol import bad_request, parse_timestamp

_SALT = "exchange.taxii.next"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*--[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_TYPE = re.compile(r"^[a-z0-9][a-z0-9-]{0,249}$")
_SPEC_VERSION = re.compile(r"^\d+\.\d+$")
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)

# A position in a collection: (date_added, report id, index among the report's objects);
# the common objects are report 0.
Position = tuple[datetime.datetime, int, int]


def max_page() -> int:
    return settings.TAXII_MAX_PAGE_SIZE


@dataclass(frozen=True)
class Filters:
    limit: int
    added_after: datetime.datetime | None = None
    ids: frozenset[str] = field(default_factory=frozenset)
    types: frozenset[str] = field(default_factory=frozenset)
    # "last", "first", "all" (one version per object: all three are the same here) or times.
    versions: frozenset[str] = field(default_factory=frozenset)
    version_times: frozenset[datetime.datetime] = field(default_factory=frozenset)
    spec_versions: frozenset[str] = field(default_factory=frozenset)
    after: Position | None = None

    def digest(self, scope: str) -> str:
        """What a cursor is bound to: the filters (not `limit`, which a client such as
        taxii2-client's as_pages may change between pages) and where it applies."""
        text = json.dumps(
            [
                scope,
                self.added_after.isoformat() if self.added_after else None,
                sorted(self.ids),
                sorted(self.types),
                sorted(self.versions),
                sorted(t.isoformat() for t in self.version_times),
                sorted(self.spec_versions),
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def is_object_id(text: str) -> bool:
    """Whether `text` is `type--uuid`, the only shape of a STIX id."""
    return bool(_ID.fullmatch(text))


def _values(query, name: str, pattern: re.Pattern | None = None) -> frozenset[str]:
    raw = query.getlist(name)
    if not raw:
        return frozenset()
    values = [v.strip() for item in raw for v in item.split(",")]
    if any(not v for v in values):
        raise bad_request(f"{name} has an empty value.")
    if pattern is not None:
        wrong = [v for v in values if not pattern.match(v)]
        if wrong:
            raise bad_request(f"{name}: {wrong[0][:80]!r} is not a valid value.")
    return frozenset(values)


def _limit(query) -> int:
    cap = max_page()
    text = query.get("limit")
    if text is None or text == "":
        return cap
    # isdigit() alone accepts "²" and other digits int() refuses.
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise bad_request("limit must be a positive whole number.")
    return min(int(text), cap)


def parse(query, *, allowed: set[str], scope: str) -> Filters:
    """The filters of `query` (a QueryDict) among those `allowed` for the endpoint: "id",
    "type", "version", "spec_version" (as `match[...]`), "added_after", "next". Parameters
    the endpoint does not define are ignored, as TAXII asks of unknown filters."""
    added_after = None
    if "added_after" in allowed and query.get("added_after"):
        added_after = parse_timestamp(query["added_after"], name="added_after")
    versions: frozenset[str] = frozenset()
    times: set[datetime.datetime] = set()
    if "version" in allowed:
        for value in _values(query, "match[version]"):
            if value in {"last", "first", "all"}:
                versions |= {value}
            else:
                times.add(parse_timestamp(value, name="match[version]"))
    filters = Filters(
        limit=_limit(query),
        added_after=added_after,
        ids=_values(query, "match[id]", _ID) if "id" in allowed else frozenset(),
        types=_values(query, "match[type]", _TYPE) if "type" in allowed else frozenset(),
        versions=versions,
        version_times=frozenset(times),
        spec_versions=(
            _values(query, "match[spec_version]", _SPEC_VERSION)
            if "spec_version" in allowed
            else frozenset()
        ),
    )
    token = query.get("next")
    if token and "next" in allowed:
        filters = Filters(**{**filters.__dict__, "after": _read_cursor(token, filters, scope)})
    return filters


def make_cursor(position: Position, filters: Filters, scope: str) -> str:
    moment, report_id, index = position
    micros = (moment - _EPOCH) // datetime.timedelta(microseconds=1)
    return signing.dumps([micros, report_id, index, filters.digest(scope)], salt=_SALT)


def _read_cursor(token: str, filters: Filters, scope: str) -> Position:
    try:
        micros, report_id, index, digest = signing.loads(token, salt=_SALT)
        position = (
            _EPOCH + datetime.timedelta(microseconds=int(micros)),
            int(report_id),
            int(index),
        )
    except (signing.BadSignature, ValueError, TypeError, OverflowError) as e:
        raise bad_request("next is not a value this server gave.") from e
    if digest != filters.digest(scope):
        raise bad_request("next was given for other filters: repeat the first request's.")
    return position
