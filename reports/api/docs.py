"""What /api/docs/ says of each operation of the reports API: a summary (the operation's name in
the list) and a description. Kept beside the views, out of their bodies, so that a view reads as
code and every operation is documented in one place (hub/tests/test_api_docs.py checks it)."""

from drf_spectacular.utils import extend_schema, extend_schema_view

report_docs = extend_schema_view(
    list=extend_schema(
        summary="List the reports you may see",
        description="Every report the access policy lets the caller's organisation see: its "
        "own, TLP:CLEAR ones, those shared under agreements in force, and TLP:RED ones that "
        "name it. Newest first. Filter by `category`, `tlp`, `jurisdiction`, `status`, `target` "
        "(a target's id), `updated_after` and `q` (title, description or indicator). The "
        "filters only narrow what the policy allows. `?format=stix` answers the same page as "
        "one STIX 2.1 bundle (`application/stix+json;version=2.1`), the next page's address "
        "in a `Link` header.",
    ),
    retrieve=extend_schema(
        summary="Get a report",
        description="One report as the caller may see it: `owner` is null where the reporter's "
        "identity is withheld, `evidence` null unless an agreement shares it, and the sharing "
        "fields null unless the caller owns the report. A report the caller may not see is "
        "404, as one that does not exist.",
    ),
    create=extend_schema(
        summary="Submit a report",
        description="Report piracy with at least one indicator (`write` scope). Indicators are "
        "checked and normalised (a domain lower-cased, an IDN as punycode, a URL's tracking "
        "parameters dropped); `tlp` and `sharing` say who sees it, `recipients` name the "
        "organisations of a TLP:RED report. `live_from`/`live_until` make it urgent for a live "
        "event. The answer is the report as stored; its indicators link to targets shortly "
        "after (`linking`).",
    ),
    partial_update=extend_schema(
        summary="Update a report",
        description="The owner changes a report's fields or its `status` (`write` scope). "
        "Indicators are fixed once submitted; add them with a new report. Who may see the "
        "report is told it was updated (`report.updated`).",
    ),
    evidence=extend_schema(
        summary="Attach evidence to a report",
        description="The owner uploads one file (multipart field `file`: a screenshot, a "
        "capture, an invoice) to its report (`write` scope). Others see it only where an "
        "agreement shares evidence.",
    ),
    evidence_file=extend_schema(
        summary="Download a report's evidence file",
        description="One evidence file, with the content type it was uploaded with, where the "
        "policy lets the caller see the report and an agreement shares its evidence (or the "
        "caller owns it); 404 otherwise.",
    ),
    bulk=extend_schema(
        summary="Submit reports in bulk",
        description="Up to 1,000 reports in one request (`write` scope), each validated on its "
        "own: the valid ones are stored even when others fail, and the answer says, item by "
        "item, what was created (with its id) and what was invalid (with its errors).",
    ),
)

target_docs = extend_schema_view(
    list=extend_schema(
        summary="List the targets you may see",
        description="The values named in the reports the caller may see, once each, whoever "
        "reported them; every count and date comes from those reports only. Filter by `kind`, "
        "`q` (part of the value) and `corroborated` (reported by more than one member).",
    ),
    retrieve=extend_schema(
        summary="Get a target",
        description="One target by its id, with the reports the caller may see that name it, "
        "its cluster (the targets those reports link it to) and open suggestions of siblings "
        "to confirm or dismiss. A target outside the caller's reports is 404.",
    ),
    confirm_suggestion=extend_schema(
        summary="Confirm a suggested sibling",
        description="The caller's organisation confirms that the two targets belong to one "
        "operation (`write` scope): they join one cluster.",
    ),
    dismiss_suggestion=extend_schema(
        summary="Dismiss a suggested sibling",
        description="The caller's organisation dismisses the suggestion (`write` scope); it is "
        "not made again.",
    ),
)

inbox_docs = extend_schema_view(
    list=extend_schema(
        summary="List your inbox",
        description="What the caller's organisation was told, newest first: reports newly "
        "shared with it, corroborations, status changes, agreement steps and blocking orders, "
        "each with the report as the reader may see it now (items about reports it can no "
        "longer see drop out). Filter by `unread` and `type`. Needs only the `read` scope.",
    ),
    read=extend_schema(
        summary="Mark an inbox item read",
        description="Marks one item of the caller's organisation's inbox read, for everyone in "
        "the organisation (`read` scope).",
    ),
    read_all=extend_schema(
        summary="Mark the whole inbox read",
        description="Marks every unread item of the caller's organisation's inbox read "
        "(`read` scope); the answer counts them (`marked_read`).",
    ),
)
