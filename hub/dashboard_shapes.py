"""What the dashboard (`hub.dashboard`) gives the charts and the template: its plain
dataclasses, and the countdown words ("ends in 2 h 5 min"); re-exported by `hub.dashboard`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext, ngettext

from enforcement.views import Countdown as Clock
from members.models import Organization


@dataclass(frozen=True)
class Countdown:
    at: datetime.datetime
    text: str
    late: bool = False


@dataclass(frozen=True)
class ReportRow:
    pk: int
    title: str
    category: str
    tlp_label: str
    status: str
    status_label: str
    created_at: datetime.datetime
    ours: bool
    reporter: str | None  # None where the agreements withhold the reporter's identity


@dataclass(frozen=True)
class LiveReport:
    report: ReportRow
    live_from: datetime.datetime | None
    live_until: datetime.datetime | None
    started: bool
    countdown: Countdown | None  # to the end, or to the start when it has not begun


@dataclass(frozen=True)
class TargetRow:
    uid: str  # the public id (never the internal key)
    kind: str
    value: str
    report_count: int
    reporter_count: int
    reported_by_us: bool


@dataclass(frozen=True)
class AgreementRow:
    pk: int
    title: str
    expires_on: datetime.date
    days_left: int
    other_parties: list[str]


@dataclass(frozen=True)
class OrderRow:
    pk: int
    reference: str
    issuer: str
    issued_by_us: bool
    deadline: datetime.datetime
    countdown: Countdown
    # The issuer waits on every addressed ISP; an ISP on its own answer.
    open_answers: int
    answers: int
    our_state: str | None
    our_state_label: str | None
    title: str = ""  # enforcement.selectors.order_title


@dataclass(frozen=True)
class DueSoon:
    """An order due soon (or overdue) that the ISP has not implemented yet: the banner."""

    pk: int
    reference: str
    title: str
    issuer: str
    deadline: datetime.datetime
    clock: Clock  # live: site.js keeps it ticking


@dataclass(frozen=True)
class UnblockRow:
    """An unblock request waiting for the issuer's answer, with its clock (7 days by default,
    settings.UNBLOCK_ANSWER_DAYS)."""

    pk: int  # the review's
    value: str
    order_reference: str
    confidential: bool
    received_at: datetime.datetime
    answer_due: datetime.datetime
    clock: Clock


@dataclass(frozen=True)
class SignatureRow:
    """An agreement proposed to the organisation that it has not signed yet."""

    pk: int
    title: str
    proposed_by: str | None
    created_at: datetime.datetime
    other_parties: list[str]


@dataclass(frozen=True)
class WeeklyCategories:
    """Reports the organisation may see, per week of creation and category."""

    weeks: list[datetime.date]  # Mondays, oldest first
    categories: list[tuple[str, str]]  # (value, label) of the categories with any report
    counts: dict[tuple[datetime.date, str], int]

    def count(self, week: datetime.date, category: str) -> int:
        return self.counts.get((week, category), 0)

    def week_total(self, week: datetime.date) -> int:
        return sum(n for (w, _c), n in self.counts.items() if w == week)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class ActionWeek:
    """Reports first acted on (a blocking order citing them was issued) in one week."""

    week: datetime.date
    reports: int
    median_seconds: float | None


@dataclass(frozen=True)
class ClusterBar:
    key: str  # the public id of its first target (reports.selectors.ReaderCluster.key)
    label: str  # the value of its most-reported target the organisation may see
    targets: int  # how many of its targets the organisation may see


@dataclass
class Dashboard:
    org: Organization
    now: datetime.datetime
    since: datetime.datetime
    first_visit: bool
    new_reports: list[ReportRow]
    new_count: int
    unread: int
    live: list[LiveReport]
    mine: list[ReportRow]
    my_status_counts: list[tuple[str, str, int]]  # (status, label, count)
    corroborated: list[TargetRow]
    expiring: list[AgreementRow]
    shows_orders: bool
    orders: list[OrderRow]
    more_orders: bool
    weekly: WeeklyCategories
    actions: list[ActionWeek]
    clusters: list[ClusterBar]
    # What waits on the reader (hub.dashboard_actions): orders due soon (an ISP's), unblock
    # requests to answer (an issuer's), agreements to sign.
    due_soon: list[DueSoon] = field(default_factory=list)
    shows_unblock: bool = False
    unblock: list[UnblockRow] = field(default_factory=list)
    unblock_open: int = 0
    unblock_total: int = 0  # answered ones included
    awaiting_signature: list[SignatureRow] = field(default_factory=list)


# ---------------------------------------------------------------------------- words


def duration_text(seconds: float) -> str:
    """How long, in the words of a countdown: "34 min", "2 h 5 min", "3 days"."""
    s = max(0, int(seconds))
    if s < 60:
        return gettext("under a minute")
    if s < 90 * 60:
        return gettext("%(minutes)d min") % {"minutes": s // 60}
    if s < 48 * 3600:
        hours, minutes = divmod(s // 60, 60)
        if minutes:
            return gettext("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
        return gettext("%(hours)d h") % {"hours": hours}
    days = s // 86400
    return ngettext("%(days)d day", "%(days)d days", days) % {"days": days}


def _ends(until: datetime.datetime, now: datetime.datetime) -> Countdown:
    left = duration_text((until - now).total_seconds())
    return Countdown(at=until, text=gettext("ends in %(duration)s") % {"duration": left})


def _starts(start: datetime.datetime, now: datetime.datetime) -> Countdown:
    left = duration_text((start - now).total_seconds())
    return Countdown(at=start, text=gettext("starts in %(duration)s") % {"duration": left})


def _due(deadline: datetime.datetime, now: datetime.datetime) -> Countdown:
    seconds = (deadline - now).total_seconds()
    if seconds < 0:
        text = gettext("overdue by %(duration)s") % {"duration": duration_text(-seconds)}
        return Countdown(at=deadline, text=text, late=True)
    return Countdown(
        at=deadline, text=gettext("due in %(duration)s") % {"duration": duration_text(seconds)}
    )
