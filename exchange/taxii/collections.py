"""A reader's collections (§5.1-5.2), each a view of the access policy (docs/taxii.md).

- `visible`: everything the reader may see (`Report.objects.visible_to`); read-only. Its id is
  derived from the reader's own STIX id, so each reader has its own and it never changes.
- one per agreement in force the reader is party to: the reports the reader sees through that
  agreement (the policy's rules 3 and 4 narrowed to it, its own reports shared under it
  included) and its own reports restricted to it, whatever their TLP; readable and writable
  (objects posted there become reports restricted to it). Its id is derived from the
  agreement's, the same for every party.

Any other id (another member's agreement, one no longer in force, a random one) is 404, as is
an id that was never issued: the answer does not say which.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from members.models import Agreement, Organization
from reports.models import Report

from .protocol import STIX_21, not_found

VISIBLE_ALIAS = "visible"
# The namespace of agreement collections' ids (uuid5 of the agreement's primary key).
AGREEMENT_NAMESPACE = uuid.UUID("0a8b6c52-3c2e-4b8e-9f6a-5d1e7c2b9a41")


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    can_write: bool
    agreement: Agreement | None = None
    alias: str | None = None

    @property
    def agreement_id(self) -> int | None:
        return self.agreement.pk if self.agreement is not None else None

    def as_resource(self) -> dict:
        resource = {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "can_read": True,
            "can_write": self.can_write,
            "media_types": [STIX_21],
        }
        if self.alias:
            resource["alias"] = self.alias
        return resource


def visible_collection(reader: Organization) -> Collection:
    return Collection(
        id=str(uuid.uuid5(reader.stix_id, VISIBLE_ALIAS)),
        title="Visible to you",
        description="Every report your organisation may see under the access policy.",
        can_write=False,
        alias=VISIBLE_ALIAS,
    )


def agreement_collection(agreement: Agreement) -> Collection:
    return Collection(
        id=str(uuid.uuid5(AGREEMENT_NAMESPACE, str(agreement.pk))),
        title=agreement.title,
        description=(
            "Reports shared with you under this agreement, and yours shared or restricted to it. "
            "Objects added here become your reports shared under it."
        ),
        can_write=True,
        agreement=agreement,
    )


def collections_of(reader: Organization) -> list[Collection]:
    agreements = Agreement.objects.in_force().of_party(reader).order_by("pk")
    return [visible_collection(reader), *(agreement_collection(a) for a in agreements)]


def collection_of(reader: Organization, collection_id: str) -> Collection:
    """The reader's collection by id (or the `visible` alias), else 404."""
    for collection in collections_of(reader):
        if collection_id in {collection.id, collection.alias}:
            return collection
    raise not_found()


def reports_in(reader: Organization, collection: Collection):
    """The reports of `collection` as `reader` may see them now: never more than
    `visible_to(reader)`, whatever the ledger holds. An agreement's collection holds the
    reports the reader sees through that agreement (rules 3 and 4 narrowed to it) and the
    reader's own reports restricted to it, whatever their TLP: the owner is not a recipient of
    its own TLP:RED report, and what it posted there (restricted to it) must be there to
    withdraw."""
    reports = Report.objects.visible_to(reader)
    if collection.agreement is None:
        return reports
    agreement_id = collection.agreement.pk
    through = f"through_{reader.pk}_{agreement_id}"
    restricted = Report.restricted_to.through.objects.filter(
        report_id=OuterRef("pk"), agreement_id=agreement_id
    )
    own = Q(owner=reader) & Q(Exists(restricted))
    return reports.with_audience({reader: [agreement_id]}).filter(Q(**{through: True}) | own)
