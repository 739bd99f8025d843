"""What every portal page of blocking orders shares: the page sizes, who the signed-in
member is and may do, the 403 pages, and putting a service's errors on a form's fields."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from kernel.http import safe_next
from members.models import Organization
from members.portal import may_write as _may_write  # noqa: F401 - used by the views
from members.portal import member_org as _member_org  # noqa: F401 - used by the views

from ..forms import (
    TargetSource,
)
from ..models import BlockingOrder, Compliance

PAGE_SIZE = 50
PICKER_SIZE = 50
# The detail page lists this many targets of each group; a larger order is read via the API.
TARGETS_SHOWN = 1000
OPEN_STATES = frozenset({Compliance.State.NOTIFIED, Compliance.State.ACKNOWLEDGED})
LIVE_STATUSES = frozenset({BlockingOrder.Status.PENDING, BlockingOrder.Status.IN_FORCE})
# Where a service error key has no form field of that name.
FIELD_FOR_ERROR = {"country": None}


# ---------------------------------------------------------------------------- helpers


def _read_only(request, org: Organization) -> HttpResponse:
    return render(request, "enforcement/orders/read_only.html", {"org": org}, status=403)


def _forbidden(request, org: Organization, reason: str) -> HttpResponse:
    return render(
        request, "enforcement/orders/forbidden.html", {"org": org, "reason": reason}, status=403
    )


def _next(request, default: str) -> str:
    # Only the form's: the order pages send `next` as a hidden field, never in the link.
    return safe_next(request, default, from_query=False)


def _visible_or_404(org: Organization, pk: int) -> BlockingOrder:
    # "Not yours" and "does not exist" are the same 404 (docs/contract.md, Blocking orders).
    return get_object_or_404(BlockingOrder.objects.visible_to(org), pk=pk)


def _flatten(messages_or_nested) -> list[str]:
    if isinstance(messages_or_nested, dict):
        return [m for value in messages_or_nested.values() for m in _flatten(value)]
    if isinstance(messages_or_nested, list | tuple):
        return [m for value in messages_or_nested for m in _flatten(value)]
    return [str(messages_or_nested)]


def _apply_order_errors(
    form,
    errors: dict,
    sources: list[TargetSource] | None = None,
    rename: dict[str, str | None] | None = None,
) -> None:
    """Puts each error of `InvalidOrder.errors` on its field (`rename`: where a service key has
    a field of another name); a target's error (by position in the de-duplicated list) names
    the line or lines it was typed on."""
    rename = {**FIELD_FOR_ERROR, **(rename or {})}
    for key, value in errors.items():
        if key == "targets" and isinstance(value, dict):
            lines = []
            for index, detail in sorted(value.items()):
                source = sources[index] if sources and 0 <= index < len(sources) else None
                label = source.label if source else _("Target %(number)s") % {"number": index + 1}
                lines += [
                    _("%(target)s: %(message)s") % {"target": label, "message": message}
                    for message in _flatten(detail)
                ]
            form.add_error("targets", lines)
            continue
        field = rename.get(key, key)
        form.add_error(field if field in form.fields else None, _flatten(value))
