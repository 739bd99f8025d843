"""TAXII 2.1's object endpoints: manifest (§5.3), objects GET and POST (§5.4-5.5), one
object GET and DELETE (§5.6-5.7), versions (§5.8).

A request without `next` first refreshes the reader's ledger for the collection
(`ledger.ledger_refresh`), so what became visible or changed since gets its `date_added`; a
request with `next` reads the ledger as it is, so paging is cheap and stable.
"""

from __future__ import annotations

import json

from django.conf import settings

from exchange.imports import EnvelopeError, import_submit
from members.actors import Actor
from members.authentication import KeyUser

from . import filters as taxii_filters
from . import stream
from .collections import Collection, collection_of
from .ledger import ledger_refresh
from .protocol import (
    STIX_21,
    TaxiiError,
    bad_request,
    format_timestamp,
    is_taxii_21_body,
    not_found,
    taxii_response,
)
from .services import NoSuchObject, Refused, taxii_delete
from .views import endpoint, status_resource

LISTS = {"added_after", "next", "id", "type", "version", "spec_version"}
ONE_OBJECT = {"added_after", "next", "version", "spec_version"}
VERSIONS = {"added_after", "next", "spec_version"}
DELETE = {"version", "spec_version"}


def _read(request, principal: KeyUser, collection_id: str, allowed: set[str], object_id=""):
    reader = principal.organization
    collection = collection_of(reader, collection_id)
    scope = f"{reader.pk}:{collection.id}:{object_id}"
    if object_id and not taxii_filters.is_object_id(object_id):
        # An id that is not `type--uuid` names no object.
        raise not_found()
    filters = taxii_filters.parse(request.GET, allowed=allowed, scope=scope)
    if object_id:
        filters = taxii_filters.Filters(**{**filters.__dict__, "ids": frozenset({object_id})})
    if filters.after is None:
        ledger_refresh(reader=reader, collection=collection)
    return reader, collection, filters, scope


def _envelope(page: stream.Page, filters, scope: str, body: dict) -> dict:
    """The page's envelope: `{}` when empty (§3.7); `more`, and `next` whenever more follow."""
    if not page.items:
        return {}
    envelope = {"more": page.more}
    if page.more:
        envelope["next"] = taxii_filters.make_cursor(page.items[-1].position, filters, scope)
    return {**envelope, **body}


@endpoint(GET="read")
def manifest(request, principal: KeyUser, collection_id: str):
    reader, collection, filters, scope = _read(request, principal, collection_id, LISTS)
    page = stream.page(reader, collection, filters)
    records = [
        {
            "id": item.obj["id"],
            "date_added": format_timestamp(item.date_added),
            "version": item.version,
            "media_type": STIX_21,
        }
        for item in page.items
    ]
    body = _envelope(page, filters, scope, {"objects": records})
    return taxii_response(body, headers=page.headers)


@endpoint(GET="read", POST="write")
def objects(request, principal: KeyUser, collection_id: str):
    if request.method == "POST":
        return _add(request, principal, collection_id)
    reader, collection, filters, scope = _read(request, principal, collection_id, LISTS)
    page = stream.page(reader, collection, filters)
    body = _envelope(page, filters, scope, {"objects": [item.obj for item in page.items]})
    return taxii_response(body, headers=page.headers)


def _writable(principal: KeyUser, collection_id: str) -> Collection:
    collection = collection_of(principal.organization, collection_id)
    if not collection.can_write:
        raise TaxiiError(403, "Forbidden", "This collection is read-only.")
    return collection


def _add(request, principal: KeyUser, collection_id: str):
    collection = _writable(principal, collection_id)
    if not is_taxii_21_body(request.META.get("CONTENT_TYPE")):
        raise TaxiiError(415, "Unsupported media type", "Send application/taxii+json;version=2.1.")
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise TaxiiError(
            413,
            "Content too large",
            f"An envelope may have at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes "
            "(the API root's max_content_length).",
        )
    try:
        envelope = json.loads(request.body)
    # A body nested deeper than the parser's recursion limit is refused like any bad JSON.
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise bad_request("The body is not JSON.") from None
    if not isinstance(envelope, dict):
        raise bad_request("The body must be an envelope: an object with `objects`.")
    try:
        job = import_submit(
            actor=Actor(api_key=principal.api_key),
            objects=envelope.get("objects"),
            agreement=collection.agreement,
        )
    except EnvelopeError as e:
        raise bad_request(str(e)) from None
    return taxii_response(status_resource(job), status=202)


@endpoint(GET="read", DELETE="write")
def object_detail(request, principal: KeyUser, collection_id: str, object_id: str):
    if request.method == "DELETE":
        return _delete(request, principal, collection_id, object_id)
    reader, collection, filters, _scope = _read(
        request, principal, collection_id, ONE_OBJECT, object_id
    )
    item = stream.first(reader, collection, filters)
    if item is None:
        raise not_found()
    page = stream.Page([item], more=False)
    return taxii_response({"more": False, "objects": [item.obj]}, headers=page.headers)


@endpoint(GET="read")
def versions(request, principal: KeyUser, collection_id: str, object_id: str):
    reader, collection, filters, _scope = _read(
        request, principal, collection_id, VERSIONS, object_id
    )
    item = stream.first(reader, collection, filters)
    if item is None:
        raise not_found()
    page = stream.Page([item], more=False)
    return taxii_response({"more": False, "versions": [item.version]}, headers=page.headers)


def _delete(request, principal: KeyUser, collection_id: str, object_id: str):
    reader = principal.organization
    collection = collection_of(reader, collection_id)
    if not taxii_filters.is_object_id(object_id):
        raise not_found()
    filters = taxii_filters.parse(request.GET, allowed=DELETE, scope="delete")
    filters = taxii_filters.Filters(**{**filters.__dict__, "ids": frozenset({object_id})})
    try:
        taxii_delete(
            actor=Actor(api_key=principal.api_key),
            reader=reader,
            collection=collection,
            filters=filters,
        )
    except NoSuchObject:
        raise not_found() from None
    except Refused:
        raise TaxiiError(
            403,
            "Forbidden",
            "Only your own reports can be deleted, as `report` objects in an agreement collection.",
        ) from None
    return taxii_response(None)
