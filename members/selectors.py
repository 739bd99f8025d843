"""Reads on members beyond one queryset."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _

from kernel.vocabulary import TLP, Category
from kernel.zones import hub_today

from .models import Agreement


@dataclass(frozen=True)
class AgreementTerms:
    """What an agreement shares, in words for the portal; an empty list means "all"."""

    categories: list[str]
    jurisdictions: list[str]
    max_tlp: str
    status: str
    in_force: bool


def agreement_terms(agreement: Agreement, *, today: datetime.date | None = None) -> AgreementTerms:
    today = today or hub_today()
    status = agreement.get_status_display()
    in_force = False
    if agreement.status == Agreement.Status.ACTIVE:
        # The policy stops sharing after the last day even before the expiry task has run,
        # and before the first one even when everyone has signed; say so rather than "Active".
        if agreement.expires_on is not None and agreement.expires_on < today:
            status = Agreement.Status.EXPIRED.label
        elif agreement.effective_from > today:
            status = _("Signed; in force from %(day)s") % {
                "day": formats.date_format(agreement.effective_from, "SHORT_DATE_FORMAT")
            }
        else:
            in_force = True
    return AgreementTerms(
        categories=[Category(c).label for c in agreement.categories],
        jurisdictions=list(agreement.jurisdictions),
        max_tlp=f"TLP:{TLP(agreement.max_tlp).label.upper()}",
        status=status,
        in_force=in_force,
    )
