"""What /api/docs/ says of each operation of the members API: a summary (the operation's name in
the list) and a description. Kept beside the views, out of their bodies, so that a view reads as
code and every operation is documented in one place (hub/tests/test_api_docs.py checks it)."""

from drf_spectacular.utils import extend_schema, extend_schema_view

organization_docs = extend_schema_view(
    list=extend_schema(
        summary="List member organisations",
        description="The member directory: every member organisation, suspended ones included, "
        "as every member sees it (`read` scope). Filter by `kind` (e.g. `telco`) and `country` "
        "(ISO 3166-1 alpha-2). Ordered by slug.",
    ),
    retrieve=extend_schema(
        summary="Get a member organisation",
        description="One organisation of the directory, by its slug. The slugs are what "
        "agreements (`parties`) and TLP:RED reports (`recipients`) name.",
    ),
)

agreement_docs = extend_schema_view(
    list=extend_schema(
        summary="List your agreements",
        description="The agreements (MOUs) the caller's organisation is a party to, newest "
        "first, whatever their status. An agreement is visible to its parties only.",
    ),
    retrieve=extend_schema(
        summary="Get an agreement",
        description="One agreement the caller's organisation is a party to, with its terms, "
        "its status and who has signed. Anyone else gets 404, as for one that does not exist.",
    ),
    create=extend_schema(
        summary="Propose an agreement",
        description="Propose an agreement to other member organisations (`admin` scope). The "
        "caller's organisation signs by proposing; the agreement comes into force when every "
        "other party's admin has signed it, from `effective_from`. Nothing is shared under it "
        "before. `max_tlp` is at most `amber+strict`: TLP:RED is never shared by an agreement.",
    ),
    sign=extend_schema(
        summary="Sign a proposed agreement",
        description="The caller's organisation signs (`admin` scope). The last signature puts "
        "the agreement in force. 409 if it is not proposed any more.",
    ),
    decline=extend_schema(
        summary="Decline a proposed agreement",
        description="A party that has not signed refuses the proposal (`admin` scope): the "
        "agreement becomes `declined`, never in force, and the other parties (the proposer "
        "among them) hear `agreement.declined`. 409 if it is not proposed any more, or if the "
        "caller's organisation has signed it (it terminates it instead).",
    ),
    suspend=extend_schema(
        summary="Suspend an agreement",
        description="Any party stops the sharing at once, for every party (`admin` scope); the "
        "others hear `agreement.suspended`. A suspended agreement is not resumed: the parties "
        "propose a new one. 409 unless it is active.",
    ),
    terminate=extend_schema(
        summary="Terminate an agreement",
        description="Any party ends the agreement for good, for every party (`admin` scope); "
        "nothing is shared under it from this moment, and the others hear "
        "`agreement.terminated`. 409 once it is terminated, expired or declined.",
    ),
)
