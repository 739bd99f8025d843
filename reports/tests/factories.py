"""Helpers to build agreements and reports through the real services."""

from __future__ import annotations

from kernel.vocabulary import TLP
from members import services as member_services
from members.models import Agreement, Organization
from members.services import Actor
from reports import services
from reports.indicators import normalise
from reports.models import Report


def agreement_between(
    *orgs: Organization,
    categories=(),
    jurisdictions=(),
    max_tlp=TLP.AMBER,
    share_reporter_identity=True,
    share_evidence=False,
    active=True,
    **kwargs,
) -> Agreement:
    agreement = member_services.agreement_propose(
        actor=Actor.system(),
        title=" & ".join(o.slug for o in orgs),
        parties=list(orgs),
        categories=list(categories),
        jurisdictions=list(jurisdictions),
        max_tlp=max_tlp,
        share_reporter_identity=share_reporter_identity,
        share_evidence=share_evidence,
        **kwargs,
    )
    if active:
        for org in orgs:
            member_services.agreement_sign(actor=_as(org), agreement=agreement)
        agreement.refresh_from_db()
    return agreement


def _as(org: Organization) -> Actor:
    """An actor acting for `org` (its admin, created on the fly)."""
    from members.tests.factories import UserFactory

    admin = org.users.filter(role="admin").first() or UserFactory(organization=org, role="admin")
    return Actor(user=admin)


def report_by(
    owner: Organization,
    *,
    tlp=TLP.AMBER,
    category="live_sports",
    jurisdictions=("PE",),
    indicators=(("domain", "pirate.example"),),
    sharing=Report.Sharing.AGREEMENTS,
    recipients=(),
    restricted_to=(),
    title="A restream",
    **kwargs,
) -> Report:
    return services.report_submit(
        actor=_as(owner),
        data=services.ReportInput(
            category=category,
            title=title,
            tlp=tlp,
            jurisdictions=list(jurisdictions),
            indicators=[services.IndicatorInput(k, v, normalise(k, v)) for k, v in indicators],
            sharing=sharing,
            recipients=list(recipients),
            restricted_to=list(restricted_to),
            **kwargs,
        ),
    )
