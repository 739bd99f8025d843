"""What /api/docs/ says of each operation of the exchange API: a summary (the operation's name
in the list) and a description, kept out of the views' bodies (hub/tests/test_api_docs.py
checks that every operation has both)."""

from drf_spectacular.utils import extend_schema, extend_schema_view

source_docs = extend_schema_view(
    list=extend_schema(
        summary="List your TAXII sources",
        description="The TAXII 2.1 servers of the caller's organisation that the hub polls "
        "(`admin` scope), with each one's state: the last poll, the last error, failures in a "
        "row and when the next poll is due. Passwords and tokens are never listed "
        "(`has_secret` says whether one is stored).",
    ),
    retrieve=extend_schema(
        summary="Get a TAXII source",
        description="One TAXII source of the caller's organisation (`admin` scope); another "
        "organisation's is 404. `added_after` is where the next poll starts: the "
        "`X-TAXII-Date-Added-Last` of the last page imported.",
    ),
    create=extend_schema(
        summary="Register a TAXII source",
        description="Register a collection on a TAXII 2.1 server (`api_root_url`, "
        "`collection_id`) for the hub to poll every `interval_minutes` as the caller's "
        "organisation, importing what it adds as the organisation's reports through the same "
        "path as a TAXII POST (`admin` scope). With a `username` the hub signs in with HTTP "
        "Basic and `secret` as password; without, it sends `secret` as a Bearer token. The "
        "secret is encrypted at rest and never returned. Addresses that are not public are "
        "refused. The hub acts with the authority of the key that registered it, while that key "
        "is usable.",
    ),
    partial_update=extend_schema(
        summary="Change a TAXII source",
        description="Change any field; an omitted or empty `secret` keeps the stored one "
        "(`admin` scope). A new `api_root_url` or `collection_id` starts again from the "
        "collection's beginning. Saving makes a failing source due at once, and the caller's "
        "key the one the hub acts as.",
    ),
    destroy=extend_schema(
        summary="Delete a TAXII source",
        description="The hub stops polling it and forgets its credentials (`admin` scope); the "
        "reports already imported from it stay.",
    ),
    poll=extend_schema(
        summary="Poll a TAXII source now",
        description="Asks for a poll as soon as a worker is free, even if the source is backing "
        "off after failures (`admin` scope); 202 with the source, 409 when it is paused "
        "(`enabled` false). Its outcome appears in `last_polled_at` and `last_error`.",
    ),
)
