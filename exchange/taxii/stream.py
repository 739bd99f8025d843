"""What a collection holds, in TAXII's order, a page at a time (docs/taxii.md, "Server").

The order is (date_added, report id, index of the object among the report's objects): first
the common objects (the hub's identity, the extension-definition, the TLP markings) at one
fixed moment, then each report's objects (`reports.stix.export.report_objects`), all sharing
the date_added of the reader's ledger entry for that report. Every read joins the ledger with
the policy (`collections.reports_in`): an entry never makes a report visible, and the reporter's
identity follows the policy now, not when the entry was written.

An observable (or a member's identity) named by several reports is one id+version: a page
lists it once, at its first place in the page.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q

from exchange.models import CollectionEntry
from members.models import Organization
from reports.models import Indicator
from reports.stix.export import common_objects, for_stix, relationship_uuid, report_objects

from .collections import Collection, reports_in
from .filters import Filters, Position
from .ledger import COMMON_DATE_ADDED
from .protocol import format_timestamp, parse_timestamp

# Reports read per query while filling a page (a page of 1,000 objects is ~250 reports).
CHUNK = 200
# Types whose objects are only among the common objects.
_COMMON_ONLY = {"marking-definition", "extension-definition"}
# Types of a report's objects that come only with its disclosed reporter (the hub's identity
# is a common object).
_REPORTER = {"identity", "relationship"}


@dataclass(frozen=True)
class Item:
    position: Position
    obj: dict[str, Any]

    @property
    def date_added(self) -> datetime.datetime:
        return self.position[0]

    @property
    def version(self) -> str:
        return version_of(self.obj)


def version_of(obj: dict[str, Any]) -> str:
    """An object's version (§3.4.1): `modified`, else `created`. Observables have neither and
    never change (their id is their value): one constant version, the same in every report."""
    return obj.get("modified") or obj.get("created") or format_timestamp(COMMON_DATE_ADDED)


def _matches(obj: dict[str, Any], filters: Filters) -> bool:
    if filters.ids and obj["id"] not in filters.ids:
        return False
    if filters.types and obj["type"] not in filters.types:
        return False
    if filters.spec_versions and obj.get("spec_version", "2.1") not in filters.spec_versions:
        return False
    if filters.version_times and not filters.versions:
        # One version per object: "last", "first" and "all" each name it; times must equal it.
        moment = parse_timestamp(version_of(obj), name="version")
        return moment in filters.version_times
    return True


def _uid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _by_ids(ids: frozenset[str]) -> Q:
    """The reports that can hold objects of these ids, each found by an index: a report's own
    id, an indicator's, a member's identity, a relationship's (`relationship_uuid` of the
    report's id, and back) or an observable's (`Indicator.sco_id`). An id that is not
    `type--uuid` names no object; the common objects are not reports'."""
    wanted = Q(pk__in=[])
    for stix_id in ids:
        kind, _, text = stix_id.partition("--")
        uid = _uid(text)
        if uid is None or kind in _COMMON_ONLY:
            continue
        if kind == "report":
            wanted |= Q(stix_id=uid)
        elif kind == "indicator":
            wanted |= Q(Exists(Indicator.objects.filter(report=OuterRef("pk"), stix_id=uid)))
        elif kind == "identity":
            wanted |= Q(owner__stix_id=uid)
        elif kind == "relationship":
            wanted |= Q(stix_id=relationship_uuid(uid))
        else:
            wanted |= Q(Exists(Indicator.objects.filter(report=OuterRef("pk"), sco_id=uid)))
    return wanted


def _entries(
    reader: Organization,
    collection: Collection,
    filters: Filters,
    start: datetime.datetime | None,
    *,
    inclusive: bool,
) -> list[tuple[datetime.datetime, int]]:
    """The next CHUNK (date_added, report id) of the reader's ledger from `start` on. A
    date_added is unique within a reader's collection, so it alone orders the entries and the
    index on (reader, collection, date_added) serves the scan, which stops at CHUNK rows."""
    scope = reports_in(reader, collection)
    if filters.ids:
        scope = scope.filter(_by_ids(filters.ids))
    if filters.types and filters.types <= _COMMON_ONLY | _REPORTER:
        # A report holds an identity or a relationship only where its reporter is disclosed.
        scope = scope.with_disclosure(reader).filter(identity_disclosed=True)
    entries = CollectionEntry.objects.filter(
        reader=reader, agreement_id=collection.agreement_id, report__in=scope.values("pk")
    )
    if filters.added_after is not None:
        entries = entries.filter(date_added__gt=filters.added_after)
    if start is not None:
        entries = entries.filter(**{"date_added__gte" if inclusive else "date_added__gt": start})
    # Ordered as the index is (reader and collection are fixed here): PostgreSQL then reads
    # it in order and stops, where `ORDER BY date_added` alone made it sort the whole
    # collection (an `IS NULL` condition does not fix a column's order for the planner).
    order = ("reader_id", "agreement_id", "date_added")
    rows = entries.order_by(*order).values_list("date_added", "report_id")
    return list(rows[:CHUNK])


