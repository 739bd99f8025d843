"""The access policy (SPEC.md, "The access policy"): one queryset method, one SQL query.

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
"""

from __future__ import annotations

import datetime

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import BooleanField, Exists, ExpressionWrapper, Func, OuterRef, Q

from hub.vocabulary import TLP
from members.models import Agreement, AgreementParty, Organization

SHARED_UNDER_AGREEMENTS = (TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT)


class _ArrayOf(Func):
    """ARRAY[expr]: lets `categories @> ARRAY[report.category]` use the outer report's column."""

    template = "ARRAY[%(expressions)s]::varchar(20)[]"
    output_field = ArrayField(models.CharField(max_length=20))


def _agreements_covering(org: Organization, today: datetime.date | None):
    """Agreements in force with `org` and the outer report's owner as parties, covering the
    outer report's category and jurisdictions (a global report: only agreements covering all)."""
    return (
        Agreement.objects.in_force(today)
        .filter(Exists(AgreementParty.objects.filter(agreement=OuterRef("pk"), organization=org)))
        .filter(
            Exists(
                AgreementParty.objects.filter(
                    agreement=OuterRef("pk"), organization=OuterRef(OuterRef("owner"))
                )
            )
        )
        .filter(Q(categories=[]) | Q(categories__contains=_ArrayOf(OuterRef("category"))))
        .filter(Q(jurisdictions=[]) | Q(jurisdictions__overlap=OuterRef("jurisdictions")))
    )


def _agreements_sharing(org: Organization, today: datetime.date | None):
    """Rule 4's agreements: covering, max_tlp high enough, and allowed by the report's
    restriction to named agreements, if it has one."""
    from .models import Report

    restriction = Report.restricted_to.through.objects
    return (
        _agreements_covering(org, today)
        .filter(max_tlp__gte=OuterRef("tlp"))
        .filter(
            ~Exists(restriction.filter(report=OuterRef(OuterRef("pk"))))
            | Exists(restriction.filter(report=OuterRef(OuterRef("pk")), agreement=OuterRef("pk")))
        )
    )


def _is_recipient(org: Organization) -> Exists:
    from .models import Report

    return Exists(Report.recipients.through.objects.filter(report=OuterRef("pk"), organization=org))


def _through_agreements(org: Organization, today: datetime.date | None, **agreement_filter) -> Q:
    """X sees R through some agreement (rules 3 and 4), optionally one with `agreement_filter`."""
    red = (
        Q(tlp=TLP.RED)
        & _is_recipient(org)
        & Exists(_agreements_covering(org, today).filter(**agreement_filter))
    )
    shared = (
        Q(tlp__in=SHARED_UNDER_AGREEMENTS)
        & ~Q(sharing="private")
        & Exists(_agreements_sharing(org, today).filter(**agreement_filter))
    )
    return red | shared


def visibility_q(org: Organization, *, today: datetime.date | None = None) -> Q:
    """The access policy as a filter on reports, for organisation `org`."""
    rules = Q(owner=org) | _through_agreements(org, today)
    if not org.is_suspended:
        rules |= Q(tlp=TLP.CLEAR)
    return rules


class ReportQuerySet(models.QuerySet):
    def visible_to(self, org: Organization, *, today: datetime.date | None = None):
        """Reports `org` may see. The only way any read path obtains reports."""
        return self.filter(visibility_q(org, today=today))

    def with_disclosure(self, org: Organization, *, today: datetime.date | None = None):
        """Annotates `identity_disclosed` and `evidence_disclosed` for `org`: the owner always,
        everyone for a CLEAR report, else when an agreement through which `org` sees the report
        allows it. Apply after `visible_to(org)`."""
        base = Q(owner=org) | Q(tlp=TLP.CLEAR)
        return self.annotate(
            identity_disclosed=ExpressionWrapper(
                base | _through_agreements(org, today, share_reporter_identity=True),
                output_field=BooleanField(),
            ),
            evidence_disclosed=ExpressionWrapper(
                base | _through_agreements(org, today, share_evidence=True),
                output_field=BooleanField(),
            ),
        )
