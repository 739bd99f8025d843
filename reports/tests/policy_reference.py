"""An independent reference model of the access policy, written from the coalition's
specification alone (docs/contract.md restates its rules).

It is deliberately plain Python over plain data (no ORM, no SQL) so that the property tests in
`test_policy_property.py` can compare `Report.objects.visible_to(org)` with something that
shares none of its code. Each function quotes the sentence of the specification it implements.

The specification, "The access policy (the heart)":

    Organisation X may see report R if and only if one of these holds:
    1. X is R's owner (the reporting organisation);
    2. R is `tlp:clear` and X is an active member;
    3. R is `tlp:red`: X is named in R's `recipients`, and X and R's owner are both parties
       of an agreement that is active now and covers R's category and jurisdictions;
    4. R is `green`, `amber` or `amber+strict`, R's sharing is not `private`, and some
       agreement A is active now, has X and R's owner among its parties, covers R's category,
       covers R's jurisdictions, and has `max_tlp` >= R's tlp; where R names `agreements` to
       share under, A must be one of them.

    "Covers R's jurisdictions": A covers all jurisdictions, or R's jurisdictions intersect A's.
    A report with no jurisdictions (global) is covered only by agreements that cover all.
    Identity and evidence are shown to X when at least one agreement through which X sees R
    allows them (the owner always sees them); a `clear` report shows them to every member.

The team's reading of the words the SPEC leaves open:
- "active member": the organisation is not suspended (only rule 2 asks for it);
- "active now": status `active`, `effective_from` <= today, and no `expires_on` or
  today <= `expires_on`;
- rule 3 checks neither `max_tlp`, nor `restricted_to`, nor sharing;
- an empty `categories` / `jurisdictions` on an agreement means "all";
- "an agreement through which X sees R" is one meeting the agreement conditions of rule 3
  (red) or rule 4 (green, amber, amber+strict), as applies to R's tlp.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

# TLP ranks, as stored (kernel.vocabulary.TLP); restated here so the model stands on its own.
CLEAR, GREEN, AMBER, AMBER_STRICT, RED = 0, 1, 2, 3, 4
SHARED_UNDER_AGREEMENTS = (GREEN, AMBER, AMBER_STRICT)

ACTIVE = "active"
PRIVATE = "private"


@dataclass
class OrgSpec:
    id: int
    suspended: bool = False


@dataclass
class AgreementSpec:
    id: int
    parties: set[int]
    categories: frozenset[str] = frozenset()  # empty = all categories
    jurisdictions: frozenset[str] = frozenset()  # empty = all jurisdictions
    max_tlp: int = GREEN
    share_identity: bool = False
    share_evidence: bool = False
    status: str = ACTIVE
    effective_from: datetime.date = datetime.date(2000, 1, 1)
    expires_on: datetime.date | None = None


@dataclass
class ReportSpec:
    id: int
    owner: int
    category: str
    tlp: int
    jurisdictions: frozenset[str] = frozenset()  # empty = global
    sharing: str = "agreements"  # or "private"
    recipients: set[int] = field(default_factory=set)
    restricted_to: set[int] = field(default_factory=set)  # agreement ids


# --- the words of the SPEC -------------------------------------------------------------------


def is_active_member(org: OrgSpec) -> bool:
    return not org.suspended


def is_active_now(agreement: AgreementSpec, today: datetime.date) -> bool:
    return (
        agreement.status == ACTIVE
        and agreement.effective_from <= today
        and (agreement.expires_on is None or today <= agreement.expires_on)
    )


def covers_category(agreement: AgreementSpec, report: ReportSpec) -> bool:
    return not agreement.categories or report.category in agreement.categories


def covers_jurisdictions(agreement: AgreementSpec, report: ReportSpec) -> bool:
    """A covers all jurisdictions, or R's jurisdictions intersect A's; a global R (no
    jurisdictions) is covered only by agreements that cover all."""
    if not agreement.jurisdictions:
        return True
    return bool(report.jurisdictions & agreement.jurisdictions)


def _joins(agreement: AgreementSpec, org: OrgSpec, report: ReportSpec) -> bool:
    return org.id in agreement.parties and report.owner in agreement.parties


def red_agreement_qualifies(
    org: OrgSpec, report: ReportSpec, agreement: AgreementSpec, today: datetime.date
) -> bool:
    """Rule 3's agreement: X and R's owner both parties, active now, covers category and
    jurisdictions."""
    return (
        _joins(agreement, org, report)
        and is_active_now(agreement, today)
        and covers_category(agreement, report)
        and covers_jurisdictions(agreement, report)
    )


def shared_agreement_qualifies(
    org: OrgSpec, report: ReportSpec, agreement: AgreementSpec, today: datetime.date
) -> bool:
    """Rule 4's agreement A: active now, X and R's owner among its parties, covers R's category
    and jurisdictions, max_tlp >= R's tlp, and one of R's named agreements if R names any."""
    return (
        is_active_now(agreement, today)
        and _joins(agreement, org, report)
        and covers_category(agreement, report)
        and covers_jurisdictions(agreement, report)
        and agreement.max_tlp >= report.tlp
        and (not report.restricted_to or agreement.id in report.restricted_to)
    )


def agreements_through_which(
    org: OrgSpec,
    report: ReportSpec,
    agreements: Iterable[AgreementSpec],
    today: datetime.date,
) -> list[AgreementSpec]:
    """The agreements through which X sees R under rule 3 (red) or rule 4 (green to
    amber+strict). Empty for clear reports and for reports rule 3/4 does not open to X."""
    if report.tlp == RED:
        if org.id not in report.recipients:
            return []
        return [a for a in agreements if red_agreement_qualifies(org, report, a, today)]
    if report.tlp in SHARED_UNDER_AGREEMENTS:
        if report.sharing == PRIVATE:
            return []
        return [a for a in agreements if shared_agreement_qualifies(org, report, a, today)]
    return []


def visible(
    org: OrgSpec,
    report: ReportSpec,
    agreements: Iterable[AgreementSpec],
    today: datetime.date,
) -> bool:
    agreements = list(agreements)
    # 1. X is R's owner.
    if report.owner == org.id:
        return True
    # 2. R is tlp:clear and X is an active member.
    if report.tlp == CLEAR:
        return is_active_member(org)
    # 3. and 4.: through at least one agreement.
    return bool(agreements_through_which(org, report, agreements, today))


def _disclosed(
    flag: str,
    org: OrgSpec,
    report: ReportSpec,
    agreements: Iterable[AgreementSpec],
    today: datetime.date,
) -> bool:
    """Meaningful only when `visible(org, report, ...)` holds."""
    if report.owner == org.id:
        return True  # the owner always sees them
    if report.tlp == CLEAR:
        return True  # a clear report shows them to every member
    return any(getattr(a, flag) for a in agreements_through_which(org, report, agreements, today))


def identity_disclosed(
    org: OrgSpec,
    report: ReportSpec,
    agreements: Iterable[AgreementSpec],
    today: datetime.date,
) -> bool:
    return _disclosed("share_identity", org, report, agreements, today)


def evidence_disclosed(
    org: OrgSpec,
    report: ReportSpec,
    agreements: Iterable[AgreementSpec],
    today: datetime.date,
) -> bool:
    return _disclosed("share_evidence", org, report, agreements, today)
