"""Portal pages for blocking orders. Every read starts from `visible_orders(org)` (the issuer and
the addressed ISPs; anyone else gets 404); every write goes through `enforcement.services`,
whose refusals are shown: a wrong party is 403, a wrong state a message, a field error sits
next to its field or line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from hub.fragments import render_page_or_part
from members.models import Organization, Scope
from members.services import Actor

from . import services
from .feeds import DNS_KINDS
from .forms import (
    KIND_LABELS,
    AmendForm,
    LiftForm,
    OrderComposeForm,
    PortalOrderFilter,
    RejectForm,
    RenewForm,
    TargetSource,
    parse_target_lines,
    pickable_targets,
    target_sources,
)
from .models import BlockingOrder, Compliance, OrderTarget
from .selectors import EPOCH, blocklist_version, order_targets, visible_orders, zone_origin

PAGE_SIZE = 50
PICKER_SIZE = 50
# The detail page lists this many targets of each group; a larger order is read via the API.
TARGETS_SHOWN = 1000
OPEN_STATES = frozenset({Compliance.State.NOTIFIED, Compliance.State.ACKNOWLEDGED})
LIVE_STATUSES = frozenset({BlockingOrder.Status.PENDING, BlockingOrder.Status.IN_FORCE})
# Where a service error key has no form field of that name.
FIELD_FOR_ERROR = {"country": None}


# ---------------------------------------------------------------------------- helpers


def _member_org(request) -> Organization:
    """Hub staff belong to no organisation: orders are between members, so these pages are
    not theirs."""
    if request.user.organization_id is None:
        raise Http404
    return request.user.organization


def _may_write(user) -> bool:
    # What the API grants a signed-in person: analysts and admins act, viewers read.
    return Scope.WRITE in user.scopes


def _read_only(request, org: Organization) -> HttpResponse:
    return render(request, "enforcement/orders/read_only.html", {"org": org}, status=403)


def _forbidden(request, org: Organization, reason: str) -> HttpResponse:
    return render(
        request, "enforcement/orders/forbidden.html", {"org": org, "reason": reason}, status=403
    )


def _next(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


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


# ---------------------------------------------------------------------------- countdowns


def countdown_words() -> dict[str, str]:
    """The countdown's words in the active language, as patterns with %(name)s placeholders:
    countdown_text fills them in here, and the page's script (_countdown_script.html, which
    receives this dict) fills in the same placeholders each second, so the two stay in step."""
    return {
        # Translators: a countdown's amount of seconds, e.g. "40 s".
        "seconds": _("%(seconds)s s"),
        # Translators: a countdown's amount of minutes, e.g. "12 min".
        "minutes": _("%(minutes)s min"),
        # Translators: a countdown's amount of whole hours, e.g. "3 h".
        "hours": _("%(hours)s h"),
        # Translators: a countdown's amount of hours and minutes, e.g. "2 h 5 min".
        "hours_minutes": _("%(hours)s h %(minutes)s min"),
        # Translators: a countdown's amount of days, always 2 or more, e.g. "3 days".
        "days": _("%(days)s days"),
        # Translators: a deadline still ahead; %(amount)s is e.g. "12 min" or "2 h 5 min".
        "left": _("%(amount)s left"),
        # Translators: a deadline passed; %(amount)s is e.g. "3 min" or "2 days".
        "overdue": _("overdue by %(amount)s"),
    }


def _seconds_to(deadline: datetime, now: datetime) -> int:
    return int((deadline - now).total_seconds())


def countdown_text(deadline: datetime, now: datetime) -> str:
    """The words of a countdown, "12 min left" or "overdue by 3 min": the same words the page's
    script writes each second from `countdown_words()` (keep the two in step)."""
    words = countdown_words()
    seconds = _seconds_to(deadline, now)
    late, s = seconds < 0, abs(seconds)
    if s < 60:
        amount = words["seconds"] % {"seconds": s}
    elif s < 90 * 60:
        amount = words["minutes"] % {"minutes": s // 60}
    elif s < 48 * 3600:
        hours, minutes = divmod(s // 60, 60)
        pattern = words["hours_minutes"] if minutes else words["hours"]
        amount = pattern % {"hours": hours, "minutes": minutes}
    else:
        amount = words["days"] % {"days": s // 86400}
    return words["overdue" if late else "left"] % {"amount": amount}


@dataclass(frozen=True)
class Countdown:
    iso: str  # UTC, whole seconds: what every browser's Date.parse reads
    text: str
    overdue: bool


def _countdown(deadline: datetime, now: datetime) -> Countdown:
    iso = deadline.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    overdue = _seconds_to(deadline, now) < 0
    return Countdown(iso=iso, text=countdown_text(deadline, now), overdue=overdue)


# ---------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class Answer:
    """One ISP's answer, as the status board shows it."""

    row: Compliance
    open: bool  # still to implement or reject
    overdue: bool


