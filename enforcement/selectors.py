"""Reads of blocking orders: every API and portal read starts from `visible_orders(org)`;
an ISP's blocklist is computed from the timestamps of what its orders put in force."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    When,
)
from django.db.models.functions import Collate
from django.utils import timezone
from django.utils.text import Truncator

from kernel.locks import Lock
from members.models import Organization
from reports.models import Report

from .feeds import FeedEntry
from .models import BlockingOrder, Compliance, OrderTarget, UnblockRequest
from .target_answers import with_target_counts

FEED_LOCK = int(Lock.BLOCKLIST_FEED)
# An answer still to come: the ISP has neither implemented nor rejected the order.
OPEN_ANSWERS = (Compliance.State.NOTIFIED, Compliance.State.ACKNOWLEDGED)


def feed_write_moment() -> datetime:
    """For a service about to change what is in force (inside its transaction): takes the
    blocklists' lock until commit and returns the database clock, to stamp the change with.

    Blocklist versions and deltas are computed "as of" a moment; a change stamped before that
    moment but committed after it would be missed by both (a 304 hiding it, a delta without
    it). Readers take the moment under the same lock (`feed_read_moment`), so every change
    stamped at or before it is committed, and every later change is stamped after it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s), clock_timestamp()", [FEED_LOCK])
        return cursor.fetchone()[1]


