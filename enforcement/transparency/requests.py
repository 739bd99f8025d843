"""What the requester of an unblock request may read of it: its reference, the link that opens
its status page, and that status (docs/contract.md, "Unblock requests: what the requester
learns").

The reference is random (`UR-7K3M-9QXD`: 40 bits of Crockford base 32), so that it tells
nothing of how many requests there are and cannot be counted through; the status page needs
the reference *and* a token, an HMAC of it under the hub's secret key (`django.core.signing`,
constant-time checked, the fallback keys honoured), so nothing secret is stored and no link
can be guessed. The status reads only reviews of orders in the register: a confidential
order's review, open or answered, never shows, so the page of a name only a confidential order
covers is the page of a name no order covers.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from ..models import BlockingOrder, OrderTarget, UnblockRequest, UnblockReview
from .lookup import Lookup, blocking_condition

# Crockford's base 32: no I, L, O or U to misread when a reference is read out or typed.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_SIGNER = signing.Signer(salt="enforcement.unblock.status")


def new_reference() -> str:
    code = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"UR-{code[:4]}-{code[4:]}"


def status_token(reference: str) -> str:
    return _SIGNER.signature(reference)


def status_path(reference: str) -> str:
    return reverse("transparency:unblock_status", args=[reference, status_token(reference)])


def status_link(reference: str) -> str:
    """The status page's address for an e-mail."""
    return settings.SITE_URL.rstrip("/") + status_path(reference)


def request_by_link(reference: str, token: str) -> UnblockRequest | None:
    """The request the link opens, or None (a wrong token and an unknown reference alike). The
    token is checked first, so the database is not asked about a reference nobody was given."""
    try:
        _SIGNER.unsign(f"{reference}{_SIGNER.sep}{token}")
    except signing.BadSignature:
        return None
    return UnblockRequest.objects.filter(reference=reference).first()


def published_orders_covering(lookup: Lookup, *, at: datetime) -> list[BlockingOrder]:
    """The orders in the register, in force at `at`, that block what `lookup` names: what the
    register's own search shows, so telling them to the requester reveals nothing."""
    entries = OrderTarget.objects.in_force(at).filter(
        blocking_condition(lookup), order__confidential=False
    )
    return list(
        BlockingOrder.objects.filter(pk__in=entries.values("order_id"))
        .select_related("issuer")
        .order_by("issued_at", "pk")
    )


# ---------------------------------------------------------------------------- the status page

# In a context of their own: "Dismissed: the block stays" is also the issuer's choice, which
# reads as an imperative in Spanish and Portuguese.
STATE_LABELS = {
    "open": pgettext_lazy("unblock status page", "Awaiting the authority's answer"),
    "overdue": pgettext_lazy("unblock status page", "Awaiting the authority's answer: overdue"),
    UnblockRequest.Status.UPHELD: pgettext_lazy(
        "unblock status page", "Upheld: the order no longer covers this name"
    ),
    UnblockRequest.Status.DISMISSED: pgettext_lazy(
        "unblock status page", "Dismissed: the block stays"
    ),
    "answered": pgettext_lazy(
        "unblock status page", "Answered: the answer was sent to your e-mail address"
    ),
}


@dataclass(frozen=True)
class ReviewLine:
    """One order in the register and where the request stands with its issuer."""

    order_reference: str
    authority: str
    state: str  # a key of STATE_LABELS
    due: datetime
    answered_at: datetime | None
    # Filed again from the same address while an earlier request was open: this line is
    # that request's review.
    repeated: bool

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


@dataclass(frozen=True)
class RequestStatus:
    reference: str
    value: str
    kind: str
    filed: datetime
    lines: list[ReviewLine]

    @property
    def covered(self) -> bool:
        """Whether an order in the register covered the name when the request was filed."""
        return bool(self.lines)

    @property
    def waiting(self) -> bool:
        return any(line.answered_at is None for line in self.lines)


def _line(review: UnblockReview, *, repeated: bool, now: datetime) -> ReviewLine:
    if review.status == UnblockRequest.Status.OPEN:
        state = "overdue" if review.answer_due < now else "open"
    elif repeated:
        # The decision went to the address of the earlier request: anyone may type an address
        # on the form, so a later request does not learn what another one was answered.
        state = "answered"
    else:
        state = review.status
    return ReviewLine(
        order_reference=review.order.reference,
        authority=review.order.issuer.name,
        state=state,
        due=review.answer_due,
        answered_at=review.answered_at,
        repeated=repeated,
    )


def request_status(request: UnblockRequest, *, now: datetime | None = None) -> RequestStatus:
    """The request as its requester reads it. Only reviews of orders in the register count:
    whatever a confidential order's issuer does leaves this unchanged."""
    now = now or timezone.now()
    public = UnblockReview.objects.filter(order__confidential=False).select_related("order__issuer")
    own = [(r, False) for r in public.filter(request=request)]
    repeated = [(r, True) for r in public.filter(repeated_by=request)]
    reviews = sorted(own + repeated, key=lambda pair: (pair[0].order.issued_at, pair[0].order.pk))
    return RequestStatus(
        reference=request.reference,
        value=request.value,
        kind=request.kind,
        filed=request.created_at,
        lines=[_line(review, repeated=was, now=now) for review, was in reviews],
    )