@dataclass
class OrderView:
    order: BlockingOrder
    status: str
    status_label: str
    issued_by_us: bool
    answers: list[Answer]
    mine: Answer | None
    countdown: Countdown | None
    implemented: int
    rejected: int
    overdue: int
    reject_form: RejectForm | None = None

    @property
    def may_answer(self) -> bool:
        return self.mine is not None and self.status == BlockingOrder.Status.IN_FORCE


def _order_view(order: BlockingOrder, org: Organization, now: datetime) -> OrderView:
    """What a page shows of an order, from the rows `visible_orders` prefetched (no query)."""
    status = order.status_at(now)
    live = status in LIVE_STATUSES
    answers = []
    for row in order.compliance.all():
        is_open = row.state in OPEN_STATES
        # Overdue now, not only once the sweep has flagged it: the page counts down live.
        overdue = live and is_open and now > order.deadline
        answers.append(Answer(row=row, open=is_open, overdue=overdue))
    mine = next((a for a in answers if a.row.isp_id == org.pk), None)
    issued_by_us = order.issuer_id == org.pk
    # The issuer waits on any ISP; an ISP on its own answer.
    waiting = any(a.open for a in answers) if issued_by_us else bool(mine and mine.open)
    return OrderView(
        order=order,
        status=status,
        status_label=BlockingOrder.Status(status).label,
        issued_by_us=issued_by_us,
        answers=answers,
        mine=mine,
        countdown=_countdown(order.deadline, now) if live and waiting else None,
        implemented=sum(a.row.state == Compliance.State.IMPLEMENTED for a in answers),
        rejected=sum(a.row.state == Compliance.State.REJECTED for a in answers),
        overdue=sum(a.overdue for a in answers),
    )


def _safeguards_in_page_language(targets: list[OrderTarget], issuer: Organization) -> None:
    """What a target records of the safeguards (its protected-list match, its warnings) is
    English, as the API returns it. The page shows each in its own language wherever the
    safeguards still word it the same today; a record they would now word otherwise (the
    protected list or the reports changed since) is shown as recorded."""
    recorded = [t for t in targets if t.protected_match or t.warnings]
    if not recorded:
        return
    check = services.check_targets(
        [services.TargetInput(t.kind, t.value) for t in recorded], issuer
    )
    reasons = {(h.kind, h.value): h.reason for h in check.protected}
    with translation.override("en"):
        english_reasons = {key: str(reason)[:300] for key, reason in reasons.items()}
        english_warnings = {key: {str(w): w for w in ws} for key, ws in check.warnings.items()}
    for t in recorded:
        key = (t.kind, t.value)
        if t.protected_match and english_reasons.get(key) == t.protected_match:
            t.protected_match = reasons[key]
        known = english_warnings.get(key, {})
        t.warnings = [known.get(w, w) for w in t.warnings]


def _reject_form(order: BlockingOrder) -> RejectForm:
    return RejectForm(prefix="reject", auto_id=f"id_reject_{order.pk}_%s")


# ---------------------------------------------------------------------------- list


@login_required
def order_list(request):
    org = _member_org(request)
    # Meta.ordering does not apply to a GROUP BY query (the count): order explicitly.
    orders = (
        visible_orders(org)
        .annotate(targets_in_force=Count("targets", filter=Q(targets__lifted_at__isnull=True)))
        .order_by("-issued_at", "-id")
    )
    filters = PortalOrderFilter(request.GET or None, queryset=orders, request=request)
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
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


# ---------------------------------------------------------------------------- compose


@dataclass(frozen=True)
class CheckedTarget:
    source: TargetSource
    kind_label: str
    refusal: str  # why the protected list refuses it, or ""
    warnings: list[str]


def _check(sources: list[TargetSource], org: Organization) -> list[CheckedTarget]:
    result = services.check_targets([s.target for s in sources], org)
    refusals = {(h.kind, h.value): h.reason for h in result.protected}
    return [
        CheckedTarget(
            source=s,
            kind_label=KIND_LABELS.get(s.target.kind, s.target.kind),
            refusal=refusals.get((s.target.kind, s.target.value), ""),
            warnings=result.warnings.get((s.target.kind, s.target.value), []),
        )
        for s in sources
    ]


