"""What /api/docs/ says of each operation of the webhooks API: a summary (the operation's name in
the list) and a description. Kept beside the views, out of their bodies, so that a view reads as
code and every operation is documented in one place (hub/tests/test_api_docs.py checks it). The
actions that describe themselves in their own decorator (rotate, test, retry) are not repeated."""

from drf_spectacular.utils import extend_schema, extend_schema_view

webhook_docs = extend_schema_view(
    list=extend_schema(
        summary="List your webhook endpoints",
        description="The caller's organisation's webhook endpoints (`admin` scope), with the "
        "event types each wants (`[]` is all) and whether it is active. Secrets are never "
        "listed.",
    ),
    retrieve=extend_schema(
        summary="Get a webhook endpoint",
        description="One endpoint of the caller's organisation (`admin` scope); another "
        "organisation's is 404. `disabled_reason` says why the hub disabled it (410 Gone, or "
        "too many failures in a row).",
    ),
    create=extend_schema(
        summary="Create a webhook endpoint",
        description="Register an `https` URL to receive the organisation's events as signed "
        "POSTs (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`), "
        "retried with backoff for about a day (`admin` scope). The signing `secret` "
        "(`whsec_…`) is in this answer only. Addresses that are not public are refused.",
    ),
    partial_update=extend_schema(
        summary="Change a webhook endpoint",
        description="Change the URL, the description or the event types, or enable or disable "
        'it (`active`): `"active": true` enables an endpoint the hub disabled (`admin` '
        "scope).",
    ),
    destroy=extend_schema(
        summary="Delete a webhook endpoint",
        description="The endpoint receives nothing more; what waits to be sent to it is "
        "dropped, and its delivery log goes with it (`admin` scope).",
    ),
    deliveries=extend_schema(
        summary="List an endpoint's deliveries",
        description="The delivery log of one endpoint, newest first (`admin` scope): each "
        "message's `msg_id` (its `webhook-id`, the same on every attempt), event type, state, "
        "attempts, next attempt, last HTTP status and error.",
    ),
)
