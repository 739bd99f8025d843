"""Portal forms for blocking orders. They check shapes and normalise values, then hand over:
who may issue, the protected list, the dates and the workflow are judged in
`enforcement.services`, whose errors the views put back on these fields."""

from .compose import OrderComposeForm, PortalOrderFilter, pickable_targets
from .steps import AmendForm, LiftForm, RejectForm, RenewForm
from .targets import (
    BLOCKABLE_KINDS,
    DEADLINE_CHOICES,
    KIND_LABELS,
    MAX_LINE_ERRORS,
    IdListField,
    IspChoiceField,
    TargetLine,
    TargetLinesField,
    TargetSource,
    detect_kind,
    parse_target_lines,
    target_sources,
)

__all__ = [
    "BLOCKABLE_KINDS",
    "DEADLINE_CHOICES",
    "KIND_LABELS",
    "MAX_LINE_ERRORS",
    "AmendForm",
    "IdListField",
    "IspChoiceField",
    "LiftForm",
    "OrderComposeForm",
    "PortalOrderFilter",
    "RejectForm",
    "RenewForm",
    "TargetLine",
    "TargetLinesField",
    "TargetSource",
    "detect_kind",
    "parse_target_lines",
    "pickable_targets",
    "target_sources",
]
