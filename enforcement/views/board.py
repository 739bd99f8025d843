"""An order's status board: each addressed ISP's answer, as the order page shows it. The order
page polls it every 30 s (htmx, `_status_board.html`), so an issuer watching a deadline sees
the answers come in without reloading; opened on its own it is a page (a wall screen)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_GET

from kernel.fragments import render_page_or_part

from ..selectors import visible_orders
from .answer_rows import add_reasons
from .common import _member_org
from .rows import _order_view, countdown_words

# The element the order page polls (its id), and how often (_status_board.html says 30 s).
BOARD = "status-board"


@login_required
@require_GET
def order_board(request, pk: int):
    org = _member_org(request)
    # "Not yours" and "does not exist" are the same 404; an ISP's board holds only its own
    # answer, the issuer's every ISP's (the prefetch of `visible_orders`).
    order = get_object_or_404(visible_orders(org), pk=pk)
    view = _order_view(order, org, timezone.now())
    add_reasons(view)  # the targets each ISP found impossible, and why
    return render_page_or_part(
        request,
        "enforcement/orders/board.html",
        "enforcement/orders/_status_board.html",
        {"org": org, "order": order, "view": view, "countdown_words": countdown_words()},
        target=BOARD,
    )