def feed_read_moment() -> datetime:
    """The moment a blocklist is read "as of" (see `feed_write_moment`); waits for a write in
    progress to commit. One clock, the database's, for writers and readers alike."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s), clock_timestamp()", [FEED_LOCK])
        return cursor.fetchone()[1]


def visible_orders(org: Organization | None, now: datetime | None = None):
    """Orders `org` may see, with what showing them needs (no N+1). The reports an order
    relies on are shown only where the access policy lets `org` see them."""
    if org is None:
        return BlockingOrder.objects.none()
    return (
        BlockingOrder.objects.visible_to(org, now)
        .select_related("issuer")
        .prefetch_related(
            # The issuer sees every ISP's answer; an ISP only its own (ISPs compete). Each
            # with its counts of answers per target, read from that ISP's answers only.
            Prefetch(
                "compliance",
                queryset=with_target_counts(
                    Compliance.objects.filter(Q(order__issuer=org) | Q(isp=org))
                )
                .select_related("isp")
                .order_by("isp__slug"),
            ),
            Prefetch(
                "reports",
                queryset=Report.objects.visible_to(org).only("pk", "title").order_by("pk"),
                to_attr="visible_reports",
            ),
        )
    )


TITLE_LENGTH = 90


def order_title(order: BlockingOrder) -> str:
    """An order has a reference and a legal basis, no title: the basis's first line (the
    resolution it rests on, e.g. "Resolución 0101-2026/CDA-APIN") names it where a list needs
    words beside the reference."""
    first = next((line.strip() for line in order.legal_basis.splitlines() if line.strip()), "")
    return Truncator(first).chars(TITLE_LENGTH)


def waiting_on(org: Organization, now: datetime) -> Exists:
    """The order is live and waits on `org`: on any ISP's answer for its issuer, on its own
    answer for an addressed ISP (once issued). Not for anyone else."""
    still_live = Q(withdrawn_at__isnull=True, ends_at__gt=now) & (
        Q(lifted_at__isnull=True) | Q(lifted_at__gt=now)
    )
    open_answer = Compliance.objects.filter(order=OuterRef("pk"), state__in=OPEN_ANSWERS)
    return still_live & (
        (Q(issuer=org) & Exists(open_answer))
        | (Q(issued_at__lte=now) & Exists(open_answer.filter(isp=org)))
    )


def by_deadline(orders, org: Organization, now: datetime):
    """Deadlines first: the orders that wait on `org` (`waiting_on`) soonest due first, the
    most overdue at the top; then the others, the latest deadline first (the soonest of long
    settled orders would only bury the recent ones)."""
    return orders.annotate(
        waiting=ExpressionWrapper(waiting_on(org, now), output_field=BooleanField())
    ).order_by(
        F("waiting").desc(),
        Case(When(waiting=True, then=F("deadline"))).asc(nulls_last=True),
        F("deadline").desc(),
        F("id").desc(),
    )


def unblock_queue_size(org: Organization | None) -> tuple[int, int]:
    """(every unblock review of `org`, the open ones), in one query, through
    `unblock.reviews_for` (the reviews of the orders it issued): the menu shows the queue to an
    issuer that has ever had a request, with the count of those waiting for its answer."""
    from .unblock import reviews_for  # unblock imports the services, which import this module

    counts = reviews_for(org).aggregate(
        total=Count("pk"), open=Count("pk", filter=Q(status=UnblockRequest.Status.OPEN))
    )
    return counts["total"], counts["open"]


def order_targets(order: BlockingOrder):
    return order.targets.order_by("kind", "value", "added_at")


# ---------------------------------------------------------------------------- the blocklist


def blocklist_entries(
    isp: Organization, *, at: datetime | None = None, kinds: set[str] | None = None
) -> list[FeedEntry]:
    """The union of every target in force for `isp` at `at` (now by default), one entry per
    value with the references of the orders that require it, merged and sorted by the
    database (byte order, as the renderers sort, so they need not sort again)."""
    rows = OrderTarget.objects.in_force(at or timezone.now()).for_isp(isp)
    if kinds:
        rows = rows.filter(kind__in=kinds)
    grouped = (
        rows.values("kind", "value")
        .annotate(refs=ArrayAgg("order__reference", distinct=True, order_by="order__reference"))
        .order_by(Collate("value", "C"), "kind")
        .values_list("kind", "value", "refs")
    )
    return [FeedEntry(kind, value, tuple(refs)) for kind, value, refs in grouped]


def blocklist_delta(
    isp: Organization, *, since: datetime, at: datetime, kinds: set[str] | None = None
) -> tuple[list[FeedEntry], list[FeedEntry]]:
    """(added, removed) between `since` and `at`: both states are rebuilt from timestamps."""
    before = {(e.kind, e.value): e for e in blocklist_entries(isp, at=since, kinds=kinds)}
    after = {(e.kind, e.value): e for e in blocklist_entries(isp, at=at, kinds=kinds)}
    added = [after[k] for k in sorted(after.keys() - before.keys())]
    removed = [before[k] for k in sorted(before.keys() - after.keys())]
    return added, removed


EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def blocklist_version(isp: Organization, *, now: datetime | None = None) -> datetime:
    """When the ISP's blocklist last changed, read from its orders alone (cheap: one small
    query, whatever the number of entries). Every change to the list is a timestamp the
    services write or a moment the order names (issue after grace, end): the latest of them
    that has passed is the version. ETag and Last-Modified are derived from it, so a 304
    needs no entry to be read."""
    now = now or timezone.now()
    orders = (
        BlockingOrder.objects.addressed_to(isp)
        .filter(withdrawn_at__isnull=True, issued_at__lte=now)
        .values_list("issued_at", "changed_at", "lifted_at", "ends_at")
    )
    latest = EPOCH
    for stamps in orders:
        for stamp in stamps:
            if stamp is not None and latest < stamp <= now:
                latest = stamp
    return latest


def blocklist_etag(isp: Organization, version: datetime, variant: str) -> str:
    digest = hashlib.sha256(f"{isp.pk}|{version.isoformat()}|{variant}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def zone_origin(isp: Organization) -> str:
    """`<slug>.<BLOCKLIST_RPZ_ORIGIN>`; a slug is a valid DNS label once stripped of what a
    slug allows and a label does not (underscores, a leading or trailing hyphen)."""
    label = re.sub(r"[^a-z0-9-]", "-", isp.slug.lower()).strip("-")[:63] or f"isp-{isp.pk}"
    return f"{label}.{settings.BLOCKLIST_RPZ_ORIGIN}"
