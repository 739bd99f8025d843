"""Portal pages for reports. Every read starts from `visible_reports(org)` (the access policy);
every write goes through `reports.services`."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from kernel.fragments import UNREAD_CHANGED, render_page_or_part
from members.models import Agreement, Organization
from members.portal import may_write as _may_write
from members.portal import member_org as _member_org
from members.selectors import AgreementTerms, agreement_terms
from members.services import Actor
from notifications import selectors as inbox_selectors
from notifications.models import NotificationSettings
from notifications.services import notification_settings_save, notifications_mark_read

from . import services
from .forms import NotificationSettingsForm, ReportStatusForm
from .listing import report_filter
from .models import Report
from .report_page import report_page_context
from .selectors import visible_reports

PAGE_SIZE = 50


def _read_only(request, org: Organization):
    return render(request, "reports/read_only.html", {"org": org}, status=403)


@login_required
def report_list(request):
    org = _member_org(request)
    # The CSV download reads the same rows (export_views): they cannot disagree.
    filters = report_filter(org, request.GET)
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/list.html",
        {
            "org": org,
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "may_write": _may_write(request.user),
        },
    )


@login_required
def report_detail(request, pk: int):
    org = _member_org(request)
    # "Not visible to you" and "does not exist" are the same 404 (docs/contract.md, the access
    # policy).
    report = get_object_or_404(visible_reports(org), pk=pk)
    is_owner = report.owner_id == org.pk
    status_form = None
    if is_owner and _may_write(request.user):
        status_form = ReportStatusForm(initial={"status": report.status})
    return render(
        request,
        "reports/detail.html",
        {
            "org": org,
            "report": report,
            "is_owner": is_owner,
            "status_form": status_form,
            # The indicators with who else reported them, who may see it, the orders it led to.
            **report_page_context(org, report, is_owner=is_owner),
        },
    )


@login_required
@require_POST
def update_status(request, pk: int):
    org = _member_org(request)
    if not _may_write(request.user):
        return _read_only(request, org)
    report = get_object_or_404(visible_reports(org).filter(owner=org), pk=pk)
    form = ReportStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the statuses offered."))
        return redirect("reports:detail", pk=pk)
    try:
        report = services.report_update(
            actor=Actor(user=request.user),
            report=report,
            changes={"status": form.cleaned_data["status"]},
        )
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(
            request,
            _("Status changed to %(status)s.") % {"status": report.get_status_display().lower()},
        )
    return redirect("reports:detail", pk=pk)


@dataclass(frozen=True)
class Partner:
    organization: Organization
    visible_reports: int


@dataclass(frozen=True)
class SharingRow:
    agreement: Agreement
    terms: AgreementTerms
    partners: list[Partner]


@login_required
def sharing(request):
    """What my organisation shares with whom: the agreements in force and, for each other
    party, how many of our reports it can see now."""
    org = _member_org(request)
    agreements = (
        Agreement.objects.of_party(org)
        .in_force()
        .prefetch_related("party_links__organization")
        .order_by("title", "pk")
    )
    counts: dict[int, int] = {}
    rows: list[SharingRow] = []
    for agreement in agreements:
        partners = []
        for link in agreement.party_links.all():
            other = link.organization
            if other.pk == org.pk:
                continue
            if other.pk not in counts:
                # The policy itself, asked as the partner: a hand-written filter could drift.
                counts[other.pk] = Report.objects.visible_to(other).filter(owner=org).count()
            partners.append(Partner(organization=other, visible_reports=counts[other.pk]))
        rows.append(
            SharingRow(agreement=agreement, terms=agreement_terms(agreement), partners=partners)
        )
    return render(request, "reports/sharing.html", {"org": org, "rows": rows})


def _inbox_page(request) -> str:
    """The inbox page a POST came from (its ?page=, or ""): a step comes back to it."""
    number = request.GET.get("page", "")
    return f"?page={number}" if number.isdigit() and number != "1" else ""


@login_required
def inbox(request):
    """The organisation's notifications, through the policy (reports it can no longer see drop
    out). POST marks everything read; with htmx the items are swapped in place and the response
    tells the navigation's badge (HX-Trigger) that the unread count changed."""
    org = _member_org(request)
    items = inbox_selectors.inbox(org)
    marked = request.method == "POST"
    if marked:
        notifications_mark_read(org=org)
        if not request.htmx:
            return redirect(reverse("reports:inbox") + _inbox_page(request))
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = inbox_selectors.with_subjects(org, page.object_list)
    here = f"?page={page.number}" if page.number > 1 else ""
    response = render_page_or_part(
        request,
        "reports/inbox.html",
        "reports/_inbox_results.html",
        {"org": org, "page": page, "here": here},
        target="inbox-results",
    )
    return trigger_client_event(response, UNREAD_CHANGED) if marked else response


@login_required
@require_POST
def inbox_read(request, pk: int):
    """Marks one inbox item read. htmx gets the item's row back (and the badge its HX-Trigger);
    a plain POST comes back to the inbox page. An item outside the policy is 404, as is a
    missing one."""
    org = _member_org(request)
    item = get_object_or_404(inbox_selectors.inbox(org), pk=pk)
    if item.read_at is None:
        # Only while unread: a "mark all" in another tab keeps the time it set.
        notifications_mark_read(org=org, pk=item.pk)
        item.refresh_from_db(fields=["read_at"])
    if not request.htmx:
        return redirect(reverse("reports:inbox") + _inbox_page(request))
    (item,) = inbox_selectors.with_subjects(org, [item])
    response = render(request, "reports/_inbox_row.html", {"item": item})
    patch_vary_headers(response, ("HX-Request",))
    return trigger_client_event(response, UNREAD_CHANGED)


@login_required
def notification_settings(request):
    """Org admins choose which report events they hear of, and how."""
    org = _member_org(request)
    if not request.user.is_org_admin:
        raise Http404
    # Unsaved settings read as the defaults: nothing is written until the admin saves.
    prefs = NotificationSettings.objects.filter(organization=org).first() or NotificationSettings(
        organization=org
    )
    form = NotificationSettingsForm(request.POST or None, instance=prefs)
    if request.method == "POST" and form.is_valid():
        notification_settings_save(user=request.user, organization=org, **form.cleaned_data)
        messages.success(request, _("Notification settings saved."))
        return redirect("reports:notification_settings")
    endpoints = org.webhook_endpoints.all()
    return render(
        request,
        "reports/notification_settings.html",
        {"org": org, "form": form, "endpoints": endpoints},
    )
