"""What /api/docs/ says of each operation of the enforcement API: a summary (the operation's
name in the list) and a description. Kept beside the views, out of their bodies, so that a view
reads as code and every operation is documented in one place (hub/tests/test_api_docs.py checks
it)."""

from drf_spectacular.utils import extend_schema, extend_schema_view

order_docs = extend_schema_view(
    list=extend_schema(
        summary="List blocking orders",
        description="The blocking orders the caller's organisation issued or is addressed by, "
        "newest first, each with its targets in force and the ISPs' answers (an ISP sees only "
        "its own answer). Filter by `status`, `role` (`issued` or `addressed`) and `reference`.",
    ),
    retrieve=extend_schema(
        summary="Get a blocking order",
        description="One order the caller issued or is addressed by, with every target (lifted "
        "ones included), the ISPs' answers and the renewals. The issuer also sees each target's "
        "protected-list match, its warnings and the override's justification. Any other "
        "organisation gets 404, as for an order that does not exist.",
    ),
    create=extend_schema(
        summary="Issue a blocking order",
        description="A regulator or law-enforcement member orders the ISPs of its own country "
        "to block targets (`write` scope). `isps` defaults to every active telco member of the "
        "country; a target on the protected list needs `override_protected` and a "
        "`justification`. The ISPs are told when the grace window ends (`issued_at`) and must "
        "comply by `deadline`; a confidential order stays out of the public register.",
    ),
    check=extend_schema(
        summary="Check targets before issuing",
        description="A dry run for a set of targets: which ones the protected list refuses, and "
        "the warnings an issuer should read (shared hosting, wide ranges, free-hosting parents, "
        "shared CDNs). Stores nothing and tells no one.",
    ),
    amend=extend_schema(
        summary="Add targets to an order",
        description="The issuer adds targets to an order pending or in force. The ISPs are "
        "told again and must comply by the new deadline (by default, as long from now as the "
        "first deadline was from issue).",
    ),
    lift=extend_schema(
        summary="Lift an order or some of its targets",
        description="The issuer lifts the whole order, or only the `targets` given: they leave "
        "every addressed ISP's blocklist at once, and the ISPs hear `blocking_order.lifted`. "
        "Lifting is final; the order's history stays. 409 unless the order is in force.",
    ),
    renew=extend_schema(
        summary="Renew an order",
        description="The issuer extends an order pending or in force before it lapses: to "
        "`valid_until`, or by the lapse period from now. The new end must be after the current "
        "one.",
    ),
    withdraw=extend_schema(
        summary="Withdraw an order",
        description="The issuer takes an order back within its grace window, before any ISP is "
        "told: it will never have been in force. Once the ISPs are told, lift it instead (409).",
    ),
    acknowledge=extend_schema(
        summary="Acknowledge an order",
        description="The addressed ISP says it has seen the order (`write` scope). The issuer "
        "sees the time on the ISP's answer.",
    ),
    confirm=extend_schema(
        summary="Confirm an order is implemented",
        description="The addressed ISP says it blocks every target of the order (`write` "
        "scope): every target in force is answered `implemented`. A confirmation is not taken "
        "back: an implemented order cannot be rejected.",
    ),
    reject=extend_schema(
        summary="Reject an order",
        description="The addressed ISP says it will not implement the order, with a `reason`: "
        "`already_blocked`, `not_technically_possible` or `other` (with a `detail`). 409 after "
        "it confirmed implementing it, or blocking any of its targets.",
    ),
    target_answers=extend_schema(
        summary="Answer an order target by target",
        description="The addressed ISP answers some or all targets in force of the order "
        "(`write` scope): `implemented`, or `impossible` with a `reason` "
        "(`not_technically_possible`, `shared_address`, or `other` with a `detail`), e.g. the "
        "domain blocked and the URL impossible on a DNS resolver. Once every target in force "
        "has an answer the order is done for the ISP: `implemented` if every one is blocked, "
        "`per_target` otherwise, and it is no longer overdue. The same answer twice changes "
        "nothing; a blocked target cannot be marked impossible afterwards (409). Answers with "
        "the ISP's answer and its answers per target; the issuer sees them, other ISPs never "
        "do.",
    ),
)

unblock_docs = extend_schema_view(
    list=extend_schema(
        summary="List unblock requests about your orders",
        description="Third parties' requests to unblock a name that an order of the caller's "
        "organisation covers, one per request and order, open ones first and the soonest due "
        "first. Filter by `status`. Other organisations' requests are never listed.",
    ),
    retrieve=extend_schema(
        summary="Get an unblock request",
        description="One request about an order the caller issued, with the requester's "
        "message and the order's entries that cover the name (upholding lifts those still in "
        "force). Any other organisation gets 404.",
    ),
    answer=extend_schema(
        summary="Answer an unblock request",
        description="The issuer upholds the request (the entries that cover the name are "
        "lifted) or dismisses it, with its reasons (`write` scope). The requester is e-mailed "
        "the decision and the answer, unless the order is confidential. Once only: a second "
        "answer is 409.",
    ),
)

BLOCKLIST_SUMMARY = "Download your blocklist"
BLOCKLIST_DESCRIPTION = (
    "Everything in force for the calling ISP (telco members only), consolidated across every "
    "order addressed to it: an entry appears when an order takes effect and disappears when it "
    "is lifted or ends. `.rpz` is a DNS RPZ zone for BIND or Unbound (domains and IP "
    "addresses; URLs cannot be blocked by DNS and are left out); `.txt`, `.csv` and `.json` "
    "carry every kind. Every answer has an `ETag`: poll with `If-None-Match` and an unchanged "
    "list answers 304 with no body; `since` gives only what changed."
)
