"""The access policy (docs/contract.md, "The access policy"): one queryset method, one SQL query.

Organisation X may see report R if and only if one of these holds:
1. X is R's owner;
2. R is TLP:CLEAR and X is an active member;
3. R is TLP:RED, X is one of R's recipients, and an agreement in force has X and R's owner
   among its parties and covers R's category and jurisdictions;
4. R is GREEN, AMBER or AMBER+STRICT, R's sharing is not private, and an agreement in force
   has X and R's owner among its parties, covers R's category and jurisdictions, has
   max_tlp >= R's TLP and, where R is restricted to some agreements, is one of them.

Everything is expressed as correlated EXISTS sub-queries over agreements, evaluated by
PostgreSQL at read time against the agreements' current state: suspending, terminating or
expiring an agreement hides what it shared at once. Every path that reads reports starts
from `Report.objects.visible_to(org)`; nothing filters reports in Python.

The rules are written as SQL, in one place (`_sql_*` below), wrapped in expressions whose
columns Django resolves, so the policy works wherever the report table is aliased (as the
inner query of `report__in=...`). The same rules built from ORM lookups (OuterRef of
OuterRef, six nested EXISTS trees with the disclosure) took about 27 ms of Python to build
and compile on every request, more than PostgreSQL needed to run them (BENCHMARKS.md,
"Visibility"). reports/tests/test_policy_property.py checks them against an independent
reference model of the policy's rules (docs/contract.md).
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import BooleanField, Expression, F

from kernel.vocabulary import TLP
from kernel.zones import hub_today
from members.models import Agreement, AgreementParty, Organization

SHARED_UNDER_AGREEMENTS = (TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT)
# The outer report's columns the rules read; Django resolves each to the right alias.
_COLUMNS = ("id", "owner_id", "tlp", "sharing", "category", "jurisdictions")


def _tables() -> dict[str, str]:
    from .models import Report

    return {
        "agreement": Agreement._meta.db_table,
        "party": AgreementParty._meta.db_table,
        "recipients": Report.recipients.through._meta.db_table,
        "restricted": Report.restricted_to.through._meta.db_table,
    }


def _sql_covering(c: dict[str, str], t: dict[str, str], extra: str) -> str:
    """EXISTS an agreement in force with X (first parameter) and the report's owner among its
    parties, covering the report's category and jurisdictions (a global report: only
    agreements covering all), and `extra`. Parameters: X, today, today."""
    return (
        f"EXISTS (SELECT 1 FROM {t['party']} px"  # noqa: S608 - names only; values are parameters
        f" JOIN {t['agreement']} a ON a.id = px.agreement_id"
        f" JOIN {t['party']} po ON po.agreement_id = a.id"
        f" WHERE px.organization_id = %s AND po.organization_id = {c['owner_id']}"
        f" AND a.status = 'active' AND a.effective_from <= %s"
        f" AND (a.expires_on IS NULL OR a.expires_on >= %s)"
        f" AND (a.categories = '{{}}' OR a.categories @> ARRAY[{c['category']}]::varchar(20)[])"
        f" AND (a.jurisdictions = '{{}}' OR a.jurisdictions && {c['jurisdictions']})"
        f"{extra})"
    )


def _sql_through_agreements(
    c: dict[str, str], flag: str | None, agreement_id: int | None = None
) -> str:
    """Rules 3 and 4: X sees the report through some agreement (one with `flag` set, if
    given; agreement `agreement_id` itself, if given). Parameters: X (as recipient), then
    (X, today, today) twice."""
    t = _tables()
    also = f" AND a.{flag}" if flag else ""
    if agreement_id is not None:
        # An integer by construction (int() refuses anything else): no text reaches the SQL.
        also += f" AND a.id = {int(agreement_id)}"
    red = (
        f"({c['tlp']} = {TLP.RED.value}"  # noqa: S608 - names only; values are parameters
        f" AND EXISTS (SELECT 1 FROM {t['recipients']} rr"
        f" WHERE rr.report_id = {c['id']} AND rr.organization_id = %s)"
        f" AND {_sql_covering(c, t, also)})"
    )
    restriction = (
        f" AND a.max_tlp >= {c['tlp']}"  # noqa: S608 - names only; values are parameters
        f" AND (NOT EXISTS (SELECT 1 FROM {t['restricted']} rt WHERE rt.report_id = {c['id']})"
        f" OR EXISTS (SELECT 1 FROM {t['restricted']} rt"
        f" WHERE rt.report_id = {c['id']} AND rt.agreement_id = a.id))"
    )
    levels = ", ".join(str(level.value) for level in SHARED_UNDER_AGREEMENTS)
    shared = (
        f"({c['tlp']} IN ({levels}) AND {c['sharing']} <> 'private'"
        f" AND {_sql_covering(c, t, also + restriction)})"
    )
    return f"({red} OR {shared})"


class _Policy(Expression):
    """A boolean over the outer report: the policy's filter (`flag` None) or whether an
    agreement through which X sees the report shares the reporter's identity or evidence; with
    `through`, whether X sees it through that one agreement (rules 3 and 4 only)."""

    output_field = BooleanField()
    conditional = True

    def __init__(
        self,
        org: Organization,
        today,
        *,
        disclosure: str | None = None,
        through: int | None = None,
    ):
        super().__init__()
        self.org_id = org.pk
        self.suspended = org.is_suspended
        self.today = today
        self.disclosure = disclosure
        self.through = through
        self.columns = [F(name) for name in _COLUMNS]

    def get_source_expressions(self):
        return self.columns

    def set_source_expressions(self, exprs):
        self.columns = list(exprs)

    def as_sql(self, compiler, connection):
        c = {}
        for name, column in zip(_COLUMNS, self.columns, strict=True):
            sql, _ = compiler.compile(column)
            c[name] = sql
        through = _sql_through_agreements(c, self.disclosure, self.through)
        x, today = self.org_id, self.today
        if self.through is not None:
            return through, [x, x, today, today, x, today, today]
        # In the order of the placeholders: owner, recipient, then (X, today, today) for the
        # red branch's agreements and again for the shared branch's.
        params = [x, x, x, today, today, x, today, today]
        rules = [f"{c['owner_id']} = %s", through]
        if self.disclosure is not None or not self.suspended:
            # CLEAR: every active member sees it, and its reporter is disclosed to whoever
            # sees it (a suspended member sees only its own reports).
            rules.append(f"{c['tlp']} = {TLP.CLEAR.value}")
        return "(" + " OR ".join(rules) + ")", params


class ReportQuerySet(models.QuerySet):
    def visible_to(self, org: Organization, *, today: datetime.date | None = None):
        """Reports `org` may see. The only way any read path obtains reports."""
        return self.filter(_Policy(org, today or hub_today()))

    def with_disclosure(self, org: Organization, *, today: datetime.date | None = None):
        """Annotates `identity_disclosed` and `evidence_disclosed` for `org`: the owner always,
        everyone for a CLEAR report, else when an agreement through which `org` sees the report
        allows it. Apply after `visible_to(org)`."""
        today = today or hub_today()
        return self.annotate(
            identity_disclosed=_Policy(org, today, disclosure="share_reporter_identity"),
            evidence_disclosed=_Policy(org, today, disclosure="share_evidence"),
        )

    def with_audience(
        self,
        agreements_of: dict[Organization, list[int]],
        *,
        today: datetime.date | None = None,
    ):
        """For each organisation X of `agreements_of` (the caller's candidates), annotates
        `sees_<X>` (the policy itself, the very expression `visible_to(X)` filters on),
        `identity_<X>` (as `with_disclosure(X)`), and for each agreement id A listed for X,
        `through_<X>_<A>`: X sees the report under A (rules 3 and 4, narrowed to A). One query
        answers who may see a report and why, in the policy's own words."""
        today = today or hub_today()
        columns = {}
        for org, agreement_ids in agreements_of.items():
            columns[f"sees_{org.pk}"] = _Policy(org, today)
            columns[f"identity_{org.pk}"] = _Policy(
                org, today, disclosure="share_reporter_identity"
            )
            for agreement_id in agreement_ids:
                columns[f"through_{org.pk}_{agreement_id}"] = _Policy(
                    org, today, through=agreement_id
                )
        return self.annotate(**columns)
