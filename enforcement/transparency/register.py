"""The transparency register: the entries of non-confidential orders once issued, and how
a row reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from ..models import (
    OrderTarget,
    TargetKind,
)

REGISTER_PAGE_SIZE = 100
KIND_LABELS: dict[str, str] = {
    TargetKind.DOMAIN: gettext_lazy("Domain"),
    TargetKind.URL: gettext_lazy("URL"),
    TargetKind.IPV4: gettext_lazy("IPv4 address"),
    TargetKind.IPV6: gettext_lazy("IPv6 address"),
    TargetKind.CIDR: gettext_lazy("IP range (CIDR)"),
}
# What a register entry's `state` reads as on the pages (the CSV keeps the English values).
STATE_LABELS: dict[str, str] = {
    "in force": gettext_lazy("in force"),
    "lifted": gettext_lazy("lifted"),
    "expired": gettext_lazy("expired"),
}


# ---------------------------------------------------------------------------- the register


@dataclass(frozen=True)
class RegisterRow:
    """One entry of the register, as the public reads it."""

    kind: str
    value: str
    authority: str
    country: str
    reference: str
    legal_basis: str
    since: datetime  # when the entry took effect: the order's issue, or a later amendment
    ends: datetime  # when the order is due to end
    until_renewed: bool  # the issuer gave no end: the order lapses unless renewed
    ended: datetime | None
    state: str  # "in force", "lifted" or "expired"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)


def register_entries(
    *, include_ended: bool = False, kind: str = "", at: datetime | None = None
) -> QuerySet[OrderTarget]:
    """Entries of non-confidential orders: in force at `at` (now), or every entry that ever
    was in force with `include_ended`. Alphabetical, as a register is read."""
    at = at or timezone.now()
    rows = OrderTarget.objects.filter(order__confidential=False)
    if include_ended:
        rows = rows.filter(
            order__withdrawn_at__isnull=True, order__issued_at__lte=at, added_at__lte=at
        )
    else:
        rows = rows.in_force(at)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.select_related("order__issuer").order_by("value", "kind", "-order__issued_at", "pk")


def register_row(entry: OrderTarget, *, at: datetime) -> RegisterRow:
    order = entry.order
    stops = [(entry.lifted_at, "lifted"), (order.lifted_at, "lifted"), (order.ends_at, "expired")]
    past = [(moment, how) for moment, how in stops if moment is not None and moment <= at]
    ended, state = min(past) if past else (None, "in force")
    return RegisterRow(
        kind=entry.kind,
        value=entry.value,
        authority=order.issuer.name,
        country=order.country.code,
        reference=order.reference,
        legal_basis=order.legal_basis,
        since=max(entry.added_at, order.issued_at),
        ends=order.ends_at,
        until_renewed=order.valid_until is None,
        ended=ended,
        state=state,
    )
