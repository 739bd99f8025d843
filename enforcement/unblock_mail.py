"""What the requester of an unblock request receives by e-mail: the acknowledgment, and the
answer of an order in the register. Both carry the request's reference and the link to its
status page (enforcement.transparency.requests).

Whatever a confidential order does is never written to the requester: the acknowledgment
depends only on the orders in the register, and no later e-mail follows a confidential order's
review, so the requester of a name only a confidential order covers receives, word for word,
what the requester of a name no order covers receives."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from kernel.mail import Compose, mail_date, send_composed, subject_line

from .models import BlockingOrder, UnblockRequest, UnblockReview
from .transparency.requests import status_link


def _send(request: UnblockRequest, compose: Compose) -> None:
    # The requester has no time zone the hub knows: dates are UTC days, and say so.
    send_composed(
        to=[request.requester_email],
        compose=compose,
        language=request.language,
        fail_silently=True,
    )


def _opening(request: UnblockRequest) -> str:
    return _(
        "Dear %(name)s,\n\n"
        "We received your request of %(date)s to unblock %(value)s. Its reference is "
        "%(reference)s."
    ) % {
        "name": request.requester_name,
        "date": mail_date(request.created_at),
        "value": request.value,
        "reference": request.reference,
    }


def _kept_out() -> str:
    return _(
        "Orders kept out of the register are reviewed by their issuing authority too, but "
        "their outcome is not sent to you."
    )


def _closing(request: UnblockRequest) -> str:
    return _("The status of your request:\n%(link)s\n\nAtalaya transparency register\n") % {
        "link": status_link(request.reference)
    }


def acknowledge(request: UnblockRequest, *, published: list[BlockingOrder], due: datetime) -> None:
    """The acknowledgment, once the request is recorded. `published`: the orders in the
    register that cover the name; nothing else shapes it."""

    def compose() -> tuple[str, str]:
        if published:
            orders = "\n".join(f"- {order.reference}, {order.issuer.name}" for order in published)
            middle = [
                _(
                    "These orders published in the transparency register cover this name; "
                    "their issuing authority will answer by %(due)s at this address:\n%(orders)s"
                )
                % {"due": mail_date(due), "orders": orders},
                _kept_out(),
            ]
        else:
            middle = [
                _(
                    "No order published in the transparency register covers this name, so no "
                    "authority will answer this request."
                ),
                _(
                    "If the name is blocked all the same, an internet provider may be blocking "
                    "it on its own account, or an order kept out of the register may cover it: "
                    "the authority that issued such an order reviews your request too, but its "
                    "outcome is not sent to you."
                ),
            ]
        body = "\n\n".join([_opening(request), *middle, _closing(request)])
        about = _("Your unblock request about %(value)s") % {"value": request.value}
        return subject_line(about), body

    _send(request, compose)


def tell_answer(review: UnblockReview) -> None:
    """The issuer's answer, to the requester, unless the order is confidential."""
    request, order = review.request, review.order
    if order.confidential:
        # Anyone may file a request, and a name no order covers gets the acknowledgment and
        # nothing after it: any later word (even "it was reviewed", or its timing) would tell
        # the requester that a confidential order covers the name. The acknowledgment said
        # that the outcome of such an order is not sent.
        return

    def answered() -> tuple[str, str]:
        upheld = review.status == UnblockRequest.Status.UPHELD
        where = {"value": request.value}
        subject = (
            _("Your unblock request about %(value)s: upheld")
            if upheld
            else _("Your unblock request about %(value)s: dismissed")
        ) % where
        outcome = (
            _("Your request is upheld: the blocking order no longer covers this name.")
            if upheld
            else _("Your request is dismissed: the block stays.")
        )
        body = _(
            "Dear %(name)s,\n\n"
            "%(issuer)s (order %(reference)s) has answered your request of %(date)s to unblock "
            "%(value)s.\n\n"
            "%(outcome)s\n\n%(answer)s"
        ) % {
            "name": request.requester_name,
            "issuer": order.issuer.name,
            "reference": order.reference,
            "date": mail_date(request.created_at),
            "value": request.value,
            "outcome": outcome,
            "answer": review.answer,
        }
        return subject_line(subject), "\n\n".join([body, _closing(request)])

    _send(request, answered)
