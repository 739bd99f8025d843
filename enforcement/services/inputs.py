"""The shapes a write on blocking orders takes and the errors it raises: the limits,
`InvalidOrder` / `OrderStateError` / `DuplicateReference`, `TargetInput`, `OrderInput`
and `OrderCheck`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from members.models import Organization

from ..safeguards import ProtectedHit

AUTHORITY_KINDS = frozenset({Organization.Kind.REGULATOR, Organization.Kind.LAW_ENFORCEMENT})
MAX_TARGETS = 100_000
# An order whose ISPs must act within this long is a live-event order: its events go first.
URGENT_WINDOW = timedelta(hours=2)
MIN_JUSTIFICATION = 20


class InvalidOrder(Exception):
    """Field errors, nested like DRF's (``{"targets": {3: {"value": [...]}}}``)."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


class OrderStateError(Exception):
    """A step the order's (or the ISP's) current state does not allow; answered 409."""


class DuplicateReference(OrderStateError):
    """Another request by the same issuer stored an order with this reference first (the
    check before the insert cannot see a concurrent one; the unique constraint does)."""


@dataclass(frozen=True)
class TargetInput:
    kind: str
    value: str  # normalised (reports.indicators.normalise)


@dataclass
class OrderInput:
    reference: str
    legal_basis: str
    country: str
    targets: list[TargetInput]
    deadline: datetime
    valid_until: datetime | None = None
    reports: list[int] = field(default_factory=list)
    isps: list[Organization] | None = None  # None: every telco member of the country
    confidential: bool = False
    override_protected: bool = False
    justification: str = ""


@dataclass
class OrderCheck:
    """What the issuer should see before issuing: blocking problems and warnings."""

    protected: list[ProtectedHit]
    warnings: dict[tuple[str, str], list[str]]
