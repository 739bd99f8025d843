"""What the public may read of blocking orders (docs/contract.md, "Blocking orders"): the
transparency register, the "is my site blocked, and why?" lookup, and the figures.

Two rules shape every function here:

* an entry of a confidential order never appears in what the public reads (the register, its
  CSV, the lookup); the figures count it all the same ("an issuer may keep a confidential
  order's entries out of the register, but not its counts");
* an entry appears once its order was issued (the grace window over: a withdrawn order was
  never in force and is never shown).

The lookup is also how an unblock request finds the orders that cover a name
(`enforcement.unblock`), there over confidential orders too: `blocking_condition` is the one
definition of "this entry blocks that name".
"""

from .lookup import (
    IPAddress,
    Lookup,
    blocking_condition,
    lookup_of,
    parse_lookup,
    public_matches,
    why,
)
from .public_figures import (
    AuthorityFigure,
    Figures,
    IspFigure,
    UnblockFigures,
    duration_text,
    figures,
    unblock_cutoff,
)
from .register import (
    KIND_LABELS,
    REGISTER_PAGE_SIZE,
    STATE_LABELS,
    RegisterRow,
    register_entries,
    register_row,
)

__all__ = [
    "KIND_LABELS",
    "REGISTER_PAGE_SIZE",
    "STATE_LABELS",
    "AuthorityFigure",
    "Figures",
    "IPAddress",
    "IspFigure",
    "Lookup",
    "RegisterRow",
    "UnblockFigures",
    "blocking_condition",
    "duration_text",
    "figures",
    "lookup_of",
    "parse_lookup",
    "public_matches",
    "register_entries",
    "register_row",
    "unblock_cutoff",
    "why",
]