def _report_items(
    reader: Organization, collection: Collection, filters: Filters
) -> Iterator[tuple[Position, dict[str, Any]]]:
    if filters.types and filters.types <= _COMMON_ONLY:
        return
    after = filters.after
    # The cursor's report is read again from its first object (the page may end inside it).
    start = after[0] if after is not None and after[1] != 0 else None
    inclusive = True
    while chunk := _entries(reader, collection, filters, start, inclusive=inclusive):
        start, inclusive = chunk[-1][0], False
        # The policy again, on these reports only: one that stopped being visible since the
        # entries were read is skipped, and the reporter is disclosed as the policy says now.
        rows = for_stix(
            reports_in(reader, collection)
            .with_disclosure(reader)
            .filter(pk__in=[r for _, r in chunk])
        )
        reports = {report.pk: report for report in rows}
        for moment, report_id in chunk:
            report = reports.get(report_id)
            if report is None:
                continue
            objects = report_objects(report, identity_disclosed=report.identity_disclosed)
            for index, obj in enumerate(objects):
                yield (moment, report_id, index), obj


def items(reader: Organization, collection: Collection, filters: Filters) -> Iterator[Item]:
    """Every object of the collection that `filters` select, in order, after `filters.after`."""
    after = filters.after
    if filters.added_after is None or filters.added_after < COMMON_DATE_ADDED:
        for index, obj in enumerate(common_objects()):
            position = (COMMON_DATE_ADDED, 0, index)
            if (after is None or position > after) and _matches(obj, filters):
                yield Item(position, obj)
    for position, obj in _report_items(reader, collection, filters):
        if (after is None or position > after) and _matches(obj, filters):
            yield Item(position, obj)


@dataclass(frozen=True)
class Page:
    items: list[Item]
    more: bool

    @property
    def headers(self) -> dict[str, str]:
        """X-TAXII-Date-Added-First/-Last (§3.3.1); none on an empty page, which has no date."""
        if not self.items:
            return {}
        return {
            "X-TAXII-Date-Added-First": format_timestamp(self.items[0].date_added),
            "X-TAXII-Date-Added-Last": format_timestamp(self.items[-1].date_added),
        }


def page(reader: Organization, collection: Collection, filters: Filters) -> Page:
    """Up to `filters.limit` objects, each id+version once, and whether more follow.

    A page that would end inside a report ends before it instead (TAXII allows fewer objects
    than `limit`): a report's objects share one date_added, so a client resuming with
    `added_after` = the page's last date_added would skip the rest of it. Only a report that
    alone fills a page is split, and then `next` (not `added_after`) brings the rest."""
    chosen: list[Item] = []
    seen: set[tuple[str, str]] = set()
    for item in items(reader, collection, filters):
        key = (item.obj["id"], item.version)
        if key in seen:
            continue
        if len(chosen) == filters.limit:
            return Page(_at_report_boundary(chosen, item), more=True)
        seen.add(key)
        chosen.append(item)
    return Page(chosen, more=False)


def _at_report_boundary(chosen: list[Item], following: Item) -> list[Item]:
    """`chosen` without its last report's objects when the following item is of that report
    too, unless that report fills the whole page."""
    group = following.position[:2]
    if chosen[-1].position[:2] != group or chosen[0].position[:2] == group:
        return chosen
    cut = len(chosen)
    while chosen[cut - 1].position[:2] == group:
        cut -= 1
    return chosen[:cut]


def first(reader: Organization, collection: Collection, filters: Filters) -> Item | None:
    """The first place of one object (the object and versions endpoints): we keep one version
    of each object, so its first occurrence is all there is to say."""
    return next(iter(items(reader, collection, filters)), None)
