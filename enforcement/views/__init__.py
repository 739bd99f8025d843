"""Portal pages for blocking orders. Every read starts from `visible_orders(org)` (the issuer and
the addressed ISPs; anyone else gets 404); every write goes through `enforcement.services`,
whose refusals are shown: a wrong party is 403, a wrong state a message, a field error sits
next to its field or line. The URL modules take the views from this package."""

from .blocklist_feeds import feeds
from .common import (
    FIELD_FOR_ERROR,
    LIVE_STATUSES,
    OPEN_STATES,
    PAGE_SIZE,
    PICKER_SIZE,
    TARGETS_SHOWN,
)
from .compose_page import CheckedTarget, compose
from .orders import (
    acknowledge,
    amend,
    confirm,
    lift,
    order_detail,
    order_list,
    reject,
    renew,
    withdraw,
)
from .rows import Answer, Countdown, OrderView, countdown, countdown_text, countdown_words

__all__ = [
    "FIELD_FOR_ERROR",
    "LIVE_STATUSES",
    "OPEN_STATES",
    "PAGE_SIZE",
    "PICKER_SIZE",
    "TARGETS_SHOWN",
    "Answer",
    "CheckedTarget",
    "Countdown",
    "OrderView",
    "acknowledge",
    "amend",
    "compose",
    "confirm",
    "countdown",
    "countdown_text",
    "countdown_words",
    "feeds",
    "lift",
    "order_detail",
    "order_list",
    "reject",
    "renew",
    "withdraw",
]
