"""The addressed ISP answers an order target by target from the order's page: it ticks
targets and marks them blocked, or impossible with a reason. Without a script the form posts
and the page comes back; with htmx the page's <main> is swapped in place, as for the other
answers. The rules are `services.compliance_answer_targets`'s: a wrong party is 403, a wrong
state a message, an error sits next to its field."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from members.services import Actor

from .. import services
from ..forms.answers import TargetAnswerForm
from .common import _flatten, _forbidden, _may_write, _member_org, _read_only, _visible_or_404
from .orders import _detail

# The service's per-answer keys, as the form names them (every ticked target shares them).
FIELDS = {"target": "targets", "state": "state", "reason": "reason", "detail": "detail"}


def _errors_on(form: TargetAnswerForm, errors: dict) -> None:
    """Puts the service's errors on the form's fields, each message once: the ticked targets
    share one reason, so the same refusal comes back for each of them."""
    placed: dict[str | None, list[str]] = {}
    for key, value in errors.items():
        if key == "answers" and isinstance(value, dict):
            for detail in value.values():
                for name, messages_ in detail.items():
                    placed.setdefault(FIELDS.get(name), []).extend(_flatten(messages_))
        else:
            placed.setdefault(None, []).extend(_flatten(value))
    for field, found in placed.items():
        form.add_error(field, list(dict.fromkeys(found)))


@login_required
@require_POST
def answer_targets(request, pk: int):
    org = _member_org(request)
    order = _visible_or_404(org, pk)
    if not _may_write(request.user):
        return _read_only(request, org)
    form = TargetAnswerForm(request.POST, order=order)
    if form.is_valid():
        answers = form.to_inputs()
        try:
            services.compliance_answer_targets(
                actor=Actor(user=request.user), order=order, answers=answers
            )
        except PermissionDenied as e:
            return _forbidden(request, org, str(e))
        except services.OrderStateError as e:
            messages.error(request, str(e))
            return redirect("enforcement:detail", pk=pk)
        except services.InvalidOrder as e:
            _errors_on(form, e.errors)
        else:
            messages.success(
                request,
                ngettext(
                    "Order %(reference)s: %(count)s target answered.",
                    "Order %(reference)s: %(count)s targets answered.",
                    len(answers),
                )
                % {"reference": order.reference, "count": len(answers)},
            )
            return redirect(reverse("enforcement:detail", args=[pk]) + "#per-target-heading")
    return _detail(request, org, pk, answer_form=form)
