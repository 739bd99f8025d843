"""Who may see a report and why (the owner's "visible to" panel), and what no agreement covers
(the submit form's warnings).

Who sees a report is asked of the access policy itself (`ReportQuerySet.with_audience`: the
very expression `visible_to(X)` filters on, one column per candidate), never re-derived from
the rules here; this module only chooses the candidates (a superset: the owner's co-parties in
agreements in force) and names the agreements. Coverage is about agreements alone (the
contract's "covers R's category / jurisdictions"), for a report not written yet.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch

from kernel.vocabulary import TLP
from kernel.zones import hub_today
from members.models import Agreement, AgreementParty, Organization

from .models import Report


@dataclass(frozen=True)
class CoverageMap:
    """What the organisation's agreements in force cover: None means all."""

    categories: frozenset[str] | None
    jurisdictions: frozenset[str] | None

    def gaps(self, *, category: str, jurisdictions: list[str]) -> Coverage:
        category_gap = bool(category) and (
            self.categories is not None and category not in self.categories
        )
        if not jurisdictions:
            # A global report is covered only by an agreement covering every jurisdiction.
            return Coverage(category_gap, [], [], global_gap=self.jurisdictions is not None)
        if self.jurisdictions is None:
            return Coverage(category_gap, [], list(jurisdictions), global_gap=False)
        uncovered = [j for j in jurisdictions if j not in self.jurisdictions]
        covered = [j for j in jurisdictions if j in self.jurisdictions]
        return Coverage(category_gap, uncovered, covered, global_gap=False)

    def as_json(self) -> dict:
        """For the form's live warnings (site.js): the same map, lists sorted."""
        return {
            "categories": None if self.categories is None else sorted(self.categories),
            "jurisdictions": None if self.jurisdictions is None else sorted(self.jurisdictions),
        }


@dataclass(frozen=True)
class Coverage:
    """What of a report's choices no agreement in force covers."""

    category: bool  # its category
    uncovered: list[str]  # its jurisdictions that none covers
    covered: list[str]  # its jurisdictions that some agreement covers
    global_gap: bool  # a global report, and no agreement covers every jurisdiction

    @property
    def reaches_no_one(self) -> bool:
        """Nobody but the owner can see it through an agreement."""
        return self.category or self.global_gap or (bool(self.uncovered) and not self.covered)

    @property
    def any(self) -> bool:
        return self.category or self.global_gap or bool(self.uncovered)


def coverage_map(org: Organization, *, today: datetime.date | None = None) -> CoverageMap:
    """The categories and jurisdictions `org`'s agreements in force cover (one query)."""
    rows = list(
        Agreement.objects.of_party(org).in_force(today).values_list("categories", "jurisdictions")
    )
    categories: set[str] | None = set()
    jurisdictions: set[str] | None = set()
    for cats, codes in rows:
        if categories is not None:
            categories = None if not cats else categories | set(cats)
        if jurisdictions is not None:
            jurisdictions = None if not codes else jurisdictions | set(codes)
    return CoverageMap(
        None if categories is None else frozenset(categories),
        None if jurisdictions is None else frozenset(jurisdictions),
    )


@dataclass(frozen=True)
class Reader:
    """An organisation that may see the report, and under what."""

    organization: Organization
    agreements: list[Agreement]  # under which it sees the report (rules 3 and 4)
    recipient: bool  # named on the TLP:RED recipient list
    identity_disclosed: bool


@dataclass(frozen=True)
class Audience:
    everyone: bool  # TLP:CLEAR: every active member, the owner named to all
    private: bool  # shared with no one
    readers: list[Reader]
    coverage: Coverage
    # TLP:RED: named recipients the policy does not let see it (no agreement in force covers it).
    unreached_recipients: list[str] = field(default_factory=list)


def report_audience(report: Report, *, today: datetime.date | None = None) -> Audience:
    """Every organisation that may see `report` now, as the policy answers for each: through
    which agreements (for TLP:RED, as a named recipient too) and whether the owner is named to
    it. Three queries whatever the number of agreements and parties."""
    today = today or hub_today()
    owner = report.owner
    coverage = coverage_map(owner, today=today).gaps(
        category=report.category, jurisdictions=list(report.jurisdictions)
    )
    if report.tlp == TLP.CLEAR:
        return Audience(everyone=True, private=False, readers=[], coverage=coverage)
    agreements = list(
        Agreement.objects.of_party(owner)
        .in_force(today)
        .prefetch_related(
            Prefetch(
                "party_links",
                queryset=AgreementParty.objects.select_related("organization"),
            )
        )
        .order_by("title", "pk")
    )
    # Candidates: every co-party of an agreement in force (rules 3 and 4 need one); the policy
    # then answers for each, and for each of its agreements with the owner.
    candidates: dict[int, Organization] = {}
    shared: dict[int, list[Agreement]] = {}
    for agreement in agreements:
        for link in agreement.party_links.all():
            other = link.organization
            if other.pk == owner.pk:
                continue
            candidates.setdefault(other.pk, other)
            shared.setdefault(other.pk, []).append(agreement)
    readers: list[Reader] = []
    recipients = {o.pk: o for o in report.recipients.all()} if report.tlp == TLP.RED else {}
    if candidates:
        asked = {candidates[pk]: [a.pk for a in shared[pk]] for pk in candidates}
        policy = Report.objects.filter(pk=report.pk).with_audience(asked, today=today)
        answer = policy.values(*policy.query.annotations).get()
        for pk, org in candidates.items():
            if not answer[f"sees_{pk}"]:
                continue
            readers.append(
                Reader(
                    organization=org,
                    agreements=[a for a in shared[pk] if answer[f"through_{pk}_{a.pk}"]],
                    recipient=pk in recipients,
                    identity_disclosed=answer[f"identity_{pk}"],
                )
            )
    readers.sort(key=lambda r: (r.organization.name.lower(), r.organization.slug))
    seen = {r.organization.pk for r in readers}
    return Audience(
        everyone=False,
        private=report.sharing == Report.Sharing.PRIVATE,
        readers=readers,
        coverage=coverage,
        unreached_recipients=sorted(o.name for pk, o in recipients.items() if pk not in seen),
    )
