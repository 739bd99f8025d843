"""The portal's one search box: reports, targets, agreements and blocking orders the person's
organisation may see, found by title, description, domain or URL fragment, or reference.

Every part starts from the same reads as the rest of the portal (the access policy for
reports and targets, `of_party` for agreements, `visible_orders` for orders); the search only
narrows them. Titles and descriptions use PostgreSQL full-text search ("simple" configuration:
names of pirate services are not words of any one language); fragments of domains and URLs
use a trigram index on target values (hub migration 0004).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Exists, OuterRef, Q

from enforcement.selectors import visible_orders
from members.models import Agreement, Organization
from reports.models import Indicator, Report, Target

LIMIT = 20
MIN_LENGTH = 2


@dataclass
class Results:
    query: str
    reports: list = field(default_factory=list)
    targets: list = field(default_factory=list)
    agreements: list = field(default_factory=list)
    orders: list = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.reports or self.targets or self.agreements or self.orders)


def search(org: Organization, query: str) -> Results:
    query = " ".join(query.split())[:200]
    results = Results(query=query)
    if len(query) < MIN_LENGTH:
        return results
    fragment = query.lower()
    visible = Report.objects.visible_to(org)
    targets = Target.objects.filter(value__contains=fragment).filter(
        Exists(Indicator.objects.filter(target=OuterRef("pk"), report__in=visible))
    )
    words = SearchQuery(query, config="simple", search_type="websearch")
    results.reports = list(
        visible.alias(document=SearchVector("title", "description", config="simple"))
        .filter(
            Q(document=words)
            | Exists(Indicator.objects.filter(report=OuterRef("pk"), target__in=targets))
        )
        .select_related("owner")
        .order_by("-created_at")[:LIMIT]
    )
    results.targets = list(targets.order_by("kind", "value")[:LIMIT])
    results.agreements = list(
        Agreement.objects.of_party(org).filter(title__icontains=query).order_by("-id")[:LIMIT]
    )
    results.orders = list(
        visible_orders(org)
        .filter(Q(reference__icontains=query) | Q(targets__value__contains=fragment))
        .distinct()
        .order_by("-issued_at")[:LIMIT]
    )
    return results
