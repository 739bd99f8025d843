"""The pages of orders: the list, the detail page, and the workflow steps posted from them
(the ISP's answers, the issuer's amend, renew, lift and withdraw)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kernel.confirm import Confirmation, ask, confirmed
from kernel.fragments import render_page_or_part
from kernel.zones import zone_label
from members.models import Organization
from members.services import Actor

# PAGE_SIZE is read on the package, `enforcement.views`, so that a change made there (as a
# test makes) takes effect.
from .. import services, views
from ..forms import (
    KIND_LABELS,
    AmendForm,
    LiftForm,
    RejectForm,
    RenewForm,
)
from ..listing import order_filter
from ..models import BlockingOrder, Compliance
from ..selectors import order_targets, visible_orders
from .answer_rows import answers_context
from .common import (
    LIVE_STATUSES,
    TARGETS_SHOWN,
    _apply_order_errors,
    _flatten,
    _forbidden,
    _may_write,
    _member_org,
    _next,
    _read_only,
    _visible_or_404,
)
from .rows import _order_view, _reject_form, _safeguards_in_page_language, countdown_words

# ---------------------------------------------------------------------------- list


@login_required
def order_list(request):
    org = _member_org(request)
    now = timezone.now()
    # Deadlines first; the CSV download reads the same rows (views.exports): they cannot
    # disagree.
    filters = order_filter(request, org, now)
    page = Paginator(filters.qs, views.PAGE_SIZE).get_page(request.GET.get("page"))
    may_write = _may_write(request.user)
    rows = []
    for order in page:
        view = _order_view(order, org, now)
        if view.may_answer and may_write and view.mine.open:
            view.reject_form = _reject_form(order)
        rows.append(view)
    query = request.GET.copy()
    query.pop("page", None)
    # A filter or the pager asks (with htmx) for the results only: nothing else changes.
    return render_page_or_part(
        request,
        "enforcement/orders/list.html",
        "enforcement/orders/_list_results.html",
        {
            "org": org,
            "filters": filters,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "may_write": may_write,
            "may_issue": may_write and services.may_issue(org),
            "is_isp": org.kind == Organization.Kind.TELCO,
            "countdown_words": countdown_words(),
        },
        target="order-results",
    )


# ---------------------------------------------------------------------------- detail


def _detail(request, org: Organization, pk: int, *, status: int = 200, **bound) -> HttpResponse:
    order = get_object_or_404(visible_orders(org), pk=pk)
    now = timezone.now()
    view = _order_view(order, org, now)
    may_write = _may_write(request.user)
    # An order may hold 100,000 targets: the page shows the first TARGETS_SHOWN of each group.
    live_rows = order_targets(order).filter(lifted_at__isnull=True)
    lifted_rows = order_targets(order).filter(lifted_at__isnull=False)
    live, lifted = list(live_rows[:TARGETS_SHOWN]), list(lifted_rows[:TARGETS_SHOWN])
    for t in live + lifted:
        t.kind_label = KIND_LABELS.get(t.kind, t.kind)
    if view.issued_by_us:  # only the issuer is shown what the safeguards recorded
        _safeguards_in_page_language(live, org)
    live_count = len(live) if len(live) < TARGETS_SHOWN else live_rows.count()
    lifted_count = len(lifted) if len(lifted) < TARGETS_SHOWN else lifted_rows.count()
    issuer_acts = view.issued_by_us and may_write and view.status in LIVE_STATUSES
    if view.may_answer and may_write and view.mine.open:
        view.reject_form = bound.get("reject_form") or _reject_form(order)
    context = {
        "org": org,
        "order": order,
        "view": view,
        "may_write": may_write,
        "live_targets": live,
        "lifted_targets": lifted,
        "live_count": live_count,
        "lifted_count": lifted_count,
        "targets_shown": TARGETS_SHOWN,
        "renewals": list(order.renewals.all()),
        "issuer_acts": issuer_acts,
        "may_withdraw": issuer_acts and view.status == BlockingOrder.Status.PENDING,
        "may_lift": issuer_acts and view.status == BlockingOrder.Status.IN_FORCE,
        "countdown_words": countdown_words(),
    }
    if issuer_acts:
        context["amend_form"] = bound.get("amend_form") or AmendForm(prefix="amend")
        context["renew_form"] = bound.get("renew_form") or RenewForm(prefix="renew")
        context["lift_errors"] = bound.get("lift_errors", [])
    # The answers per target: the ISP's own; for the issuer, every ISP's reasons (answer_rows).
    answers = answers_context(view, live, may_write=may_write, form=bound.get("answer_form"))
    context.update(answers)
    return render(request, "enforcement/orders/detail.html", context, status=status)


@login_required
def order_detail(request, pk: int):
    return _detail(request, _member_org(request), pk)


def _step(request, pk: int, fn, *, done: Callable[[BlockingOrder], str], **kwargs):
    """Runs a workflow step that needs no form (`done` words its success for the order). Wrong
    party: 403; wrong state: a message."""
    org = _member_org(request)
    order = _visible_or_404(org, pk)
    if not _may_write(request.user):
        return _read_only(request, org)
    back = _next(request, reverse("enforcement:detail", args=[pk]))
    try:
        fn(actor=Actor(user=request.user), order=order, **kwargs)
    except PermissionDenied as e:
        return _forbidden(request, org, str(e))
    except services.OrderStateError as e:
        messages.error(request, str(e))
    except services.InvalidOrder as e:
        messages.error(request, " ".join(_flatten(e.errors)))
    else:
        messages.success(request, done(order))
    return redirect(back)


# ---------------------------------------------------------------------------- the ISP's answers


@login_required
@require_POST
def acknowledge(request, pk: int):
    return _step(
        request,
        pk,
        services.compliance_acknowledge,
        done=lambda order: _("Order %(reference)s: acknowledged.") % {"reference": order.reference},
    )


@login_required
@require_POST
def confirm(request, pk: int):
    org = _member_org(request)
    order = _visible_or_404(org, pk)
    # Asked only when the step would happen (an addressed ISP that may write, an order in
    # force, not confirmed yet); otherwise the step gives its own refusal or does nothing.
    in_force = order.status_at(timezone.now()) == BlockingOrder.Status.IN_FORCE
    to_confirm = order.compliance.filter(isp=org).exclude(state=Compliance.State.IMPLEMENTED)
    if in_force and _may_write(request.user) and to_confirm.exists() and not confirmed(request):
        where = {"reference": order.reference}
        return ask(
            request,
            Confirmation(
                question=_("Confirm that order %(reference)s is implemented?") % where,
                consequences=[
                    _(
                        "The issuer is told at once that your organisation blocks every target "
                        "of the order."
                    ),
                    _(
                        "A confirmation is not taken back: if a target turns out not to be "
                        "blocked, tell the issuer."
                    ),
                ],
                button=_("Yes, it is implemented"),
                back=_next(request, reverse("enforcement:detail", args=[pk])),
                danger=False,
            ),
        )
    return _step(
        request,
        pk,
        services.compliance_confirm,
        done=lambda order: (
            _("Order %(reference)s: implementation confirmed.") % {"reference": order.reference}
        ),
    )


@login_required
@require_POST
def reject(request, pk: int):
    form = RejectForm(request.POST, prefix="reject", auto_id=f"id_reject_{pk}_%s")
    return _form_step(
        request,
        pk,
        form,
        services.compliance_reject,
        form_key="reject_form",
        done=lambda row: _("Order %(reference)s: rejected.") % {"reference": row.order.reference},
    )


# ---------------------------------------------------------------------------- the issuer's steps


def _form_step(request, pk: int, form, fn, *, form_key: str, done, **extra):
    """Runs a step that takes a form (its cleaned data, plus `extra`, are the service's keyword
    arguments). Wrong party: 403; wrong state: a message; field errors: the detail page again,
    with the form as typed and each error on its field."""
    org = _member_org(request)
    order = _visible_or_404(org, pk)
    if not _may_write(request.user):
        return _read_only(request, org)
    if form.is_valid():
        kwargs = {**form.cleaned_data, **extra}
        try:
            result = fn(actor=Actor(user=request.user), order=order, **kwargs)
        except PermissionDenied as e:
            return _forbidden(request, org, str(e))
        except services.OrderStateError as e:
            messages.error(request, str(e))
            return redirect("enforcement:detail", pk=pk)
        except services.InvalidOrder as e:
            # Target errors are numbered in the list as sent (the form's distinct targets).
            sources = form.sources() if isinstance(form, AmendForm) else None
            _apply_order_errors(form, e.errors, sources)
        else:
            messages.success(request, done(result))
            return redirect(_next(request, reverse("enforcement:detail", args=[pk])))
    return _detail(request, org, pk, **{form_key: form})


@login_required
@require_POST
def amend(request, pk: int):
    form = AmendForm(request.POST, prefix="amend")
    targets = [s.target for s in form.sources()] if form.is_valid() else []
    return _form_step(
        request,
        pk,
        form,
        services.order_amend,
        form_key="amend_form",
        done=lambda added: (
            ngettext(
                "%(count)s target(s) added; the ISPs were told again.",
                "%(count)s target(s) added; the ISPs were told again.",
                len(added),
            )
            % {"count": len(added)}
            if added
            else _("Nothing added: every target is already in force in this order.")
        ),
        targets=targets,
    )


def _moment(at) -> str:
    # As the pages print a time: in the reader's zone, with the zone beside it.
    local = timezone.localtime(at)
    return f"{date_format(local, 'SHORT_DATETIME_FORMAT')}\u00a0{zone_label(local)}"


@login_required
@require_POST
def renew(request, pk: int):
    form = RenewForm(request.POST, prefix="renew")
    return _form_step(
        request,
        pk,
        form,
        services.order_renew,
        form_key="renew_form",
        done=lambda renewal: _("Renewed until %(end)s.") % {"end": _moment(renewal.new_end)},
    )


@login_required
@require_POST
def lift(request, pk: int):
    org = _member_org(request)
    order = _visible_or_404(org, pk)
    if not _may_write(request.user):
        return _read_only(request, org)
    form = LiftForm(request.POST, order=order)
    if not form.is_valid():
        return _detail(request, org, pk, lift_errors=_flatten(list(form.errors.values())))
    targets = form.to_inputs()
    # Asked only when the step would happen (the issuer, an order in force); otherwise the
    # step gives its own refusal.
    in_force = order.status_at(timezone.now()) == BlockingOrder.Status.IN_FORCE
    if targets is None and order.issuer_id == org.pk and in_force and not confirmed(request):
        live = order.targets.filter(lifted_at__isnull=True).count()
        return ask(
            request,
            Confirmation(
                question=_("Lift the whole order %(reference)s?") % {"reference": order.reference},
                consequences=[
                    ngettext(
                        "Its %(count)s target in force leaves every ISP's blocklist; the ISPs "
                        "are told.",
                        "Its %(count)s targets in force leave every ISP's blocklist; the ISPs "
                        "are told.",
                        live,
                    )
                    % {"count": live},
                    _("Lifting is final: to block them again you would issue a new order."),
                ],
                button=_("Lift the whole order"),
                back=reverse("enforcement:detail", args=[pk]),
            ),
        )

    def done(order: BlockingOrder) -> str:
        if targets is None:
            return _("Order %(reference)s lifted.") % {"reference": order.reference}
        return ngettext(
            "%(count)s target(s) lifted from order %(reference)s.",
            "%(count)s target(s) lifted from order %(reference)s.",
            len(targets),
        ) % {"count": len(targets), "reference": order.reference}

    return _step(request, pk, services.order_lift, done=done, targets=targets)


@login_required
@require_POST
def withdraw(request, pk: int):
    return _step(
        request,
        pk,
        services.order_withdraw,
        done=lambda order: _("Order %(reference)s withdrawn.") % {"reference": order.reference},
    )