def _picker(org: Organization, query: str, selected: set) -> list[tuple[object, bool]]:
    """The picked targets first (so a search never drops them), then up to PICKER_SIZE matches
    of `query` among the targets the org may see."""
    targets = pickable_targets(org)
    chosen = list(targets.filter(uid__in=selected).order_by("kind", "value")) if selected else []
    matches = targets.exclude(uid__in=selected)
    matches = (
        matches.filter(value__icontains=query).order_by("value")
        if query
        # Most recently reported in what the org may see, not in the hub's own records.
        else matches.order_by("-last_seen", "value")
    )
    shown = [(t, True) for t in chosen] + [(t, False) for t in matches[:PICKER_SIZE]]
    for t, _on in shown:
        t.kind_label = KIND_LABELS.get(t.kind, t.kind)
    return shown


@login_required
def compose(request):
    org = _member_org(request)
    if not services.may_issue(org):
        return _forbidden(
            request, org, _("Only a regulator or law-enforcement member issues blocking orders.")
        )
    if not _may_write(request.user):
        return _read_only(request, org)
    action = request.POST.get("action", "issue") if request.method == "POST" else None
    form = OrderComposeForm(
        request.POST if action else None,
        organization=org,
        initial={"q": request.GET.get("q", "")},
    )
    checked: list[CheckedTarget] | None = None
    target_errors: list[str] = []
    if action in ("check", "search"):
        # Stores nothing and judges only the targets: the rest is shown again as typed.
        form.is_valid()
        if action == "check":
            lines, target_errors = parse_target_lines(form["targets"].value() or "")
            picked = form.cleaned_data.get("picked") or []
            checked = _check(target_sources(lines, picked), org)
        form = OrderComposeForm(initial=form.initial_from_data(), organization=org)
    elif action == "issue" and form.is_valid():
        sources = form.sources()
        try:
            order = services.order_issue(
                actor=Actor(user=request.user), data=form.to_input(sources)
            )
        except services.InvalidOrder as e:
            custom = form.cleaned_data["deadline"] == "custom"
            rename = {"deadline": "deadline_at"} if custom else None
            _apply_order_errors(form, e.errors, sources, rename)
        except services.DuplicateReference as e:
            # A second submission (a double click) lost the race to the first one.
            form.add_error("reference", str(e))
        else:
            isps = order.compliance.count()
            messages.success(
                request,
                # The English text keeps "ISP(s)" for one and many; translations may inflect.
                ngettext(
                    "Order %(reference)s issued to %(count)s ISP(s).",
                    "Order %(reference)s issued to %(count)s ISP(s).",
                    isps,
                )
                % {"reference": order.reference, "count": isps},
            )
            return redirect("enforcement:detail", pk=order.pk)
    if form.is_bound:
        target_errors = list(form.errors.get("targets", []))
    query = (form["q"].value() or "").strip()
    return render(
        request,
        "enforcement/orders/compose.html",
        {
            "org": org,
            "form": form,
            "target_errors": target_errors,
            "checked": checked,
            "refused": sum(bool(c.refusal) for c in checked or []),
            "warned": sum(bool(c.warnings) for c in checked or []),
            "picker": _picker(org, query, form.picked_ids()),
            "query": query,
            "picker_size": PICKER_SIZE,
        },
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
        done=lambda renewal: (
            _("Renewed until %(end)s.")
            % {"end": date_format(timezone.localtime(renewal.new_end), "SHORT_DATETIME_FORMAT")}
        ),
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


# ---------------------------------------------------------------------------- feeds


@login_required
def feeds(request):
    """How an ISP loads its blocklist: the feed URLs, what is in it now, and configuration to
    copy for a fetch script, BIND and Unbound."""
    org = _member_org(request)
    if org.kind != Organization.Kind.TELCO:
        raise Http404
    now = timezone.now()
    by_kind = dict(
        OrderTarget.objects.in_force(now)
        .for_isp(org)
        .order_by("kind")
        .values("kind")
        .annotate(n=Count("value", distinct=True))
        .values_list("kind", "n")
    )
    counts = [(KIND_LABELS[k], by_kind.get(k, 0)) for k in KIND_LABELS]
    urls = {
        fmt: request.build_absolute_uri(reverse("blocklist", kwargs={"fmt": fmt}))
        for fmt in ("txt", "rpz", "csv", "json")
    }
    zone = zone_origin(org)  # the $ORIGIN the feed is served with
    version = blocklist_version(org, now=now)
    return render(
        request,
        "enforcement/orders/feeds.html",
        {
            "org": org,
            "urls": urls,
            "zone": zone,
            "zone_file": f"/var/lib/atalaya/{zone}.rpz",
            "counts": counts,
            "total": sum(by_kind.values()),
            "dns_total": sum(n for k, n in by_kind.items() if k in DNS_KINDS),
            "url_total": by_kind.get("url", 0),
            "version": version if version > EPOCH else None,
        },
    )
