"""TAXII's writes that are decisions, not translations (docs/taxii.md, "Adding and deleting").

`taxii_delete`: DELETE of an object withdraws the reader's own report (§5.7 as the hub reads
it: TAXII's objects are never erased, the report comes again as a revoked version). The view
turns `NoSuchObject` into 404 and `Refused` into 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from members.actors import Actor
from members.models import Organization
from reports.models import Report
from reports.services import report_update

from . import stream
from .collections import Collection
from .filters import Filters
from .ledger import ledger_refresh


class NoSuchObject(Exception):
    """Not in the collection as the reader sees it (or no such object at all)."""


class Refused(Exception):
    """Seen, but not the reader's to delete."""


def taxii_delete(
    *, actor: Actor, reader: Organization, collection: Collection, filters: Filters
) -> Report:
    """Withdraws the report `filters.ids` names in `collection`, which must be writable (an
    agreement's) and the report `reader`'s own; audited by `report_update`. An object of
    another type, another member's report, or anything in `visible` is refused; a report
    already withdrawn is left as it is (deleting twice is not an error)."""
    ledger_refresh(reader=reader, collection=collection)
    # The report is found by its stix_id (an index), as the collection shows it now.
    item = stream.first(reader, collection, filters)
    if item is None:
        raise NoSuchObject
    if not collection.can_write or item.obj["type"] != "report":
        raise Refused
    report = Report.objects.filter(pk=item.position[1], owner=reader).first()
    if report is None:
        raise Refused
    if report.status != Report.Status.WITHDRAWN:
        try:
            report_update(actor=actor, report=report, changes={"status": Report.Status.WITHDRAWN})
        except (PermissionDenied, ValidationError) as e:
            raise Refused from e
    return report
