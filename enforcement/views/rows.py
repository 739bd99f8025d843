"""How an order is shown on a page: its countdown (the same words as the page's script),
the status board's rows, and the safeguards' records in the page's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import translation
from django.utils.translation import gettext as _

from members.models import Organization

from .. import services
from ..forms import (
    RejectForm,
)
from ..models import BlockingOrder, Compliance, OrderTarget
from .common import LIVE_STATUSES, OPEN_STATES

# ---------------------------------------------------------------------------- countdowns


def countdown_words() -> dict[str, str]:
    """The countdown's words in the active language, as patterns with %(name)s placeholders:
    countdown_text fills them in here, and the page's script (_countdown_script.html, which
    receives this dict) fills in the same placeholders each second, so the two stay in step."""
    return {
        # Translators: a countdown's amount of seconds, e.g. "40 s".
        "seconds": _("%(seconds)s s"),
        # Translators: a countdown's amount of minutes, e.g. "12 min".
        "minutes": _("%(minutes)s min"),
        # Translators: a countdown's amount of whole hours, e.g. "3 h".
        "hours": _("%(hours)s h"),
        # Translators: a countdown's amount of hours and minutes, e.g. "2 h 5 min".
        "hours_minutes": _("%(hours)s h %(minutes)s min"),
        # Translators: a countdown's amount of days, always 2 or more, e.g. "3 days".
        "days": _("%(days)s days"),
        # Translators: a deadline still ahead; %(amount)s is e.g. "12 min" or "2 h 5 min".
        "left": _("%(amount)s left"),
        # Translators: a deadline passed; %(amount)s is e.g. "3 min" or "2 days".
        "overdue": _("overdue by %(amount)s"),
    }


def _seconds_to(deadline: datetime, now: datetime) -> int:
    return int((deadline - now).total_seconds())


def countdown_text(deadline: datetime, now: datetime) -> str:
    """The words of a countdown, "12 min left" or "overdue by 3 min": the same words the page's
    script writes each second from `countdown_words()` (keep the two in step)."""
    words = countdown_words()
    seconds = _seconds_to(deadline, now)
    late, s = seconds < 0, abs(seconds)
    if s < 60:
        amount = words["seconds"] % {"seconds": s}
    elif s < 90 * 60:
        amount = words["minutes"] % {"minutes": s // 60}
    elif s < 48 * 3600:
        hours, minutes = divmod(s // 60, 60)
        pattern = words["hours_minutes"] if minutes else words["hours"]
        amount = pattern % {"hours": hours, "minutes": minutes}
    else:
        amount = words["days"] % {"days": s // 86400}
    return words["overdue" if late else "left"] % {"amount": amount}


@dataclass(frozen=True)
class Countdown:
    iso: str  # UTC, whole seconds: what every browser's Date.parse reads
    text: str
    overdue: bool


def countdown(deadline: datetime, now: datetime) -> Countdown:
    """A live clock to `deadline` (enforcement/orders/_countdown.html draws it; the dashboard
    uses it for its due-soon orders and unblock requests)."""
    iso = deadline.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    overdue = _seconds_to(deadline, now) < 0
    return Countdown(iso=iso, text=countdown_text(deadline, now), overdue=overdue)


# ---------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class Answer:
    """One ISP's answer, as the status board shows it."""

    row: Compliance
    open: bool  # still to implement or reject
    overdue: bool


@dataclass
class OrderView:
    order: BlockingOrder
    status: str
    status_label: str
    issued_by_us: bool
    answers: list[Answer]
    mine: Answer | None
    countdown: Countdown | None
    implemented: int
    rejected: int
    overdue: int
    reject_form: RejectForm | None = None

    @property
    def may_answer(self) -> bool:
        return self.mine is not None and self.status == BlockingOrder.Status.IN_FORCE


def _order_view(order: BlockingOrder, org: Organization, now: datetime) -> OrderView:
    """What a page shows of an order, from the rows `visible_orders` prefetched (no query)."""
    status = order.status_at(now)
    live = status in LIVE_STATUSES
    answers = []
    for row in order.compliance.all():
        is_open = row.state in OPEN_STATES
        # Overdue now, not only once the sweep has flagged it: the page counts down live.
        overdue = live and is_open and now > order.deadline
        answers.append(Answer(row=row, open=is_open, overdue=overdue))
    mine = next((a for a in answers if a.row.isp_id == org.pk), None)
    issued_by_us = order.issuer_id == org.pk
    # The issuer waits on any ISP; an ISP on its own answer.
    waiting = any(a.open for a in answers) if issued_by_us else bool(mine and mine.open)
    return OrderView(
        order=order,
        status=status,
        status_label=BlockingOrder.Status(status).label,
        issued_by_us=issued_by_us,
        answers=answers,
        mine=mine,
        countdown=countdown(order.deadline, now) if live and waiting else None,
        implemented=sum(a.row.state == Compliance.State.IMPLEMENTED for a in answers),
        rejected=sum(a.row.state == Compliance.State.REJECTED for a in answers),
        overdue=sum(a.overdue for a in answers),
    )


def _safeguards_in_page_language(targets: list[OrderTarget], issuer: Organization) -> None:
    """What a target records of the safeguards (its protected-list match, its warnings) is
    English, as the API returns it. The page shows each in its own language wherever the
    safeguards still word it the same today; a record they would now word otherwise (the
    protected list or the reports changed since) is shown as recorded."""
    recorded = [t for t in targets if t.protected_match or t.warnings]
    if not recorded:
        return
    check = services.check_targets(
        [services.TargetInput(t.kind, t.value) for t in recorded], issuer
    )
    reasons = {(h.kind, h.value): h.reason for h in check.protected}
    with translation.override("en"):
        english_reasons = {key: str(reason)[:300] for key, reason in reasons.items()}
        english_warnings = {key: {str(w): w for w in ws} for key, ws in check.warnings.items()}
    for t in recorded:
        key = (t.kind, t.value)
        if t.protected_match and english_reasons.get(key) == t.protected_match:
            t.protected_match = reasons[key]
        known = english_warnings.get(key, {})
        t.warnings = [known.get(w, w) for w in t.warnings]


def _reject_form(order: BlockingOrder) -> RejectForm:
    return RejectForm(prefix="reject", auto_id=f"id_reject_{order.pk}_%s")
