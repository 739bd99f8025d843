"""Safeguards on what an order may block (docs/contract.md, "Blocking orders": the protected
list, warnings).

Two different answers for an order's targets:

* :func:`protected_hits`: targets that touch the protected list (shared CDN addresses, major
  platforms). An order with a hit is refused unless it carries an explicit, justified override,
  which the service records. Pure: the rules in force come from :func:`load_protected_rules`.
* :func:`warnings_for`: non-blocking warnings shown to the issuer and
  kept on the order target (an IP may be shared hosting, a CIDR is wide, a name is a
  free-hosting parent, a platform or a shared CDN). These read the hub's own data: which
  registrable domains the reports link with an address.

Targets are ``(kind, value)`` pairs with kind ``domain``, ``url``, ``ipv4``, ``ipv6`` or
``cidr``, values already normalised by ``reports.indicators.normalise``; other kinds are
ignored. A value that is not valid for its kind raises ``IndicatorError`` (a ``ValueError``).
"""

from .protected import (
    EntryRow,
    IPAddress,
    IPNetwork,
    ProtectedDomain,
    ProtectedHit,
    ProtectedNetwork,
    ProtectedRules,
    Target,
    load_protected_rules,
    protected_hits,
)
from .warnings import (
    SHARED_ADDRESS,
    SHARED_HOSTING_MIN_SITES,
    SHARED_HOSTING_NAMES_SHOWN,
    SHARED_NETWORK,
    SHARED_URL_ADDRESS,
    WIDE_PREFIX,
    warnings_for,
)

__all__ = [
    "SHARED_ADDRESS",
    "SHARED_HOSTING_MIN_SITES",
    "SHARED_HOSTING_NAMES_SHOWN",
    "SHARED_NETWORK",
    "SHARED_URL_ADDRESS",
    "WIDE_PREFIX",
    "EntryRow",
    "IPAddress",
    "IPNetwork",
    "ProtectedDomain",
    "ProtectedHit",
    "ProtectedNetwork",
    "ProtectedRules",
    "Target",
    "load_protected_rules",
    "protected_hits",
    "warnings_for",
]
