"""Writes on blocking orders. Serializers and forms check shapes and normalise values; the rules
(who may issue, for which country, which ISPs, the protected list, the workflow) live here,
in the package's modules; callers use the names from the package (`services.order_issue`)."""

from .answers import TargetAnswerInput, compliance_answer_targets
from .blocklists import blocklist_serial_next
from .changes import order_amend, order_lift, order_renew, order_withdraw
from .compliance import compliance_acknowledge, compliance_confirm, compliance_reject
from .inputs import (
    AUTHORITY_KINDS,
    MAX_TARGETS,
    MIN_JUSTIFICATION,
    URGENT_WINDOW,
    DuplicateReference,
    InvalidOrder,
    OrderCheck,
    OrderInput,
    OrderStateError,
    TargetInput,
)

# Private, but order_issue and order_amend look it up here (so that it can be replaced here).
from .issuing import _add_targets as _add_targets
from .issuing import (
    check_targets,
    default_isps,
    is_urgent,
    may_issue,
    order_announce,
    order_issue,
)
from .sweeps import orders_announce_due, orders_announce_ended, orders_flag_overdue

__all__ = [
    "AUTHORITY_KINDS",
    "MAX_TARGETS",
    "MIN_JUSTIFICATION",
    "URGENT_WINDOW",
    "DuplicateReference",
    "InvalidOrder",
    "OrderCheck",
    "OrderInput",
    "OrderStateError",
    "TargetAnswerInput",
    "TargetInput",
    "blocklist_serial_next",
    "check_targets",
    "compliance_acknowledge",
    "compliance_answer_targets",
    "compliance_confirm",
    "compliance_reject",
    "default_isps",
    "is_urgent",
    "may_issue",
    "order_amend",
    "order_announce",
    "order_issue",
    "order_lift",
    "order_renew",
    "order_withdraw",
    "orders_announce_due",
    "orders_announce_ended",
    "orders_flag_overdue",
]
