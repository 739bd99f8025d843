"""The report form's coverage warnings: which of the chosen category and jurisdictions none of
the organisation's agreements in force covers (`reports.audience`), said on the form before it
is sent. Rendered from the choices of a form sent back with errors; site.js recomputes them
from the same map as the person changes the choices."""

from __future__ import annotations

from django import template

from kernel.vocabulary import TLP

from ..audience import coverage_map
from ..forms import CATEGORY_LABELS
from ..models import Report

register = template.Library()


@register.inclusion_tag("reports/_coverage_live.html")
def coverage_warnings(form, org) -> dict:
    covered = coverage_map(org)
    coverage = None
    category = ""
    if form.is_bound:
        category = form.data.get("category", "")
        chosen = getattr(form, "cleaned_data", {})
        tlp, sharing = str(form.data.get("tlp", "")), form.data.get("sharing", "")
        # TLP:CLEAR reaches every member and private sharing no one: nothing to warn of.
        if tlp != str(TLP.CLEAR.value) and sharing != Report.Sharing.PRIVATE:
            coverage = covered.gaps(
                category=category if category in CATEGORY_LABELS else "",
                jurisdictions=list(chosen.get("jurisdictions") or []),
            )
    return {
        "coverage_map": covered.as_json(),
        "coverage": coverage,
        "category_name": CATEGORY_LABELS.get(category, ""),
    }
